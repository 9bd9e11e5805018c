using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuroLite.Kernels;

/// <summary>
/// Vector128 micro-kernel, 4×4 doubles, for x64 without AVX2/FMA (SSE2): 8 xmm accumulators, a separate multiply
/// and add (Vector128.FusedMultiplyAdd would be emulated in software there), 12 of the 16 xmm registers.
/// </summary>
internal readonly unsafe struct GemmVector128Kernel : IGemmMicroKernel
{
    public static int Mr => 4;
    public static int Nr => 4;
    public static int Mc => 128;
    public static int Kc => 256;
    public static int Nc => 4096;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias)
    {
        Vector128<double> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<double> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<double> b0 = Vector128.Load(b);
            Vector128<double> b1 = Vector128.Load(b + 2);
            Vector128<double> x = Vector128.Create(a[0]);
            c00 += x * b0;
            c01 += x * b1;
            x = Vector128.Create(a[1]);
            c10 += x * b0;
            c11 += x * b1;
            x = Vector128.Create(a[2]);
            c20 += x * b0;
            c21 += x * b1;
            x = Vector128.Create(a[3]);
            c30 += x * b0;
            c31 += x * b1;
            a += 4;
            b += 4;
        }
        Store(c, c00, c01, add, bias);
        Store(c + ldc, c10, c11, add, bias);
        Store(c + 2 * ldc, c20, c21, add, bias);
        Store(c + 3 * ldc, c30, c31, add, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector128<double> lo, Vector128<double> hi, bool add, double* bias)
    {
        if (add)
        {
            lo += Vector128.Load(c);
            hi += Vector128.Load(c + 2);
        }
        if (bias != null)
        {
            lo += Vector128.Load(bias);
            hi += Vector128.Load(bias + 2);
        }
        Vector128.Store(lo, c);
        Vector128.Store(hi, c + 2);
    }
}

/// <summary>
/// Scalar micro-kernel, 4×4 doubles, for processes without hardware intrinsics: still packed and blocked, so the
/// memory traffic is the same as the SIMD paths and only the arithmetic is one element at a time.
/// </summary>
internal readonly unsafe struct GemmScalarKernel : IGemmMicroKernel
{
    public static int Mr => 4;
    public static int Nr => 4;
    public static int Mc => 128;
    public static int Kc => 256;
    public static int Nc => 4096;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias)
    {
        double c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        double c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            double b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            double x = a[0];
            c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3;
            x = a[1];
            c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3;
            x = a[2];
            c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3;
            x = a[3];
            c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3;
            a += 4;
            b += 4;
        }
        Store(c, c00, c01, c02, c03, add, bias);
        Store(c + ldc, c10, c11, c12, c13, add, bias);
        Store(c + 2 * ldc, c20, c21, c22, c23, add, bias);
        Store(c + 3 * ldc, c30, c31, c32, c33, add, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, double x0, double x1, double x2, double x3, bool add, double* bias)
    {
        if (add)
        {
            x0 += c[0]; x1 += c[1]; x2 += c[2]; x3 += c[3];
        }
        if (bias != null)
        {
            x0 += bias[0]; x1 += bias[1]; x2 += bias[2]; x3 += bias[3];
        }
        c[0] = x0; c[1] = x1; c[2] = x2; c[3] = x3;
    }
}
