using System.Diagnostics;
using System.Globalization;
using System.Text;
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
public sealed record SoakSettings(string Network, long? Steps, double Seconds, long WarmupSteps = 2000, double WarmupSeconds = 2, double IntervalSeconds = 10);

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
/// Allocation and collection counts cover the stepping only: the progress lines themselves allocate (strings, the
/// /proc read), so each block of steps is bracketed by its own readings and the printing falls between blocks.
/// </remarks>
public static class SoakRun
{
    private static readonly CompositeFormat Columns = CompositeFormat.Parse("{0,12} {1,9} {2,10} {3,12} {4,6} {5,6} {6,6} {7,12} {8,12} {9,12}");

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
        string bound = settings.Steps is { } s ? $"{s} steps" : string.Create(CultureInfo.InvariantCulture, $"{settings.Seconds:0.#} s");
        log.Line($"Soak: {w.Description}, {bound} after a warm-up of at least {settings.WarmupSteps} steps and {settings.WarmupSeconds:0.#} s; a line every {settings.IntervalSeconds:0.#} s");
        log.Line("(allocation and GC counts cover the steps only, not the printing between blocks; RSS from /proc/self/statm)");
        log.Line(string.Format(CultureInfo.InvariantCulture, Columns, "steps", "µs/step", "B alloc", "B/step", "gen0", "gen1", "gen2", "heap B", "RSS B", "RSS Δ B"));

        // Warm-up: tiered JIT, the arena's growth, the optimizer's state, the GEMM worker's start.
        long warm = 0;
        long start = Stopwatch.GetTimestamp();
        while (warm < settings.WarmupSteps || Stopwatch.GetElapsedTime(start).TotalSeconds < settings.WarmupSeconds)
        {
            w.Step();
            warm++;
        }

        // One progress line before the baseline so its own code paths are compiled and touched.
        var total = new Totals();
        Report(log, "soak-warmup", total, ReadRss(), 0);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long rss0 = ReadRss();

        long interval = Stopwatch.Frequency * (long)Math.Max(1, settings.IntervalSeconds * 1000) / 1000;
        long deadline = settings.Steps is null ? Stopwatch.GetTimestamp() + (long)(settings.Seconds * Stopwatch.Frequency) : long.MaxValue;
        long target = settings.Steps ?? long.MaxValue;
        while (total.Steps < target && Stopwatch.GetTimestamp() < deadline)
        {
            long blockEnd = Math.Min(deadline, Stopwatch.GetTimestamp() + interval);
            long bytes0 = GC.GetAllocatedBytesForCurrentThread();
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            long t0 = Stopwatch.GetTimestamp(), now = t0;
            long n = 0;
            // The clock is read every step (no allocation); a block ends at the interval, the deadline or the step target.
            while (total.Steps + n < target && now < blockEnd)
            {
                w.Step();
                n++;
                now = Stopwatch.GetTimestamp();
            }

            total.Add(n, now - t0, GC.GetAllocatedBytesForCurrentThread() - bytes0,
                GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2);
            Report(log, "soak", total, ReadRss(), rss0);
        }

        long rssGrowth = ReadRss() - rss0;
        var verdict = new SoakVerdict(total.Steps, (double)total.Ticks / Stopwatch.Frequency, total.Bytes, total.Gen0, total.Gen1, total.Gen2, rssGrowth);
        var row = new ResultRow("soak-verdict").Add("network", w.Description).Add("steps", verdict.Steps, "steps").Add("seconds", verdict.Seconds, "s")
            .Add("us_per_step", verdict.Steps == 0 ? double.NaN : verdict.Seconds * 1e6 / verdict.Steps, "µs/step")
            .Add("allocated_bytes", verdict.AllocatedBytes, "B").Add("gen0", (long)verdict.Gen0, "collections").Add("gen1", (long)verdict.Gen1, "collections")
            .Add("gen2", (long)verdict.Gen2, "collections").Add("rss_growth_bytes", verdict.RssGrowthBytes, "B").Add("rss_limit_bytes", SoakVerdict.RssLimitBytes, "B")
            .Add("passed", verdict.Passed);
        log.Row(row, string.Create(CultureInfo.InvariantCulture,
            $"verdict: {(verdict.Passed ? "PASS" : "FAIL")}: {verdict.Steps} steps in {verdict.Seconds:0.0} s after warm-up; {verdict.AllocatedBytes} B allocated (want 0), " +
            $"gen0/1/2 collections {verdict.Gen0}/{verdict.Gen1}/{verdict.Gen2} (want no gen0), RSS growth {verdict.RssGrowthBytes} B (want ≤ {SoakVerdict.RssLimitBytes} B)"));
        return verdict;
    }

    /// <summary>The process's resident set in bytes: /proc/self/statm's second field times the page size where it exists, else <see cref="Environment.WorkingSet"/>.</summary>
    public static long ReadRss()
    {
        try
        {
            string text = File.ReadAllText("/proc/self/statm");
            string[] fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 1 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long pages))
                return pages * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux (or no procfs): the runtime's own figure.
        }

        return Environment.WorkingSet;
    }

    private static void Report(ResultLog log, string section, Totals t, long rss, long rss0)
    {
        double us = t.Steps == 0 ? double.NaN : (double)t.Ticks / Stopwatch.Frequency * 1e6 / t.Steps;
        double perStep = t.Steps == 0 ? 0 : (double)t.Bytes / t.Steps;
        long heap = GC.GetTotalMemory(false);
        long delta = rss0 == 0 ? 0 : rss - rss0;
        var row = new ResultRow(section).Add("steps", t.Steps, "steps").Add("us_per_step", us, "µs/step").Add("allocated_bytes", t.Bytes, "B")
            .Add("bytes_per_step", perStep, "B/step").Add("gen0", (long)t.Gen0, "collections").Add("gen1", (long)t.Gen1, "collections").Add("gen2", (long)t.Gen2, "collections")
            .Add("heap_bytes", heap, "B").Add("rss_bytes", rss, "B").Add("rss_growth_bytes", delta, "B");
        log.Row(row, string.Format(CultureInfo.InvariantCulture, Columns, t.Steps, double.IsNaN(us) ? "-" : us.ToString("0.00", CultureInfo.InvariantCulture), t.Bytes,
            perStep.ToString("0.###", CultureInfo.InvariantCulture), t.Gen0, t.Gen1, t.Gen2, heap, rss, delta));
    }

    private sealed class Totals
    {
        public long Steps { get; private set; }

        public long Ticks { get; private set; }

        public long Bytes { get; private set; }

        public int Gen0 { get; private set; }

        public int Gen1 { get; private set; }

        public int Gen2 { get; private set; }

        public void Add(long steps, long ticks, long bytes, int gen0, int gen1, int gen2)
        {
            Steps += steps;
            Ticks += ticks;
            Bytes += bytes;
            Gen0 += gen0;
            Gen1 += gen1;
            Gen2 += gen2;
        }
    }
}
