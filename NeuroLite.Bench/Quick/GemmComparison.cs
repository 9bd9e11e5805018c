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
    private static readonly CompositeFormat Columns = CompositeFormat.Parse("{0,-34} {1,7} {2,12} {3,9} {4,12} {5,8}  {6,-9} {7,7} {8,12} {9,12} {10,8}");

    /// <summary>Square sizes from 64 to 1024 and the six products of a 784-256-256-10 MLP step at batch 128.</summary>
    public static IReadOnlyList<GemmShape> DefaultShapes { get; } =
    [
        new("64x64 @ 64x64", 64, 64, 64),
        new("128x128 @ 128x128", 128, 128, 128),
        new("256x256 @ 256x256", 256, 256, 256),
        new("512x512 @ 512x512", 512, 512, 512),
        new("1024x1024 @ 1024x1024", 1024, 1024, 1024),
        new("X@W 128x784 @ 784x256", 128, 256, 784),
        new("Xt@G (784x128)^T @ 128x256", 784, 256, 128, TransposeA: true),
        new("G@Wt 128x256 @ (784x256)^T", 128, 784, 256, TransposeB: true),
        new("H@W2 128x256 @ 256x256", 128, 256, 256),
        new("Ht@G (256x128)^T @ 128x256", 256, 256, 128, TransposeA: true),
        new("G@W2t 128x256 @ (256x256)^T", 128, 256, 256, TransposeB: true),
    ];

    /// <summary>Products above this many flops skip the scalar reference's timing (n = 1024 would take it seconds); its result is still checked.</summary>
    private const double MaxReferenceTimingFlops = 1e9;

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
            $"GEMM: C = op(A)·op(B), GFLOP/s = 2mnk / median time, threads as the library decides; % of the FMA peak of the cores used, {machine.PeakGflops:0.0} GFLOP/s per core measured in this run ({machine.Peak.Instruction}, the GEMM's width on {Simd.Path})"));
        log.Line("2t/1t: for products that use both threads, the speed on two threads over one, timed alternately (median of the per-repeat ratios)");
        string? openBlas = OpenBlasPeer.Path;
        string? core = OpenBlasPeer.Core;
        bool forced = OpenBlasPeer.Environment?.Forced == true;
        if (openBlas is null)
        {
            log.Line("OpenBLAS: not installed (Debian: libopenblas0-pthread), so no side-by-side columns");
        }
        else
        {
            log.Row(new ResultRow("openblas").Add("path", openBlas).Add("config", OpenBlasPeer.Config).Add("core", core).Add("core_forced", forced)
                    .Add("unset", string.Join(' ', OpenBlasPeer.Environment?.Undone ?? [])),
                $"OpenBLAS: {openBlas}{(OpenBlasPeer.Config is { } config ? $" ({config})" : "")}, one thread");
            log.Line($"  core {OpenBlasPeer.Describe()}");
            log.Line("  \"1t\" columns time NeuroLite on one thread and OpenBLAS alternately, \"vs OB\" is the median of the per-repeat speed ratios");
        }

        log.Header(string.Format(CultureInfo.InvariantCulture, Columns, "shape (m x k @ k x n)", "threads", "NeuroLite", "% peak", "reference", "x ref", "max |err|", "2t/1t", "NeuroLite 1t", "OpenBLAS 1t", "vs OB"));
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
            double slow = s.Flops > MaxReferenceTimingFlops ? double.NaN
                : s.Flops / Stopwatches.SecondsPerCall(() => NeuroLite.Kernels.Reference.Gemm.Multiply(a, b, cRef, s.M, s.N, s.K, s.TransposeA, s.TransposeB), referencePlan) / 1e9;
            // The library's own rule: products of at least DefaultParallelMinWork multiply-adds use the second thread.
            int threads = Gemm.MaxThreads >= 2 && (long)s.M * s.N * s.K >= GemmTuning.DefaultParallelMinWork ? 2 : 1;
            double share = fast / (threads * machine.PeakGflops);
            var row = new ResultRow("gemm")
                .Add("shape", s.Name).Add("m", s.M).Add("n", s.N).Add("k", s.K).Add("transpose_a", s.TransposeA).Add("transpose_b", s.TransposeB).Add("threads", threads, "threads")
                .Add("neurolite_gflops", fast, "GFLOP/s").Add("percent_of_peak", 100 * share, "%").Add("peak_gflops", machine.PeakGflops, "GFLOP/s")
                .Add("reference_gflops", slow, "GFLOP/s").Add("speedup_vs_reference", fast / slow, "x").Add("max_abs_error", err, "abs");
            string scaling = "-";
            if (threads == 2)
            {
                double twoOverOne = TwoThreadsOverOne(s, a, b, c, plan);
                row.Add("two_thread_speedup", twoOverOne, "x");
                scaling = $"{twoOverOne:0.00}";
            }

            string one = "-", peer = "-", versus = "-";
            if (openBlas is not null)
            {
                var (nl1, ob1, ratio) = SideBySide(s, a, b, plan, cRef);
                row.Add("neurolite_1t_gflops", s.Flops / nl1 / 1e9, "GFLOP/s").Add("openblas_1t_gflops", s.Flops / ob1 / 1e9, "GFLOP/s").Add("speed_vs_openblas", ratio, "x")
                    .Add("openblas_core", core).Add("openblas_core_forced", forced);
                // A core the environment forced is named on every row: its figure is not OpenBLAS at its best.
                (one, peer, versus) = ($"{s.Flops / nl1 / 1e9:0.00} GF/s", $"{s.Flops / ob1 / 1e9:0.00} GF/s", $"{ratio:0.00}{(forced ? $"  (OpenBLAS FORCED to {core})" : "")}");
            }

            log.Row(row, string.Format(CultureInfo.InvariantCulture, Columns, s.Name, threads, $"{fast:0.00} GF/s", double.IsNaN(share) ? "-" : $"{100 * share:0.0}%",
                double.IsNaN(slow) ? "-" : $"{slow:0.00} GF/s", double.IsNaN(slow) ? "-" : $"{fast / slow:0.0}", err == 0 ? "0" : err.ToString("0.0e0", CultureInfo.InvariantCulture), scaling, one, peer, versus));
        }
    }

    /// <summary>
    /// The two-thread speed-up: the same product on one thread and on two, timed alternately (the median of the
    /// per-repeat ratios), so both see the same host load; a quotient of two separately timed medians moved by ±15% here.
    /// </summary>
    private static double TwoThreadsOverOne(GemmShape s, double[] a, double[] b, double[] c, TimingPlan plan)
    {
        int saved = Gemm.MaxThreads;
        try
        {
            var (_, _, ratio) = Stopwatches.Alternating(
                () => { Gemm.MaxThreads = 1; Gemm.Multiply(a, b, c, s.M, s.N, s.K, s.TransposeA, s.TransposeB); },
                () => { Gemm.MaxThreads = 2; Gemm.Multiply(a, b, c, s.M, s.N, s.K, s.TransposeA, s.TransposeB); },
                plan with { Repeats = Math.Max(plan.Repeats, 9) });
            return 1 / ratio;
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    /// <summary>
    /// NeuroLite on one thread and OpenBLAS on one thread, timed alternately: seconds per call of each and the median of
    /// the per-repeat speed ratios (OpenBLAS time / NeuroLite time). OpenBLAS's result is checked against the reference
    /// first, so a mis-called peer cannot pass for a fast one.
    /// </summary>
    private static (double NeuroLite, double OpenBlas, double Ratio) SideBySide(GemmShape s, double[] a, double[] b, TimingPlan plan, double[] cRef)
    {
        var cPeer = new double[cRef.Length];
        var cOne = new double[cRef.Length];
        OpenBlasPeer.TryMultiply(a, b, cPeer, s.M, s.N, s.K, s.TransposeA, s.TransposeB);
        double scale = 0;
        for (int i = 0; i < cRef.Length; i++) scale = Math.Max(scale, Math.Abs(cRef[i]));
        for (int i = 0; i < cRef.Length; i++)
            if (!(Math.Abs(cPeer[i] - cRef[i]) <= 1e-12 * Math.Max(1, scale) * s.K))
                throw new InvalidOperationException($"OpenBLAS's {s.Name} differs from the reference at element {i}: {cPeer[i]} against {cRef[i]}.");
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = 1;
        try
        {
            var (nl, ob, ratio) = Stopwatches.Alternating(
                () => Gemm.Multiply(a, b, cOne, s.M, s.N, s.K, s.TransposeA, s.TransposeB),
                () => OpenBlasPeer.TryMultiply(a, b, cPeer, s.M, s.N, s.K, s.TransposeA, s.TransposeB),
                plan with { Repeats = Math.Max(plan.Repeats, 9) });
            return (nl, ob, ratio);
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    private static double[] Fill(int n, Random r)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 2 * r.NextDouble() - 1;
        return x;
    }
}
