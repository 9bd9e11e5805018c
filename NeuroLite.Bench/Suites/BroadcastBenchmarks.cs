using BenchmarkDotNet.Attributes;

namespace NeuroLite.Bench.Suites;

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
