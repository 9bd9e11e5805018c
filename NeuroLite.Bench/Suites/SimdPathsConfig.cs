using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace NeuroLite.Bench.Suites;

/// <summary>
/// BenchmarkDotNet jobs for each SIMD path of the kernels, so one run shows what each path buys: the native path
/// (AVX2+FMA on this machine), Vector128 (<c>DOTNET_EnableAVX2=0</c>, which also turns FMA off) and scalar
/// (<c>DOTNET_EnableHWIntrinsic=0</c>). A suite opts in with <c>[PathsConfig]</c>; <c>bdn --paths</c> applies it to every suite.
/// </summary>
public sealed class SimdPathsConfig : ManualConfig
{
    /// <summary>A config holding the three path jobs.</summary>
    public SimdPathsConfig() => AddJob([.. Jobs]);

    /// <summary>The jobs: "AVX2" (no variable set), "Vector128" and "Scalar".</summary>
    public static IReadOnlyList<Job> Jobs { get; } =
    [
        Job.Default.WithId("AVX2"),
        Job.Default.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX2", "0")).WithId("Vector128"),
        Job.Default.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableHWIntrinsic", "0")).WithId("Scalar"),
    ];

    /// <summary>The config of <c>bdn</c>: BenchmarkDotNet's default, plus the path jobs when <paramref name="allPaths"/>.</summary>
    public static IConfig Create(bool allPaths) =>
        allPaths ? ManualConfig.Create(DefaultConfig.Instance).AddJob([.. Jobs]) : DefaultConfig.Instance;
}

/// <summary>Runs the benchmarks of a class (or of the assembly) once per SIMD path; see <see cref="SimdPathsConfig"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class PathsConfigAttribute : Attribute, IConfigSource
{
    /// <summary>The three path jobs.</summary>
    public IConfig Config { get; } = new SimdPathsConfig();
}
