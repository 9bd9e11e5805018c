using System.Diagnostics;

namespace NeuroLite.Kernels;

/// <summary>
/// One validated GEMM call as raw pointers (the spans are pinned by the caller for the whole call, worker included)
/// plus the block sizes in force, fixed on the calling thread so the worker uses the same ones.
/// </summary>
internal readonly unsafe struct GemmProblem(double* a, double* b, double* c, int m, int n, int k, bool transA, bool transB, bool accumulate, GemmBlockSizes blocks)
{
    public readonly double* A = a;
    public readonly double* B = b;
    public readonly double* C = c;
    public readonly int M = m;
    public readonly int N = n;
    public readonly int K = k;
    public readonly bool TransA = transA;
    public readonly bool TransB = transB;
    public readonly bool Accumulate = accumulate;
    public readonly GemmBlockSizes Blocks = blocks;

    /// <summary>Two-thread calls: the first row (row split) or column (column split) of the worker's part of C.</summary>
    public int Split { get; init; }

    /// <summary>Two-thread calls: C is split by rows (both threads share one packed B), else by columns.</summary>
    public bool SplitRows { get; init; }

    /// <summary>Row split: the two packed-B buffers both threads pack into and read from, alternately.</summary>
    public double* SharedB { get; init; }

    /// <summary>
    /// <see cref="Gemm.Linear"/>: the bias (n values, one per column of C) the micro-kernel adds to a tile after its
    /// last depth block; null for a plain product.
    /// </summary>
    public double* Bias { get; init; }

    /// <summary><see cref="Gemm.Linear"/>: the activation applied to a tile after its last depth block and the bias.</summary>
    public GemmActivation Activation { get; init; }
}

/// <summary>Cache block sizes: rows of A per L2 block, depth per packed block, columns of B per L3 block.</summary>
internal readonly record struct GemmBlockSizes(int Mc, int Kc, int Nc);

/// <summary>
/// Tuning knobs: the kernels' default block sizes, the work above which the second core joins, the size below which
/// the direct path skips packing, and per-thread overrides so tests can cross block edges cheaply.
/// </summary>
internal static class GemmTuning
{
    /// <summary>
    /// Multiply-adds (m·n·k) at or below which <see cref="GemmDirect"/> runs instead of the packed path. Measured on
    /// Zen 3: the packed path is already ahead from 6×6×6 (4 vs 2 GFLOP/s best case) and 5× ahead at 16³, so only
    /// the truly tiny (the XOR net's 4×2·2×4 = 32) skip packing.
    /// </summary>
    public const long DirectMaxWork = 256;

    /// <summary>Multiply-adds (m·n·k) from which the product is split over two threads (~0.1 ms of one core's work).</summary>
    public const long DefaultParallelMinWork = 1L << 21;

    /// <summary>
    /// A rough one-thread time of a product of <paramref name="work"/> multiply-adds, in Stopwatch ticks, at 18·10⁹
    /// multiply-adds per second (36 GFLOP/s, this kernel's speed on large products): how long a caller may wait for the
    /// worker to start is a fraction of it.
    /// </summary>
    public static long OneThreadTicks(long work) => (long)(work * (Stopwatch.Frequency / 18e9));

    [ThreadStatic] private static GemmBlockSizes testBlocks;
    [ThreadStatic] private static long testParallelMinWork;
    [ThreadStatic] private static bool testInPlaceASet;
    [ThreadStatic] private static long testInPlaceA;

    /// <summary>The parallel threshold for calls from this thread.</summary>
    public static long ParallelMinWork => testParallelMinWork > 0 ? testParallelMinWork : DefaultParallelMinWork;

    /// <summary>
    /// For tests: block sizes (rounded up to the kernel's MR/NR; 0 keeps a default) and a parallel threshold
    /// (0 keeps the default) for GEMMs called from this thread. <see cref="ResetForTests"/> undoes it.
    /// </summary>
    internal static void OverrideForTests(int mc, int kc, int nc, long parallelMinWork)
    {
        testBlocks = new GemmBlockSizes(mc, kc, nc);
        testParallelMinWork = parallelMinWork;
    }

    /// <summary>For tests: the in-place-A limit (elements of op(A)) for GEMMs called from this thread; 0 packs A unless C is narrow.</summary>
    internal static void OverrideInPlaceAForTests(long maxElements)
    {
        testInPlaceASet = true;
        testInPlaceA = maxElements;
    }

    /// <summary>Back to the defaults on this thread.</summary>
    internal static void ResetForTests()
    {
        testBlocks = default;
        testParallelMinWork = 0;
        testInPlaceASet = false;
        testInPlaceA = 0;
    }

    /// <summary>Elements of op(A) up to which <typeparamref name="TKernel"/> reads A in place on this thread: the override where set, else the kernel's.</summary>
    public static long InPlaceAMaxElements<TKernel>() where TKernel : struct, IGemmMicroKernel =>
        testInPlaceASet ? testInPlaceA : TKernel.InPlaceAMaxElements;

    /// <summary>Block sizes for <typeparamref name="TKernel"/> on this thread: the override where set, else the kernel's.</summary>
    public static GemmBlockSizes Blocks<TKernel>() where TKernel : struct, IGemmMicroKernel
    {
        GemmBlockSizes t = testBlocks;
        return new GemmBlockSizes(
            t.Mc > 0 ? RoundUp(t.Mc, TKernel.Mr) : TKernel.Mc,
            t.Kc > 0 ? t.Kc : TKernel.Kc,
            t.Nc > 0 ? RoundUp(t.Nc, TKernel.Nr) : TKernel.Nc);
    }

    /// <summary>Register tile (MR, NR) and block sizes of the kernel this process dispatches to, as seen from this thread.</summary>
    internal static (int Mr, int Nr, GemmBlockSizes Blocks) ForCurrentPath() => Simd.Path switch
    {
        SimdPath.Avx512 => Describe<GemmAvx512Kernel>(),
        SimdPath.Avx2Fma => Describe<GemmAvx2Kernel>(),
        SimdPath.Neon => Describe<GemmNeonKernel>(),
        SimdPath.Vector128 => Describe<GemmVector128Kernel>(),
        _ => Describe<GemmScalarKernel>(),
    };

    private static (int, int, GemmBlockSizes) Describe<TKernel>() where TKernel : struct, IGemmMicroKernel =>
        (TKernel.Mr, TKernel.Nr, Blocks<TKernel>());

    /// <summary>Smallest multiple of <paramref name="step"/> ≥ <paramref name="x"/>.</summary>
    public static int RoundUp(int x, int step) => (x + step - 1) / step * step;
}
