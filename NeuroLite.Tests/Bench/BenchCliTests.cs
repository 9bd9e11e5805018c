using System.Text.Json;
using NeuroLite.Bench;
using NeuroLite.Bench.Cli;
using NeuroLite.Bench.Compare;
using NeuroLite.Bench.Quick;

namespace NeuroLite.Tests.Bench;

public class BenchCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = BenchApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [TestCase(new string[0], BenchCommand.All)]
    [TestCase(new[] { "kernels" }, BenchCommand.Kernels)]
    [TestCase(new[] { "gemm", "--quick" }, BenchCommand.Gemm)]
    [TestCase(new[] { "train", "--json", "out.json" }, BenchCommand.Train)]
    [TestCase(new[] { "--help" }, BenchCommand.Help)]
    [TestCase(new[] { "help" }, BenchCommand.Help)]
    [TestCase(new[] { "kernels", "-h" }, BenchCommand.Help)]
    [TestCase(new[] { "profile", "--network", "mlp-64" }, BenchCommand.Profile)]
    [TestCase(new[] { "bdn", "--list", "flat" }, BenchCommand.Bdn)]
    [TestCase(new[] { "ab", "old", "new" }, BenchCommand.Ab)]
    [TestCase(new[] { "ab", "--help" }, BenchCommand.Help)]
    public void Commands_parse(string[] args, BenchCommand expected)
    {
        var o = BenchOptions.Parse(args);
        Assert.That(o.Error, Is.Null);
        Assert.That(o.Command, Is.EqualTo(expected));
    }

    [Test]
    public void Options_parse_with_their_values()
    {
        var o = BenchOptions.Parse(["kernels", "--json", "a/b.json", "--peer-results", "p/t.json", "--quick", "--filter", "tanh", "--report", "r/dir", "--plain"]);
        Assert.That(o.Error, Is.Null);
        Assert.That(o.JsonPath, Is.EqualTo("a/b.json"));
        Assert.That(o.ReportDirectory, Is.EqualTo("r/dir"));
        Assert.That(o.Plain, Is.True);
        Assert.That(o.PeerResultsPath, Is.EqualTo("p/t.json"));
        Assert.That(o.Quick, Is.True);
        Assert.That(o.Filter, Is.EqualTo("tanh"));
        var none = BenchOptions.Parse(["gemm"]);
        Assert.That((none.JsonPath, none.ReportDirectory, none.PeerResultsPath, none.Filter, none.Quick, none.Plain), Is.EqualTo(((string?)null, (string?)null, (string?)null, (string?)null, false, false)));
    }

    [Test]
    public void Options_before_the_command_belong_to_the_root_and_still_apply()
    {
        // The standard convention: an option the root and the command share may come before the command.
        var o = BenchOptions.Parse(["--quick", "kernels"]);
        Assert.That(o.Error, Is.Null);
        Assert.That(o.Command, Is.EqualTo(BenchCommand.Kernels));
        Assert.That(o.Quick, Is.True);
    }

    [Test]
    public void Profile_networks_parse_by_name_and_by_widths_and_repeat()
    {
        var o = BenchOptions.Parse(["profile", "--network", "mlp-64", "--network", "48-96-3:32:relu:mse"]);
        Assert.That(o.Error, Is.Null);
        Assert.That(o.Networks.Select(n => n.Name), Is.EqualTo(new[] { "mlp-64", NeuroLite.Bench.Profile.ProfileNetwork.Parse("48-96-3:32:relu:mse")!.Name }));
        Assert.That(BenchOptions.Parse(["profile"]).Networks, Is.Empty, "no --network: the defaults");
    }

    [Test]
    public void Bdn_passes_its_arguments_through_and_keeps_paths_for_itself()
    {
        var o = BenchOptions.Parse(["bdn", "--filter", "*Training*", "--paths", "--peer-results", "t.json", "--kernels", "Tanh", "--job", "short"]);
        Assert.That(o.Error, Is.Null);
        Assert.That(o.Command, Is.EqualTo(BenchCommand.Bdn));
        Assert.That(o.AllPaths, Is.True);
        Assert.That(o.KernelFilter, Is.EqualTo("Tanh"));
        Assert.That(o.PeerResultsPath, Is.EqualTo("t.json"));
        Assert.That(o.PassThrough, Is.EqualTo(new[] { "--filter", "*Training*", "--job", "short" }));
    }

    [TestCase("frobnicate")]
    [TestCase("--nope")]
    [TestCase("--json")]
    [TestCase("--filter")]
    [TestCase("--ghz", "2.4")]
    [TestCase("--peer-results")]
    [TestCase("bdn", "--peer-results")]
    [TestCase("kernels", "gemm")]
    [TestCase("kernels", "--quick", "extra")]
    [TestCase("gemm", "--workload", "xor")]
    [TestCase("train", "--report")]
    [TestCase("profile", "--network", "bogus")]
    [TestCase("profile", "--network")]
    [TestCase("ab", "a", "b", "--rounds", "many")]
    [TestCase("ab", "a", "b", "--rounds", "1001")]
    [TestCase("ab")]
    [TestCase("ab", "only-one-dir")]
    [TestCase("ab", "a", "b", "--workload", "mnist")]
    [TestCase("ab", "a", "b", "--rounds", "0")]
    [TestCase("ab", "a", "b", "--threads", "3")]
    [TestCase("ab", "a", "b", "--pairs")]
    [TestCase("ab", "a", "b", "--json", "x.json")]
    [TestCase("ab", "/nonexistent/old", "/nonexistent/new")]
    public void Bad_arguments_exit_with_2_and_a_one_line_error(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.That(code, Is.EqualTo(BenchApp.BadArguments));
        Assert.That(stderr, Does.StartWith("error: "));
        Assert.That(stderr, Does.Contain("usage: NeuroLite.Bench"));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), stderr);
        Assert.That(stdout, Is.Empty, "nothing runs when the arguments are wrong");
    }

    [Test]
    public void Ab_options_parse()
    {
        var o = BenchOptions.Parse(["ab", "old/bin", "new/bin", "--workload", "xor", "--rounds", "3", "--pairs", "5", "--threads", "2"]);
        Assert.That(o.Error, Is.Null);
        Assert.That(o.Command, Is.EqualTo(BenchCommand.Ab));
        Assert.That(o.Builds, Is.EqualTo(("old/bin", "new/bin")));
        Assert.That(o.Workload, Is.EqualTo("xor"));
        Assert.That(o.AbRounds, Is.EqualTo((3, 5)));
        Assert.That(o.Threads, Is.EqualTo(2));
        var defaults = BenchOptions.Parse(["ab", "x", "y"]);
        Assert.That((defaults.Workload, defaults.AbRounds, defaults.Threads), Is.EqualTo(("784", (10, 15), 1)));
    }

    [Test]
    public void Ab_loads_each_build_into_its_own_context_and_reports_the_ratio()
    {
        // The test's own output directory is a build of the bench (NeuroLite.Bench.dll with its deps file); compared
        // with itself, both sides must load as separate copies and run.
        string dir = AppContext.BaseDirectory;
        Assert.That(BuildComparison.CheckBuild(dir), Is.Null);
        int before = System.Runtime.Loader.AssemblyLoadContext.All.Count(c => c.Name?.StartsWith("build ", StringComparison.Ordinal) == true);
        using var output = new StringWriter();
        double ratio = BuildComparison.Run(output, dir, dir, "xor", rounds: 2, pairs: 1, threads: 1, warmupSeconds: 0);
        int after = System.Runtime.Loader.AssemblyLoadContext.All.Count(c => c.Name?.StartsWith("build ", StringComparison.Ordinal) == true);
        Assert.That(after - before, Is.EqualTo(2), "one new load context per side");
        Assert.That(double.IsFinite(ratio) && ratio > 0, $"ratio {ratio}");
        string text = output.ToString();
        Assert.That(text, Does.Contain("round   2:"));
        Assert.That(text, Does.Contain("ab xor: new/old time, median of 2 rounds"));
    }

    [Test]
    public void Ab_rejects_a_directory_without_a_build()
    {
        string dir = Directory.CreateTempSubdirectory("neurolite-ab-").FullName;
        try
        {
            Assert.That(BuildComparison.CheckBuild(dir), Does.Contain("NeuroLite.Bench.dll").And.Contain("dotnet build -c Release NeuroLite.Bench -o"));
            var (code, stdout, stderr) = Run("ab", dir, AppContext.BaseDirectory);
            Assert.That(code, Is.EqualTo(BenchApp.BadArguments));
            Assert.That(stderr, Does.StartWith("error: "));
            Assert.That(stdout, Is.Empty);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Help_lists_every_command_and_exits_0()
    {
        var (code, stdout, _) = Run("--help");
        Assert.That(code, Is.EqualTo(BenchApp.Ok));
        foreach (string word in new[] { "kernels", "gemm", "train", "bdn", "ab <OLD> <NEW>", "profile", "--json", "--report", "--quick", "--filter", "--peer-results", "exit codes: 0 ok, 1 a run failed, 2 bad arguments" })
            Assert.That(stdout, Does.Contain(word));
        Assert.That(Run("help").Out, Is.EqualTo(stdout), "'help' is '--help'");
    }

    [TestCase("kernels", "--json", "--report", "--quick", "--filter", "--plain")]
    [TestCase("gemm", "--json", "--report", "--quick", "--filter")]
    [TestCase("train", "--json", "--report", "--quick", "--peer-results")]
    [TestCase("profile", "--network", "--json", "--quick")]
    [TestCase("bdn", "--paths", "--kernels", "--peer-results")]
    [TestCase("ab", "<OLD>", "--workload <64|784|xor>", "--rounds", "--pairs", "--threads")]
    public void Each_command_has_a_generated_help_page_with_its_options(string command, params string[] words)
    {
        var (code, stdout, stderr) = Run(command, "--help");
        Assert.That(code, Is.EqualTo(BenchApp.Ok), stderr);
        Assert.That(stdout, Does.Contain($"NeuroLite.Bench {command}"));
        foreach (string word in words) Assert.That(stdout, Does.Contain(word));
        Assert.That(stdout, Does.Contain("exit codes:"));
    }

    [Test]
    public void Json_has_one_object_per_printed_row_with_units()
    {
        string path = Path.Combine(Path.GetTempPath(), $"neurolite-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            var (code, stdout, stderr) = Run("kernels", "--quick", "--filter", "Relu", "--json", path);
            Assert.That(code, Is.EqualTo(BenchApp.Ok), stderr);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var rows = doc.RootElement.EnumerateArray().ToList();
            Assert.That(rows[0].GetProperty("section").GetString(), Is.EqualTo("header"));
            Assert.That(rows[0].GetProperty("simd_path").GetString(), Is.Not.Empty);
            var kernels = rows.Where(r => r.GetProperty("section").GetString() == "kernel").ToList();
            Assert.That(kernels.Select(r => r.GetProperty("kernel").GetString()), Is.EquivalentTo(new[] { "Unary.Relu", "Unary.ReluBackward" }));
            foreach (var row in kernels)
            {
                Assert.That(row.GetProperty("n").GetInt64(), Is.EqualTo(1000));
                Assert.That(row.GetProperty("neurolite_ns_per_element").GetDouble(), Is.GreaterThan(0));
                Assert.That(row.GetProperty("reference_ns_per_element").GetDouble(), Is.GreaterThan(0));
                Assert.That(row.GetProperty("max_error").GetDouble(), Is.Zero, "ReLU and its backward are exact on every path");
                Assert.That(row.GetProperty("units").GetProperty("neurolite_ns_per_element").GetString(), Is.EqualTo("ns/element"));
                Assert.That(row.GetProperty("units").GetProperty("max_error").GetString(), Is.EqualTo("abs"));
                Assert.That(stdout, Does.Contain(row.GetProperty("text").GetString()), "every JSON row is a printed row");
            }

            Assert.That(kernels[0].GetProperty("tensorprimitives_ns_per_element").GetDouble(), Is.GreaterThan(0));
            Assert.That(kernels[1].GetProperty("tensorprimitives_ns_per_element").ValueKind, Is.EqualTo(JsonValueKind.Null), "ReluBackward has no TensorPrimitives twin");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Gemm_rows_report_gflops_against_the_peak_measured_in_the_run()
    {
        string path = Path.Combine(Path.GetTempPath(), $"neurolite-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            var (code, _, stderr) = Run("gemm", "--quick", "--filter", "XOR", "--json", path);
            Assert.That(code, Is.EqualTo(BenchApp.Ok), stderr);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var rows = doc.RootElement.EnumerateArray().ToList();
            var header = rows.Single(r => r.GetProperty("section").GetString() == "header");
            var gemm = rows.Single(r => r.GetProperty("section").GetString() == "gemm");
            double peak = header.GetProperty("peak_gflops").GetDouble();
            Assert.That(double.IsFinite(peak) && peak > 0, $"peak {peak}");
            Assert.That(gemm.GetProperty("peak_gflops").GetDouble(), Is.EqualTo(peak), "the rows use the header's measured peak");
            double threads = gemm.GetProperty("threads").GetDouble();
            Assert.That(gemm.GetProperty("percent_of_peak").GetDouble(),
                Is.EqualTo(100 * gemm.GetProperty("neurolite_gflops").GetDouble() / (threads * peak)).Within(1e-9).Percent);
            Assert.That(gemm.GetProperty("neurolite_gflops").GetDouble(), Is.GreaterThan(0));
            Assert.That(gemm.GetProperty("max_abs_error").GetDouble(), Is.LessThan(1e-14));
            Assert.That(gemm.GetProperty("units").GetProperty("neurolite_gflops").GetString(), Is.EqualTo("GFLOP/s"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Ulp_distance_counts_representable_doubles_between()
    {
        Assert.That(KernelComparison.UlpDistance(1.0, Math.BitIncrement(1.0)), Is.EqualTo(1));
        Assert.That(KernelComparison.UlpDistance(-1.0, Math.BitDecrement(-1.0)), Is.EqualTo(1));
        Assert.That(KernelComparison.UlpDistance(0.0, -0.0), Is.Zero);
        Assert.That(KernelComparison.UlpDistance(double.Epsilon, -double.Epsilon), Is.EqualTo(2));
        Assert.That(KernelComparison.UlpDistance(double.NaN, double.NaN), Is.Zero);
        Assert.That(KernelComparison.UlpDistance(double.NaN, 1.0), Is.EqualTo(double.PositiveInfinity));
    }
}
