using BenchmarkDotNet.Attributes;
using NeuroLite.Bench.Quick;

namespace NeuroLite.Bench.Suites;

/// <summary>
/// The kernels of the kernel catalog side by side with their <c>TensorPrimitives</c> peer (the baseline) and their
/// scalar reference, one case per catalog entry that has a peer: the same buffers and inputs as the kernel table of
/// the main job (<see cref="KernelCases"/>), timed by BenchmarkDotNet. A kernel added to the catalog with a peer
/// appears here without an edit. Calls go through a delegate, the same for all three columns.
/// </summary>
public abstract class KernelCatalogBenchmarks
{
    private KernelInstance _instance = null!;

    /// <summary>The catalog entry (see <see cref="KernelCases"/>).</summary>
    public abstract string Kernel { get; set; }

    /// <summary>Elements per call.</summary>
    [Params(1000, 1_000_000)]
    public int N { get; set; }

    /// <summary>Builds the entry's buffers from a fixed seed.</summary>
    [GlobalSetup]
    public void Setup() => _instance = KernelCases.Named(Kernel).Create(N, new Random(42));

    /// <summary>The <c>TensorPrimitives</c> peer.</summary>
    [Benchmark(Baseline = true)]
    public void TensorPrimitives() => _instance.Tensor!();

    /// <summary>The NeuroLite kernel on this process's SIMD path.</summary>
    [Benchmark]
    public void NeuroLite() => _instance.Simd();

    /// <summary>The scalar reference.</summary>
    [Benchmark]
    public void Reference() => _instance.Reference();

    /// <summary>
    /// Only cases whose name contains this text (case-insensitive), or null for all: <c>bdn --kernels TEXT</c>. Read
    /// when BenchmarkDotNet lists the cases, in the host process; its child processes get the chosen names.
    /// </summary>
    public static string? Filter { get; set; }

    /// <summary>The names of the cases with a peer, of one family, that pass <see cref="Filter"/>.</summary>
    protected static IEnumerable<string> WithPeer(bool overRows) =>
        KernelCases.All.Concat(KernelCases.SuiteExtras)
            .Where(k => k.TensorName is not null && k.OverRows == overRows)
            .Where(k => Filter is null || k.Name.Contains(Filter, StringComparison.OrdinalIgnoreCase))
            .Select(k => k.Name);
}

/// <summary>
/// The element-wise and optimizer kernels of the catalog with a <c>TensorPrimitives</c> peer (tanh, also with some
/// |x| &gt; 400 mixed in; ReLU, exp, log, the four arithmetic operations, multiply-add, axpy, SGD) at n = 1,000 and 10⁶.
/// </summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks : KernelCatalogBenchmarks
{
    /// <inheritdoc/>
    [ParamsSource(nameof(Kernels))]
    public override string Kernel { get; set; } = "";

    /// <summary>The cases: every element-wise catalog entry with a peer.</summary>
    public static IEnumerable<string> Kernels => WithPeer(overRows: false);
}

/// <summary>
/// The row kernels of the catalog with a <c>TensorPrimitives</c> peer (row by row where the peer has no broadcast):
/// bias add, the bias gradient (<c>SumTo</c> a row), sum, row max and softmax cross-entropy. N is the element count:
/// 10 × 100 for 1,000 and 1,000 × 1,000 for 1,000,000 (n/10 rows of 10 classes for softmax).
/// </summary>
[MemoryDiagnoser]
public class BroadcastBenchmarks : KernelCatalogBenchmarks
{
    /// <inheritdoc/>
    [ParamsSource(nameof(Kernels))]
    public override string Kernel { get; set; } = "";

    /// <summary>The cases: every row catalog entry with a peer.</summary>
    public static IEnumerable<string> Kernels => WithPeer(overRows: true);
}
