using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace NeuroLite.Bench.Report;

/// <summary>One plot of the report: its file name, title, pixel size and PNG bytes.</summary>
/// <param name="File">The PNG's file name in the report directory.</param>
/// <param name="Title">What it shows (the HTML caption and alt text).</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Png">The encoded image.</param>
public sealed record ReportPlot(string File, string Title, int Width, int Height, byte[] Png);

/// <summary>
/// The report's plots, drawn with ScottPlot from the rows a run recorded (the same rows <c>--json</c> writes): each plot
/// is made only when its part ran.
/// </summary>
public static class ReportPlots
{
    /// <summary>Width of every plot, in pixels.</summary>
    public const int Width = 900;

    /// <summary>Height of the training and GEMM plots, in pixels.</summary>
    public const int Height = 480;

    /// <summary>
    /// The face the plots are drawn in: Liberation Sans, shipped beside the program (Report/Fonts, SIL OFL), so a
    /// machine without system fonts still gets text in its plots; the system's sans-serif face if the files are missing.
    /// </summary>
    public static string FontFace => Face.Value;

    private static readonly Lazy<string> Face = new(() =>
    {
        const string Name = "Liberation Sans";
        string dir = Path.Combine(AppContext.BaseDirectory, "Report", "Fonts");
        string regular = Path.Combine(dir, "LiberationSans-Regular.ttf"), bold = Path.Combine(dir, "LiberationSans-Bold.ttf");
        if (!File.Exists(regular) || !File.Exists(bold)) return Fonts.Sans;
        Fonts.AddFontFile(Name, regular, bold: false, italic: false);
        Fonts.AddFontFile(Name, bold, bold: true, italic: false);
        return Name;
    });

    /// <summary>The fixed file names of the plots (the training plots are train-RUN.png, one per run).</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["gemm-gflops.png", "kernel-speedups.png"];

    /// <summary>Every plot the rows allow, in report order.</summary>
    public static IReadOnlyList<ReportPlot> Make(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var plots = new List<ReportPlot>();
        foreach (string run in rows.Where(r => r.Section == "epoch").Select(r => r.Text("run") ?? "").Distinct())
            if (Training(rows, run) is { } p) plots.Add(p);
        if (GemmSquares(rows) is { } g) plots.Add(g);
        if (KernelSpeedups(rows) is { } k) plots.Add(k);
        return plots;
    }

