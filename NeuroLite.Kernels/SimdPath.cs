using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NeuroLite.Kernels;

/// <summary>The instruction-set path a kernel takes on this machine.</summary>
public enum SimdPath
{
    /// <summary>Plain scalar code: no hardware intrinsics (or <c>DOTNET_EnableHWIntrinsic=0</c>).</summary>
    Scalar,

    /// <summary>128-bit vectors on x86/x64 without AVX2+FMA (for example <c>DOTNET_EnableAVX2=0</c>).</summary>
    Vector128,

    /// <summary>128-bit NEON vectors on 64-bit ARM (<c>AdvSimd.Arm64</c>).</summary>
    Neon,

    /// <summary>256-bit AVX2 vectors with fused multiply-add.</summary>
    Avx2Fma,
}

/// <summary>Tells which SIMD path the kernels take on the current machine and process.</summary>
public static class Simd
{
    /// <summary>True when the 256-bit AVX2+FMA path is taken.</summary>
    public static bool UseAvx2Fma => Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>True when a 128-bit path is taken (NEON, or SSE when AVX2+FMA is unavailable).</summary>
    public static bool UseVector128 => !UseAvx2Fma && Vector128.IsHardwareAccelerated;

    /// <summary>The path the kernels take in this process, decided once by the JIT.</summary>
    public static SimdPath Path =>
        UseAvx2Fma ? SimdPath.Avx2Fma
        : AdvSimd.Arm64.IsSupported && Vector128.IsHardwareAccelerated ? SimdPath.Neon
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    /// <summary>A one-line description of <see cref="Path"/> for logs and benchmark headers.</summary>
    public static string Describe() => Path switch
    {
        SimdPath.Avx2Fma => "AVX2+FMA (Vector256)",
        SimdPath.Neon => "NEON (AdvSimd.Arm64, Vector128)",
        SimdPath.Vector128 => "Vector128 (SSE, no AVX2/FMA)",
        _ => "scalar",
    };
}
