using System.Diagnostics;

namespace NeuroLite.Kernels;

/// <summary>
/// One validated GEMM call as raw pointers (the spans are pinned by the caller for the whole call, worker included)
/// plus the plan it runs with, fixed on the calling thread so the worker uses the same one.
/// </summary>
internal readonly unsafe struct GemmProblem(double* a, double* b, double* c, int m, int n, int k, bool transA, bool transB, bool accumulate, in GemmPlan plan)
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
    public readonly GemmPlan Plan = plan;

    /// <summary>The plan's block sizes.</summary>
    public GemmBlockSizes Blocks => Plan.Blocks;

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
/// How one GEMM call runs, BLIS-style as a value per micro-kernel rather than global state: the cache blocks, the work
/// from which the second core joins, the op(A) size up to which A is read in place, and the worker policy. The public
/// entry points use <see cref="For{TKernel}"/>; tests pass other plans to cross block edges cheaply.
/// </summary>
/// <param name="Blocks">Cache block sizes; MC a multiple of the kernel's MR, NC of its NR.</param>
/// <param name="ParallelMinWork">Multiply-adds (m·n·k) from which the product is split over two threads.</param>
/// <param name="InPlaceAMaxElements">Elements of op(A) up to which A is read in place (where the kernel can); 0 packs A unless C is narrow.</param>
internal readonly record struct GemmPlan(GemmBlockSizes Blocks, long ParallelMinWork, long InPlaceAMaxElements)
{
    /// <summary>
    /// A two-thread call always posts and always waits for the worker: no take-over, no back-off (a call that must see
    /// the worker take its half). False for the kernels' plans.
    /// </summary>
    public bool Patient { get; init; }

    /// <summary>
    /// The worker, woken for this call, waits (up to ~5 s) before it claims its half, so a caller that is not
    /// <see cref="Patient"/> must take it over (a call that must see the take-over). False for the kernels' plans.
    /// </summary>
    public bool HoldWorker { get; init; }

    /// <summary>The plan of <typeparamref name="TKernel"/>: its block sizes and in-place limit, the default threshold.</summary>
    public static GemmPlan For<TKernel>() where TKernel : struct, IGemmMicroKernel =>
        new(new GemmBlockSizes(TKernel.Mc, TKernel.Kc, TKernel.Nc), GemmTuning.DefaultParallelMinWork, TKernel.InPlaceAMaxElements);
}

/// <summary>
/// Tuning constants: the work above which the second core joins by default, the size below which the direct path
/// skips packing, and the one-thread time estimate the worker's take-over deadline is a fraction of.
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

    /// <summary>Register tile (MR, NR) and plan of the kernel this process dispatches to.</summary>
    internal static (int Mr, int Nr, GemmPlan Plan) ForCurrentPath() => Simd.Path switch
    {
        SimdPath.Avx512 => Describe<GemmAvx512Kernel>(),
        SimdPath.Avx2Fma => Describe<GemmAvx2Kernel>(),
        SimdPath.Neon => Describe<GemmNeonKernel>(),
        SimdPath.Vector128 => Describe<GemmVector128Kernel>(),
        _ => Describe<GemmScalarKernel>(),
    };

    private static (int, int, GemmPlan) Describe<TKernel>() where TKernel : struct, IGemmMicroKernel =>
        (TKernel.Mr, TKernel.Nr, GemmPlan.For<TKernel>());

    /// <summary>Smallest multiple of <paramref name="step"/> ≥ <paramref name="x"/>.</summary>
    public static int RoundUp(int x, int step) => (x + step - 1) / step * step;
}
