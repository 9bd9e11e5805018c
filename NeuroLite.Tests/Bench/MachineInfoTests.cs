using System.Text.Json;
using NeuroLite.Bench.Report;
using NeuroLite.Bench.Suites;
using NeuroLite.Kernels;

namespace NeuroLite.Tests.Bench;

public class MachineInfoTests
{
    [Test]
    public void Header_names_the_path_taken_every_path_offered_and_the_measured_peak()
    {
        var machine = MachineInfo.Detect();
        using var output = new StringWriter();
        var log = new ResultLog(output);
        machine.Print(log);
        string text = output.ToString();
        Assert.That(text, Does.Contain($"path taken: {Simd.Describe()}"));
        var offered = Simd.Available();
        Assert.That(offered, Does.Contain(Simd.Path), "the path taken is one the CPU offers");
        foreach (var path in offered) Assert.That(text, Does.Contain(Simd.Describe(path)), $"{path} is listed");
        Assert.That(text, Does.Contain(machine.Cpu));
        Assert.That(text, Does.Contain(machine.Peak.Instruction));

        string json = Path.Combine(Path.GetTempPath(), $"neurolite-header-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            log.WriteJson(json);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var header = doc.RootElement[0];
            Assert.That(header.GetProperty("simd_path").GetString(), Is.EqualTo(Simd.Describe()));
            Assert.That(header.GetProperty("simd_paths_available").GetString(), Is.EqualTo(string.Join(", ", offered.Select(Simd.Describe))));
            Assert.That(header.GetProperty("peak_gflops").GetDouble(), Is.EqualTo(machine.PeakGflops));
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Test]
    public void Peak_probe_returns_a_positive_finite_figure_at_the_gemm_width()
    {
        var peak = FmaPeak.Measure(runs: 2, runSeconds: 0.002);
        Assert.That(double.IsFinite(peak.Gflops) && peak.Gflops > 0, $"{peak.Gflops} GFLOP/s");
        Assert.That(peak.Chains, Is.EqualTo(12));
        int expected = Simd.Path switch
        {
            SimdPath.Avx512 => 512,
            SimdPath.Avx2Fma => 256,
            SimdPath.Neon or SimdPath.Vector128 => 128,
            _ => 64,
        };
        Assert.That(peak.Bits, Is.EqualTo(expected), $"path {Simd.Path}");
        Assert.That(peak.Fused, Is.EqualTo(Simd.Path is SimdPath.Avx512 or SimdPath.Avx2Fma or SimdPath.Neon));
    }

    [Test]
    public void Peak_probe_runs_on_every_path_the_process_offers()
    {
        foreach (var path in Simd.Available())
        {
            var peak = FmaPeak.Measure(path, runs: 1, runSeconds: 0.001);
            Assert.That(double.IsFinite(peak.Gflops) && peak.Gflops > 0, $"{path}: {peak.Gflops} GFLOP/s");
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => FmaPeak.Measure(runs: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FmaPeak.Measure(runSeconds: 0));
    }

    [Test]
    public void Cpu_model_and_numbers_come_from_the_first_processor_of_cpuinfo()
    {
        string[] x64 =
        [
            "processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25", "model\t\t: 17", "model name\t: AMD EPYC 9R14 96-Core Processor",
            "stepping\t: 1", "", "processor\t: 1", "cpu family\t: 99", "model\t\t: 98", "model name\t: Other",
        ];
        var (model, id) = MachineInfo.ParseCpuInfo(x64);
        Assert.That(model, Is.EqualTo("AMD EPYC 9R14 96-Core Processor"));
        Assert.That(id, Is.EqualTo("family 25, model 17, stepping 1"));
        Assert.That(MachineInfo.KeyOf(model, id), Is.EqualTo("AMD EPYC 9R14 96-Core Processor (family 25, model 17, stepping 1)"));

        string[] arm = ["processor\t: 0", "BogoMIPS\t: 243.75", "CPU implementer\t: 0x41", "CPU variant\t: 0x1", "CPU part\t: 0xd0c"];
        var (armModel, armId) = MachineInfo.ParseCpuInfo(arm);
        Assert.That(armId, Is.EqualTo("implementer 0x41, part 0xd0c, variant 0x1"));
        Assert.That(armModel, Does.EndWith("implementer 0x41 part 0xd0c variant 0x1"));

        var (none, noId) = MachineInfo.ParseCpuInfo([]);
        Assert.That(noId, Is.Empty);
        Assert.That(none, Is.Not.Empty, "the architecture stands in");
        Assert.That(MachineInfo.KeyOf(none, noId), Is.EqualTo(none));
    }

    [Test]
    public void Path_jobs_cover_the_offered_paths_and_name_the_missing_ones()
    {
        var x64WithoutAvx512 = new[] { SimdPath.Avx2Fma, SimdPath.Vector128, SimdPath.Scalar };
        var jobs = SimdPathsConfig.For(x64WithoutAvx512);
        Assert.That(jobs.Select(j => j.Id), Is.EqualTo(new[] { "AVX2", "Vector128", "Scalar" }));
        Assert.That(jobs[0].Variables.Select(v => (v.Key, v.Value)), Is.EqualTo(new[] { ("DOTNET_EnableAVX512", "0") }));
        Assert.That(jobs[1].Variables.Select(v => (v.Key, v.Value)), Is.EqualTo(new[] { ("DOTNET_EnableAVX2", "0") }));
        Assert.That(jobs[2].Variables.Select(v => (v.Key, v.Value)), Is.EqualTo(new[] { ("DOTNET_EnableHWIntrinsic", "0") }));
        var omitted = SimdPathsConfig.OmittedFrom(x64WithoutAvx512);
        Assert.That(omitted, Has.Count.EqualTo(1));
        Assert.That(omitted[0], Does.StartWith("AVX-512 job omitted"));

        var avx512 = new[] { SimdPath.Avx512, SimdPath.Avx2Fma, SimdPath.Vector128, SimdPath.Scalar };
        Assert.That(SimdPathsConfig.For(avx512).Select(j => j.Id), Is.EqualTo(new[] { "AVX-512", "AVX2", "Vector128", "Scalar" }));
        Assert.That(SimdPathsConfig.OmittedFrom(avx512), Is.Empty, "NEON is not missed on x64");

        var arm = new[] { SimdPath.Neon, SimdPath.Scalar };
        Assert.That(SimdPathsConfig.For(arm).Select(j => j.Id), Is.EqualTo(new[] { "NEON", "Scalar" }));
        Assert.That(SimdPathsConfig.OmittedFrom(arm), Is.Empty, "the x64 paths are not missed on arm64");

        Assert.That(SimdPathsConfig.Jobs.Select(j => j.Path), Is.EqualTo(SimdPathsConfig.AllJobs.Select(j => j.Path).Where(Simd.Available().Contains)));
    }

    [Test]
    public void Hardware_paths_come_from_the_cpu_flags()
    {
        Assert.That(MachineInfo.PathsFromFlags(" fpu sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16"),
            Is.EqualTo(new[] { SimdPath.Avx512, SimdPath.Avx2Fma, SimdPath.Vector128, SimdPath.Scalar }));
        Assert.That(MachineInfo.PathsFromFlags(" fpu sse2 avx avx2 fma"), Is.EqualTo(new[] { SimdPath.Avx2Fma, SimdPath.Vector128, SimdPath.Scalar }));
        Assert.That(MachineInfo.PathsFromFlags(" fp asimd evtstrm aes"), Is.EqualTo(new[] { SimdPath.Neon, SimdPath.Scalar }));
        Assert.That(MachineInfo.PathsFromFlags(" avx512f avx512bw sse2"), Is.EqualTo(new[] { SimdPath.Vector128, SimdPath.Scalar }), "AVX-512 needs its whole group and FMA");
        if (MachineInfo.HardwarePaths() is { } hardware)
            Assert.That(hardware, Is.SupersetOf(Simd.Available().Where(p => p != SimdPath.Neon || hardware.Contains(SimdPath.Neon))), "the process never offers more than the hardware has");
    }
}
