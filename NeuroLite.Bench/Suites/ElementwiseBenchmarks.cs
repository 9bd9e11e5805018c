using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NeuroLite.Kernels;
using Ref = NeuroLite.Kernels.Reference;

namespace NeuroLite.Bench.Suites;

/// <summary>
/// Element-wise kernels side by side with <see cref="TensorPrimitives"/> (the baseline of each category) and with
/// the scalar reference. Inputs are fixed-seed; outputs go to a separate buffer.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ElementwiseBenchmarks
{
    private double[] _uniform3 = [], _withLarge = [], _expInput = [], _logInput = [], _a = [], _b = [], _y = [];

    /// <summary>Elements per call.</summary>
    [Params(1000, 1_000_000)]
    public int N { get; set; }

    /// <summary>
    /// Builds the inputs: tanh on uniform [-3, 3]; the same with one element in 8 at |x| in [400, 800]; exp on [-20, 20];
    /// log on [0.001, 100].
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _uniform3 = new double[N];
        _withLarge = new double[N];
        _expInput = new double[N];
        _logInput = new double[N];
        _a = new double[N];
        _b = new double[N];
        _y = new double[N];
        for (int i = 0; i < N; i++)
        {
            _uniform3[i] = rng.NextDouble() * 6 - 3;
            _withLarge[i] = rng.Next(8) == 0 ? (rng.Next(2) == 0 ? 1 : -1) * (400 + rng.NextDouble() * 400) : _uniform3[i];
            _expInput[i] = rng.NextDouble() * 40 - 20;
            _logInput[i] = 0.001 + rng.NextDouble() * (100 - 0.001);
            _a[i] = rng.NextDouble() * 2 - 1;
            _b[i] = rng.NextDouble() * 2 - 1;
        }
    }

    /// <summary>TensorPrimitives.Tanh on uniform [-3, 3].</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Tanh")]
    public void TanhTensorPrimitives() => TensorPrimitives.Tanh<double>(_uniform3, _y);

    /// <summary>NeuroLite tanh on uniform [-3, 3].</summary>
    [Benchmark, BenchmarkCategory("Tanh")]
    public void TanhNeuroLite() => Unary.Tanh(_uniform3, _y);

    /// <summary>Scalar reference tanh on uniform [-3, 3].</summary>
    [Benchmark, BenchmarkCategory("Tanh")]
    public void TanhReference() => Ref.Unary.Tanh(_uniform3, _y);

    /// <summary>TensorPrimitives.Tanh with some |x| &gt; 400 mixed in.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("TanhWithLarge")]
    public void TanhWithLargeTensorPrimitives() => TensorPrimitives.Tanh<double>(_withLarge, _y);

    /// <summary>NeuroLite tanh with some |x| &gt; 400 mixed in.</summary>
    [Benchmark, BenchmarkCategory("TanhWithLarge")]
    public void TanhWithLargeNeuroLite() => Unary.Tanh(_withLarge, _y);

    /// <summary>Scalar reference tanh with some |x| &gt; 400 mixed in.</summary>
    [Benchmark, BenchmarkCategory("TanhWithLarge")]
    public void TanhWithLargeReference() => Ref.Unary.Tanh(_withLarge, _y);

    /// <summary>TensorPrimitives.Exp on [-20, 20].</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Exp")]
    public void ExpTensorPrimitives() => TensorPrimitives.Exp<double>(_expInput, _y);

    /// <summary>NeuroLite exp on [-20, 20].</summary>
    [Benchmark, BenchmarkCategory("Exp")]
    public void ExpNeuroLite() => Unary.Exp(_expInput, _y);

    /// <summary>Scalar reference exp on [-20, 20].</summary>
    [Benchmark, BenchmarkCategory("Exp")]
    public void ExpReference() => Ref.Unary.Exp(_expInput, _y);

    /// <summary>TensorPrimitives.Log on [0.001, 100].</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Log")]
    public void LogTensorPrimitives() => TensorPrimitives.Log<double>(_logInput, _y);

    /// <summary>NeuroLite log on [0.001, 100].</summary>
    [Benchmark, BenchmarkCategory("Log")]
    public void LogNeuroLite() => Unary.Log(_logInput, _y);

    /// <summary>Scalar reference log on [0.001, 100].</summary>
    [Benchmark, BenchmarkCategory("Log")]
    public void LogReference() => Ref.Unary.Log(_logInput, _y);

    /// <summary>TensorPrimitives.Add.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Add")]
    public void AddTensorPrimitives() => TensorPrimitives.Add<double>(_a, _b, _y);

    /// <summary>NeuroLite add.</summary>
    [Benchmark, BenchmarkCategory("Add")]
    public void AddNeuroLite() => Binary.Add(_a, _b, _y);

    /// <summary>Scalar reference add.</summary>
    [Benchmark, BenchmarkCategory("Add")]
    public void AddReference() => Ref.Binary.Add(_a, _b, _y);

    /// <summary>TensorPrimitives.Multiply.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Multiply")]
    public void MultiplyTensorPrimitives() => TensorPrimitives.Multiply<double>(_a, _b, _y);

    /// <summary>NeuroLite multiply.</summary>
    [Benchmark, BenchmarkCategory("Multiply")]
    public void MultiplyNeuroLite() => Binary.Multiply(_a, _b, _y);

    /// <summary>Scalar reference multiply.</summary>
    [Benchmark, BenchmarkCategory("Multiply")]
    public void MultiplyReference() => Ref.Binary.Multiply(_a, _b, _y);
}
