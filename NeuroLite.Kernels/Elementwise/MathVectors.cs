using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>Vector building blocks shared by the exp and tanh operators.</summary>
internal static class MathVectors
{
    /// <summary>Lane-wise <c>Reference.Unary.ExpReduced</c>: e^(a - kf·ln2) ≈ t1 + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> ExpReduced(Vector128<double> a, Vector128<double> kf, out Vector128<double> c)
    {
        var hi = Vector128.FusedMultiplyAdd(kf, Vector128.Create(-Ln2Hi), a);
        var t = kf * Vector128.Create(Ln2Lo);
        var r = hi - t;
        var rlo = (hi - r) - t;
        var q = Vector128.FusedMultiplyAdd(Vector128.Create(Q11), r, Vector128.Create(Q10));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q9));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q8));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q7));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q6));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q5));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q4));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q3));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q2));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q1));
        q = Vector128.FusedMultiplyAdd(q, r, Vector128.Create(Q0));
        var h = Vector128.FusedMultiplyAdd(r * r, q, rlo);
        var one = Vector128.Create(1.0);
        var t1 = one + r;
        c = ((one - t1) + r) + h;
        return t1;
    }

    /// <summary>Lane-wise <c>Reference.Unary.ExpReduced</c>: e^(a - kf·ln2) ≈ t1 + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ExpReduced(Vector256<double> a, Vector256<double> kf, out Vector256<double> c)
    {
        var hi = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-Ln2Hi), a);
        var t = kf * Vector256.Create(Ln2Lo);
        var r = hi - t;
        var rlo = (hi - r) - t;
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(Q11), r, Vector256.Create(Q10));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q9));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q8));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q7));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q6));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q5));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q4));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q3));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q2));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q1));
        q = Vector256.FusedMultiplyAdd(q, r, Vector256.Create(Q0));
        var h = Vector256.FusedMultiplyAdd(r * r, q, rlo);
        var one = Vector256.Create(1.0);
        var t1 = one + r;
        c = ((one - t1) + r) + h;
        return t1;
    }
}
