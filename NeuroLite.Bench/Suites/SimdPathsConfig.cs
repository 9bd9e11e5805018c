using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Suites;

/// <summary>One BenchmarkDotNet job of <see cref="SimdPathsConfig"/>: the path it runs and the variables that select it.</summary>
/// <param name="Path">The SIMD path the job's process takes.</param>
/// <param name="Id">The job's name in the summary.</param>
/// <param name="Variables">The runtime switches set in the job's process.</param>
public sealed record SimdPathJob(SimdPath Path, string Id, IReadOnlyList<EnvironmentVariable> Variables)
{
    /// <summary>The BenchmarkDotNet job.</summary>
    public Job ToJob() => Job.Default.WithEnvironmentVariables([.. Variables]).WithId(Id);
}

/// <summary>
/// BenchmarkDotNet jobs for each SIMD path of the kernels that this CPU offers, so one run shows what each path buys:
/// AVX-512 (<c>DOTNET_EnableAVX512=1</c>, the default, set so that an inherited <c>=0</c> cannot turn it off), AVX2+FMA
/// (<c>DOTNET_EnableAVX512=0</c>), Vector128 (<c>DOTNET_EnableAVX2=0</c>, which also turns FMA off), NEON (no switch) and
/// scalar (<c>DOTNET_EnableHWIntrinsic=0</c>). Paths the CPU lacks get no job; <see cref="Omitted"/> says which. A suite
/// opts in with <c>[PathsConfig]</c>; <c>bdn --paths</c> applies it to every suite.
/// </summary>
public sealed class SimdPathsConfig : ManualConfig
{
    /// <summary>A config holding the jobs of the paths this CPU offers.</summary>
    public SimdPathsConfig() => AddJob([.. Jobs.Select(j => j.ToJob())]);

    /// <summary>Every path a job exists for, with its switches, widest first.</summary>
    public static IReadOnlyList<SimdPathJob> AllJobs { get; } =
    [
        new(SimdPath.Avx512, "AVX-512", [new("DOTNET_EnableAVX512", "1")]),
        new(SimdPath.Avx2Fma, "AVX2", [new("DOTNET_EnableAVX512", "0")]),
        new(SimdPath.Neon, "NEON", []),
        new(SimdPath.Vector128, "Vector128", [new("DOTNET_EnableAVX2", "0")]),
        new(SimdPath.Scalar, "Scalar", [new("DOTNET_EnableHWIntrinsic", "0")]),
    ];

    /// <summary>The jobs of the paths in <see cref="Simd.Available"/>.</summary>
    public static IReadOnlyList<SimdPathJob> Jobs => For(Simd.Available());

    /// <summary>One line per path left out because this CPU (or this process's switches) does not offer it.</summary>
    public static IReadOnlyList<string> Omitted => OmittedFrom(Simd.Available());

    /// <summary>The jobs of <paramref name="available"/>, in <see cref="AllJobs"/> order.</summary>
    public static IReadOnlyList<SimdPathJob> For(IReadOnlyList<SimdPath> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        return [.. AllJobs.Where(j => available.Contains(j.Path))];
    }

    /// <summary>The notes for the paths not in <paramref name="available"/>: NEON only on arm64, the x64 paths only on x64.</summary>
    public static IReadOnlyList<string> OmittedFrom(IReadOnlyList<SimdPath> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        bool arm = available.Contains(SimdPath.Neon);
        return [.. AllJobs.Where(j => !available.Contains(j.Path) && (j.Path == SimdPath.Neon) == arm)
            .Select(j => $"{j.Id} job omitted: this CPU (or this process's DOTNET_ switches) does not offer {Simd.Describe(j.Path)}")];
    }

    /// <summary>The config of <c>bdn</c>: BenchmarkDotNet's default, plus the path jobs when <paramref name="allPaths"/>.</summary>
    public static IConfig Create(bool allPaths)
    {
        // Parameter columns as wide as the longest kernel-catalog name, which BenchmarkDotNet would cut at 20 characters.
        var config = ManualConfig.Create(DefaultConfig.Instance).WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(48));
        return allPaths ? config.AddJob([.. Jobs.Select(j => j.ToJob())]) : config;
    }
}

/// <summary>Runs the benchmarks of a class (or of the assembly) once per SIMD path; see <see cref="SimdPathsConfig"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class PathsConfigAttribute : Attribute, IConfigSource
{
    /// <summary>The jobs of the paths this CPU offers.</summary>
    public IConfig Config { get; } = new SimdPathsConfig();
}
