using System.Diagnostics;
using System.Globalization;
using NeuroLite.Bench.Report;
using NeuroLite.Bench.Training;

namespace NeuroLite.Bench.Soak;

/// <summary>What a soak run does: which network, how long, how often it reports.</summary>
/// <param name="Network">A key of <see cref="SoakRun.Networks"/> (for example 64-128-64-10).</param>
/// <param name="Steps">Measured steps after warm-up, or null to run for <paramref name="Seconds"/>.</param>
/// <param name="Seconds">Measured wall-clock seconds after warm-up when <paramref name="Steps"/> is null.</param>
/// <param name="WarmupSteps">Steps before the baseline is taken (the run also warms up for at least <paramref name="WarmupSeconds"/>).</param>
/// <param name="WarmupSeconds">The least wall-clock time of warm-up, so tiered JIT has promoted the step's methods.</param>
/// <param name="IntervalSeconds">Seconds between progress lines.</param>
public sealed record SoakSettings(string Network, long? Steps, double Seconds, long WarmupSteps = 2000, double WarmupSeconds = 5, double IntervalSeconds = 10);

/// <summary>The verdict of a soak run, with the figures it rests on (all counted after warm-up).</summary>
/// <param name="Steps">Measured steps.</param>
/// <param name="Seconds">Wall-clock seconds of the measured steps (progress printing excluded).</param>
/// <param name="AllocatedBytes">Bytes allocated on the training thread while stepping.</param>
/// <param name="Gen0">Gen-0 collections while stepping.</param>
/// <param name="Gen1">Gen-1 collections while stepping.</param>
/// <param name="Gen2">Gen-2 collections while stepping.</param>
/// <param name="RssGrowthBytes">Resident set size at the end minus at the baseline.</param>
public sealed record SoakVerdict(long Steps, double Seconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2, long RssGrowthBytes)
{
    /// <summary>The most resident-set growth a passing run may show: 1 MiB.</summary>
    public const long RssLimitBytes = 1 << 20;

    /// <summary>True when nothing was allocated, no gen-0 collection ran and the resident set grew at most <see cref="RssLimitBytes"/>.</summary>
    public bool Passed => AllocatedBytes == 0 && Gen0 == 0 && RssGrowthBytes <= RssLimitBytes;
}

/// <summary>
/// A long training run that watches memory: it steps one benchmark network for a fixed number of steps or seconds,
/// prints steps, µs/step, bytes allocated, GC counts, the managed heap and the resident set at intervals, and ends
/// with a verdict (after warm-up: 0 B allocated, no gen-0 collection, resident set growth ≤ 1 MiB).
/// </summary>
/// <remarks>
/// The counts cover everything after warm-up, the progress lines included: they are formatted into a preallocated
/// buffer and the resident set is read with one preallocated read of /proc/self/statm, so the reporting allocates
/// nothing and cannot itself grow the heap or the resident set. The lines reach the result log (for --json) after the run.
/// </remarks>
public static class SoakRun
{
    /// <summary>The networks by name, each with its factory; short aliases are accepted too.</summary>
    public static IReadOnlyDictionary<string, Func<TrainingWorkload>> Networks { get; } = new Dictionary<string, Func<TrainingWorkload>>(StringComparer.OrdinalIgnoreCase)
    {
        ["xor"] = TrainingWorkload.Xor,
        ["64-128-64-10"] = TrainingWorkload.Mlp64,
        ["784-256-256-10"] = TrainingWorkload.Mlp784,
        ["64"] = TrainingWorkload.Mlp64,
        ["784"] = TrainingWorkload.Mlp784,
        ["mlp-64"] = TrainingWorkload.Mlp64,
        ["mlp-784"] = TrainingWorkload.Mlp784,
    };

    /// <summary>The canonical names listed in messages.</summary>
    public const string NetworkNames = "xor, 64-128-64-10, 784-256-256-10";

    /// <summary>Runs the soak, printing to <paramref name="log"/>; returns the verdict (also printed and recorded).</summary>
    /// <exception cref="ArgumentException">The network is not one of <see cref="Networks"/>.</exception>
    public static SoakVerdict Run(ResultLog log, SoakSettings settings)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(settings);
        if (!Networks.TryGetValue(settings.Network, out var make))
            throw new ArgumentException($"unknown network '{settings.Network}' (one of {NetworkNames})", nameof(settings));

        using TrainingWorkload w = make();
        ArgumentOutOfRangeException.ThrowIfNegative(settings.WarmupSeconds);
        string bound = settings.Steps is { } s ? $"{s} steps" : string.Create(CultureInfo.InvariantCulture, $"{settings.Seconds:0.#} s");
        log.Line($"Soak: {w.Description}, {bound} after a warm-up of at least {settings.WarmupSteps} steps and {settings.WarmupSeconds:0.#} s; a line every {settings.IntervalSeconds:0.#} s");
        log.Line("(after warm-up, counting the progress lines too, which allocate nothing; RSS from /proc/self/status: anonymous + file-backed + shared)");
        log.Line(ProgressLine.Header);

        // Warm-up: tiered JIT, the arena's growth, the optimizer's state, the GEMM worker's start.
        long warm = 0;
        long start = Stopwatch.GetTimestamp();
        while (warm < settings.WarmupSteps || Stopwatch.GetElapsedTime(start).TotalSeconds < settings.WarmupSeconds)
        {
            w.Step();
            warm++;
        }

