using System.Diagnostics;

namespace NeuroLite.Bench.Quick;

/// <summary>How long the quick run times each case: repeats and the target length of one repeat.</summary>
/// <param name="Repeats">Timed repeats; the median is reported.</param>
/// <param name="RepeatSeconds">Target length of one repeat; inner iterations are calibrated to reach it.</param>
/// <param name="MaxSeconds">Stop adding repeats once a case has used this much (at least three repeats still run).</param>
public readonly record struct TimingPlan(int Repeats, double RepeatSeconds, double MaxSeconds)
{
    /// <summary>The default run: seven repeats of about 3 ms each.</summary>
    public static TimingPlan Default => new(7, 0.003, 0.5);

    /// <summary>Smoke tests: three short repeats.</summary>
    public static TimingPlan Quick => new(3, 0.0003, 0.05);
}

/// <summary>Stopwatch timing with calibrated inner iterations; the median of the repeats.</summary>
public static class Stopwatches
{
    /// <summary>
    /// Median seconds per call of <paramref name="body"/>. One call warms it up (the bench runs with quick JIT off,
    /// so that call already gets optimized code), then inner iterations are calibrated so that one repeat lasts about
    /// <see cref="TimingPlan.RepeatSeconds"/>, and each repeat is timed as a whole.
    /// </summary>
    public static double SecondsPerCall(Action body, TimingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(body);
        long start = Stopwatch.GetTimestamp();
        long iterations = Calibrate(body, plan);
        var samples = new List<double>(plan.Repeats);
        for (int r = 0; r < plan.Repeats; r++)
        {
            samples.Add(Time(body, iterations) / iterations);
            if (r >= 2 && Stopwatch.GetElapsedTime(start).TotalSeconds > plan.MaxSeconds) break;
        }

        return Median(samples);
    }

    /// <summary>
    /// <paramref name="a"/> and <paramref name="b"/> timed in alternating repeats (a, b, a, b, …), each calibrated as in
    /// <see cref="SecondsPerCall"/>: the median seconds per call of each, and the median of the per-repeat ratios
    /// time(b) / time(a). Neighbouring repeats see the same load on a shared host, so the ratio is steadier than the
    /// quotient of two separate medians.
    /// </summary>
    public static (double A, double B, double RatioBOverA) Alternating(Action a, Action b, TimingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        long start = Stopwatch.GetTimestamp();
        long ia = Calibrate(a, plan), ib = Calibrate(b, plan);
        var ta = new List<double>(plan.Repeats);
        var tb = new List<double>(plan.Repeats);
        var ratios = new List<double>(plan.Repeats);
        for (int r = 0; r < plan.Repeats; r++)
        {
            double x = Time(a, ia) / ia, y = Time(b, ib) / ib;
            ta.Add(x);
            tb.Add(y);
            ratios.Add(y / x);
            if (r >= 2 && Stopwatch.GetElapsedTime(start).TotalSeconds > 2 * plan.MaxSeconds) break;
        }

        return (Median(ta), Median(tb), Median(ratios));
    }

    /// <summary>The median (mean of the middle two for an even count).</summary>
    public static double Median(List<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return double.NaN;
        values.Sort();
        int h = values.Count / 2;
        return values.Count % 2 == 1 ? values[h] : 0.5 * (values[h - 1] + values[h]);
    }

    // One warm-up call (the bench runs with quick JIT off, so it already gets optimized code), then inner iterations
    // calibrated so that one repeat lasts about plan.RepeatSeconds.
    private static long Calibrate(Action body, TimingPlan plan)
    {
        body();
        long iterations = 1;
        double seconds;
        while (true)
        {
            seconds = Time(body, iterations);
            if (seconds >= plan.RepeatSeconds / 4 || iterations >= 1L << 40) break;
            iterations *= seconds <= 0 ? 16 : Math.Clamp((long)(plan.RepeatSeconds / 4 / seconds * 1.5), 2, 64);
        }

        return Math.Max(1, (long)(iterations * plan.RepeatSeconds / Math.Max(seconds, 1e-9)));
    }

    private static double Time(Action body, long iterations)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (long i = 0; i < iterations; i++) body();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
