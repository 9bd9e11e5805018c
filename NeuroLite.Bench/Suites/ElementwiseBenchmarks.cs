using BenchmarkDotNet.Attributes;

namespace NeuroLite.Bench.Suites;

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
