using BenchmarkDotNet.Attributes;

namespace NeuroLite.Bench.Suites;

/// <summary>
/// A tape per request: create a tape, run a small forward pass (the XOR 2-4-1 MLP on a batch of 4) and dispose it,
/// 10,000 times per invocation (figures are per tape). <c>Pooled = false</c> sets
/// <see cref="TensorPool.MaxRetainedBuffers"/> to 0, so every tape allocates its arena as before the pool existed;
/// the Allocated column is the point. Also one model per request: build a 2-4-1 MLP, run it, dispose it.
/// <c>bdn --filter *TapePool*</c>.
/// </summary>
[MemoryDiagnoser]
public class TapePoolBenchmarks : IDisposable
{
    private const int Tapes = 10_000;
    private readonly double[] _x = [0, 0, 0, 1, 1, 0, 1, 1];
    private MLP _model = null!;
    private int _maxBuffers;

    /// <summary>True: tapes rent from and return to the pool; false: the pool keeps nothing.</summary>
    [Params(true, false)]
    public bool Pooled { get; set; }

    /// <summary>Builds the model and sets the pool's bound.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _maxBuffers = TensorPool.MaxRetainedBuffers;
        TensorPool.Trim();
        TensorPool.MaxRetainedBuffers = Pooled ? Math.Max(_maxBuffers, 64) : 0;
        _model = new MLP(2, [4], 1, seed: 0);
    }

    /// <summary>Restores the pool's bound.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        TensorPool.MaxRetainedBuffers = _maxBuffers;
        TensorPool.Trim();
    }

    /// <summary>Releases the model's buffers.</summary>
    public void Dispose()
    {
        _model?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Create, forward, read, dispose: one tape per iteration.</summary>
    [Benchmark(OperationsPerInvoke = Tapes, Description = "tape per request: new Tape, 2-4-1 forward b4, Dispose")]
    public double TapePerRequest()
    {
        double sum = 0;
        for (int i = 0; i < Tapes; i++)
        {
            using var tape = new Tape();
            sum += _model.Forward(tape.Input(_x, [4, 2])).Data[0];
        }
        return sum;
    }

    /// <summary>Create a model, run it on a fresh tape, dispose both: one model per iteration.</summary>
    [Benchmark(OperationsPerInvoke = Tapes / 10, Description = "model per request: new MLP 2-4-1, forward b4, Dispose")]
    public double ModelPerRequest()
    {
        double sum = 0;
        for (int i = 0; i < Tapes / 10; i++)
        {
            using var model = new MLP(2, [4], 1, seed: i);
            using var tape = new Tape();
            sum += model.Forward(tape.Input(_x, [4, 2])).Data[0];
        }
        return sum;
    }
}
