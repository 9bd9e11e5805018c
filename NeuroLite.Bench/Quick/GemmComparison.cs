using System.Globalization;
using System.Text;
using NeuroLite.Bench.Report;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Quick;

/// <summary>One GEMM shape of the quick run.</summary>
/// <param name="Name">How the table names it.</param>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">The inner size.</param>
/// <param name="TransposeA">A is stored k×m.</param>
/// <param name="TransposeB">B is stored n×k.</param>
public sealed record GemmShape(string Name, int M, int N, int K, bool TransposeA = false, bool TransposeB = false)
{
    /// <summary>Flops of one product: 2·m·n·k.</summary>
    public double Flops => 2.0 * M * N * K;
}

/// <summary>GEMM GFLOP/s on this process's path and the scalar reference's, with the share of the core's FMA peak.</summary>
public static class GemmComparison
{
    private static readonly CompositeFormat Columns = CompositeFormat.Parse("{0,-34} {1,7} {2,12} {3,9} {4,12} {5,8}  {6,-9}");

    /// <summary>Square sizes and the three products of a 784-256-256-10 MLP step at batch 128.</summary>
    public static IReadOnlyList<GemmShape> DefaultShapes { get; } =
    [
        new("64x64 @ 64x64", 64, 64, 64),
        new("128x128 @ 128x128", 128, 128, 128),
        new("256x256 @ 256x256", 256, 256, 256),
        new("512x512 @ 512x512", 512, 512, 512),
        new("X@W 128x784 @ 784x256", 128, 256, 784),
        new("Xt@G (784x128)^T @ 128x256", 784, 256, 128, TransposeA: true),
        new("G@Wt 128x256 @ (784x256)^T", 128, 784, 256, TransposeB: true),
    ];

    /// <summary>Tiny shapes for smoke tests.</summary>
    public static IReadOnlyList<GemmShape> QuickShapes { get; } =
    [
        new("16x16 @ 16x16", 16, 16, 16),
        new("XOR 4x2 @ 2x4", 4, 4, 2),
        new("Xt@G (24x8)^T @ 8x16", 24, 16, 8, TransposeA: true),
    ];

    /// <summary>Times each shape whose name contains <paramref name="filter"/> (all when null).</summary>
    public static void Run(ResultLog log, MachineInfo machine, IReadOnlyList<GemmShape> shapes, TimingPlan plan, string? filter)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(shapes);
        log.Line(string.Create(CultureInfo.InvariantCulture,
            $"GEMM: C = op(A)·op(B), GFLOP/s = 2mnk / median time, threads as the library decides; peak {machine.PeakGflops:0.0} GFLOP/s per core = {MachineInfo.FlopsPerCycle} flop/cycle x {machine.Ghz:0.###} GHz ({machine.GhzSource}), % of the peak of the cores used"));
        log.Line(string.Format(CultureInfo.InvariantCulture, Columns, "shape (m x k @ k x n)", "threads", "NeuroLite", "% peak", "reference", "x ref", "max |err|"));
        var referencePlan = plan with { Repeats = Math.Min(plan.Repeats, 3) };
        foreach (var s in shapes)
        {
            if (filter is not null && !s.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            var rng = new Random(s.M * 31 + s.N * 7 + s.K);
            double[] a = Fill(s.M * s.K, rng), b = Fill(s.K * s.N, rng), c = new double[s.M * s.N], cRef = new double[s.M * s.N];
            Gemm.Multiply(a, b, c, s.M, s.N, s.K, s.TransposeA, s.TransposeB);
            NeuroLite.Kernels.Reference.Gemm.Multiply(a, b, cRef, s.M, s.N, s.K, s.TransposeA, s.TransposeB);
            double err = 0;
            for (int i = 0; i < c.Length; i++) err = Math.Max(err, Math.Abs(c[i] - cRef[i]));
            double fast = s.Flops / Stopwatches.SecondsPerCall(() => Gemm.Multiply(a, b, c, s.M, s.N, s.K, s.TransposeA, s.TransposeB), plan) / 1e9;
            double slow = s.Flops / Stopwatches.SecondsPerCall(() => NeuroLite.Kernels.Reference.Gemm.Multiply(a, b, cRef, s.M, s.N, s.K, s.TransposeA, s.TransposeB), referencePlan) / 1e9;
            // The library's own rule: products of at least ParallelMinWork multiply-adds use the second thread.
            int threads = Gemm.MaxThreads >= 2 && (long)s.M * s.N * s.K >= GemmTuning.ParallelMinWork ? 2 : 1;
            double share = fast / (threads * machine.PeakGflops);
            var row = new ResultRow("gemm")
                .Add("shape", s.Name).Add("m", s.M).Add("n", s.N).Add("k", s.K).Add("transpose_a", s.TransposeA).Add("transpose_b", s.TransposeB).Add("threads", threads, "threads")
                .Add("neurolite_gflops", fast, "GFLOP/s").Add("percent_of_peak", 100 * share, "%").Add("peak_gflops", machine.PeakGflops, "GFLOP/s")
                .Add("reference_gflops", slow, "GFLOP/s").Add("speedup_vs_reference", fast / slow, "x").Add("max_abs_error", err, "abs");
            log.Row(row, string.Format(CultureInfo.InvariantCulture, Columns, s.Name, threads, $"{fast:0.00} GF/s", double.IsNaN(share) ? "-" : $"{100 * share:0.0}%",
                $"{slow:0.00} GF/s", $"{fast / slow:0.0}", err == 0 ? "0" : err.ToString("0.0e0", CultureInfo.InvariantCulture)));
        }
    }

    private static double[] Fill(int n, Random r)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 2 * r.NextDouble() - 1;
        return x;
    }
}
