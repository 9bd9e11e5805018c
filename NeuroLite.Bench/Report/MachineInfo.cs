using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Report;

/// <summary>What the header says about the machine, the runtime and the SIMD paths, and the FMA peak GEMM is held against.</summary>
public sealed class MachineInfo
{
    /// <summary>
    /// Flops per cycle per core of the AVX2+FMA path: 2 FMA pipes × 4 doubles × 2 flops (Zen 2/3, Haswell and later).
    /// The GEMM peak is this times the nominal clock; pass <c>--ghz</c> when /proc/cpuinfo reports a scaled clock.
    /// </summary>
    public const double FlopsPerCycle = 16;

    /// <summary>CPU model name ("model name" in /proc/cpuinfo, else the architecture).</summary>
    public required string Cpu { get; init; }

    /// <summary>Logical processors this process may use.</summary>
    public required int Cores { get; init; }

    /// <summary>Nominal clock used for the peak, in GHz; NaN when unknown.</summary>
    public required double Ghz { get; init; }

    /// <summary>Where <see cref="Ghz"/> came from.</summary>
    public required string GhzSource { get; init; }

    /// <summary>
    /// The clock this core ran at while the header was made, in GHz, from a timed chain of dependent one-cycle integer
    /// operations (boost included, so often above the nominal <see cref="Ghz"/>); NaN when it could not be timed.
    /// </summary>
    public required double MeasuredGhz { get; init; }

    /// <summary>.NET runtime description.</summary>
    public required string Runtime { get; init; }

    /// <summary>OS description.</summary>
    public required string Os { get; init; }

    /// <summary>False when the bench assembly was built without optimizations (a Debug build).</summary>
    public required bool Optimized { get; init; }

    /// <summary>AVX2+FMA (Vector256) available to this process.</summary>
    public static bool HasAvx2Fma => Avx2.IsSupported && Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>128-bit vectors available (SSE on x64, NEON on arm64).</summary>
    public static bool HasVector128 => Vector128.IsHardwareAccelerated;

    /// <summary>NEON (AdvSimd.Arm64) available.</summary>
    public static bool HasNeon => AdvSimd.Arm64.IsSupported;

    /// <summary>The core's double-precision FMA peak in GFLOP/s (NaN when the clock is unknown).</summary>
    public double PeakGflops => FlopsPerCycle * Ghz;

    /// <summary>Reads the machine; <paramref name="ghz"/> overrides the clock from /proc/cpuinfo.</summary>
    public static MachineInfo Detect(double? ghz)
    {
        string cpu = RuntimeInformation.ProcessArchitecture.ToString();
        double cpuinfoMhz = double.NaN;
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon < 0) continue;
                    string key = line[..colon].Trim();
                    string value = line[(colon + 1)..].Trim();
                    if (key == "model name" && cpu == RuntimeInformation.ProcessArchitecture.ToString()) cpu = value;
                    else if (key == "cpu MHz" && double.IsNaN(cpuinfoMhz)
                             && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz)) cpuinfoMhz = mhz;
                }
            }
        }
        catch (IOException)
        {
            // No /proc (not Linux, or a sandbox): the header says "unknown" and --ghz still works.
        }
        catch (UnauthorizedAccessException)
        {
        }

        var debuggable = typeof(MachineInfo).Assembly.GetCustomAttribute<DebuggableAttribute>();
        return new MachineInfo
        {
            Cpu = cpu,
            Cores = Environment.ProcessorCount,
            Ghz = ghz ?? cpuinfoMhz / 1000.0,
            GhzSource = ghz is not null ? "--ghz" : double.IsNaN(cpuinfoMhz) ? "unknown (pass --ghz)" : "/proc/cpuinfo cpu MHz",
            MeasuredGhz = MeasureGhz(),
            Runtime = RuntimeInformation.FrameworkDescription,
            Os = $"{RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}",
            Optimized = debuggable is null || !debuggable.IsJITOptimizerDisabled,
        };
    }

    /// <summary>
    /// Times a chain of dependent adds and xors (one cycle of latency each on every x64 and arm64 core we target; the
    /// loop counter runs beside it) and returns the fastest of five 20-million-operation runs as GHz: ~10 ms in all.
    /// </summary>
    public static double MeasureGhz()
    {
        const long iterations = 5_000_000;
        DependentChain(1000);
        double best = double.NaN;
        for (int run = 0; run < 5; run++)
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

    private static readonly string[] PathVariables = ["DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic"];

    /// <summary>Prints the header and records it as one row.</summary>
    public void Print(ResultLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        string yes(bool b) => b ? "yes" : "no";
        string env = string.Join(' ', PathVariables
            .Select(v => (v, Environment.GetEnvironmentVariable(v))).Where(p => p.Item2 is not null).Select(p => $"{p.v}={p.Item2}"));
        var row = new ResultRow("header")
            .Add("cpu", Cpu).Add("cores", Cores).Add("ghz", Ghz, "GHz").Add("ghz_source", GhzSource).Add("measured_ghz", MeasuredGhz, "GHz")
            .Add("peak_gflops", PeakGflops, "GFLOP/s").Add("runtime", Runtime).Add("os", Os)
            .Add("simd_path", Simd.Describe()).Add("avx2_fma", HasAvx2Fma).Add("vector128", HasVector128).Add("neon", HasNeon)
            .Add("optimized", Optimized).Add("environment", env)
            .Add("date_utc", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        string text = string.Create(CultureInfo.InvariantCulture,
            $"""
            NeuroLite bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC
              CPU      {Cpu}, {Cores} logical cores, {Ghz:0.###} GHz ({GhzSource})
              .NET     {Runtime} on {Os}{(Optimized ? "" : "  WARNING: built without optimizations, use -c Release")}
              SIMD     kernels take: {Simd.Describe()}{(env.Length > 0 ? $"  [{env}]" : "")}
                       available: AVX2+FMA {yes(HasAvx2Fma)}, Vector128 {yes(HasVector128)}, NEON {yes(HasNeon)}, scalar yes
              peak     {FlopsPerCycle} flop/cycle x {Ghz:0.###} GHz = {PeakGflops:0.0} GFLOP/s per core (FP64 FMA; the constant assumes 2 x 256-bit FMA pipes)
              clock    {MeasuredGhz:0.00} GHz measured now (a chain of dependent one-cycle operations); at that clock the peak is {FlopsPerCycle * MeasuredGhz:0.0} GFLOP/s
            """);
        log.Row(row, text);
    }
}
