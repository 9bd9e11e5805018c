using BenchmarkDotNet.Attributes;
using NeuroLite.Bench.Training;

namespace NeuroLite.Bench.Suites;

/// <summary>
/// One training step (forward, loss, backward, optimizer step, tape reset) of each network of the engine issue, one
/// thread. The Allocated column is part of the result: a warm step allocates 0 B. <c>bdn --filter *Training* --paths</c>
/// runs it on each SIMD path.
/// </summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private TrainingWorkload _xor = null!;
    private TrainingWorkload _mlp64 = null!;
    private TrainingWorkload _mlp784 = null!;

    private int _threads;

    /// <summary>
    /// One GEMM thread (the engine issue's setting; the 784-wide step's products would otherwise take both cores), then
    /// builds the three workloads and takes a few steps so that every buffer is rented.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        _threads = NeuroLite.Kernels.Gemm.MaxThreads;
        NeuroLite.Kernels.Gemm.MaxThreads = 1;
        _xor = TrainingWorkload.Xor();
        _mlp64 = TrainingWorkload.Mlp64();
        _mlp784 = TrainingWorkload.Mlp784();
        for (int i = 0; i < 3; i++)
        {
            _xor.Step();
            _mlp64.Step();
            _mlp784.Step();
        }
    }

    /// <summary>Releases the tapes and restores the thread setting.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        NeuroLite.Kernels.Gemm.MaxThreads = _threads;
        _xor.Dispose();
        _mlp64.Dispose();
        _mlp784.Dispose();
    }

    /// <summary>XOR 2-4-1 tanh, MSE, SGD, batch 4.</summary>
    [Benchmark(Description = "XOR 2-4-1 tanh MSE SGD b4")]
    public double Xor() => _xor.Step();

    /// <summary>64-128-64-10 tanh, softmax CE, Adam, batch 64.</summary>
    [Benchmark(Description = "64-128-64-10 tanh CE Adam b64")]
    public double Mlp64() => _mlp64.Step();

    /// <summary>784-256-256-10 tanh, softmax CE, Adam, batch 128.</summary>
    [Benchmark(Description = "784-256-256-10 tanh CE Adam b128")]
    public double Mlp784() => _mlp784.Step();
}
