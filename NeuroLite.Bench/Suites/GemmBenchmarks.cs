using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using System.Runtime.Intrinsics;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Suites;

/// <summary>
/// <see cref="Gemm.Multiply"/> in GFLOP/s (2·m·n·k / mean time): square sizes 64…1024 on one thread, the shapes of a
/// 784-256-256-10 MLP step at batch 128 (forward X·W, backward Xᵀ·G via transposeA and G·Wᵀ via transposeB), and
/// two threads at 512 and 1024. "% of peak" divides by one core's FMA peak measured on this machine when the summary is
/// made (<see cref="GemmConfig.PeakGflopsPerCore(BenchmarkDotNet.Jobs.Job)"/>); the peer is <c>NeuroLite.Bench/peers/gemm_numpy.py</c> (NumPy →
/// OpenBLAS, one thread; run it with <c>env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE</c> for its best kernel).
/// </summary>
[Config(typeof(GemmConfig))]
public class GemmBenchmarks : GemmBenchmarkBase
{
    /// <summary>The product measured.</summary>
    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = GemmCase.Square(64, 1);

    /// <inheritdoc/>
    protected override GemmCase Current => Case;

    /// <summary>The products of the suite.</summary>
    public static IEnumerable<GemmCase> Cases()
    {
        foreach (int n in new[] { 64, 128, 256, 512, 1024 })
            yield return GemmCase.Square(n, 1);
        yield return new GemmCase("mlp X·W1 128×784·784×256", 128, 256, 784, false, false, 1);
        yield return new GemmCase("mlp X1ᵀ·G 784×128ᵀ·128×256", 784, 256, 128, true, false, 1);
        yield return new GemmCase("mlp G·W1ᵀ 128×256·256×784ᵀ", 128, 784, 256, false, true, 1);
        yield return new GemmCase("mlp H·W2 128×256·256×256", 128, 256, 256, false, false, 1);
        yield return new GemmCase("mlp Hᵀ·G 256×128ᵀ·128×256", 256, 256, 128, true, false, 1);
        yield return new GemmCase("mlp G·W2ᵀ 128×256·256×256ᵀ", 128, 256, 256, false, true, 1);
        yield return GemmCase.Square(512, 2);
        yield return GemmCase.Square(1024, 2);
    }
}

/// <summary>
/// The eight products of one 64-128-64-10 MLP training step at batch 64 (the digits network), in GFLOP/s: forward
/// X·W, weight gradients Xᵀ·G (transposeA) and input gradients G·Wᵀ (transposeB). All sit below the two-thread
/// threshold, so they run on one thread; the 10-wide ones exercise the edge tiles.
/// </summary>
[Config(typeof(GemmConfig))]
public class GemmSmallMlpBenchmarks : GemmBenchmarkBase
{
    /// <summary>The product measured.</summary>
    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = new("X·W1 64×64·64×128", 64, 128, 64, false, false, 1);

    /// <inheritdoc/>
    protected override GemmCase Current => Case;

    /// <summary>The products of the suite: layer 1, 2, 3 forward, then the backward products from the top.</summary>
    public static IEnumerable<GemmCase> Cases()
    {
        yield return new GemmCase("X·W1 64×64·64×128", 64, 128, 64, false, false, 1);
        yield return new GemmCase("H1·W2 64×128·128×64", 64, 64, 128, false, false, 1);
        yield return new GemmCase("H2·W3 64×64·64×10", 64, 10, 64, false, false, 1);
        yield return new GemmCase("H2ᵀ·G3 (64×64)ᵀ·64×10", 64, 10, 64, true, false, 1);
        yield return new GemmCase("G3·W3ᵀ 64×10·(64×10)ᵀ", 64, 64, 10, false, true, 1);
        yield return new GemmCase("H1ᵀ·G2 (64×128)ᵀ·64×64", 128, 64, 64, true, false, 1);
        yield return new GemmCase("G2·W2ᵀ 64×64·(128×64)ᵀ", 64, 128, 64, false, true, 1);
        yield return new GemmCase("Xᵀ·G1 (64×64)ᵀ·64×128", 64, 128, 64, true, false, 1);
    }
}

/// <summary>Operands, thread setting and the timed call shared by the GEMM suites.</summary>
public abstract class GemmBenchmarkBase
{
    private double[] a = [], b = [], c = [];
    private int savedThreads;

