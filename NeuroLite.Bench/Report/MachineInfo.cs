using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Report;

/// <summary>What the header says about the machine, the runtime and the SIMD paths, and the FMA peak GEMM is held against.</summary>
public sealed class MachineInfo
{
    /// <summary>CPU model name ("model name" in /proc/cpuinfo, else the architecture): the key a peer's results are matched on.</summary>
    public required string Cpu { get; init; }

    /// <summary>The CPU's identification numbers ("family 25, model 17, stepping 1" on x64; implementer and part on arm64), or "".</summary>
    public required string CpuId { get; init; }

    /// <summary>
    /// The model and its identification numbers, "AMD EPYC 9R14 (family 25, model 17, stepping 1)": what a peer's results
    /// file must name to be shown beside this machine's figures (<c>peers/torch_train.py</c> writes it the same way).
    /// </summary>
    public string CpuKey => KeyOf(Cpu, CpuId);

    /// <summary>Logical processors this process may use.</summary>
    public required int Cores { get; init; }

    /// <summary>
    /// The clock this core ran at while the header was made, in GHz, from a timed chain of dependent one-cycle integer
    /// operations (boost included); NaN when it could not be timed.
    /// </summary>
    public required double MeasuredGhz { get; init; }

    /// <summary>The FP64 multiply-add peak of one core, measured in this run at the width the GEMM uses.</summary>
    public required FmaPeakResult Peak { get; init; }

    /// <summary>.NET runtime description.</summary>
    public required string Runtime { get; init; }

    /// <summary>OS description.</summary>
    public required string Os { get; init; }

    /// <summary>False when the bench assembly was built without optimizations (a Debug build).</summary>
    public required bool Optimized { get; init; }

    /// <summary>The core's measured double-precision peak in GFLOP/s (<see cref="Peak"/>).</summary>
    public double PeakGflops => Peak.Gflops;

    /// <summary>Reads the machine and measures the clock and the FMA peak (about 60 ms).</summary>
    public static MachineInfo Detect()
    {
        var (cpu, id) = ReadCpu();
        var debuggable = typeof(MachineInfo).Assembly.GetCustomAttribute<DebuggableAttribute>();
        return new MachineInfo
        {
            Cpu = cpu,
            CpuId = id,
            Cores = Environment.ProcessorCount,
            MeasuredGhz = MeasureGhz(),
            Peak = FmaPeak.Measure(),
            Runtime = RuntimeInformation.FrameworkDescription,
            Os = $"{RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}",
            Optimized = debuggable is null || !debuggable.IsJITOptimizerDisabled,
        };
    }

    /// <summary>This machine's <see cref="CpuKey"/>, without the measurements of <see cref="Detect"/>.</summary>
    public static string ReadCpuKey()
    {
        var (model, id) = ReadCpu();
        return KeyOf(model, id);
    }

    /// <summary>"model (id)", or the model alone when there is no id.</summary>
    public static string KeyOf(string model, string id) => id.Length > 0 ? $"{model} ({id})" : model;

