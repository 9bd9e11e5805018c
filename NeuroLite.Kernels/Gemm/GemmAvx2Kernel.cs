using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuroLite.Kernels;

/// <summary>
/// AVX2+FMA micro-kernel, 6×8 doubles: 12 ymm accumulators + 2 B vectors + 1 broadcast of A = 15 of the 16 ymm
/// registers. Per k step: 2 loads, 6 broadcasts (load-port ops on Zen 3, 3 ports) for 12 FMAs, so the two FMA pipes
/// stay the bottleneck. Blocking for Zen 3: a kc×8 B sliver (KC=256: 16 KiB) in the 32 KiB L1d, the MC×KC A block
/// (MC=144: 288 KiB) in the 512 KiB L2, the KC×NC B block in the shared L3.
/// </summary>
internal readonly unsafe struct GemmAvx2Kernel : IGemmMicroKernel
{
    public static int Mr => 6;
    public static int Nr => 8;
    public static int Mc => 144;
    public static int Kc => 256;
    public static int Nc => 4080;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, double* a, double* b, double* c, nint ldc, bool add)
    {
        // The C tile is only touched after the kc loop; start its 6 rows (up to 2 lines each) on their way now so the
        // final load-add-store does not wait on L2/L3 misses (C rows are a whole row of C apart).
        for (int r = 0; r < 6; r++)
        {
            Sse.Prefetch0(c + r * ldc);
            Sse.Prefetch0(c + r * ldc + 7);
        }
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<double> b0 = Avx.LoadAlignedVector256(b);
            Vector256<double> b1 = Avx.LoadAlignedVector256(b + 4);
            Vector256<double> x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00);
            c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x, b0, c10);
            c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(x, b0, c20);
            c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(x, b0, c30);
            c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(x, b0, c40);
            c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(x, b0, c50);
            c51 = Fma.MultiplyAdd(x, b1, c51);
            a += 6;
            b += 8;
        }
        Store(c, c00, c01, add);
        Store(c + ldc, c10, c11, add);
        Store(c + 2 * ldc, c20, c21, add);
        Store(c + 3 * ldc, c30, c31, add);
        Store(c + 4 * ldc, c40, c41, add);
        Store(c + 5 * ldc, c50, c51, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector256<double> lo, Vector256<double> hi, bool add)
    {
        if (add)
        {
            lo += Vector256.Load(c);
            hi += Vector256.Load(c + 4);
        }
        Vector256.Store(lo, c);
        Vector256.Store(hi, c + 4);
    }
}
