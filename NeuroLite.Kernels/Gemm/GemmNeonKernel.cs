using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace NeuroLite.Kernels;

/// <summary>
/// NEON micro-kernel, 8×4 doubles: 16 q-register accumulators (2 per row), 2 B vectors and 4 A vectors per k step,
/// each FMA taking its A factor from a lane (FMLA by element), 22 of the 32 q registers. Blocking assumes a typical
/// 64 KiB L1d / ≥ 512 KiB L2 arm64 core.
/// </summary>
internal readonly unsafe struct GemmNeonKernel : IGemmMicroKernel
{
    public static int Mr => 8;
    public static int Nr => 4;
    public static int Mc => 128;
    public static int Kc => 256;
    public static int Nc => 4096;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias)
    {
        Vector128<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector128<double> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<double> b0 = AdvSimd.LoadVector128(b);
            Vector128<double> b1 = AdvSimd.LoadVector128(b + 2);
            Vector128<double> a01 = AdvSimd.LoadVector128(a);
            Vector128<double> a23 = AdvSimd.LoadVector128(a + 2);
            Vector128<double> a45 = AdvSimd.LoadVector128(a + 4);
            Vector128<double> a67 = AdvSimd.LoadVector128(a + 6);
            c00 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c00, b0, a01, 0);
            c01 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c01, b1, a01, 0);
            c10 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c10, b0, a01, 1);
            c11 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c11, b1, a01, 1);
            c20 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c20, b0, a23, 0);
            c21 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c21, b1, a23, 0);
            c30 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c30, b0, a23, 1);
            c31 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c31, b1, a23, 1);
            c40 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c40, b0, a45, 0);
            c41 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c41, b1, a45, 0);
            c50 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c50, b0, a45, 1);
            c51 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c51, b1, a45, 1);
            c60 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c60, b0, a67, 0);
            c61 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c61, b1, a67, 0);
            c70 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c70, b0, a67, 1);
            c71 = AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c71, b1, a67, 1);
            a += 8;
            b += 4;
        }
        Store(c, c00, c01, add, bias);
        Store(c + ldc, c10, c11, add, bias);
        Store(c + 2 * ldc, c20, c21, add, bias);
        Store(c + 3 * ldc, c30, c31, add, bias);
        Store(c + 4 * ldc, c40, c41, add, bias);
        Store(c + 5 * ldc, c50, c51, add, bias);
        Store(c + 6 * ldc, c60, c61, add, bias);
        Store(c + 7 * ldc, c70, c71, add, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector128<double> lo, Vector128<double> hi, bool add, double* bias)
    {
        if (add)
        {
            lo = AdvSimd.Arm64.Add(lo, AdvSimd.LoadVector128(c));
            hi = AdvSimd.Arm64.Add(hi, AdvSimd.LoadVector128(c + 2));
        }
        if (bias != null)
        {
            lo = AdvSimd.Arm64.Add(lo, AdvSimd.LoadVector128(bias));
            hi = AdvSimd.Arm64.Add(hi, AdvSimd.LoadVector128(bias + 2));
        }
        AdvSimd.Store(c, lo);
        AdvSimd.Store(c + 2, hi);
    }
}
