using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuroLite.Kernels;

/// <summary>
/// AVX-512 micro-kernel, 8×24 doubles: 24 zmm accumulators (3 per row of C), each k step loads the B sliver's 24
/// values as 3 zmm and broadcasts the A sliver's 8 values, 24 FMAs to 11 loads (AOCL-BLAS's zen4/zen5 shape, turned
/// for row-major C). 27 of the 32 zmm registers. Zen 4 runs each zmm FMA on both 256-bit pipes (one per cycle, four
/// cycles' latency), so 24 independent chains keep it busy with room to spare; Zen 5 has full-width pipes (two per
/// cycle) and 24 chains still cover their latency. Edge tiles, and the thin products that skip packing one operand
/// (m &lt; 8: B in place; n ≤ 48: A in place), run the same loop cut down to the rows and column vectors they need
/// (JIT-time constants), with the partial column vector written through an opmask, so every element gets the same
/// FMA chain (p ascending, then one add of C when accumulating, then the bias for <see cref="Gemm.Linear"/>) and
/// the same bits whichever path computes it. A last column vector of 1-4 columns is a ymm (<see cref="GemmAvx512Tiles.TileHalf"/>),
/// and one-column products have their own code (<see cref="RunColumn"/>).
/// Blocking, measured on Zen 4 (32 KiB L1d, 1 MiB L2): KC = 256 (a 16 KiB A sliver; the 48 KiB B sliver streams
/// from L2, four lines per 24 FMA cycles), MC = 192 (a 384 KiB A block in L2), NC = 4032. KC 192-384 and MC 96-384
/// timed within the noise of each other; KC = 128 was 5-10% slower at n = 1024.
/// </summary>
internal readonly unsafe struct GemmAvx512Kernel : IGemmMicroKernel
{
    public static int Mr => 8;
    public static int Nr => 24;
    public static int Mc => 192;
    public static int Kc => 256;
    public static int Nc => 4032;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias) =>
        GemmAvx512Tiles.Tile<Rows8, Vectors3, PackedA>(kc, a, 8, 0, 0, b, 24, c, ldc, add, bias, 24);

    public static bool RunEdge(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias, int rows, int cols)
    {
        if (GemmAvx512Tiles.ColumnsFit(cols))
        {
            GemmAvx512Tiles.ColumnsTile(kc, a, 8, b, 24, c, ldc, add, bias, rows, cols);
            return true;
        }
        GemmAvx512Tiles.Dispatch<PackedA>(kc, a, 8, 0, 0, b, 24, c, ldc, add, bias, rows, cols);
        return true;
    }

    public static bool HasDirectA => true;

    /// <summary>
    /// Up to 64 Ki elements (512 KiB, half of Zen 4's L2) of op(A) are read in place however wide C is: A then stays
    /// in L2 across all column slivers, and skipping its packing was worth 2-6% at n = 64-256 and the MLP's
    /// 128×256 products (timed alternately in one process on Zen 4).
    /// </summary>
    public static long InPlaceAMaxElements => 1 << 16;

    /// <summary>
    /// Outputs at most 48 wide (n = 10: the last layer of a classifier) read A where it lies: each A value is used by
    /// only one or two column slivers, so packing A would cost about as much as the multiply.
    /// </summary>
    public static void RunDirectA(int kc, double* a, nint ars, nint aps, double* b, double* c, nint ldc, bool add, double* bias, int rows, int cols)
    {
        // Full tiles straight to their code: short depths (k = 10, the backward G·Wᵀ of a classifier's last layer) spend
        // a good part of a tile's time outside the k loop.
        if (rows == 8 && cols == 24)
            GemmAvx512Tiles.Tile<Rows8, Vectors3, InPlaceA>(kc, a, aps, ars, aps, b, 24, c, ldc, add, bias, 24);
        // A stored transposed has a depth's rows side by side: 9-12 columns then run as column vectors.
        else if (ars == 1 && GemmAvx512Tiles.ColumnsFit(cols))
            GemmAvx512Tiles.ColumnsTile(kc, a, aps, b, 24, c, ldc, add, bias, rows, cols);
        else
            GemmAvx512Tiles.Dispatch<InPlaceA>(kc, a, aps, ars, aps, b, 24, c, ldc, add, bias, rows, cols);
    }

    public static bool HasColumn => true;

    /// <summary>
    /// n = 1 (a regression net's last layer, and its weight gradient). A stored transposed has a depth's rows side by
    /// side: 32 rows at once in four zmm accumulators whose lanes are rows, one broadcast of b per depth, every lane
    /// useful (a row tile would use one lane in eight). A stored by rows: eight rows' sums as scalar FMA chains, which
    /// Zen 4 runs two per cycle where the row tile ran one zmm FMA per row and depth. Each element gets the same FMA
    /// chain (p ascending) and the same adds of C and of the bias as in any other tile.
    /// </summary>
    public static void RunColumn(int kc, double* a, nint ars, nint aps, double* b, nint ldb, double* c, bool add, double* bias, int rows)
    {
        if (ars == 1)
            GemmAvx512Tiles.ColumnLanes(kc, a, aps, b, ldb, c, add, bias, rows);
        else
            GemmAvx512Tiles.ColumnChains(kc, a, ars, aps, b, ldb, c, add, bias, rows);
    }

    public static bool HasDirectB => true;

    /// <summary>
    /// Fewer than eight rows (m = 1…7) read B where it lies: each B value is used only once per call there, so packing
    /// it would cost a copy of B for nothing. One or two rows take 48 columns at once (6 or 12 FMA chains; 3 or 6 would
    /// leave the FMA pipes waiting on latency).
    /// </summary>
    public static int RunRowsDirectB(int kc, double* a, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int rows, int cols)
    {
        if (rows <= 2 && cols >= 48)
        {
            if (rows == 1) GemmAvx512Tiles.Wide<Rows1>(kc, a, 8, b, ldb, c, ldc, add, bias);
            else GemmAvx512Tiles.Wide<Rows2>(kc, a, 8, b, ldb, c, ldc, add, bias);
            return 48;
        }
        GemmAvx512Tiles.Dispatch<PackedA>(kc, a, 8, 0, 0, b, ldb, c, ldc, add, bias, rows, 24);
        return 24;
    }
}

