using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>ln x: lane-wise <see cref="Reference.Unary.Log(double)"/> (see there for the algorithm and its error).</summary>
internal readonly struct LogOperator : IUnaryOperator
{
    public static bool Unroll => false;

    public static double Invoke(double x) => Reference.Unary.Log(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Invoke(Vector128<double> x)
    {
        // Fast path for the common vector of positive, normal, finite lanes; zero, negatives, subnormals, ∞ and NaN
        // (which fails both compares) take the slow path, which scales subnormals and substitutes the special results.
        var normal = Vector128.GreaterThanOrEqual(x, Vector128.Create(MinNormal)) & Vector128.LessThan(x, Vector128.Create(double.PositiveInfinity));
        if (Vector128.ExtractMostSignificantBits(normal) != 0b11u)
            return Slow(x);
        return Core(x, default, adjust: false);
    }

    // Inlined behind the caller's branch, not called, for the reason given at ExpOperator's Slow.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Slow(Vector128<double> x)
    {
        var subnormal = Vector128.LessThan(x, Vector128.Create(MinNormal));
        var xs = Vector128.ConditionalSelect(subnormal, x * Vector128.Create(TwoP52), x);
        var y = Core(xs, subnormal & Vector128.Create(-52.0), adjust: true);
        var zero = Vector128<double>.Zero;
        var special = Vector128.ConditionalSelect(Vector128.Equals(x, zero), Vector128.Create(double.NegativeInfinity),
            Vector128.ConditionalSelect(Vector128.LessThan(x, zero), Vector128.Create(double.NaN), x));
        var normal = Vector128.GreaterThan(x, zero) & Vector128.LessThan(x, Vector128.Create(double.PositiveInfinity));
        return Vector128.ConditionalSelect(normal, y, special);
    }

    /// <summary>
    /// ln of a positive, normal, finite <paramref name="xs"/>, plus <paramref name="eAdjust"/>·ln 2 when
    /// <paramref name="adjust"/> (a subnormal scaled by 2⁵²: −52). Without it the exponent is the same value as with an
    /// adjustment of +0 (an integer-valued difference is never −0), so both paths give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Core(Vector128<double> xs, Vector128<double> eAdjust, bool adjust)
    {
        var u = xs.AsInt64() + Vector128.Create(LogOffset);
        var e = (Vector128.ShiftRightLogical(u, 52) | Vector128.Create(TwoP52Bits)).AsDouble() - Vector128.Create(TwoP52PlusBias);
        if (adjust) e += eAdjust;
        var m = ((u & Vector128.Create(MantissaMask)) + Vector128.Create(SqrtHalfBits)).AsDouble();
        var f = m - Vector128.Create(1.0);
        var s = f / (Vector128.Create(2.0) + f);
        var z = s * s;
        var w = z * z;
        var r1 = w * Vector128.FusedMultiplyAdd(w, Vector128.FusedMultiplyAdd(w, Vector128.Create(Lg6), Vector128.Create(Lg4)), Vector128.Create(Lg2));
        var r2 = z * Vector128.FusedMultiplyAdd(w, Vector128.FusedMultiplyAdd(w, Vector128.FusedMultiplyAdd(w, Vector128.Create(Lg7), Vector128.Create(Lg5)), Vector128.Create(Lg3)), Vector128.Create(Lg1));
        var r = r2 + r1;
        var hfsq = Vector128.Create(0.5) * f * f;
        var lo = Vector128.FusedMultiplyAdd(s, hfsq + r, Vector128.FusedMultiplyAdd(e, Vector128.Create(Ln2Lo), -hfsq));
        var aa = e * Vector128.Create(Ln2Hi);
        var hi = aa + f;
        return hi + (((aa - hi) + f) + lo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke(Vector256<double> x)
    {
        // Fast path for the common vector of positive, normal, finite lanes; zero, negatives, subnormals, ∞ and NaN
        // (which fails both compares) take the slow path, which scales subnormals and substitutes the special results.
        var normal = Vector256.GreaterThanOrEqual(x, Vector256.Create(MinNormal)) & Vector256.LessThan(x, Vector256.Create(double.PositiveInfinity));
        if (Vector256.ExtractMostSignificantBits(normal) != 0b1111u)
            return Slow(x);
        return Core(x, default, adjust: false);
    }

    // Inlined behind the caller's branch, not called, for the reason given at ExpOperator's Slow.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Slow(Vector256<double> x)
    {
        var subnormal = Vector256.LessThan(x, Vector256.Create(MinNormal));
        var xs = Vector256.ConditionalSelect(subnormal, x * Vector256.Create(TwoP52), x);
        var y = Core(xs, subnormal & Vector256.Create(-52.0), adjust: true);
        var zero = Vector256<double>.Zero;
        var special = Vector256.ConditionalSelect(Vector256.Equals(x, zero), Vector256.Create(double.NegativeInfinity),
            Vector256.ConditionalSelect(Vector256.LessThan(x, zero), Vector256.Create(double.NaN), x));
        var normal = Vector256.GreaterThan(x, zero) & Vector256.LessThan(x, Vector256.Create(double.PositiveInfinity));
        return Vector256.ConditionalSelect(normal, y, special);
    }

    /// <summary>
    /// ln of a positive, normal, finite <paramref name="xs"/>, plus <paramref name="eAdjust"/>·ln 2 when
    /// <paramref name="adjust"/> (a subnormal scaled by 2⁵²: −52). Without it the exponent is the same value as with an
    /// adjustment of +0 (an integer-valued difference is never −0), so both paths give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Core(Vector256<double> xs, Vector256<double> eAdjust, bool adjust)
    {
        var u = xs.AsInt64() + Vector256.Create(LogOffset);
        var e = (Vector256.ShiftRightLogical(u, 52) | Vector256.Create(TwoP52Bits)).AsDouble() - Vector256.Create(TwoP52PlusBias);
        if (adjust) e += eAdjust;
        var m = ((u & Vector256.Create(MantissaMask)) + Vector256.Create(SqrtHalfBits)).AsDouble();
        var f = m - Vector256.Create(1.0);
        var s = f / (Vector256.Create(2.0) + f);
        var z = s * s;
        var w = z * z;
        var r1 = w * Vector256.FusedMultiplyAdd(w, Vector256.FusedMultiplyAdd(w, Vector256.Create(Lg6), Vector256.Create(Lg4)), Vector256.Create(Lg2));
        var r2 = z * Vector256.FusedMultiplyAdd(w, Vector256.FusedMultiplyAdd(w, Vector256.FusedMultiplyAdd(w, Vector256.Create(Lg7), Vector256.Create(Lg5)), Vector256.Create(Lg3)), Vector256.Create(Lg1));
        var r = r2 + r1;
        var hfsq = Vector256.Create(0.5) * f * f;
        var lo = Vector256.FusedMultiplyAdd(s, hfsq + r, Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Lo), -hfsq));
        var aa = e * Vector256.Create(Ln2Hi);
        var hi = aa + f;
        return hi + (((aa - hi) + f) + lo);
    }
}
