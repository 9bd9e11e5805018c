using System.Runtime.CompilerServices;

namespace NeuroLite.Kernels;

/// <summary>
/// The GotoBLAS/BLIS loop nest around one micro-kernel: NC columns of B (L3) → KC deep (pack B) → MC rows of A (L2,
/// pack A) → NR columns → MR rows (micro-kernel). Specialised per kernel struct so MR/NR are constants. Thin
/// products skip the packing that buys nothing (fewer rows than MR: B read in place; at most 2·NR columns: A read in
/// place) where the kernel supports it. Two threads split C by rows and share each packed B block, or by columns.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    /// <summary>
    /// Runs a validated, non-empty (m, n, k ≥ 1) product, on two threads when it is large enough. With a
    /// <paramref name="bias"/> (not accumulating), each tile of C gets it added and <paramref name="activation"/>
    /// applied after its last depth block, by the thread that computed it. <paramref name="plan"/> holds the blocks
    /// and policies (<see cref="GemmPlan.For{TKernel}"/> outside tests).
    /// </summary>
    public static void Multiply(double* a, double* b, double* c, int m, int n, int k, bool transA, bool transB, bool accumulate, in GemmPlan plan, double* bias = null, GemmActivation activation = GemmActivation.None)
    {
        var p = new GemmProblem(a, b, c, m, n, k, transA, transB, accumulate, plan) { Bias = bias, Activation = activation };
        if (Gemm.MaxThreads >= 2 && (long)m * n * k >= plan.ParallelMinWork && TrySplit(p, out bool splitRows, out int split))
        {
            // Disjoint C blocks (the worker takes the second), each element summed in the same order as on one thread,
            // so the bits do not depend on the thread count.
            double* shared = null;
            if (splitRows)
            {
                // Both threads pack half of each B block into one of two shared buffers and then read all of it.
                int ncMax = GemmTuning.RoundUp(Math.Min(Balanced(n, p.Blocks.Nc, TKernel.Nr), n), TKernel.Nr);
                shared = GemmScratch.Current.Shared(2 * (nuint)ncMax * (nuint)Balanced(k, p.Blocks.Kc, 1));
            }
            p = p with { Split = split, SplitRows = splitRows, SharedB = shared };
            if (GemmWorker.TryPost(&RunPart, p, GemmTuning.OneThreadTicks((long)m * n * k)))
            {
                bool failed = true;
                try
                {
                    RunPart(p, 0);
                    failed = false;
                }
                finally
                {
                    GemmWorker.Wait(failed);
                }
                return;
            }
        }
        Run(p, 0, m, 0, n);
    }

    /// <summary>
    /// Where to cut C for two threads, at a tile boundary, about evenly by tiles. Rows when there are enough (both
    /// threads then share the packed B, and each packs only its own rows of A); columns for short, wide products
    /// (each thread then packs its own columns of B, and all of the little A).
    /// </summary>
    private static bool TrySplit(in GemmProblem p, out bool splitRows, out int split)
    {
        int rowTiles = (p.M + TKernel.Mr - 1) / TKernel.Mr, colTiles = (p.N + TKernel.Nr - 1) / TKernel.Nr;
        splitRows = rowTiles >= 4 || (rowTiles >= 2 && rowTiles * TKernel.Mr >= colTiles * TKernel.Nr);
        if (splitRows)
            split = Math.Min(p.M, (rowTiles + 1) / 2 * TKernel.Mr);
        else if (colTiles >= 2)
            split = Math.Min(p.N, (colTiles + 1) / 2 * TKernel.Nr);
        else if (rowTiles >= 2)
            (splitRows, split) = (true, Math.Min(p.M, (rowTiles + 1) / 2 * TKernel.Mr));
        else
            split = 0;
        return split > 0;
    }

    /// <summary>
    /// Part 0 (the calling thread) or 1 (the worker) of a split product. The caller does the worker's part as well when
    /// the worker has not started it in time (<see cref="GemmWorker.TakeOverIfLate"/>).
    /// </summary>
    private static void RunPart(in GemmProblem p, int part)
    {
        if (p.SplitRows)
        {
            RunTeam(p, part);
        }
        else if (part == 0)
        {
            Run(p, 0, p.M, 0, p.Split);
            if (GemmWorker.TakeOverIfLate())
                Run(p, 0, p.M, p.Split, p.N);
        }
        else
        {
            Run(p, 0, p.M, p.Split, p.N);
        }
    }

    /// <summary>Computes the C block rows [row0, row1) × columns [col0, col1) on the calling thread, with its own packing buffers.</summary>
    // Fully optimised from the first call (no tier-0 pass with OSR): the first GEMMs of a run, and every GEMM
    // under the test runners, would otherwise spend their first ~100 ms of calls in slow code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmProblem p, int row0, int row1, int col0, int col1)
    {
        if (row1 - row0 < TKernel.Mr && !p.TransB && TKernel.HasDirectB)
        {
            FewRows(p, row0, row1, col0, col1);
            return;
        }
        if ((col1 - col0 <= 2 * TKernel.Nr || (long)(row1 - row0) * p.K <= p.Plan.InPlaceAMaxElements) && TKernel.HasDirectA)
        {
            FewColumns(p, row0, row1, col0, col1);
            return;
        }
        int nr = TKernel.Nr;
        // Equal blocks rather than full ones plus a sliver: k = 784 with KC = 256 runs 4×196 deep, not 3×256 + 16
        // (a 16-deep block pays a full C update for little work); likewise rows against MC. Depth blocks depend on
        // k alone and row blocks only regroup tiles, so the bits still do not depend on how C is split.
        int kcStep = Balanced(p.K, p.Blocks.Kc, 1);
        int mcStep = Balanced(row1 - row0, p.Blocks.Mc, TKernel.Mr);
        int ncStep = Balanced(col1 - col0, p.Blocks.Nc, nr);
        int mcMax = GemmTuning.RoundUp(Math.Min(mcStep, row1 - row0), TKernel.Mr), ncMax = GemmTuning.RoundUp(Math.Min(ncStep, col1 - col0), nr);
        GemmScratch scratch = GemmScratch.Current;
        double* packedA = scratch.A((nuint)mcMax * (nuint)kcStep);
        double* packedB = scratch.B((nuint)ncMax * (nuint)kcStep);
        double* edge = stackalloc double[TKernel.Mr * TKernel.Nr];

        for (int jc = col0; jc < col1; jc += ncStep)
        {
            int nc = Math.Min(ncStep, col1 - jc);
            for (int pc = 0; pc < p.K; pc += kcStep)
            {
                int kc = Math.Min(kcStep, p.K - pc);
                GemmPacking.PackB<TKernel>(packedB, p, pc, kc, jc, nc);
                Panel(p, packedA, packedB, row0, row1, mcStep, jc, nc, pc, kc, edge);
            }
        }
    }

    /// <summary>
    /// Fewer than MR rows (m = 1…5 on AVX2, 1…7 on AVX-512) and B not transposed: one packed A sliver per depth block, B read in place
    /// by the kernel (packing would copy every B value to use it once), only a last partial column group packed.
    /// Same depth blocks and per-element arithmetic as the packed path, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewRows(in GemmProblem p, int row0, int row1, int col0, int col1)
    {
        int nr = TKernel.Nr, rows = row1 - row0;
        int kcStep = Balanced(p.K, p.Blocks.Kc, 1);
        int fullEnd = col0 + (col1 - col0) / nr * nr;
        GemmScratch scratch = GemmScratch.Current;
        double* packedA = scratch.A((nuint)TKernel.Mr * (nuint)kcStep);
        double* packedB = scratch.B((nuint)nr * (nuint)kcStep);
        double* edge = stackalloc double[TKernel.Mr * TKernel.Nr];
        nint ld = p.N;
        double* cRow = p.C + (nint)row0 * ld;
        for (int pc = 0; pc < p.K; pc += kcStep)
        {
            int kc = Math.Min(kcStep, p.K - pc);
            bool add = p.Accumulate || pc > 0;
            bool last = pc + kc == p.K;
            GemmPacking.PackA<TKernel>(packedA, p, row0, rows, pc, kc);
            double* bRow = p.B + (nint)pc * ld;
            for (int j = col0; j < fullEnd;)
            {
                int done = TKernel.RunRowsDirectB(kc, packedA, bRow + j, ld, cRow + j, ld, add, last ? BiasAt(p, j) : null, rows, fullEnd - j);
                if (last) Activate(p, cRow + j, rows, done);
                j += done;
            }
            if (fullEnd < col1)
            {
                double* bias = last ? BiasAt(p, fullEnd) : null;
                GemmPacking.PackB<TKernel>(packedB, p, pc, kc, fullEnd, col1 - fullEnd);
                if (!TKernel.RunEdge(kc, packedA, packedB, cRow + fullEnd, ld, add, bias, rows, col1 - fullEnd))
                    EdgeTile(kc, packedA, packedB, cRow + fullEnd, ld, add, bias, rows, col1 - fullEnd, edge);
                if (last) Activate(p, cRow + fullEnd, rows, col1 - fullEnd);
            }
        }
    }

    /// <summary>
    /// At most 2·NR columns, or an op(A) small enough for the kernel to read in place (<see cref="IGemmMicroKernel.InPlaceAMaxElements"/>): B packed (one or two slivers per depth block), A read in place by the kernel (packing it
    /// would copy every A value to use it once or twice). Same depth blocks and per-element arithmetic as the packed
    /// path, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewColumns(in GemmProblem p, int row0, int row1, int col0, int col1)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr, cols = col1 - col0;
        int kcStep = Balanced(p.K, p.Blocks.Kc, 1);
        if (p.N == 1 && TKernel.HasColumn)
        {
            Column(p, row0, row1, kcStep);
            return;
        }
        double* packedB = GemmScratch.Current.B((nuint)GemmTuning.RoundUp(cols, nr) * (nuint)kcStep);
        // Row r, depth q of op(A): A[r·k + q] as stored, or A[q·m + r] when transposed.
        nint rowStride = p.TransA ? 1 : p.K, depthStride = p.TransA ? p.M : 1;
        nint ldc = p.N;
        for (int pc = 0; pc < p.K; pc += kcStep)
        {
            int kc = Math.Min(kcStep, p.K - pc);
            bool add = p.Accumulate || pc > 0;
            bool last = pc + kc == p.K;
            GemmPacking.PackB<TKernel>(packedB, p, pc, kc, col0, cols);
            for (int ir = row0; ir < row1; ir += mr)
            {
                int rows = Math.Min(mr, row1 - ir);
                double* aTile = p.A + ir * rowStride + pc * depthStride;
                double* cTile = p.C + ir * ldc + col0;
                for (int jr = 0; jr < cols; jr += nr)
                {
                    int width = Math.Min(nr, cols - jr);
                    TKernel.RunDirectA(kc, aTile, rowStride, depthStride, packedB + (nint)jr * kc, cTile + jr, ldc, add, last ? BiasAt(p, col0 + jr) : null, rows, width);
                    if (last) Activate(p, cTile + jr, rows, width);
                }
            }
        }
    }

    /// <summary>
    /// n = 1: op(B) is a vector (B[q] whether stored transposed or not) read in place, C a contiguous column; the
    /// kernel's matrix-vector code runs all the rows per depth block. Same depth blocks and per-element arithmetic as
    /// the packed path, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Column(in GemmProblem p, int row0, int row1, int kcStep)
    {
        nint rowStride = p.TransA ? 1 : p.K, depthStride = p.TransA ? p.M : 1;
        double* c = p.C + row0;
        for (int pc = 0; pc < p.K; pc += kcStep)
        {
            int kc = Math.Min(kcStep, p.K - pc);
            bool last = pc + kc == p.K;
            TKernel.RunColumn(kc, p.A + row0 * rowStride + pc * depthStride, rowStride, depthStride, p.B + pc, 1, c, p.Accumulate || pc > 0, last ? p.Bias : null, row1 - row0);
            if (last) Activate(p, c, row1 - row0, 1);
        }
    }

    /// <summary>
    /// One thread's part of a row split: its rows of C against all columns. Per (NC, KC) block each part packs half
    /// of B's slivers into the shared buffer, both meet, then each runs its rows against the whole block. The shared
    /// buffers alternate, so one meeting per block suffices: packing block s+1 overwrites the buffer of block s-1,
    /// which both parts had finished with before they met at block s.
    /// </summary>
    private static void RunTeam(in GemmProblem p, int part)
    {
        try
        {
            Team(p, part);
        }
        catch
        {
            GemmTeam.Abort();
            throw;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Team(in GemmProblem p, int part)
    {
        int nr = TKernel.Nr;
        int row0 = part == 0 ? 0 : p.Split, row1 = part == 0 ? p.Split : p.M;
        // The same depth and column blocks for both parts (and for one thread: depth blocks depend on k alone).
        int kcStep = Balanced(p.K, p.Blocks.Kc, 1);
        int ncStep = Balanced(p.N, p.Blocks.Nc, nr);
        int mcStep = Balanced(row1 - row0, p.Blocks.Mc, TKernel.Mr);
        int mcMax = GemmTuning.RoundUp(Math.Min(mcStep, row1 - row0), TKernel.Mr);
        nint bufferLength = (nint)GemmTuning.RoundUp(Math.Min(ncStep, p.N), nr) * kcStep;
        double* packedA = GemmScratch.Current.A((nuint)mcMax * (nuint)kcStep);
        double* edge = stackalloc double[TKernel.Mr * TKernel.Nr];
        int step = 0;

        for (int jc = 0; jc < p.N; jc += ncStep)
        {
            int nc = Math.Min(ncStep, p.N - jc);
            int slivers = (nc + nr - 1) / nr, half = (slivers + 1) / 2;
            int s0 = part == 0 ? 0 : half, s1 = part == 0 ? half : slivers;
            for (int pc = 0; pc < p.K; pc += kcStep)
            {
                int kc = Math.Min(kcStep, p.K - pc);
                double* packedB = p.SharedB + (step & 1) * bufferLength;
                if (s1 > s0)
                    GemmPacking.PackB<TKernel>(packedB + (nint)s0 * nr * kc, p, pc, kc, jc + s0 * nr, Math.Min(nc, s1 * nr) - s0 * nr);
                if (step == 0 && part == 0 && GemmWorker.TakeOverIfLate())
                {
                    // The worker never started: the whole product on this thread, exactly as without a worker (the
                    // half block packed above is dropped; Run packs into this thread's own buffers).
                    Run(p, 0, p.M, 0, p.N);
                    return;
                }
                if (!GemmTeam.Arrive(part, ++step))
                    return;
                Panel(p, packedA, packedB, row0, row1, mcStep, jc, nc, pc, kc, edge);
            }
        }
    }

    /// <summary>Rows [row0, row1) of C's columns [jc, jc+nc) += (or =) the depth block [pc, pc+kc), from the packed B block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panel(in GemmProblem p, double* packedA, double* packedB, int row0, int row1, int mcStep, int jc, int nc, int pc, int kc, double* edge)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        nint ldc = p.N;
        // The first depth block writes C (unless accumulating); the later ones add to it; the last one adds the bias
        // and applies the activation, if any, to each tile as it finishes it.
        bool add = p.Accumulate || pc > 0;
        bool last = pc + kc == p.K;
        for (int ic = row0; ic < row1; ic += mcStep)
        {
            int mc = Math.Min(mcStep, row1 - ic);
            GemmPacking.PackA<TKernel>(packedA, p, ic, mc, pc, kc);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                double* bSliver = packedB + (nint)jr * kc;
                double* cColumn = p.C + jc + jr;
                double* bias = last ? BiasAt(p, jc + jr) : null;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int rows = Math.Min(mr, mc - ir);
                    double* aSliver = packedA + (nint)ir * kc;
                    double* cTile = cColumn + (ic + ir) * ldc;
                    if (rows == mr && cols == nr)
                        TKernel.Run(kc, aSliver, bSliver, cTile, ldc, add, bias);
                    else if (!TKernel.RunEdge(kc, aSliver, bSliver, cTile, ldc, add, bias, rows, cols))
                        EdgeTile(kc, aSliver, bSliver, cTile, ldc, add, bias, rows, cols, edge);
                    if (last) Activate(p, cTile, rows, cols);
                }
            }
        }
    }

    /// <summary>The step that covers <paramref name="total"/> in as few blocks of at most <paramref name="block"/> as possible, evened out, a multiple of <paramref name="unit"/>.</summary>
    private static int Balanced(int total, int block, int unit)
    {
        int blocks = (total + block - 1) / block;
        return Math.Min(block, GemmTuning.RoundUp((total + blocks - 1) / blocks, unit));
    }

    /// <summary>
    /// A partial tile: the same kernel over the zero-padded slivers into a stack tile, then the valid rows×cols copied
    /// (or added) into C, then the bias added if there is one, so edge elements get exactly the arithmetic of interior ones.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EdgeTile(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias, int rows, int cols, double* tile)
    {
        TKernel.Run(kc, a, b, tile, TKernel.Nr, add: false, bias: null);
        for (int r = 0; r < rows; r++, c += ldc, tile += TKernel.Nr)
        {
            if (bias != null)
            {
                if (add)
                    for (int j = 0; j < cols; j++) c[j] = c[j] + tile[j] + bias[j];
                else
                    for (int j = 0; j < cols; j++) c[j] = tile[j] + bias[j];
            }
            else if (add)
                for (int j = 0; j < cols; j++) c[j] += tile[j];
            else
                for (int j = 0; j < cols; j++) c[j] = tile[j];
        }
    }

    /// <summary>The bias of C's column <paramref name="column"/> on, or null for a product without one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double* BiasAt(in GemmProblem p, int column) => p.Bias == null ? null : p.Bias + column;

    /// <summary>The activation, if any, on a finished tile of C (rows <see cref="GemmProblem.N"/> apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Activate(in GemmProblem p, double* c, int rows, int cols)
    {
        if (p.Activation != GemmActivation.None)
            GemmEpilogue.Activate(p.Activation, c, p.N, rows, cols);
    }
}