/// <summary>
/// The register tiles of the AVX-512 kernel: up to 12 rows by up to 3 column vectors of 8, specialised by struct type
/// arguments so that each instantiation holds only the accumulators it uses.
/// </summary>
internal static unsafe class GemmAvx512Tiles
{
    /// <summary>Whether <see cref="Columns{TCols}"/> serves a tile this many columns wide better than a row tile.</summary>
    public static bool ColumnsFit(int cols) => cols is >= 9 and <= 12;

    /// <summary><see cref="Columns{TCols}"/> for 9…12 columns.</summary>
    [SkipLocalsInit] // Columns writes every column of the tile it later reads
    public static void ColumnsTile(int kc, double* a, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int rows, int cols)
    {
        // The transpose buffer comes from here: a stackalloc in the kernel itself makes the JIT keep its
        // accumulators in memory.
        double* tile = stackalloc double[8 * 12];
        switch (cols)
        {
            case 9: Columns<Columns9>(kc, a, aps, b, ldb, c, ldc, add, bias, rows, tile); break;
            case 10: Columns<Columns10>(kc, a, aps, b, ldb, c, ldc, add, bias, rows, tile); break;
            case 11: Columns<Columns11>(kc, a, aps, b, ldb, c, ldc, add, bias, rows, tile); break;
            default: Columns<Rows12>(kc, a, aps, b, ldb, c, ldc, add, bias, rows, tile); break;
        }
    }

    /// <summary>A tile of <paramref name="rows"/> (1…12) by <paramref name="cols"/> (1…24) columns.</summary>
    public static void Dispatch<TA>(int kc, double* a, nint aStep, nint ars, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int rows, int cols)
        where TA : struct, IGemmConstant
    {
        switch (rows)
        {
            case 1: ByVectors<Rows1, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 2: ByVectors<Rows2, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 3: ByVectors<Rows3, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 4: ByVectors<Rows4, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 5: ByVectors<Rows5, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 6: ByVectors<Rows6, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 7: ByVectors<Rows7, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 8: ByVectors<Rows8, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 9: ByVectors<Rows9, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 10: ByVectors<Rows10, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 11: ByVectors<Rows11, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            default: ByVectors<Rows12, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
        }
    }