    /// <summary>The CPU's model name and identification numbers from /proc/cpuinfo; the architecture and "" where there is none.</summary>
    public static (string Model, string Id) ReadCpu()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo")) return ParseCpuInfo(File.ReadLines("/proc/cpuinfo"));
        }
        catch (IOException)
        {
            // No readable /proc (a sandbox): the architecture stands in for the model.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return (RuntimeInformation.ProcessArchitecture.ToString(), "");
    }

    /// <summary>
    /// The model name and identification numbers of the first processor in /proc/cpuinfo text: "model name", "cpu family",
    /// "model" and "stepping" on x64; "CPU implementer", "CPU part" and "CPU variant" on arm64 (which often has no model
    /// name, so the model becomes "arm64 implementer 0x41 part 0xd0c"). Falls back to the architecture.
    /// </summary>
    public static (string Model, string Id) ParseCpuInfo(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            if (line.Length == 0 && fields.Count > 0) break; // the first processor's block ends at a blank line
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }

        string? get(string key) => fields.TryGetValue(key, out string? v) && v.Length > 0 ? v : null;
        string id = get("cpu family") is { } family
            ? $"family {family}, model {get("model") ?? "?"}" + (get("stepping") is { } stepping ? $", stepping {stepping}" : "")
            : get("CPU implementer") is { } implementer
                ? $"implementer {implementer}, part {get("CPU part") ?? "?"}" + (get("CPU variant") is { } variant ? $", variant {variant}" : "")
                : "";
        string model = get("model name") ?? get("Hardware")
            ?? (id.Length > 0 ? $"{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()} {id.Replace(",", "", StringComparison.Ordinal)}" : RuntimeInformation.ProcessArchitecture.ToString());
        return (model, id);
    }

    /// <summary>
    /// Times a chain of dependent adds and xors (one cycle of latency each on every x64 and arm64 core we target; the
    /// loop counter runs beside it) and returns the fastest of 30 five-million-operation runs as GHz: ~40 ms in all.
    /// Short runs, many of them, so that on a loaded host at least one escapes the scheduler's interruptions.
    /// </summary>
    public static double MeasureGhz()
    {
        const long iterations = 1_250_000;
        DependentChain(1000);
        double best = double.NaN;
        for (int run = 0; run < 30; run++)
        {
            long start = Stopwatch.GetTimestamp();
            long result = DependentChain(iterations);
            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            GC.KeepAlive(result);
            double ghz = 4.0 * iterations / ns;
            if (ns > 0 && !(ghz <= best)) best = ghz;
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long DependentChain(long iterations)
    {
        long a = 0, b = 1;
        for (long i = 0; i < iterations; i++)
        {
            a += b;
            b ^= a;
            a += b;
            b ^= a;
        }
        return a + b;
    }

    private static readonly string[] PathVariables =
        ["DOTNET_EnableAVX512", "DOTNET_PreferredVectorBitWidth", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic", "DOTNET_EnableAVX512F"];

    /// <summary>Every path this CPU offers to this process, widest first, as "AVX-512 (Vector512), AVX2+FMA (Vector256), ...".</summary>
    public static string AvailablePaths => string.Join(", ", Simd.Available().Select(Simd.Describe));

    /// <summary>
    /// The paths the hardware has by its /proc/cpuinfo flags ("flags" on x64, "Features" on arm64), widest first, or null
    /// where there is no such file: what the process would offer without DOTNET_ switches.
    /// </summary>
    public static IReadOnlyList<SimdPath>? HardwarePaths()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            string? flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal) || l.StartsWith("Features", StringComparison.Ordinal));
            return flags is null ? null : PathsFromFlags(flags[(flags.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static readonly string[] Avx512Flags = ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl", "fma"];

    /// <summary>The paths a CPU with these /proc/cpuinfo flags has, widest first (scalar always).</summary>
    public static IReadOnlyList<SimdPath> PathsFromFlags(string flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var set = flags.Split(' ', '\t').Where(f => f.Length > 0).ToHashSet(StringComparer.Ordinal);
        var paths = new List<SimdPath>();
        if (Avx512Flags.All(set.Contains)) paths.Add(SimdPath.Avx512);
        if (set.Contains("avx2") && set.Contains("fma")) paths.Add(SimdPath.Avx2Fma);
        if (set.Contains("asimd")) paths.Add(SimdPath.Neon);
        if (set.Contains("sse2")) paths.Add(SimdPath.Vector128);
        paths.Add(SimdPath.Scalar);
        return paths;
    }

    /// <summary>Prints the header and records it as one row.</summary>
    public void Print(ResultLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        string env = string.Join(' ', PathVariables
            .Select(v => (v, Environment.GetEnvironmentVariable(v))).Where(p => p.Item2 is not null).Select(p => $"{p.v}={p.Item2}"));
        double flopsPerCycle = Peak.Gflops / MeasuredGhz;
        var offered = Simd.Available();
        string hidden = string.Join(", ", (HardwarePaths() ?? []).Where(p => !offered.Contains(p)).Select(Simd.Describe));
        var row = new ResultRow("header")
            .Add("cpu", Cpu).Add("cpu_id", CpuId).Add("cores", Cores).Add("measured_ghz", MeasuredGhz, "GHz")
            .Add("peak_gflops", PeakGflops, "GFLOP/s").Add("peak_probe", $"{Peak.Instruction}, {Peak.Chains} chains").Add("peak_flops_per_cycle", flopsPerCycle, "flop/cycle")
            .Add("runtime", Runtime).Add("os", Os)
            .Add("simd_path", Simd.Describe()).Add("simd_paths_available", AvailablePaths).Add("simd_paths_switched_off", hidden)
            .Add("optimized", Optimized).Add("environment", env)
            .Add("date_utc", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        string text = string.Create(CultureInfo.InvariantCulture,
            $"""
            NeuroLite bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC
              CPU      {Cpu}{(CpuId.Length > 0 ? $" ({CpuId})" : "")}, {Cores} logical cores
              .NET     {Runtime} on {Os}{(Optimized ? "" : "  WARNING: built without optimizations, use -c Release")}
              SIMD     path taken: {Simd.Describe()}{(env.Length > 0 ? $"  [{env}]" : "")}
                       available here: {AvailablePaths}{(hidden.Length > 0 ? $"; the hardware also has {hidden}, turned off by the DOTNET_ switches" : "")}
              peak     {Peak.Gflops:0.0} GFLOP/s per core, measured now: FP64 {Peak.Instruction}, {Peak.Chains} independent chains, one thread (the GEMM's width on this path)
              clock    {MeasuredGhz:0.00} GHz measured now (a chain of dependent one-cycle operations), so the peak is {flopsPerCycle:0.0} flop/cycle
            """);
        log.Row(row, text);
    }
}
