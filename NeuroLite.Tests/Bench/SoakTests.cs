using System.Text.Json;
using NeuroLite.Bench;
using NeuroLite.Bench.Cli;
using NeuroLite.Bench.Soak;

namespace NeuroLite.Tests.Bench;

public class SoakTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = BenchApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void Soak_options_parse_with_their_values()
    {
        var o = BenchOptions.Parse(["soak", "--network", "784-256-256-10", "--steps", "1000000", "--json", "s.json"]);
        Assert.That(o.Error, Is.Null);
        Assert.That(o.Command, Is.EqualTo(BenchCommand.Soak));
        Assert.That(o.SoakNetwork, Is.EqualTo("784-256-256-10"));
        Assert.That(o.SoakSteps, Is.EqualTo(1_000_000));
        Assert.That(o.JsonPath, Is.EqualTo("s.json"));

        var d = BenchOptions.Parse(["soak"]);
        Assert.That(d.Error, Is.Null);
        Assert.That((d.SoakNetwork, d.SoakSteps, d.SoakSeconds), Is.EqualTo(("64-128-64-10", (long?)null, 60.0)), "the default is a 60 s run of the 64-wide network");

        var s = BenchOptions.Parse(["soak", "--seconds", "2.5", "--network", "xor", "--warmup", "0.5"]);
        Assert.That(s.Error, Is.Null);
        Assert.That(s.SoakWarmupSeconds, Is.EqualTo(0.5));
        Assert.That((s.SoakNetwork, s.SoakSteps, s.SoakSeconds), Is.EqualTo(("xor", (long?)null, 2.5)));
    }

    [TestCase("--steps")]
    [TestCase("--steps", "0")]
    [TestCase("--steps", "-5")]
    [TestCase("--steps", "many")]
    [TestCase("--seconds", "0")]
    [TestCase("--seconds", "NaN")]
    [TestCase("--seconds", "-1")]
    [TestCase("--network", "resnet")]
    [TestCase("--network")]
    [TestCase("--quick")]
    [TestCase("--filter", "tanh")]
    [TestCase("--workload", "64")]
    [TestCase("--warmup", "-1")]
    [TestCase("--warmup", "soon")]
    public void Bad_soak_arguments_exit_2_with_a_usage_line(params string[] rest)
    {
        var (code, stdout, stderr) = Run(["soak", .. rest]);
        Assert.That(code, Is.EqualTo(BenchApp.BadArguments));
        Assert.That(stderr, Does.StartWith("error: "));
        Assert.That(stderr, Does.Contain("usage:"));
        Assert.That(stdout, Is.Empty, "nothing runs when the arguments are bad");
    }

    [Test]
    public void Soak_options_belong_to_soak_only()
    {
        Assert.That(BenchOptions.Parse(["train", "--steps", "10"]).Error, Is.Not.Null);
        Assert.That(BenchOptions.Parse(["kernels", "--network", "xor"]).Error, Is.Not.Null);
    }

    [Test]
    public void A_short_soak_of_the_xor_net_passes_its_verdict_and_writes_json()
    {
        string path = Path.Combine(Path.GetTempPath(), $"neurolite-soak-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            var (code, stdout, stderr) = Run("soak", "--network", "xor", "--steps", "3000", "--warmup", "1", "--json", path);
            Assert.That(stderr, Is.Empty);
            Assert.That(code, Is.EqualTo(BenchApp.Ok), stdout);
            Assert.That(stdout, Does.Contain("verdict: PASS"));

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var rows = doc.RootElement.EnumerateArray().ToList();
            var verdict = rows.Single(r => r.GetProperty("section").GetString() == "soak-verdict");
            Assert.That(verdict.GetProperty("passed").GetBoolean(), Is.True);
            Assert.That(verdict.GetProperty("steps").GetInt64(), Is.EqualTo(3000), "--steps counts the measured steps after warm-up");
            Assert.That(verdict.GetProperty("allocated_bytes").GetInt64(), Is.Zero);
            Assert.That(verdict.GetProperty("gen0").GetInt64(), Is.Zero);
            Assert.That(verdict.GetProperty("rss_growth_bytes").GetInt64(), Is.LessThanOrEqualTo(SoakVerdict.RssLimitBytes));
            Assert.That(verdict.GetProperty("units").GetProperty("allocated_bytes").GetString(), Is.EqualTo("B"));
            if (OperatingSystem.IsLinux())
                Assert.That(verdict.GetProperty("rss_anon_growth_bytes").GetInt64() + verdict.GetProperty("rss_file_growth_bytes").GetInt64() + verdict.GetProperty("rss_shmem_growth_bytes").GetInt64(),
                    Is.EqualTo(verdict.GetProperty("rss_growth_bytes").GetInt64()), "the parts add up to the whole");

            var progress = rows.Where(r => r.GetProperty("section").GetString() == "soak").ToList();
            Assert.That(progress, Is.Not.Empty);
            Assert.That(progress[^1].GetProperty("steps").GetInt64(), Is.EqualTo(3000));
            foreach (string field in new[] { "us_per_step", "allocated_bytes", "gen0", "gen1", "gen2", "heap_bytes", "rss_bytes" })
                Assert.That(progress[^1].TryGetProperty(field, out _), Is.True, field);
            Assert.That(progress[^1].GetProperty("rss_bytes").GetInt64(), Is.GreaterThan(1 << 20), "the resident set of a .NET process is megabytes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(0L, 0, 0L, true)]
    [TestCase(0L, 0, SoakVerdict.RssLimitBytes, true)]
    [TestCase(8L, 0, 0L, false)]
    [TestCase(0L, 1, 0L, false)]
    [TestCase(0L, 0, SoakVerdict.RssLimitBytes + 1, false)]
    public void The_verdict_needs_no_allocation_no_gen0_collection_and_at_most_1_MiB_of_growth(long bytes, int gen0, long rss, bool passed)
    {
        var v = new SoakVerdict(Steps: 100, Seconds: 1, AllocatedBytes: bytes, Gen0: gen0, Gen1: 0, Gen2: 0, RssGrowthBytes: rss);
        Assert.That(v.Passed, Is.EqualTo(passed));
    }

    [Test]
    public void Rss_is_read_and_plausible()
    {
        long rss = SoakRun.ReadRss();
        Assert.That(rss, Is.GreaterThan(1 << 20));
        Assert.That(rss, Is.LessThan(1L << 40));
    }
}