    private static void ByVectors<TRows, TA>(int kc, double* a, nint aStep, nint ars, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int cols)
        where TRows : struct, IGemmConstant
        where TA : struct, IGemmConstant
    {
        // 1-4, 9-12 or 17-20 columns: the last vector a ymm (rows up to 8, the kernel's MR).
        if ((cols & 7) is >= 1 and <= 4 && TRows.Value <= 8)
        {
            switch (cols >> 3)
            {
                case 0: TileHalf<TRows, Vectors0, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
                case 1: TileHalf<TRows, Vectors1, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
                default: TileHalf<TRows, Vectors2, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            }
            return;
        }
        switch ((cols + 7) >> 3)
        {
            case 1: Tile<TRows, Vectors1, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            case 2: Tile<TRows, Vectors2, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
            default: Tile<TRows, Vectors3, TA>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols); break;
        }
    }

    /// <summary>
    /// C[r·ldc + j] (=, or += when <paramref name="add"/>) Σₚ A(r, p)·b[p·ldb + j] for r &lt; <typeparamref name="TRows"/>
    /// and j &lt; <paramref name="cols"/> (at most 8·<typeparamref name="TVectors"/>, more than 8·(vectors−1)), one FMA per
    /// p in ascending order per element. A is a packed sliver (row r at a[r], next depth <paramref name="aStep"/>
    /// further) or (<typeparamref name="TA"/> = <see cref="InPlaceA"/>) read in place (row r at a[r·ars], next depth
    /// aps further). B rows must hold 8·vectors readable values (a zero-padded sliver, or whole vectors in place).
    /// </summary>
    /// <remarks>
    /// With and without a bias are two compiled copies: in the one without, the stores carry no test of the bias (a
    /// short-depth tile, k = 1 or 10, spends most of its time storing).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile<TRows, TVectors, TA>(int kc, double* a, nint aStep, nint ars, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int cols)
        where TRows : struct, IGemmConstant
        where TVectors : struct, IGemmConstant
        where TA : struct, IGemmConstant
    {
        if (bias == null) TileOf<TRows, TVectors, TA, NoBias>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, null, cols);
        else TileOf<TRows, TVectors, TA, WithBias>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileOf<TRows, TVectors, TA, TBias>(int kc, double* a, nint aStep, nint ars, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int cols)
        where TRows : struct, IGemmConstant
        where TVectors : struct, IGemmConstant
        where TA : struct, IGemmConstant
        where TBias : struct, IGemmConstant
    {
        if (TBias.Value == 0) bias = null;
        int rows = TRows.Value, vectors = TVectors.Value;
        bool inPlace = TA.Value == 1;
        nint o1 = inPlace ? 1 * ars : 1, o2 = inPlace ? 2 * ars : 2, o3 = inPlace ? 3 * ars : 3, o4 = inPlace ? 4 * ars : 4, o5 = inPlace ? 5 * ars : 5, o6 = inPlace ? 6 * ars : 6, o7 = inPlace ? 7 * ars : 7, o8 = inPlace ? 8 * ars : 8, o9 = inPlace ? 9 * ars : 9, o10 = inPlace ? 10 * ars : 10, o11 = inPlace ? 11 * ars : 11;
        // The C tile is only touched after the kc loop: start its lines on their way now (rows are a row of C apart).
        // Narrow C (rows under 2 KiB) is small enough to have stayed in cache, and there the prefetches only cost.
        for (int r = 0; r < rows && ldc >= 256; r++)
        {
            double* row = c + r * ldc;
            Sse.Prefetch0(row);
            if (vectors > 1) Sse.Prefetch0(row + 8);
            if (vectors > 2) Sse.Prefetch0(row + 16);
            Sse.Prefetch0(row + 8 * vectors - 1);
        }
        Vector512<double> c0a = default, c0b = default, c0c = default;
        Vector512<double> c1a = default, c1b = default, c1c = default;
        Vector512<double> c2a = default, c2b = default, c2c = default;
        Vector512<double> c3a = default, c3b = default, c3c = default;
        Vector512<double> c4a = default, c4b = default, c4c = default;
        Vector512<double> c5a = default, c5b = default, c5c = default;
        Vector512<double> c6a = default, c6b = default, c6c = default;
        Vector512<double> c7a = default, c7b = default, c7c = default;
        Vector512<double> c8a = default, c8b = default, c8c = default;
        Vector512<double> c9a = default, c9b = default, c9c = default;
        Vector512<double> c10a = default, c10b = default, c10c = default;
        Vector512<double> c11a = default, c11b = default, c11c = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<double> b0 = Vector512.Load(b);
            Vector512<double> b1 = vectors > 1 ? Vector512.Load(b + 8) : default;
            Vector512<double> b2 = vectors > 2 ? Vector512.Load(b + 16) : default;
            Vector512<double> x0 = Vector512.Create(a[0]);
            c0a = Avx512F.FusedMultiplyAdd(x0, b0, c0a);
            if (vectors > 1) c0b = Avx512F.FusedMultiplyAdd(x0, b1, c0b);
            if (vectors > 2) c0c = Avx512F.FusedMultiplyAdd(x0, b2, c0c);
            if (rows > 1)
            {
                Vector512<double> x1 = Vector512.Create(a[o1]);
                c1a = Avx512F.FusedMultiplyAdd(x1, b0, c1a);
                if (vectors > 1) c1b = Avx512F.FusedMultiplyAdd(x1, b1, c1b);
                if (vectors > 2) c1c = Avx512F.FusedMultiplyAdd(x1, b2, c1c);
            }
            if (rows > 2)
            {
                Vector512<double> x2 = Vector512.Create(a[o2]);
                c2a = Avx512F.FusedMultiplyAdd(x2, b0, c2a);
                if (vectors > 1) c2b = Avx512F.FusedMultiplyAdd(x2, b1, c2b);
                if (vectors > 2) c2c = Avx512F.FusedMultiplyAdd(x2, b2, c2c);
            }
            if (rows > 3)
            {
                Vector512<double> x3 = Vector512.Create(a[o3]);
                c3a = Avx512F.FusedMultiplyAdd(x3, b0, c3a);
                if (vectors > 1) c3b = Avx512F.FusedMultiplyAdd(x3, b1, c3b);
                if (vectors > 2) c3c = Avx512F.FusedMultiplyAdd(x3, b2, c3c);
            }
            if (rows > 4)
            {
                Vector512<double> x4 = Vector512.Create(a[o4]);
                c4a = Avx512F.FusedMultiplyAdd(x4, b0, c4a);
                if (vectors > 1) c4b = Avx512F.FusedMultiplyAdd(x4, b1, c4b);
                if (vectors > 2) c4c = Avx512F.FusedMultiplyAdd(x4, b2, c4c);
            }
            if (rows > 5)
            {
                Vector512<double> x5 = Vector512.Create(a[o5]);
                c5a = Avx512F.FusedMultiplyAdd(x5, b0, c5a);
                if (vectors > 1) c5b = Avx512F.FusedMultiplyAdd(x5, b1, c5b);
                if (vectors > 2) c5c = Avx512F.FusedMultiplyAdd(x5, b2, c5c);
            }
            if (rows > 6)
            {
                Vector512<double> x6 = Vector512.Create(a[o6]);
                c6a = Avx512F.FusedMultiplyAdd(x6, b0, c6a);
                if (vectors > 1) c6b = Avx512F.FusedMultiplyAdd(x6, b1, c6b);
                if (vectors > 2) c6c = Avx512F.FusedMultiplyAdd(x6, b2, c6c);
            }
            if (rows > 7)
            {
                Vector512<double> x7 = Vector512.Create(a[o7]);
                c7a = Avx512F.FusedMultiplyAdd(x7, b0, c7a);
                if (vectors > 1) c7b = Avx512F.FusedMultiplyAdd(x7, b1, c7b);
                if (vectors > 2) c7c = Avx512F.FusedMultiplyAdd(x7, b2, c7c);
            }
            if (rows > 8)
            {
                Vector512<double> x8 = Vector512.Create(a[o8]);
                c8a = Avx512F.FusedMultiplyAdd(x8, b0, c8a);
                if (vectors > 1) c8b = Avx512F.FusedMultiplyAdd(x8, b1, c8b);
                if (vectors > 2) c8c = Avx512F.FusedMultiplyAdd(x8, b2, c8c);
            }
            if (rows > 9)
            {
                Vector512<double> x9 = Vector512.Create(a[o9]);
                c9a = Avx512F.FusedMultiplyAdd(x9, b0, c9a);
                if (vectors > 1) c9b = Avx512F.FusedMultiplyAdd(x9, b1, c9b);
                if (vectors > 2) c9c = Avx512F.FusedMultiplyAdd(x9, b2, c9c);
            }
            if (rows > 10)
            {
                Vector512<double> x10 = Vector512.Create(a[o10]);
                c10a = Avx512F.FusedMultiplyAdd(x10, b0, c10a);
                if (vectors > 1) c10b = Avx512F.FusedMultiplyAdd(x10, b1, c10b);
                if (vectors > 2) c10c = Avx512F.FusedMultiplyAdd(x10, b2, c10c);
            }
            if (rows > 11)
            {
                Vector512<double> x11 = Vector512.Create(a[o11]);
                c11a = Avx512F.FusedMultiplyAdd(x11, b0, c11a);
                if (vectors > 1) c11b = Avx512F.FusedMultiplyAdd(x11, b1, c11b);
                if (vectors > 2) c11c = Avx512F.FusedMultiplyAdd(x11, b2, c11c);
            }
            a += inPlace ? aps : aStep;
            b += ldb;
        }
        // The last column vector holds cols − 8·(vectors − 1) valid lanes; the rest are neither read nor written.
        Vector512<double> mask = Vector512.LessThan(Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((long)(cols - 8 * (vectors - 1)))).AsDouble();
        bool full = cols == 8 * vectors;
        StoreRow<TVectors>(c + 0 * ldc, c0a, c0b, c0c, add, bias, full, mask);
        if (rows > 1) StoreRow<TVectors>(c + 1 * ldc, c1a, c1b, c1c, add, bias, full, mask);
        if (rows > 2) StoreRow<TVectors>(c + 2 * ldc, c2a, c2b, c2c, add, bias, full, mask);
        if (rows > 3) StoreRow<TVectors>(c + 3 * ldc, c3a, c3b, c3c, add, bias, full, mask);
        if (rows > 4) StoreRow<TVectors>(c + 4 * ldc, c4a, c4b, c4c, add, bias, full, mask);
        if (rows > 5) StoreRow<TVectors>(c + 5 * ldc, c5a, c5b, c5c, add, bias, full, mask);
        if (rows > 6) StoreRow<TVectors>(c + 6 * ldc, c6a, c6b, c6c, add, bias, full, mask);
        if (rows > 7) StoreRow<TVectors>(c + 7 * ldc, c7a, c7b, c7c, add, bias, full, mask);
        if (rows > 8) StoreRow<TVectors>(c + 8 * ldc, c8a, c8b, c8c, add, bias, full, mask);
        if (rows > 9) StoreRow<TVectors>(c + 9 * ldc, c9a, c9b, c9c, add, bias, full, mask);
        if (rows > 10) StoreRow<TVectors>(c + 10 * ldc, c10a, c10b, c10c, add, bias, full, mask);
        if (rows > 11) StoreRow<TVectors>(c + 11 * ldc, c11a, c11b, c11c, add, bias, full, mask);
    }

    /// <summary>
    /// <see cref="Tile{TRows, TVectors, TA}"/> for 8·<typeparamref name="TFull"/> + 1…4 columns (1-4, 9-12, 17-20): the
    /// last column vector is a ymm of 4 lanes instead of a zmm with 4-7 idle ones. Zen 4 runs a zmm FMA on both 256-bit
    /// pipes and a ymm FMA on one, so 10 columns cost 3 pipe slots per row and depth instead of 4 (n = 10, the last
    /// layer of a classifier, and its backward products). Each element gets the same FMA chain (p ascending), then
    /// the same add of C and of the bias, so the same bits as in any other tile. <typeparamref name="TRows"/> ≤ 8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TileHalf<TRows, TFull, TA>(int kc, double* a, nint aStep, nint ars, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int cols)
        where TRows : struct, IGemmConstant
        where TFull : struct, IGemmConstant
        where TA : struct, IGemmConstant
    {
        if (bias == null) TileHalfOf<TRows, TFull, TA, NoBias>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, null, cols);
        else TileHalfOf<TRows, TFull, TA, WithBias>(kc, a, aStep, ars, aps, b, ldb, c, ldc, add, bias, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileHalfOf<TRows, TFull, TA, TBias>(int kc, double* a, nint aStep, nint ars, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int cols)
        where TRows : struct, IGemmConstant
        where TFull : struct, IGemmConstant
        where TA : struct, IGemmConstant
        where TBias : struct, IGemmConstant
    {
        if (TBias.Value == 0) bias = null;
        int rows = TRows.Value, full = TFull.Value;
        bool inPlace = TA.Value == 1;
        nint o1 = inPlace ? 1 * ars : 1, o2 = inPlace ? 2 * ars : 2, o3 = inPlace ? 3 * ars : 3, o4 = inPlace ? 4 * ars : 4, o5 = inPlace ? 5 * ars : 5, o6 = inPlace ? 6 * ars : 6, o7 = inPlace ? 7 * ars : 7;
        for (int r = 0; r < rows && ldc >= 256; r++)
        {
            double* row = c + r * ldc;
            Sse.Prefetch0(row);
            if (full > 1) Sse.Prefetch0(row + 8);
            Sse.Prefetch0(row + 8 * full + 3);
        }
        double* bh = b + 8 * full;
        // The ymm holds cols − 8·full valid lanes (1…4); the rest are neither read nor written. (Made before the loop:
        // made after it, the JIT put it in the last accumulator's register and spilled that accumulator in the loop.)
        Vector256<double> mask = Vector256.LessThan(Vector256.Create(0L, 1, 2, 3), Vector256.Create((long)(cols - 8 * full))).AsDouble();
        bool whole = cols == 8 * full + 4;
        Vector512<double> c0a = default, c0b = default;
        Vector256<double> h0 = default;
        Vector512<double> c1a = default, c1b = default;
        Vector256<double> h1 = default;
        Vector512<double> c2a = default, c2b = default;
        Vector256<double> h2 = default;
        Vector512<double> c3a = default, c3b = default;
        Vector256<double> h3 = default;
        Vector512<double> c4a = default, c4b = default;
        Vector256<double> h4 = default;
        Vector512<double> c5a = default, c5b = default;
        Vector256<double> h5 = default;
        Vector512<double> c6a = default, c6b = default;
        Vector256<double> h6 = default;
        Vector512<double> c7a = default, c7b = default;
        Vector256<double> h7 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<double> b0 = full > 0 ? Vector512.Load(b) : default;
            Vector512<double> b1 = full > 1 ? Vector512.Load(b + 8) : default;
            Vector256<double> bq = Vector256.Load(bh);
            {
                Vector512<double> x0 = Vector512.Create(a[0]);
                if (full > 0) c0a = Avx512F.FusedMultiplyAdd(x0, b0, c0a);
                if (full > 1) c0b = Avx512F.FusedMultiplyAdd(x0, b1, c0b);
                h0 = Fma.MultiplyAdd(x0.GetLower(), bq, h0);
            }
            if (rows > 1)
            {
                Vector512<double> x1 = Vector512.Create(a[o1]);
                if (full > 0) c1a = Avx512F.FusedMultiplyAdd(x1, b0, c1a);
                if (full > 1) c1b = Avx512F.FusedMultiplyAdd(x1, b1, c1b);
                h1 = Fma.MultiplyAdd(x1.GetLower(), bq, h1);
            }
            if (rows > 2)
            {
                Vector512<double> x2 = Vector512.Create(a[o2]);
                if (full > 0) c2a = Avx512F.FusedMultiplyAdd(x2, b0, c2a);
                if (full > 1) c2b = Avx512F.FusedMultiplyAdd(x2, b1, c2b);
                h2 = Fma.MultiplyAdd(x2.GetLower(), bq, h2);
            }
            if (rows > 3)
            {
                Vector512<double> x3 = Vector512.Create(a[o3]);
                if (full > 0) c3a = Avx512F.FusedMultiplyAdd(x3, b0, c3a);
                if (full > 1) c3b = Avx512F.FusedMultiplyAdd(x3, b1, c3b);
                h3 = Fma.MultiplyAdd(x3.GetLower(), bq, h3);
            }
            if (rows > 4)
            {
                Vector512<double> x4 = Vector512.Create(a[o4]);
                if (full > 0) c4a = Avx512F.FusedMultiplyAdd(x4, b0, c4a);
                if (full > 1) c4b = Avx512F.FusedMultiplyAdd(x4, b1, c4b);
                h4 = Fma.MultiplyAdd(x4.GetLower(), bq, h4);
            }
            if (rows > 5)
            {
                Vector512<double> x5 = Vector512.Create(a[o5]);
                if (full > 0) c5a = Avx512F.FusedMultiplyAdd(x5, b0, c5a);
                if (full > 1) c5b = Avx512F.FusedMultiplyAdd(x5, b1, c5b);
                h5 = Fma.MultiplyAdd(x5.GetLower(), bq, h5);
            }
            if (rows > 6)
            {
                Vector512<double> x6 = Vector512.Create(a[o6]);
                if (full > 0) c6a = Avx512F.FusedMultiplyAdd(x6, b0, c6a);
                if (full > 1) c6b = Avx512F.FusedMultiplyAdd(x6, b1, c6b);
                h6 = Fma.MultiplyAdd(x6.GetLower(), bq, h6);
            }
            if (rows > 7)
            {
                Vector512<double> x7 = Vector512.Create(a[o7]);
                if (full > 0) c7a = Avx512F.FusedMultiplyAdd(x7, b0, c7a);
                if (full > 1) c7b = Avx512F.FusedMultiplyAdd(x7, b1, c7b);
                h7 = Fma.MultiplyAdd(x7.GetLower(), bq, h7);
            }
            a += inPlace ? aps : aStep;
            b += ldb;
            bh += ldb;
        }
        StoreHalfRow<TFull>(c + 0 * ldc, c0a, c0b, h0, add, bias, whole, mask);
        if (rows > 1) StoreHalfRow<TFull>(c + 1 * ldc, c1a, c1b, h1, add, bias, whole, mask);
        if (rows > 2) StoreHalfRow<TFull>(c + 2 * ldc, c2a, c2b, h2, add, bias, whole, mask);
        if (rows > 3) StoreHalfRow<TFull>(c + 3 * ldc, c3a, c3b, h3, add, bias, whole, mask);
        if (rows > 4) StoreHalfRow<TFull>(c + 4 * ldc, c4a, c4b, h4, add, bias, whole, mask);
        if (rows > 5) StoreHalfRow<TFull>(c + 5 * ldc, c5a, c5b, h5, add, bias, whole, mask);
        if (rows > 6) StoreHalfRow<TFull>(c + 6 * ldc, c6a, c6b, h6, add, bias, whole, mask);
        if (rows > 7) StoreHalfRow<TFull>(c + 7 * ldc, c7a, c7b, h7, add, bias, whole, mask);
    }

    /// <summary>One row of a <see cref="TileHalf{TRows, TFull, TA}"/> into C, as <see cref="StoreRow{TVectors}"/> does: the zmm vectors whole, the ymm whole or through <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreHalfRow<TFull>(double* c, Vector512<double> x0, Vector512<double> x1, Vector256<double> h, bool add, double* bias, bool whole, Vector256<double> mask)
        where TFull : struct, IGemmConstant
    {
        int full = TFull.Value;
        if (full > 0)
        {
            if (add) x0 += Vector512.Load(c);
            if (bias != null) x0 += Vector512.Load(bias);
            Vector512.Store(x0, c);
        }
        if (full > 1)
        {
            if (add) x1 += Vector512.Load(c + 8);
            if (bias != null) x1 += Vector512.Load(bias + 8);
            Vector512.Store(x1, c + 8);
        }
        double* end = c + 8 * full;
        if (whole)
        {
            if (add) h += Vector256.Load(end);
            if (bias != null) h += Vector256.Load(bias + 8 * full);
            Vector256.Store(h, end);
        }
        else
        {
            if (add) h += Avx512F.VL.MaskLoad(end, mask, Vector256<double>.Zero);
            if (bias != null) h += Avx512F.VL.MaskLoad(bias + 8 * full, mask, Vector256<double>.Zero);
            Avx512F.VL.MaskStore(end, mask, h);
        }
    }

    /// <summary>
    /// A column of C (n = 1) from A with a depth's rows side by side (row r, depth q at a[q·aps + r]): 32 rows at once,
    /// then 8, then the last 1-7 through a mask.
    /// </summary>
    public static void ColumnLanes(int kc, double* a, nint aps, double* b, nint ldb, double* c, bool add, double* bias, int rows)
    {
        int r = 0;
        for (; r + 32 <= rows; r += 32)
            Lanes<Lanes32>(kc, a + r, aps, b, ldb, c + r, add, bias, 32);
        for (; r + 8 <= rows; r += 8)
            Lanes<Lanes8>(kc, a + r, aps, b, ldb, c + r, add, bias, 8);
        if (r < rows)
            Lanes<Lanes8>(kc, a + r, aps, b, ldb, c + r, add, bias, rows - r);
    }

    /// <summary>
    /// <paramref name="count"/> rows of a column (32 when <typeparamref name="TGroups"/> is <see cref="Lanes32"/>: four
    /// vectors; else 1…8): c[i] (=, or +=) Σ_q a[q·aps + i]·b[q·ldb], one FMA per q in ascending order per element,
    /// then the bias. Lanes past <paramref name="count"/> are neither read nor written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Lanes<TGroups>(int kc, double* a, nint aps, double* b, nint ldb, double* c, bool add, double* bias, int count)
        where TGroups : struct, IGemmConstant
    {
        bool four = TGroups.Value == 32;
        Vector512<double> mask = Vector512.LessThan(Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((long)count)).AsDouble();
        Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int q = 0; q < kc; q++)
        {
            Vector512<double> x = Vector512.Create(b[0]);
            if (four)
            {
                s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(a), x, s0);
                s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + 8), x, s1);
                s2 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + 16), x, s2);
                s3 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + 24), x, s3);
            }
            else
                s0 = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(a, mask, Vector512<double>.Zero), x, s0);
            a += aps;
            b += ldb;
        }
        Vector512<double> beta = bias != null ? Vector512.Create(bias[0]) : default;
        if (four)
        {
            StoreLanes(c, s0, add, bias != null, beta);
            StoreLanes(c + 8, s1, add, bias != null, beta);
            StoreLanes(c + 16, s2, add, bias != null, beta);
            StoreLanes(c + 24, s3, add, bias != null, beta);
        }
        else if (count == 8)
            StoreLanes(c, s0, add, bias != null, beta);
        else
        {
            if (add) s0 += Avx512F.MaskLoad(c, mask, Vector512<double>.Zero);
            if (bias != null) s0 += beta;
            Avx512F.MaskStore(c, mask, s0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes(double* c, Vector512<double> s, bool add, bool hasBias, Vector512<double> beta)
    {
        if (add) s += Vector512.Load(c);
        if (hasBias) s += beta;
        Vector512.Store(s, c);
    }

    /// <summary>
    /// A column of C (n = 1) from A stored by rows (row r, depth q at a[r·ars + q·aps]): eight rows' sums at a time
    /// as scalar FMA chains (eight chains cover the FMA latency at two per cycle), then the last 1-7 rows one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnChains(int kc, double* a, nint ars, nint aps, double* b, nint ldb, double* c, bool add, double* bias, int rows)
    {
        int r = 0;
        for (; r + 8 <= rows; r += 8, a += 8 * ars, c += 8)
        {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            double* ap = a;
            double* bp = b;
            for (int q = 0; q < kc; q++)
            {
                double x = *bp;
                s0 = Math.FusedMultiplyAdd(ap[0], x, s0);
                s1 = Math.FusedMultiplyAdd(ap[ars], x, s1);
                s2 = Math.FusedMultiplyAdd(ap[2 * ars], x, s2);
                s3 = Math.FusedMultiplyAdd(ap[3 * ars], x, s3);
                s4 = Math.FusedMultiplyAdd(ap[4 * ars], x, s4);
                s5 = Math.FusedMultiplyAdd(ap[5 * ars], x, s5);
                s6 = Math.FusedMultiplyAdd(ap[6 * ars], x, s6);
                s7 = Math.FusedMultiplyAdd(ap[7 * ars], x, s7);
                ap += aps;
                bp += ldb;
            }
            if (add)
            {
                s0 += c[0]; s1 += c[1]; s2 += c[2]; s3 += c[3]; s4 += c[4]; s5 += c[5]; s6 += c[6]; s7 += c[7];
            }
            if (bias != null)
            {
                double beta = bias[0];
                s0 += beta; s1 += beta; s2 += beta; s3 += beta; s4 += beta; s5 += beta; s6 += beta; s7 += beta;
            }
            c[0] = s0; c[1] = s1; c[2] = s2; c[3] = s3; c[4] = s4; c[5] = s5; c[6] = s6; c[7] = s7;
        }
        for (; r < rows; r++, a += ars, c++)
        {
            double s = 0;
            double* ap = a;
            double* bp = b;
            for (int q = 0; q < kc; q++, ap += aps, bp += ldb)
                s = Math.FusedMultiplyAdd(*ap, *bp, s);
            if (add) s += c[0];
            if (bias != null) s += bias[0];
            c[0] = s;
        }
    }

    /// <summary>
    /// A tile of up to 8 rows by 9…12 columns held the other way round: one zmm accumulator per column, its lanes the
    /// rows, so 10 columns fill 10 vectors instead of 2 vectors with 6 of 16 lanes idle. Needs A with a depth's rows
    /// side by side (a packed sliver, or A stored transposed: row r, depth q at a[q·aps + r]); each B value is
    /// broadcast. Each element gets the same FMA chain (p ascending) and the same final add of C as in
    /// <see cref="Tile{TRows, TVectors, TA}"/>, so the same bits; the tile reaches C through <paramref name="tile"/>
    /// (8×12 doubles), transposed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Columns<TCols>(int kc, double* a, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int rows, double* tile)
        where TCols : struct, IGemmConstant
    {
        int cols = TCols.Value;
        // Lanes past the last row are never loaded (A may end there), so they hold zeros and are never stored.
        Vector512<double> rowMask = Vector512.LessThan(Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((long)rows)).AsDouble();
        Vector512<double> t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default, t8 = default, t9 = default, t10 = default, t11 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<double> x = Avx512F.MaskLoad(a, rowMask, Vector512<double>.Zero);
            t0 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[0]), t0);
            t1 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[1]), t1);
            t2 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[2]), t2);
            t3 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[3]), t3);
            t4 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[4]), t4);
            t5 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[5]), t5);
            t6 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[6]), t6);
            t7 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[7]), t7);
            t8 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[8]), t8);
            if (cols > 9) t9 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[9]), t9);
            if (cols > 10) t10 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[10]), t10);
            if (cols > 11) t11 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(b[11]), t11);
            a += aps;
            b += ldb;
        }
        Vector512.Store(t0, tile + 0);
        Vector512.Store(t1, tile + 8);
        Vector512.Store(t2, tile + 16);
        Vector512.Store(t3, tile + 24);
        Vector512.Store(t4, tile + 32);
        Vector512.Store(t5, tile + 40);
        Vector512.Store(t6, tile + 48);
        Vector512.Store(t7, tile + 56);
        Vector512.Store(t8, tile + 64);
        if (cols > 9) Vector512.Store(t9, tile + 72);
        if (cols > 10) Vector512.Store(t10, tile + 80);
        if (cols > 11) Vector512.Store(t11, tile + 88);
        for (int r = 0; r < rows; r++, c += ldc)
        {
            if (bias != null)
            {
                if (add)
                    for (int j = 0; j < cols; j++) c[j] = c[j] + tile[8 * j + r] + bias[j];
                else
                    for (int j = 0; j < cols; j++) c[j] = tile[8 * j + r] + bias[j];
            }
            else if (add)
                for (int j = 0; j < cols; j++) c[j] += tile[8 * j + r];
            else
                for (int j = 0; j < cols; j++) c[j] = tile[8 * j + r];
        }
    }

    /// <summary>
    /// One or two rows by 48 columns of B read in place (six vectors per row): <see cref="Tile{TRows, TVectors, TA}"/>'s
    /// arithmetic with enough FMA chains for one or two rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Wide<TRows>(int kc, double* a, nint aStep, double* b, nint ldb, double* c, nint ldc, bool add, double* bias)
        where TRows : struct, IGemmConstant
    {
        int rows = TRows.Value;
        Vector512<double> c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default;
        Vector512<double> c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<double> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 8), b2 = Vector512.Load(b + 16);
            Vector512<double> b3 = Vector512.Load(b + 24), b4 = Vector512.Load(b + 32), b5 = Vector512.Load(b + 40);
            Vector512<double> x = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            c02 = Avx512F.FusedMultiplyAdd(x, b2, c02);
            c03 = Avx512F.FusedMultiplyAdd(x, b3, c03);
            c04 = Avx512F.FusedMultiplyAdd(x, b4, c04);
            c05 = Avx512F.FusedMultiplyAdd(x, b5, c05);
            if (rows > 1)
            {
                x = Vector512.Create(a[1]);
                c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
                c12 = Avx512F.FusedMultiplyAdd(x, b2, c12);
                c13 = Avx512F.FusedMultiplyAdd(x, b3, c13);
                c14 = Avx512F.FusedMultiplyAdd(x, b4, c14);
                c15 = Avx512F.FusedMultiplyAdd(x, b5, c15);
            }
            a += aStep;
            b += ldb;
        }
        Vector512<double> none = default;
        double* bias24 = bias == null ? null : bias + 24;
        StoreRow<Vectors3>(c, c00, c01, c02, add, bias, full: true, none);
        StoreRow<Vectors3>(c + 24, c03, c04, c05, add, bias24, full: true, none);
        if (rows > 1)
        {
            StoreRow<Vectors3>(c + ldc, c10, c11, c12, add, bias, full: true, none);
            StoreRow<Vectors3>(c + ldc + 24, c13, c14, c15, add, bias24, full: true, none);
        }
    }

    /// <summary>
    /// One row of a tile into C (or added to it): the leading vectors whole, the last one whole or, when not
    /// <paramref name="full"/>, through <paramref name="mask"/> (masked lanes are neither read nor written, so nothing
    /// past the end of C or of the bias is touched). With a <paramref name="bias"/>, its values are added last.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVectors>(double* c, Vector512<double> x0, Vector512<double> x1, Vector512<double> x2, bool add, double* bias, bool full, Vector512<double> mask)
        where TVectors : struct, IGemmConstant
    {
        int vectors = TVectors.Value;
        if (vectors > 1)
        {
            if (add) x0 += Vector512.Load(c);
            if (bias != null) x0 += Vector512.Load(bias);
            Vector512.Store(x0, c);
        }
        if (vectors > 2)
        {
            if (add) x1 += Vector512.Load(c + 8);
            if (bias != null) x1 += Vector512.Load(bias + 8);
            Vector512.Store(x1, c + 8);
        }
        Vector512<double> last = vectors == 1 ? x0 : vectors == 2 ? x1 : x2;
        double* end = c + 8 * (vectors - 1);
        if (full)
        {
            if (add) last += Vector512.Load(end);
            if (bias != null) last += Vector512.Load(bias + 8 * (vectors - 1));
            Vector512.Store(last, end);
        }
        else
        {
            if (add) last += Avx512F.MaskLoad(end, mask, Vector512<double>.Zero);
            if (bias != null) last += Avx512F.MaskLoad(bias + 8 * (vectors - 1), mask, Vector512<double>.Zero);
            Avx512F.MaskStore(end, mask, last);
        }
    }
}

