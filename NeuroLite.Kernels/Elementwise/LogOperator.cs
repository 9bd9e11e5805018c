using System.Runtime.CompilerServices;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>ln x: lane-wise <see cref="Reference.Unary.Log(double)"/> (see there for the algorithm and its error).</summary>
internal readonly struct LogOperator : IUnaryOperator
{
    public static bool Unroll => false;

    public static double Invoke(double x) => Reference.Unary.Log(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Invoke<TVec>(TVec x) where TVec : struct, ISimdVector<TVec>
    {
        // Fast path for the common vector of positive, normal, finite lanes; zero, negatives, subnormals, ∞ and NaN
        // (which fails both compares) take the slow path, which scales subnormals and substitutes the special results.
        var normal = TVec.GreaterThanOrEqual(x, TVec.Create(MinNormal)) & TVec.LessThan(x, TVec.Create(double.PositiveInfinity));
        if (!TVec.AllSet(normal))
            return Slow(x);
        return Core(x, default, adjust: false);
    }

    // A call, not inlined: written once over the width wrappers, the body of Core with its temporaries, twice (fast and
    // slow path), exceeded what the JIT inlines into one method, and the fast path's own step became a call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TVec Slow<TVec>(TVec x) where TVec : struct, ISimdVector<TVec>
    {
        var subnormal = TVec.LessThan(x, TVec.Create(MinNormal));
        var xs = TVec.ConditionalSelect(subnormal, x * TVec.Create(TwoP52), x);
        var y = Core(xs, subnormal & TVec.Create(-52.0), adjust: true);
        var zero = TVec.Zero;
        var special = TVec.ConditionalSelect(TVec.Equals(x, zero), TVec.Create(double.NegativeInfinity),
            TVec.ConditionalSelect(TVec.LessThan(x, zero), TVec.Create(double.NaN), x));
        var normal = TVec.GreaterThan(x, zero) & TVec.LessThan(x, TVec.Create(double.PositiveInfinity));
        return TVec.ConditionalSelect(normal, y, special);
    }

    /// <summary>
    /// ln of a positive, normal, finite <paramref name="xs"/>, plus <paramref name="eAdjust"/>·ln 2 when
    /// <paramref name="adjust"/> (a subnormal scaled by 2⁵²: −52). Without it the exponent is the same value as with an
    /// adjustment of +0 (an integer-valued difference is never −0), so both paths give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Core<TVec>(TVec xs, TVec eAdjust, bool adjust) where TVec : struct, ISimdVector<TVec>
    {
        var u = TVec.AddBits(xs, TVec.CreateBits(LogOffset));
        var e = (TVec.ShiftRightLogicalBits(u, 52) | TVec.CreateBits(TwoP52Bits)) - TVec.Create(TwoP52PlusBias);
        if (adjust) e += eAdjust;
        var m = TVec.AddBits(u & TVec.CreateBits(MantissaMask), TVec.CreateBits(SqrtHalfBits));
        var f = m - TVec.Create(1.0);
        var s = f / (TVec.Create(2.0) + f);
        var z = s * s;
        var w = z * z;
        var r1 = w * TVec.FusedMultiplyAdd(w, TVec.FusedMultiplyAdd(w, TVec.Create(Lg6), TVec.Create(Lg4)), TVec.Create(Lg2));
        var r2 = z * TVec.FusedMultiplyAdd(w, TVec.FusedMultiplyAdd(w, TVec.FusedMultiplyAdd(w, TVec.Create(Lg7), TVec.Create(Lg5)), TVec.Create(Lg3)), TVec.Create(Lg1));
        var r = r2 + r1;
        var hfsq = TVec.Create(0.5) * f * f;
        var lo = TVec.FusedMultiplyAdd(s, hfsq + r, TVec.FusedMultiplyAdd(e, TVec.Create(Ln2Lo), -hfsq));
        var aa = e * TVec.Create(Ln2Hi);
        var hi = aa + f;
        return hi + (((aa - hi) + f) + lo);
    }
}
