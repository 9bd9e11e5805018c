using System.Globalization;

namespace NeuroLite.Bench.Report;

/// <summary>One column of a terminal table: its header (with the unit) and how a row's cell is written.</summary>
/// <param name="Header">The column's title, unit included.</param>
/// <param name="Cell">The cell's text for a row.</param>
/// <param name="Left">Left-aligned (names); numbers are right-aligned.</param>
public sealed record TableColumnLayout(string Header, Func<ResultRow, string> Cell, bool Left = false);

/// <summary>
/// How a terminal draws the rows of each section as a table. The plain text and the JSON are the rows' own; these
/// layouts only choose the columns, their units and their number formats. Sections without a layout print their text.
/// </summary>
public static class TableLayouts
{
    /// <summary>The table a row belongs to (rows of one key share a table), or null for a row printed as text.</summary>
    public static string? KeyOf(ResultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Section switch
        {
            "epoch" => "epoch:" + row.Text("run"),
            "kernel" or "gemm" or "train-step" => row.Section,
            _ => null,
        };
    }

    /// <summary>The columns of the table <paramref name="row"/> starts (see <see cref="KeyOf"/>).</summary>
    public static IReadOnlyList<TableColumnLayout> For(ResultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Section switch
        {
            "kernel" => Kernel,
            "gemm" => Gemm,
            "train-step" => TrainStep,
            "epoch" => row.Text("run") == "xor" ? Epoch("step", "loss (mse)") : Epoch("epoch", "loss (CE)"),
            _ => [],
        };
    }

    private static readonly TableColumnLayout[] Kernel =
    [
        new("kernel", r => r.Text("kernel") ?? "", Left: true),
        new("n", r => Int(r.Number("n"))),
        new("NeuroLite ns/el", r => Fixed(r.Number("neurolite_ns_per_element"))),
        new("reference ns/el", r => Fixed(r.Number("reference_ns_per_element"))),
        new("TP ns/el", r => Fixed(r.Number("tensorprimitives_ns_per_element"))),
        new("× ref", r => Times(r.Number("speedup_vs_reference"))),
        new("× TP", r => Times(r.Number("speedup_vs_tensorprimitives"))),
        new("error", r => Error(r.Number("max_error"), r)),
        new("error TP", r => Error(r.Number("max_error_tensorprimitives"), r)),
    ];

    private static readonly TableColumnLayout[] Gemm =
    [
        new("shape (m×k @ k×n)", r => r.Text("shape") ?? "", Left: true),
        new("threads", r => Int(r.Number("threads"))),
        new("NeuroLite GFLOP/s", r => Fixed(r.Number("neurolite_gflops"))),
        new("% of peak", r => Percent(r.Number("percent_of_peak") / 100)),
        new("reference GFLOP/s", r => Fixed(r.Number("reference_gflops"))),
        new("× ref", r => Times(r.Number("speedup_vs_reference"))),
        new("max |err|", r => Sci(r.Number("max_abs_error"))),
        new("2t/1t ×", r => Times(r.Number("two_thread_speedup"))),
        new("NeuroLite 1t GFLOP/s", r => Fixed(r.Number("neurolite_1t_gflops"))),
        new("OpenBLAS 1t GFLOP/s", r => Fixed(r.Number("openblas_1t_gflops"))),
        new("× OpenBLAS", r => Times(r.Number("speed_vs_openblas")) + (r.Get("openblas_core_forced") is true ? $" (forced {r.Text("openblas_core")})" : "")),
    ];

    private static readonly TableColumnLayout[] TrainStep =
    [
        new("network", r => r.Text("network") ?? "", Left: true),
        new("threads", r => Int(r.Number("threads"))),
        new("µs/step", r => Fixed(r.Number("us_per_step"))),
        new("B/step", r => Num(r.Number("bytes_per_step"), "0.#")),
        new("steps", r => Int(r.Number("steps"))),
        new("PyTorch 1t µs/step", r => Fixed(r.Number("pytorch_us_per_step"))),
        new("× PyTorch", r => Times(r.Number("speedup_vs_pytorch"))),
    ];

    private static TableColumnLayout[] Epoch(string counter, string loss) =>
    [
        new(counter, r => Int(r.Number("epoch"))),
        new(loss, r => Num(r.Number("loss"), "0.000000")),
        new("train acc %", r => Percent(r.Number("train_accuracy"))),
        new("test acc %", r => Percent(r.Number("test_accuracy"))),
        new("µs/step", r => Fixed(r.Number("us_per_step"))),
        new("lr", r => Sci(r.Number("learning_rate"))),
    ];

    private static string Num(double v, string format) => double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);

    private static string Int(double v) => Num(v, "N0");

    /// <summary>Three significant-ish digits: 0.123, 12.34, 123.4.</summary>
    private static string Fixed(double v) => Num(v, Math.Abs(v) < 10 ? "0.000" : Math.Abs(v) < 100 ? "0.00" : "0.0");

    private static string Times(double v) => Num(v, v < 10 ? "0.00" : "0.0");

    private static string Percent(double fraction) => Num(100 * fraction, "0.0");

    private static string Sci(double v) => v == 0 ? "0" : Num(v, "0.0e0");

    private static string Error(double v, ResultRow r) =>
        double.IsNaN(v) ? "-" : r.Text("kernel") is not null && IsUlp(r) ? Num(v, v < 1e6 ? "0" : "0.0e0") + " ulp" : Sci(v);

    private static bool IsUlp(ResultRow r) => r.Fields.Any(f => f.Name == "max_error" && f.Unit == "ulp");
}
