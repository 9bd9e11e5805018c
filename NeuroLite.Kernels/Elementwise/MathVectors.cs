using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>Vector building blocks of the exp operator.</summary>
internal static class MathVectors
{
    /// <summary>
    /// c - a·b with one rounding, as <c>FusedMultiplyAdd(-a, b, c)</c> but without the separate negation the JIT
    /// emits for that (an xor on x64, an fneg on arm64): vfnmadd / fmls.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> NegatedMultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c)
    {
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.FusedMultiplySubtract(c, a, b);
        if (Fma.IsSupported) return Fma.MultiplyAddNegated(a, b, c);
        return Vector128.FusedMultiplyAdd(-a, b, c);
    }

    /// <summary>c - a·b with one rounding (vfnmadd; the 256-bit path only runs with FMA).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> NegatedMultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Fma.IsSupported ? Fma.MultiplyAddNegated(a, b, c) : Vector256.FusedMultiplyAdd(-a, b, c);

    /// <summary>Lane-wise <c>Reference.Unary.ExpPoly</c>: e^(a - kf·ln2) ≈ 1 + r + rlo + r²·Q(r).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> ExpPoly(Vector128<double> a, Vector128<double> kf)
    {
        var hi = Vector128.FusedMultiplyAdd(kf, Vector128.Create(-Ln2Hi), a);
        var r = Vector128.FusedMultiplyAdd(kf, Vector128.Create(-Ln2Lo), hi);
        var rlo = Vector128.FusedMultiplyAdd(kf, Vector128.Create(-Ln2Lo), hi - r);
        var r2 = r * r;
        var r4 = r2 * r2;
        var q = ExpQ(r, r2, r4);
        var h = Vector128.FusedMultiplyAdd(r2, q, rlo);
        var one = Vector128.Create(1.0);
        var t1 = one + r;
        return t1 + (((one - t1) + r) + h);
    }

    /// <summary>Lane-wise <c>Reference.Unary.ExpPoly</c>: e^(a - kf·ln2) ≈ 1 + r + rlo + r²·Q(r).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ExpPoly(Vector256<double> a, Vector256<double> kf)
    {
        var hi = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Hi), a);
        var r = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Lo), hi);
        var rlo = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Lo), hi - r);
        var r2 = r * r;
        var r4 = r2 * r2;
        var q = ExpQ(r, r2, r4);
        var h = Vector256.FusedMultiplyAdd(r2, q, rlo);
        var one = Vector256.Create(1.0);
        var t1 = one + r;
        return t1 + (((one - t1) + r) + h);
    }

    /// <summary>Lane-wise <c>Reference.Unary.ExpQ</c>: Q(r) of e^r ≈ 1 + r + r²·Q(r), by Estrin's scheme.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> ExpQ(Vector128<double> r, Vector128<double> r2, Vector128<double> r4)
    {
        var q01 = Vector128.FusedMultiplyAdd(Vector128.Create(Q1), r, Vector128.Create(Q0));
        var q23 = Vector128.FusedMultiplyAdd(Vector128.Create(Q3), r, Vector128.Create(Q2));
        var q45 = Vector128.FusedMultiplyAdd(Vector128.Create(Q5), r, Vector128.Create(Q4));
        var q67 = Vector128.FusedMultiplyAdd(Vector128.Create(Q7), r, Vector128.Create(Q6));
        var q89 = Vector128.FusedMultiplyAdd(Vector128.Create(Q9), r, Vector128.Create(Q8));
        var q03 = Vector128.FusedMultiplyAdd(q23, r2, q01);
        var q47 = Vector128.FusedMultiplyAdd(q67, r2, q45);
        var q07 = Vector128.FusedMultiplyAdd(q47, r4, q03);
        return Vector128.FusedMultiplyAdd(q89, r4 * r4, q07);
    }

    /// <summary>Lane-wise <c>Reference.Unary.ExpQ</c>: Q(r) of e^r ≈ 1 + r + r²·Q(r), by Estrin's scheme.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> ExpQ(Vector256<double> r, Vector256<double> r2, Vector256<double> r4)
    {
        var q01 = Vector256.FusedMultiplyAdd(Vector256.Create(Q1), r, Vector256.Create(Q0));
        var q23 = Vector256.FusedMultiplyAdd(Vector256.Create(Q3), r, Vector256.Create(Q2));
        var q45 = Vector256.FusedMultiplyAdd(Vector256.Create(Q5), r, Vector256.Create(Q4));
        var q67 = Vector256.FusedMultiplyAdd(Vector256.Create(Q7), r, Vector256.Create(Q6));
        var q89 = Vector256.FusedMultiplyAdd(Vector256.Create(Q9), r, Vector256.Create(Q8));
        var q03 = Vector256.FusedMultiplyAdd(q23, r2, q01);
        var q47 = Vector256.FusedMultiplyAdd(q67, r2, q45);
        var q07 = Vector256.FusedMultiplyAdd(q47, r4, q03);
        return Vector256.FusedMultiplyAdd(q89, r4 * r4, q07);
    }
}
