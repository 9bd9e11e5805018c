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

    /// <summary>
    /// 256-bit AVX2 vectors with fused multiply-add: AVX2-only CPUs, and AVX-512 CPUs run with
    /// <c>DOTNET_EnableAVX512=0</c> or <c>DOTNET_PreferredVectorBitWidth=256</c>.
    /// </summary>
    Avx2Fma,

    /// <summary>
    /// 512-bit AVX-512 vectors (F, BW, CD, DQ and VL), when the runtime accelerates <see cref="Vector512{T}"/>.
    /// </summary>
    Avx512,
}

/// <summary>
/// The one place that decides which SIMD path the kernels take. Every property is a JIT-time constant, so the
/// branches of the paths not taken are removed from the compiled kernels.
/// </summary>
public static class Simd
{
    /// <summary>True when the 512-bit AVX-512 path is taken.</summary>
    public static bool UseAvx512 =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported
        && Avx512DQ.IsSupported && Avx512F.VL.IsSupported && Fma.IsSupported;

    /// <summary>
    /// True when 256-bit AVX2+FMA vectors are available: on the <see cref="SimdPath.Avx2Fma"/> path, and also on the
    /// <see cref="SimdPath.Avx512"/> path, where kernels without 512-bit code run their 256-bit loops.
    /// </summary>
    public static bool UseAvx2Fma => Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>True when a 128-bit path is taken (NEON, or SSE when AVX2+FMA is unavailable).</summary>
    public static bool UseVector128 => !UseAvx2Fma && Vector128.IsHardwareAccelerated;

    /// <summary>True on 64-bit ARM with NEON.</summary>
    public static bool UseNeon => !UseAvx2Fma && AdvSimd.Arm64.IsSupported && Vector128.IsHardwareAccelerated;

    /// <summary>The path the kernels take in this process, decided once by the JIT.</summary>
    public static SimdPath Path =>
        UseAvx512 ? SimdPath.Avx512
        : UseAvx2Fma ? SimdPath.Avx2Fma
        : UseNeon ? SimdPath.Neon
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    /// <summary>Every path this CPU and process could take, widest first (the taken one is <see cref="Path"/>).</summary>
    public static IReadOnlyList<SimdPath> Available()
    {
        var paths = new List<SimdPath>();
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported)
            paths.Add(SimdPath.Avx512);
        if (Avx2.IsSupported && Fma.IsSupported)
            paths.Add(SimdPath.Avx2Fma);
        if (AdvSimd.Arm64.IsSupported)
            paths.Add(SimdPath.Neon);
        if (Sse2.IsSupported)
            paths.Add(SimdPath.Vector128);
        paths.Add(SimdPath.Scalar);
        return paths;
    }

    /// <summary>A one-line description of <see cref="Path"/> for logs and benchmark headers.</summary>
    public static string Describe() => Describe(Path);

    /// <summary>A one-line description of a path.</summary>
    public static string Describe(SimdPath path) => path switch
    {
        SimdPath.Avx512 => "AVX-512 (Vector512)",
        SimdPath.Avx2Fma => "AVX2+FMA (Vector256)",
        SimdPath.Neon => "NEON (AdvSimd.Arm64, Vector128)",
        SimdPath.Vector128 => "Vector128 (SSE, no AVX2/FMA)",
        _ => "scalar",
    };
}
