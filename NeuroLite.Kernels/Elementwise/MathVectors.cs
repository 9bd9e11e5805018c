using System.Runtime.CompilerServices;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>Vector building blocks of the exp operator.</summary>
internal static class MathVectors
{
    /// <summary>Lane-wise <c>Reference.Unary.ExpPoly</c>: e^(a - kf·ln2) ≈ 1 + r + rlo + r²·Q(r).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec ExpPoly<TVec>(TVec a, TVec kf) where TVec : struct, ISimdVector<TVec>
    {
        var hi = TVec.FusedMultiplyAdd(kf, TVec.Create(-Ln2Hi), a);
        var r = TVec.FusedMultiplyAdd(kf, TVec.Create(-Ln2Lo), hi);
        var rlo = TVec.FusedMultiplyAdd(kf, TVec.Create(-Ln2Lo), hi - r);
        var r2 = r * r;
        var r4 = r2 * r2;
        var q = ExpQ(r, r2, r4);
        var h = TVec.FusedMultiplyAdd(r2, q, rlo);
        var one = TVec.Create(1.0);
        var t1 = one + r;
        return t1 + (((one - t1) + r) + h);
    }

    /// <summary>Lane-wise <c>Reference.Unary.ExpQ</c>: Q(r) of e^r ≈ 1 + r + r²·Q(r), by Estrin's scheme.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec ExpQ<TVec>(TVec r, TVec r2, TVec r4) where TVec : struct, ISimdVector<TVec>
    {
        var q01 = TVec.FusedMultiplyAdd(TVec.Create(Q1), r, TVec.Create(Q0));
        var q23 = TVec.FusedMultiplyAdd(TVec.Create(Q3), r, TVec.Create(Q2));
        var q45 = TVec.FusedMultiplyAdd(TVec.Create(Q5), r, TVec.Create(Q4));
        var q67 = TVec.FusedMultiplyAdd(TVec.Create(Q7), r, TVec.Create(Q6));
        var q89 = TVec.FusedMultiplyAdd(TVec.Create(Q9), r, TVec.Create(Q8));
        var q03 = TVec.FusedMultiplyAdd(q23, r2, q01);
        var q47 = TVec.FusedMultiplyAdd(q67, r2, q45);
        var q07 = TVec.FusedMultiplyAdd(q47, r4, q03);
        return TVec.FusedMultiplyAdd(q89, r4 * r4, q07);
    }
}
