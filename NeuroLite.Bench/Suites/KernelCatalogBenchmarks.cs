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
