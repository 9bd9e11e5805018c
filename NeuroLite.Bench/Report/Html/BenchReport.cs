using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;

namespace NeuroLite.Bench.Report;

/// <summary>The files a report wrote: the HTML page, its Markdown twin and the plots (PNG files beside them).</summary>
/// <param name="Html">index.html: self-contained, the plots inline as data URIs.</param>
/// <param name="Markdown">report.md: the same header, linking the PNG files.</param>
/// <param name="Plots">The plots, each also written as a PNG file.</param>
public sealed record ReportFiles(string Html, string Markdown, IReadOnlyList<ReportPlot> Plots);

/// <summary>
/// <c>--report DIR</c>: a page with the machine header (CPU, SIMD path, .NET, date, commit) and the plots of what the run
/// measured (<see cref="ReportPlots"/>). The HTML is well-formed XHTML and needs nothing beside it; the PNG files and the
/// Markdown page are there for READMEs and issues.
/// </summary>
public static class BenchReport
{
    /// <summary>Writes the report of <paramref name="rows"/> to <paramref name="directory"/> (created when missing).</summary>
    public static ReportFiles Write(string directory, IReadOnlyList<ResultRow> rows, string commandLine)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(rows);
        Directory.CreateDirectory(directory);
        var plots = ReportPlots.Make(rows);
        // Plots an earlier report left here that this run did not draw would read as this run's: they go.
        var drawn = plots.Select(p => p.File).ToHashSet(StringComparer.Ordinal);
        foreach (string stale in ReportPlots.FileNames.Where(f => !drawn.Contains(f))) File.Delete(Path.Combine(directory, stale));
        foreach (string stale in Directory.EnumerateFiles(directory, "train-*.png").Where(f => !drawn.Contains(Path.GetFileName(f)))) File.Delete(stale);
        foreach (var plot in plots) File.WriteAllBytes(Path.Combine(directory, plot.File), plot.Png);
        var header = HeaderOf(rows);
        string html = Path.Combine(directory, "index.html"), markdown = Path.Combine(directory, "report.md");
        File.WriteAllText(html, Html(header, plots, commandLine), new UTF8Encoding(false));
        File.WriteAllText(markdown, Markdown(header, plots, commandLine), new UTF8Encoding(false));
        return new ReportFiles(html, markdown, plots);
    }

    /// <summary>The command as a user would type it, for the report's header.</summary>
    public static string CommandLineOf(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) || a.Length == 0 ? $"'{a}'" : a).Prepend("NeuroLite.Bench"));
    }

    /// <summary>The machine header's name/value pairs, from the run's header row and this build's commit.</summary>
    public static IReadOnlyList<(string Name, string Value)> HeaderOf(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var h = rows.FirstOrDefault(r => r.Section == "header");
        string Text(string name) => h?.Get(name) switch
        {
            null => "-",
            string s => s.Length == 0 ? "-" : s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString() ?? "-",
        };

        string cpuId = Text("cpu_id");
        double peak = h?.Number("peak_gflops") ?? double.NaN, ghz = h?.Number("measured_ghz") ?? double.NaN;
        return
        [
            ("CPU", $"{Text("cpu")}{(cpuId == "-" ? "" : $" ({cpuId})")}, {Text("cores")} logical cores"),
            ("SIMD path", Text("simd_path")),
            ("FMA peak", string.Create(CultureInfo.InvariantCulture, $"{peak:0.0} GFLOP/s per core ({Text("peak_probe")}), clock {ghz:0.00} GHz, measured in the run")),
            (".NET", $"{Text("runtime")} on {Text("os")}"),
            ("date", $"{Text("date_utc")} UTC"),
            ("commit", Commit),
        ];
    }

    /// <summary>
    /// The commit this bench was built from: the source revision the SDK stamps into the informational version, else
    /// <c>git rev-parse</c> in the working directory, else "unknown".
    /// </summary>
    public static string Commit { get; } = FindCommit();

    private static string FindCommit()
    {
        string? version = typeof(BenchReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        if (version is not null && plus >= 0 && version.Length > plus + 1) return version[(plus + 1)..Math.Min(version.Length, plus + 13)];
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short=12 HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null) return "unknown";
            string output = git.StandardOutput.ReadToEnd().Trim();
            return git.WaitForExit(5000) && git.ExitCode == 0 && output.Length > 0 ? output : "unknown";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return "unknown";
        }
    }

    private static string Html(IReadOnlyList<(string Name, string Value)> header, IReadOnlyList<ReportPlot> plots, string commandLine)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var b = new StringBuilder();
        b.AppendLine("<!DOCTYPE html>");
        b.AppendLine("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">");
        b.AppendLine("<head>");
        b.AppendLine("<meta charset=\"utf-8\" />");
        b.AppendLine("<title>NeuroLite bench report</title>");
        b.AppendLine("<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}" +
            "table{border-collapse:collapse}td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:left}" +
            "figure{margin:2em 0}img{max-width:100%;height:auto}code{background:#f4f4f4;padding:.1em .3em}</style>");
        b.AppendLine("</head>");
        b.AppendLine("<body>");
        b.AppendLine("<h1>NeuroLite bench report</h1>");
        b.AppendLine($"<p>Made by <code>{E(commandLine)}</code>.</p>");
        b.AppendLine("<table id=\"machine\">");
        foreach (var (name, value) in header) b.AppendLine($"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>");
        b.AppendLine("</table>");
        if (plots.Count == 0) b.AppendLine("<p>This run measured nothing that is plotted (the plots cover train, gemm and kernels).</p>");
        foreach (var plot in plots)
        {
            b.AppendLine("<figure>");
            b.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"<img src=\"data:image/png;base64,{Convert.ToBase64String(plot.Png)}\" width=\"{plot.Width}\" height=\"{plot.Height}\" alt=\"{E(plot.Title)}\" />"));
            b.AppendLine($"<figcaption>{E(plot.Title)} (<a href=\"{E(plot.File)}\">{E(plot.File)}</a>)</figcaption>");
            b.AppendLine("</figure>");
        }

        b.AppendLine("</body>");
        b.AppendLine("</html>");
        return b.ToString();
    }

    private static string Markdown(IReadOnlyList<(string Name, string Value)> header, IReadOnlyList<ReportPlot> plots, string commandLine)
    {
        static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
        var b = new StringBuilder();
        b.AppendLine("# NeuroLite bench report");
        b.AppendLine();
        b.AppendLine($"Made by `{commandLine}`.");
        b.AppendLine();
        b.AppendLine("| | |");
        b.AppendLine("| --- | --- |");
        foreach (var (name, value) in header) b.AppendLine($"| {Cell(name)} | {Cell(value)} |");
        foreach (var plot in plots)
        {
            b.AppendLine();
            b.AppendLine($"![{plot.Title}]({plot.File})");
        }

        return b.ToString();
    }
}