internal readonly struct Rows7 : IGemmConstant { public static int Value => 7; }
internal readonly struct Rows8 : IGemmConstant { public static int Value => 8; }
internal readonly struct Rows9 : IGemmConstant { public static int Value => 9; }
internal readonly struct Rows10 : IGemmConstant { public static int Value => 10; }
internal readonly struct Rows11 : IGemmConstant { public static int Value => 11; }
internal readonly struct Rows12 : IGemmConstant { public static int Value => 12; }
internal readonly struct Columns9 : IGemmConstant { public static int Value => 9; }
internal readonly struct Columns10 : IGemmConstant { public static int Value => 10; }
internal readonly struct Columns11 : IGemmConstant { public static int Value => 11; }

/// <summary>No whole zmm column vector (a <see cref="GemmAvx512Tiles.TileHalf{TRows, TFull, TA}"/> of 1…4 columns).</summary>
internal readonly struct Vectors0 : IGemmConstant { public static int Value => 0; }

/// <summary>A tile without a bias (a plain product): its stores test nothing.</summary>
internal readonly struct NoBias : IGemmConstant { public static int Value => 0; }

/// <summary>A tile of <see cref="Gemm.Linear"/>, whose stores add the bias.</summary>
internal readonly struct WithBias : IGemmConstant { public static int Value => 1; }

/// <summary>A column of C 32 rows at a time (four zmm of rows).</summary>
internal readonly struct Lanes32 : IGemmConstant { public static int Value => 32; }

/// <summary>A column of C 8 rows or fewer at a time (one zmm of rows).</summary>
internal readonly struct Lanes8 : IGemmConstant { public static int Value => 8; }

/// <summary>One zmm column vector (1…8 columns) per row.</summary>
internal readonly struct Vectors1 : IGemmConstant { public static int Value => 1; }

/// <summary>Two zmm column vectors (9…16 columns) per row.</summary>
internal readonly struct Vectors2 : IGemmConstant { public static int Value => 2; }

/// <summary>Three zmm column vectors (17…24 columns) per row.</summary>
internal readonly struct Vectors3 : IGemmConstant { public static int Value => 3; }
