using System.Runtime.CompilerServices;

namespace NeuroLite.Kernels;

/// <summary>
/// The GotoBLAS/BLIS loop nest around one micro-kernel: NC columns of B (L3) → KC deep (pack B) → MC rows of A (L2,
/// pack A) → NR columns → MR rows (micro-kernel). Specialised per kernel struct so MR/NR are constants.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    /// <summary>Runs a validated, non-empty (m, n, k ≥ 1) product, on two threads when it is large enough.</summary>
    public static void Multiply(double* a, double* b, double* c, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        var p = new GemmProblem(a, b, c, m, n, k, transA, transB, accumulate, GemmTuning.Blocks<TKernel>());
        if (Gemm.MaxThreads >= 2 && (long)m * n * k >= GemmTuning.ParallelMinWork && TrySplit(p, out int rowSplit, out int colSplit))
        {
            // The worker takes the second block of the output, this thread the first: disjoint C blocks, each element
            // summed in the same order as on one thread, so the bits do not depend on the thread count.
            bool posted = rowSplit < m
                ? GemmWorker.TryPost(&Run, p, rowSplit, m, 0, n)
                : GemmWorker.TryPost(&Run, p, 0, m, colSplit, n);
            if (posted)
            {
                try
                {
                    Run(p, 0, rowSplit, 0, colSplit);
                }
                finally
                {
                    GemmWorker.Wait();
                }
                return;
            }
        }
        Run(p, 0, m, 0, n);
    }

    /// <summary>Splits the longer side of C in two at a tile boundary (rows at MR, columns at NR), about evenly by tiles.</summary>
    private static bool TrySplit(in GemmProblem p, out int rowSplit, out int colSplit)
    {
        int rowTiles = (p.M + TKernel.Mr - 1) / TKernel.Mr, colTiles = (p.N + TKernel.Nr - 1) / TKernel.Nr;
        rowSplit = p.M;
        colSplit = p.N;
        if (rowTiles * TKernel.Mr >= colTiles * TKernel.Nr && rowTiles >= 2)
            rowSplit = (rowTiles + 1) / 2 * TKernel.Mr;
        else if (colTiles >= 2)
            colSplit = (colTiles + 1) / 2 * TKernel.Nr;
        else
            return false;
        return true;
    }

    /// <summary>Computes the C block rows [row0, row1) × columns [col0, col1) on the calling thread, with its own packing buffers.</summary>
    // Fully optimised from the first call (no tier-0 pass with OSR): the first GEMMs of a run, and every GEMM
    // under the test runners, would otherwise spend their first ~100 ms of calls in slow code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmProblem p, int row0, int row1, int col0, int col1)
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        // Equal blocks rather than full ones plus a sliver: k = 784 with KC = 256 runs 4×196 deep, not 3×256 + 16
        // (a 16-deep block pays a full C update for little work); likewise rows against MC. Depth blocks depend on
        // k alone and row blocks only regroup tiles, so the bits still do not depend on how C is split.
        int kcStep = Balanced(p.K, p.Blocks.Kc, 1);
        int mcStep = Balanced(row1 - row0, p.Blocks.Mc, mr);
        int ncStep = Balanced(col1 - col0, p.Blocks.Nc, nr);
        int kcMax = kcStep, mcMax = GemmTuning.RoundUp(Math.Min(mcStep, row1 - row0), mr), ncMax = GemmTuning.RoundUp(Math.Min(ncStep, col1 - col0), nr);
        GemmScratch scratch = GemmScratch.Current;
        double* packedA = scratch.A((nuint)mcMax * (nuint)kcMax);
        double* packedB = scratch.B((nuint)ncMax * (nuint)kcMax);
        double* edge = stackalloc double[64];
        nint ldc = p.N;

        for (int jc = col0; jc < col1; jc += ncStep)
        {
            int nc = Math.Min(ncStep, col1 - jc);
            for (int pc = 0; pc < p.K; pc += kcStep)
            {
                int kc = Math.Min(kcStep, p.K - pc);
                // The first depth block writes C (unless accumulating); the later ones add to it.
                bool add = p.Accumulate || pc > 0;
                GemmPacking.PackB<TKernel>(packedB, p, pc, kc, jc, nc);
                for (int ic = row0; ic < row1; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, row1 - ic);
                    GemmPacking.PackA<TKernel>(packedA, p, ic, mc, pc, kc);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        double* bSliver = packedB + (nint)jr * kc;
                        double* cColumn = p.C + jc + jr;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            double* aSliver = packedA + (nint)ir * kc;
                            double* cTile = cColumn + (ic + ir) * ldc;
                            if (rows == mr && cols == nr)
                                TKernel.Run(kc, aSliver, bSliver, cTile, ldc, add);
                            else
                                EdgeTile(kc, aSliver, bSliver, cTile, ldc, add, rows, cols, edge);
                        }
                    }
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
    /// (or added) into C, so edge elements get exactly the arithmetic of interior ones.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EdgeTile(int kc, double* a, double* b, double* c, nint ldc, bool add, int rows, int cols, double* tile)
    {
        TKernel.Run(kc, a, b, tile, TKernel.Nr, add: false);
        for (int r = 0; r < rows; r++, c += ldc, tile += TKernel.Nr)
        {
            if (add)
                for (int j = 0; j < cols; j++) c[j] += tile[j];
            else
                for (int j = 0; j < cols; j++) c[j] = tile[j];
        }
    }
}
