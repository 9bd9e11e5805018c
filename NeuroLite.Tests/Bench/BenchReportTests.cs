using System.Buffers.Binary;
using System.Xml.Linq;
using NeuroLite.Bench;
using NeuroLite.Bench.Report;

namespace NeuroLite.Tests.Bench;

/// <summary><c>--report DIR</c>: the files exist, the HTML parses, and the images are PNGs of the stated size.</summary>
public class BenchReportTests
{
    private static readonly XNamespace X = "http://www.w3.org/1999/xhtml";

    private static string TempDir() => Directory.CreateTempSubdirectory("neurolite-report-").FullName;

    /// <summary>Width and height from a PNG's signature and IHDR chunk; throws when the bytes are not a PNG.</summary>
    private static (int Width, int Height) PngSize(byte[] png)
    {
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.That(png.Length, Is.GreaterThan(33));
        Assert.That(png.AsSpan(0, 8).ToArray(), Is.EqualTo(signature), "PNG signature");
        Assert.That(System.Text.Encoding.ASCII.GetString(png, 12, 4), Is.EqualTo("IHDR"));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    private static void CheckReport(string dir, params string[] expectedPlots)
    {
        string html = Path.Combine(dir, "index.html");
        Assert.That(File.Exists(html) && File.Exists(Path.Combine(dir, "report.md")));
        var doc = XDocument.Parse(File.ReadAllText(html)); // the page is well-formed XHTML
        var images = doc.Descendants(X + "img").ToList();
        Assert.That(images.Select(i => i.Parent!.Element(X + "figcaption")!.Element(X + "a")!.Value), Is.EqualTo(expectedPlots));
        foreach (var img in images)
        {
            string src = img.Attribute("src")!.Value;
            Assert.That(src, Does.StartWith("data:image/png;base64,"), "self-contained: the plot is inline");
            byte[] inline = Convert.FromBase64String(src["data:image/png;base64,".Length..]);
            var (w, h) = PngSize(inline);
            Assert.That(w, Is.EqualTo(int.Parse(img.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(h, Is.EqualTo(int.Parse(img.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(w, Is.EqualTo(ReportPlots.Width));
            Assert.That(h, Is.GreaterThanOrEqualTo(ReportPlots.Height));
            string file = img.Parent!.Element(X + "figcaption")!.Element(X + "a")!.Attribute("href")!.Value;
            Assert.That(File.ReadAllBytes(Path.Combine(dir, file)), Is.EqualTo(inline), "the PNG file beside the page is the same image");
        }

        var header = doc.Descendants(X + "table").Single(t => t.Attribute("id")?.Value == "machine")
            .Elements(X + "tr").ToDictionary(r => r.Element(X + "th")!.Value, r => r.Element(X + "td")!.Value);
        Assert.That(header.Keys, Is.SupersetOf(new[] { "CPU", "SIMD path", ".NET", "date", "commit" }));
        Assert.That(header["SIMD path"], Is.EqualTo(NeuroLite.Kernels.Simd.Describe()));
        Assert.That(header[".NET"], Does.Contain(System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription));
        Assert.That(header["date"], Does.Match(@"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"));
        Assert.That(header["commit"], Is.Not.Empty);
        string md = File.ReadAllText(Path.Combine(dir, "report.md"));
        foreach (string plot in expectedPlots) Assert.That(md, Does.Contain($"]({plot})"));
    }

    [Test]
    public void Quick_run_writes_training_and_kernel_plots()
    {
        string dir = TempDir();
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int code = BenchApp.Run(["--quick", "--filter", "Relu", "--report", dir], output, error);
            Assert.That(code, Is.EqualTo(BenchApp.Ok), error.ToString());
            Assert.That(output.ToString(), Does.Contain($"wrote the report to {Path.Combine(dir, "index.html")} (3 plots)"));
            // No GEMM shape's name contains "Relu": no GEMM plot.
            CheckReport(dir, "train-xor.png", "train-digits.png", "kernel-speedups.png");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Gemm_run_writes_the_gflops_plot()
    {
        string dir = TempDir();
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            // A plot an earlier report left in the directory, which this run does not draw, must not stay beside it.
            File.WriteAllBytes(Path.Combine(dir, "train-xor.png"), [1, 2, 3]);
            File.WriteAllBytes(Path.Combine(dir, "notes.txt"), [1, 2, 3]);
            int code = BenchApp.Run(["gemm", "--quick", "--filter", "16x16", "--report", dir], output, error);
            Assert.That(code, Is.EqualTo(BenchApp.Ok), error.ToString());
            CheckReport(dir, "gemm-gflops.png");
            Assert.That(File.Exists(Path.Combine(dir, "train-xor.png")), Is.False);
            Assert.That(File.Exists(Path.Combine(dir, "notes.txt")), "files that are not plots are left alone");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Plots_use_the_font_shipped_with_the_program()
    {
        // Shipped so the plots have text on a machine without system fonts (SkiaSharp's no-dependency build finds none there).
        Assert.That(ReportPlots.FontFace, Is.EqualTo("Liberation Sans"));
        Assert.That(File.Exists(Path.Combine(AppContext.BaseDirectory, "Report", "Fonts", "LICENSE.txt")));
    }

    [Test]
    public void Plots_come_only_from_the_rows_that_were_measured()
    {
        var rows = new List<ResultRow>
        {
            new ResultRow("gemm").Add("shape", "a").Add("m", 64L).Add("n", 64L).Add("k", 64L).Add("transpose_a", false).Add("transpose_b", false)
                .Add("threads", 1L).Add("neurolite_gflops", 20.0).Add("peak_gflops", 50.0),
            new ResultRow("gemm").Add("shape", "t").Add("m", 64L).Add("n", 64L).Add("k", 64L).Add("transpose_a", true).Add("transpose_b", false)
                .Add("threads", 1L).Add("neurolite_gflops", 20.0).Add("peak_gflops", 50.0),
        };
        var plots = ReportPlots.Make(rows);
        Assert.That(plots.Select(p => p.File), Is.EqualTo(new[] { "gemm-gflops.png" }));
        Assert.That(PngSize(plots[0].Png), Is.EqualTo((ReportPlots.Width, ReportPlots.Height)));
        Assert.That(ReportPlots.GemmSquares([rows[1]]), Is.Null, "a transposed product is not a square GEMM point");
        Assert.That(ReportPlots.Make([]), Is.Empty);
    }

    [Test]
    public void Report_into_an_unwritable_place_fails_with_exit_1()
    {
        string file = Path.GetTempFileName();
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            // A file stands where the directory should be.
            int code = BenchApp.Run(["kernels", "--quick", "--filter", "ReluBackward", "--report", file], output, error);
            Assert.That(code, Is.EqualTo(BenchApp.Failed));
            Assert.That(error.ToString(), Does.StartWith("error: could not write the report"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
