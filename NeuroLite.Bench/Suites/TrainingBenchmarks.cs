using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using NeuroLite.Bench.Report;
using NeuroLite.Bench.Training;

namespace NeuroLite.Bench.Suites;

/// <summary>
/// One training step (forward, loss, backward, optimizer step, tape reset) of each network of the benchmark networks, one
/// thread. The Allocated column is part of the result: a warm step allocates 0 B. <c>bdn --filter *Training* --paths</c>
/// runs it on each SIMD path. The PyTorch columns show <c>peers/torch_train.py</c>'s one-thread figures when its
/// results file was written on this CPU model; otherwise their legend says how to get them.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TrainingConfig))]
public class TrainingBenchmarks
{
    private TrainingWorkload _xor = null!;
    private TrainingWorkload _mlp64 = null!;
    private TrainingWorkload _mlp784 = null!;

    private int _threads;

    /// <summary>
    /// One GEMM thread (the benchmark's setting; the 784-wide step's products would otherwise take both cores), then
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

/// <summary>Adds PyTorch's µs/step and NeuroLite's speed-up over it (see <see cref="PeerResults"/>) to the training suite.</summary>
public sealed class TrainingConfig : ManualConfig
{
    /// <summary>The benchmark methods of <see cref="TrainingBenchmarks"/> and the workload names the results file uses.</summary>
    public static IReadOnlyDictionary<string, string> Workloads { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [nameof(TrainingBenchmarks.Xor)] = "xor",
        [nameof(TrainingBenchmarks.Mlp64)] = "mlp-64",
        [nameof(TrainingBenchmarks.Mlp784)] = "mlp-784",
    };

    /// <summary>The config: the two PyTorch columns, reading the results file once, in the host process.</summary>
    public TrainingConfig()
    {
        string cpu = MachineInfo.ReadCpuKey();
        var peers = PeerResults.Read(PeerResults.Locate(), cpu);
        AddColumn(new PyTorchColumn(peers, cpu, ratio: false), new PyTorchColumn(peers, cpu, ratio: true));
    }

    private sealed class PyTorchColumn(PeerResults peers, string cpu, bool ratio) : IColumn
    {
        public string Id => ratio ? "PyTorchRatio" : "PyTorchUs";
        public string ColumnName => ratio ? "x PyTorch" : "PyTorch 1t";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => ratio ? 1 : 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => ratio
            ? "PyTorch's µs/step over NeuroLite's mean (above 1: NeuroLite is faster)"
            : "PyTorch eager µs/step, one thread. " + peers.Note(cpu);

        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double us = Workloads.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out string? name) ? peers.For(name) : double.NaN;
            if (double.IsNaN(us)) return "-";
            if (!ratio) return us.ToString("0.00", CultureInfo.InvariantCulture) + " μs";
            double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return meanNs is > 0 ? (us * 1000 / meanNs.Value).ToString("0.00", CultureInfo.InvariantCulture) : "-";
        }
    }
}
