using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using NeuroLite.Kernels;

namespace NeuroLite.Tests;

/// <summary>
/// Each CI pass sets DOTNET_EnableAVX2 / DOTNET_EnableHWIntrinsic (or runs on arm64 under qemu) and, through
/// NEUROLITE_EXPECT_PATH, names the path it means to exercise; these tests fail if the process took another one.
/// </summary>
public class SimdPathTests
{
    [Test]
    public void Reports_the_path_this_pass_exercises()
    {
        TestContext.Out.WriteLine($"SIMD path: {Simd.Path} ({Simd.Describe()}), arch {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}");
        // The path taken is one the CPU and process offer, and the widest of them that the runtime accelerates.
        Assert.That(Simd.Available(), Does.Contain(Simd.Path));
        Assert.That(Simd.Path == SimdPath.Avx512, Is.EqualTo(Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported
            && Avx512CD.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported && Fma.IsSupported));
        Assert.That(Simd.Path == SimdPath.Scalar, Is.EqualTo(!Vector128.IsHardwareAccelerated));
    }

    [Test]
    public void Environment_switches_select_the_expected_path()
    {
        string? expected = Environment.GetEnvironmentVariable("NEUROLITE_EXPECT_PATH");
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
        {
            Assert.That(Vector128.IsHardwareAccelerated, Is.False);
            Assert.That(Simd.Path, Is.EqualTo(SimdPath.Scalar));
        }
        else if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.That(Vector512.IsHardwareAccelerated, Is.False);
            Assert.That(Simd.Path, Is.Not.EqualTo(SimdPath.Avx512));
        }
        else if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.That(Avx2.IsSupported, Is.False);
            Assert.That(Simd.Path, Is.Not.EqualTo(SimdPath.Avx2Fma));
        }
        if (expected is not null)
            Assert.That(Simd.Path.ToString(), Is.EqualTo(expected), "this CI pass meant to exercise another path");
        if (AdvSimd.Arm64.IsSupported && Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") != "0")
            Assert.That(Simd.Path, Is.EqualTo(SimdPath.Neon));
    }
}