        // Progress lines are formatted into a preallocated buffer and the resident set is read into a preallocated one,
        // so once warm the reporting allocates nothing either; the rows reach the result log (for --json) at the end.
        using var rssReader = new RssReader();
        var line = new ProgressLine(log.Output);
        // Room for 4096 lines (11 hours at one line per 10 s) made now; lines past that are printed but not kept for --json.
        var samples = new List<Sample>(4096);
        line.Write(new Sample(0, 0, 0, 0, 0, 0, GC.GetTotalMemory(false), rssReader.Read().Total, 0, 0));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Rss rss0 = rssReader.Read();

        long interval = Stopwatch.Frequency * (long)Math.Max(1, settings.IntervalSeconds * 1000) / 1000;
        long deadline = settings.Steps is null ? Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency) : long.MaxValue;
        long target = settings.Steps ?? long.MaxValue;
        var total = default(Sample);
        Rss rss = rss0;
        long bytes0 = GC.GetAllocatedBytesForCurrentThread();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        while (total.Steps < target && Stopwatch.GetTimestamp() < deadline)
        {
            long blockEnd = Math.Min(deadline, Stopwatch.GetTimestamp() + interval);
            long t0 = Stopwatch.GetTimestamp(), now = t0;
            long n = 0;
            // The clock is read every step (no allocation); a block ends at the interval, the deadline or the step target.
            while (total.Steps + n < target && now < blockEnd)
            {
                w.Step();
                n++;
                now = Stopwatch.GetTimestamp();
            }

            rss = rssReader.Read();
            total = new Sample(total.Steps + n, total.Ticks + (now - t0), GC.GetAllocatedBytesForCurrentThread() - bytes0,
                GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2, GC.GetTotalMemory(false), rss.Total, rss.Total - rss0.Total, rss.Anon - rss0.Anon);
            if (samples.Count < samples.Capacity) samples.Add(total);
            line.Write(total);
        }

        // Everything after this point may allocate: the run is over.
        if (log.Output is SoakWriter gate) gate.Muted = true;
        try
        {
            foreach (Sample sample in samples) log.Row(Row(sample), ProgressLine.Text(sample));
        }
        finally
        {
            if (log.Output is SoakWriter g) g.Muted = false;
        }

        var verdict = new SoakVerdict(total.Steps, (double)total.Ticks / Stopwatch.Frequency, total.Bytes, total.Gen0, total.Gen1, total.Gen2, total.RssGrowth);
        long anonGrowth = rss.Anon - rss0.Anon, fileGrowth = rss.File - rss0.File, shmemGrowth = rss.Shmem - rss0.Shmem;
        var row = new ResultRow("soak-verdict").Add("network", w.Description).Add("steps", verdict.Steps, "steps").Add("seconds", verdict.Seconds, "s")
            .Add("us_per_step", verdict.Steps == 0 ? double.NaN : verdict.Seconds * 1e6 / verdict.Steps, "µs/step")
            .Add("allocated_bytes", verdict.AllocatedBytes, "B").Add("gen0", (long)verdict.Gen0, "collections").Add("gen1", (long)verdict.Gen1, "collections")
            .Add("gen2", (long)verdict.Gen2, "collections").Add("rss_growth_bytes", verdict.RssGrowthBytes, "B").Add("rss_limit_bytes", SoakVerdict.RssLimitBytes, "B")
            .Add("rss_anon_growth_bytes", anonGrowth, "B").Add("rss_file_growth_bytes", fileGrowth, "B").Add("rss_shmem_growth_bytes", shmemGrowth, "B")
            .Add("passed", verdict.Passed);
        log.Row(row, string.Create(CultureInfo.InvariantCulture,
            $"verdict: {(verdict.Passed ? "PASS" : "FAIL")}: {verdict.Steps} steps in {verdict.Seconds:0.0} s after warm-up; {verdict.AllocatedBytes} B allocated (want 0), " +
            $"gen0/1/2 collections {verdict.Gen0}/{verdict.Gen1}/{verdict.Gen2} (want no gen0), RSS growth {verdict.RssGrowthBytes} B (want ≤ {SoakVerdict.RssLimitBytes} B: anonymous {anonGrowth} B, file-backed {fileGrowth} B, shared {shmemGrowth} B)"));
        return verdict;
    }

    /// <summary>The process's resident set in bytes (see <see cref="RssReader"/>).</summary>
    public static long ReadRss()
    {
        using var reader = new RssReader();
        return reader.Read().Total;
    }

    private static ResultRow Row(Sample t) =>
        new ResultRow("soak").Add("steps", t.Steps, "steps").Add("us_per_step", t.MicrosecondsPerStep, "µs/step").Add("allocated_bytes", t.Bytes, "B")
            .Add("bytes_per_step", t.BytesPerStep, "B/step").Add("gen0", (long)t.Gen0, "collections").Add("gen1", (long)t.Gen1, "collections").Add("gen2", (long)t.Gen2, "collections")
            .Add("heap_bytes", t.Heap, "B").Add("rss_bytes", t.Rss, "B").Add("rss_growth_bytes", t.RssGrowth, "B").Add("rss_anon_growth_bytes", t.AnonGrowth, "B");
}
