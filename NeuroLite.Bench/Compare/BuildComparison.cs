using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using NeuroLite.Bench.Quick;

namespace NeuroLite.Bench.Compare;

/// <summary>
/// Times a training step of two builds of NeuroLite side by side in this process: each build directory (the output
/// of <c>dotnet build -c Release NeuroLite.Bench -o DIR</c> at some commit) is loaded into its own
/// <see cref="AssemblyLoadContext"/>, and blocks of steps alternate between the two, so both meet the same host
/// states. Each round reports the median block time of each build, and the run the median of the per-round ratios
/// (new time / old time) with its quartiles. Whichever build is loaded first tends to run 0-10% faster here, so
/// compare in both orders (<c>ab OLD NEW</c>, then <c>ab NEW OLD</c>).
/// </summary>
public static class BuildComparison
{
    /// <summary>The workloads by name: the three training steps of <see cref="Training.TrainingWorkload"/>.</summary>
    public static IReadOnlyDictionary<string, string> Workloads { get; } = new Dictionary<string, string>
    {
        ["xor"] = "Xor",
        ["64"] = "Mlp64",
        ["784"] = "Mlp784",
    };

    /// <summary>Checks that <paramref name="directory"/> holds a build of the bench; null when it does, else why not.</summary>
    public static string? CheckBuild(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) return $"build directory '{directory}' does not exist";
        foreach (string file in new[] { "NeuroLite.Bench.dll", "NeuroLite.dll", "NeuroLite.Kernels.dll" })
            if (!File.Exists(Path.Combine(directory, file)))
                return $"'{directory}' has no {file}; build one with: dotnet build -c Release NeuroLite.Bench -o {directory}";
        return null;
    }

    /// <summary>The first problem <see cref="CheckBuild"/> finds with either build directory, or null.</summary>
    public static string? CheckBuilds(string oldBuild, string newBuild) => CheckBuild(oldBuild) ?? CheckBuild(newBuild);

    /// <summary>
    /// Runs the comparison and prints one line per round and a summary; returns the median ratio (new / old time).
    /// </summary>
    /// <param name="output">Where the lines go.</param>
    /// <param name="oldBuild">The baseline's build directory.</param>
    /// <param name="newBuild">The candidate's build directory.</param>
    /// <param name="workload">A key of <see cref="Workloads"/>.</param>
    /// <param name="rounds">Rounds, each of <paramref name="pairs"/> blocks per build.</param>
    /// <param name="pairs">Blocks per build in one round.</param>
    /// <param name="threads">GEMM threads in both builds (<c>Gemm.MaxThreads</c>).</param>
    /// <param name="warmupSeconds">Seconds each build steps before timing (tiering, caches).</param>
    public static double Run(TextWriter output, string oldBuild, string newBuild, string workload, int rounds, int pairs, int threads, double warmupSeconds = 2)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSeconds);
        if (!Workloads.TryGetValue(workload, out string? factory))
            throw new ArgumentException($"unknown workload '{workload}' (one of: {string.Join(", ", Workloads.Keys)})", nameof(workload));
        if (CheckBuilds(oldBuild, newBuild) is { } problem) throw new ArgumentException(problem);

        var steps = new[] { Load(oldBuild, factory, threads), Load(newBuild, factory, threads) };
        // Steps per block: ~5-20 ms of work, whatever the workload.
        int inner = workload switch { "xor" => 10_000, "64" => 50, _ => 2 };
        // One thread: its CPU time (time it was not scheduled is not the code's). Two: wall time, since the worker's
        // half and the caller's waits for it (yielding, off the CPU) are the step's time as well.
        bool cpu = threads == 1 && ThreadCpuClock.IsThreadCpuTime;
        Func<long> now = cpu ? ThreadCpuClock.NowNanoseconds : static () => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
        string clock = cpu ? "thread CPU time" : "wall time";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ab {workload}: old {Path.GetFullPath(oldBuild)}, new {Path.GetFullPath(newBuild)}; {rounds} rounds of {pairs} alternating blocks of {inner} steps per build, {threads} GEMM thread(s), {clock}"));

        foreach (var step in steps)
        {
            long end = Stopwatch.GetTimestamp() + (long)(warmupSeconds * Stopwatch.Frequency);
            do step(); while (Stopwatch.GetTimestamp() < end);
        }

        var ratios = new List<double>(rounds);
        for (int r = 0; r < rounds; r++)
        {
            var times = new[] { new List<double>(pairs), new List<double>(pairs) };
            for (int p = 0; p < pairs; p++)
            {
                for (int q = 0; q < 2; q++)
                {
                    int v = (p + q) % 2; // old first in even pairs, new first in odd ones
                    var step = steps[v];
                    long t0 = now();
                    for (int i = 0; i < inner; i++) step();
                    times[v].Add((now() - t0) / 1e3 / inner);
                }
            }

            double oldUs = Stopwatches.Median(times[0]), newUs = Stopwatches.Median(times[1]);
            ratios.Add(newUs / oldUs);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {r + 1,3}: old {oldUs,10:F2} µs/step  new {newUs,10:F2} µs/step  new/old {newUs / oldUs:F3}"));
        }

        double median = Stopwatches.Median(ratios); // sorts ratios, which Quantile needs
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ab {workload}: new/old time, median of {rounds} rounds {median:F3} [quartiles {Quantile(ratios, 0.25):F3}-{Quantile(ratios, 0.75):F3}, range {ratios[0]:F3}-{ratios[^1]:F3}]"));
        return median;
    }

    private static Func<double> Load(string directory, string factory, int threads)
    {
        var context = new BuildContext(Path.GetFullPath(Path.Combine(directory, "NeuroLite.Bench.dll")));
        Assembly kernels = context.LoadFromAssemblyName(new AssemblyName("NeuroLite.Kernels"));
        kernels.GetType("NeuroLite.Kernels.Gemm", throwOnError: true)!.GetProperty("MaxThreads")!.SetValue(null, threads);
        Assembly bench = context.LoadFromAssemblyName(new AssemblyName("NeuroLite.Bench"));
        Type workload = bench.GetType("NeuroLite.Bench.Training.TrainingWorkload", throwOnError: true)!;
        object instance = workload.GetMethod(factory, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!;
        return workload.GetMethod("Step", Type.EmptyTypes)!.CreateDelegate<Func<double>>(instance);
    }

    // Quartiles: linear interpolation between the closest ranks of a sorted list.
    private static double Quantile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>One build: its own copies of NeuroLite, its kernels and the bench, resolved from the build's deps file.</summary>
    private sealed class BuildContext(string mainAssembly) : AssemblyLoadContext($"build {mainAssembly}", isCollectible: false)
    {
        private readonly AssemblyDependencyResolver _resolver = new(mainAssembly);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }
}