    /// <summary>The case of the derived suite's <c>Case</c> parameter.</summary>
    protected abstract GemmCase Current { get; }

    /// <summary>Random operands for the case, and the thread setting.</summary>
    [GlobalSetup]
    public void Setup()
    {
        GemmCase g = Current;
        var rng = new Random(42);
        a = Fill(rng, g.M * g.K);
        b = Fill(rng, g.K * g.N);
        c = new double[g.M * g.N];
        savedThreads = Gemm.MaxThreads;
        Gemm.MaxThreads = g.Threads;
    }

    /// <summary>Restores the thread setting.</summary>
    [GlobalCleanup]
    public void Cleanup() => Gemm.MaxThreads = savedThreads;

    /// <summary>One product.</summary>
    [Benchmark]
    public void Multiply()
    {
        GemmCase g = Current;
        Gemm.Multiply(a, b, c, g.M, g.N, g.K, g.TransposeA, g.TransposeB);
    }

    private static double[] Fill(Random rng, int count)
    {
        var x = new double[count];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() - 0.5;
        return x;
    }
}

/// <summary>A GEMM shape for <see cref="GemmBenchmarks"/>; its <see cref="ToString"/> is the row label.</summary>
/// <param name="Name">Row label.</param>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">Depth.</param>
/// <param name="TransposeA">A stored k×m.</param>
/// <param name="TransposeB">B stored n×k.</param>
/// <param name="Threads">Value of <see cref="Gemm.MaxThreads"/>.</param>
public sealed record GemmCase(string Name, int M, int N, int K, bool TransposeA, bool TransposeB, int Threads)
{
    /// <summary>Floating-point operations of one product: 2·m·n·k.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>An n×n·n×n product on <paramref name="threads"/> threads.</summary>
    public static GemmCase Square(int n, int threads) => new($"n={n}", n, n, n, false, false, threads);

    /// <inheritdoc/>
    public override string ToString() => $"{Name}, {Threads}t";
}

/// <summary>Adds the GFLOP/s and %-of-peak columns to the default config.</summary>
public sealed class GemmConfig : ManualConfig
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<NeuroLite.Kernels.SimdPath, double> Peaks = new();

    /// <summary>
    /// The one-core FP64 FMA peak of a job's SIMD path, measured once per path in this (the host) process at the width
    /// that path's GEMM uses (<see cref="Report.FmaPeak"/>): jobs of <see cref="SimdPathsConfig"/> by their id, any other
    /// job at the host's own path.
    /// </summary>
    public static double PeakGflopsPerCore(BenchmarkDotNet.Jobs.Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var path = SimdPathsConfig.Jobs.FirstOrDefault(j => j.Id == job.Id)?.Path ?? NeuroLite.Kernels.Simd.Path;
        return Peaks.GetOrAdd(path, p => Report.FmaPeak.Measure(p).Gflops);
    }

    /// <summary>The config.</summary>
    public GemmConfig()
    {
        AddColumn(new GflopsColumn(percentOfPeak: false), new GflopsColumn(percentOfPeak: true));
        // The case labels carry the shape; BenchmarkDotNet would cut them at 20 characters.
        SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(40);
    }

    private sealed class GflopsColumn(bool percentOfPeak) : IColumn
    {
        public string Id => percentOfPeak ? "GemmPeakPercent" : "GemmGflops";
        public string ColumnName => percentOfPeak ? "% of peak" : "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => percentOfPeak ? 1 : 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => percentOfPeak
            ? "GFLOP/s over the one-core FP64 FMA peak times the threads used; the peak is measured in the host at the width of the job's SIMD path"
            : "2·m·n·k / mean time, in 10⁹ flop/s";

        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (meanNs is not > 0 || benchmarkCase.Parameters["Case"] is not GemmCase gemm)
                return "-";
            double gflops = gemm.Flops / meanNs.Value;
            double peak = percentOfPeak ? PeakGflopsPerCore(benchmarkCase.Job) : 0;
            if (percentOfPeak && !(peak > 0))
                return "-";
            return percentOfPeak
                ? (100 * gflops / (peak * gemm.Threads)).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + "%"
                : gflops.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
