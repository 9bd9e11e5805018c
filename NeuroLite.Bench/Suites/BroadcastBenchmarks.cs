using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Suites;

/// <summary>
/// Broadcast and reduction kernels side by side with <see cref="TensorPrimitives"/> and the scalar references:
/// bias add (a row vector added to every row), the sum of all elements, and the bias gradient (sum over rows).
/// N is the matrix's element count: 10 × 100 for 1,000 and 1,000 × 1,000 for 1,000,000.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BroadcastBenchmarks
{
    private double[] _x = [], _bias = [], _y = [], _row = [];
    private int[] _shape = [], _biasShape = [];
    private int _rows, _cols;

    /// <summary>Element count of the (rows × cols) matrix.</summary>
    [Params(1000, 1000000)]
    public int N { get; set; }

    /// <summary>Fills the inputs with seeded values in [-1, 1).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _cols = N >= 1_000_000 ? 1000 : 100;
        _rows = N / _cols;
        var rng = new Random(42);
        _x = [.. Enumerable.Range(0, N).Select(_ => rng.NextDouble() * 2 - 1)];
        _bias = [.. Enumerable.Range(0, _cols).Select(_ => rng.NextDouble() * 2 - 1)];
        _y = new double[N];
        _row = new double[_cols];
        _shape = [_rows, _cols];
        _biasShape = [_cols];
    }

    /// <summary>Bias add through the broadcast planner (one <see cref="Binary.Add(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/> per row).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("BiasAdd")]
    public void BiasAddNeuroLite() => Broadcast.Add(_x, _shape, _bias, _biasShape, _y);

    /// <summary>Bias add as TensorPrimitives.Add per row.</summary>
    [Benchmark, BenchmarkCategory("BiasAdd")]
    public void BiasAddTensorPrimitivesPerRow()
    {
        for (int r = 0; r < _rows; r++)
            TensorPrimitives.Add(_x.AsSpan(r * _cols, _cols), _bias, _y.AsSpan(r * _cols, _cols));
    }

    /// <summary>Bias add through the scalar reference.</summary>
    [Benchmark, BenchmarkCategory("BiasAdd")]
    public void BiasAddReference() => Kernels.Reference.Broadcast.Add(_x, _shape, _bias, _biasShape, _y);

    /// <summary>Sum of all elements.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Sum")]
    public double SumNeuroLite() => Reduce.Sum(_x);

    /// <summary>TensorPrimitives.Sum.</summary>
    [Benchmark, BenchmarkCategory("Sum")]
    public double SumTensorPrimitives() => TensorPrimitives.Sum<double>(_x);

    /// <summary>The scalar reference sum.</summary>
    [Benchmark, BenchmarkCategory("Sum")]
    public double SumReference() => Kernels.Reference.Reduce.Sum(_x);

    /// <summary>Bias gradient: SumTo a row vector (four rows per pass over the destination).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("SumToRow")]
    public void SumToRowNeuroLite() => Broadcast.SumTo(_x, _shape, _row, _biasShape);

    /// <summary>Bias gradient as TensorPrimitives.Add of each row into the destination.</summary>
    [Benchmark, BenchmarkCategory("SumToRow")]
    public void SumToRowTensorPrimitivesPerRow()
    {
        _row.AsSpan().Clear();
        for (int r = 0; r < _rows; r++)
            TensorPrimitives.Add(_row, _x.AsSpan(r * _cols, _cols), _row);
    }

    /// <summary>Bias gradient through the scalar reference.</summary>
    [Benchmark, BenchmarkCategory("SumToRow")]
    public void SumToRowReference() => Kernels.Reference.Broadcast.SumTo(_x, _shape, _row, _biasShape);
}