    /// <summary>Loss (left axis) and test accuracy (right axis) per epoch of one training run (xor, digits).</summary>
    public static ReportPlot? Training(IReadOnlyList<ResultRow> rows, string run)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var epochs = rows.Where(r => r.Section == "epoch" && r.Text("run") == run).ToList();
        if (epochs.Count == 0) return null;
        double[] x = [.. epochs.Select(r => r.Number("epoch"))];
        double[] loss = [.. epochs.Select(r => r.Number("loss"))];
        double[] accuracy = [.. epochs.Select(r => 100 * r.Number("test_accuracy"))];
        string counter = run == "xor" ? "step" : "epoch";
        string lossName = epochs[0].Fields.FirstOrDefault(f => f.Name == "loss").Unit ?? "loss";
        var plot = new Plot();
        var lossLine = plot.Add.Scatter(x, loss);
        lossLine.LegendText = $"training loss ({lossName})";
        lossLine.LineWidth = 2;
        lossLine.MarkerSize = epochs.Count > 30 ? 0 : 5;
        var accuracyLine = plot.Add.Scatter(x, accuracy);
        accuracyLine.LegendText = "test accuracy (%)";
        accuracyLine.LineWidth = 2;
        accuracyLine.MarkerSize = epochs.Count > 30 ? 0 : 5;
        accuracyLine.Axes.YAxis = plot.Axes.Right;
        plot.Title(run == "xor" ? "XOR 2-4-1: loss and accuracy per step" : $"Digits {DigitsName(rows)}: loss and test accuracy per epoch");
        plot.XLabel(counter);
        plot.YLabel($"loss ({lossName})");
        plot.Axes.Right.Label.Text = "test accuracy (%)";
        plot.Axes.SetLimitsY(0, Math.Max(1e-9, loss.Where(double.IsFinite).DefaultIfEmpty(1).Max() * 1.05), plot.Axes.Left);
        // The accuracy axis starts at the decade below the lowest accuracy, so the last percent points stay visible.
        double lowest = accuracy.Where(double.IsFinite).DefaultIfEmpty(0).Min();
        plot.Axes.SetLimitsY(Math.Max(0, Math.Floor(lowest / 10) * 10 - 10), 101, plot.Axes.Right);
        plot.ShowLegend(Alignment.MiddleRight);
        return Save(plot, $"train-{run}.png", plot.Axes.Title.Label.Text, Width, Height);
    }

    /// <summary>
    /// GFLOP/s against n for the square products: NeuroLite with the library's threads and on one thread, OpenBLAS on
    /// one thread, and the FMA peak measured in the run (one core, and every core the products used).
    /// </summary>
    public static ReportPlot? GemmSquares(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var squares = rows.Where(r => r.Section == "gemm" && r.Number("m") == r.Number("n") && r.Number("n") == r.Number("k")
                && r.Get("transpose_a") is false && r.Get("transpose_b") is false)
            .OrderBy(r => r.Number("n")).ToList();
        if (squares.Count == 0) return null;
        double[] n = [.. squares.Select(r => r.Number("n"))];
        var plot = new Plot();
        void Line(string name, Func<ResultRow, double> value, bool dashed = false)
        {
            double[] y = [.. squares.Select(value)];
            if (!y.Any(double.IsFinite)) return;
            var line = plot.Add.Scatter(n, y);
            line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            if (dashed) line.LinePattern = LinePattern.Dashed;
        }

        bool twoThreads = squares.Any(r => r.Number("threads") >= 2);
        Line(twoThreads ? "NeuroLite (library's threads)" : "NeuroLite", r => r.Number("neurolite_gflops"));
        Line("NeuroLite, 1 thread", r => r.Number("neurolite_1t_gflops"));
        Line("OpenBLAS, 1 thread", r => r.Number("openblas_1t_gflops"));
        double peak = squares[0].Number("peak_gflops");
        if (double.IsFinite(peak))
        {
            var one = plot.Add.HorizontalLine(peak);
            one.LegendText = string.Create(CultureInfo.InvariantCulture, $"FMA peak, 1 core ({peak:0.0})");
            one.LinePattern = LinePattern.Dashed;
            one.LineWidth = 1.5f;
            if (twoThreads)
            {
                var both = plot.Add.HorizontalLine(2 * peak);
                both.LegendText = string.Create(CultureInfo.InvariantCulture, $"FMA peak, 2 cores ({2 * peak:0.0})");
                both.LinePattern = LinePattern.Dotted;
                both.LineWidth = 1.5f;
            }
        }

        plot.Title("GEMM C = A·B, square n×n (FP64)");
        plot.XLabel("n");
        plot.YLabel("GFLOP/s");
        double top = squares.SelectMany(r => new[] { r.Number("neurolite_gflops"), r.Number("openblas_1t_gflops"), r.Number("neurolite_1t_gflops") })
            .Append(twoThreads ? 2 * peak : peak).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsY(0, top * 1.1);
        if (n.Length == 1) plot.Axes.SetLimitsX(0, 2 * n[0]);
        plot.ShowLegend(Alignment.UpperLeft);
        return Save(plot, "gemm-gflops.png", "GEMM GFLOP/s against n, beside OpenBLAS and the measured FMA peak", Width, Height);
    }

    /// <summary>Each kernel's speedup over its scalar reference and over TensorPrimitives at the largest n measured, as bars.</summary>
    public static ReportPlot? KernelSpeedups(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var kernels = rows.Where(r => r.Section == "kernel").ToList();
        if (kernels.Count == 0) return null;
        double n = kernels.Max(r => r.Number("n"));
        kernels = [.. kernels.Where(r => r.Number("n") == n)];
        var palette = new ScottPlot.Palettes.Category10();
        Color refColor = palette.GetColor(0), tpColor = palette.GetColor(1);
        var bars = new List<Bar>();
        int count = kernels.Count;
        for (int i = 0; i < count; i++)
        {
            // Top to bottom in table order: the first kernel gets the highest position.
            double position = count - 1 - i;
            double vsRef = kernels[i].Number("speedup_vs_reference"), vsTp = kernels[i].Number("speedup_vs_tensorprimitives");
            if (double.IsFinite(vsRef)) bars.Add(new Bar { Position = position + 0.2, Value = vsRef, FillColor = refColor, Size = 0.38 });
            if (double.IsFinite(vsTp)) bars.Add(new Bar { Position = position - 0.2, Value = vsTp, FillColor = tpColor, Size = 0.38 });
        }

        var plot = new Plot();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        var even = plot.Add.VerticalLine(1);
        even.LinePattern = LinePattern.Dashed;
        even.Color = Colors.Black;
        double[] positions = [.. Enumerable.Range(0, count).Select(i => (double)(count - 1 - i))];
        string[] labels = [.. kernels.Select(r => r.Text("kernel") ?? "")];
        plot.Axes.Left.TickGenerator = new NumericManual(positions, labels);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.SetLimitsY(-0.7, count - 0.3);
        double top = bars.Select(b => b.Value).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsX(0, top * 1.08);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "× scalar reference", FillColor = refColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "× TensorPrimitives", FillColor = tpColor });
        plot.ShowLegend(Alignment.LowerRight);
        string size = n.ToString("N0", CultureInfo.InvariantCulture);
        plot.Title($"Kernel speedups at n = {size} (right of the dashed line: NeuroLite is faster)");
        plot.XLabel("speedup (×)");
        int height = Math.Max(Height, 90 + 26 * count);
        return Save(plot, "kernel-speedups.png", $"Each kernel's speedup over its scalar reference and over TensorPrimitives, n = {size}", Width, height);
    }

    private static string DigitsName(IReadOnlyList<ResultRow> rows) =>
        rows.FirstOrDefault(r => r.Section == "digits-final")?.Text("network") is { } network ? $"MLP {network}" : "MLP";

    private static ReportPlot Save(Plot plot, string file, string title, int width, int height)
    {
        plot.Font.Set(FontFace);
        return new(file, title, width, height, plot.GetImageBytes(width, height, ImageFormat.Png));
    }
}
