using System.Runtime.CompilerServices;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Reference;

/// <summary>
/// Scalar reference of <see cref="NeuroLite.Kernels.Unary"/>: same names, same parameters, one element at a time.
/// The scalar <see cref="Tanh(double)"/>, <see cref="Exp(double)"/> and <see cref="Log(double)"/> are the exact
/// algorithms the SIMD kernels run, written with scalar doubles and <see cref="Math.FusedMultiplyAdd"/>; every SIMD
/// path performs the same IEEE operations per lane (with hardware FMA where the scalar code has an FMA), so the
/// kernels equal these references bit for bit. <see cref="Math"/>'s functions are the accuracy oracle, not the reference.
/// </summary>
/// <remarks>
/// Design note on FMA: on x64 with AVX2 disabled there is no FMA instruction; there the 128-bit kernels still use
/// <c>Vector128.FusedMultiplyAdd</c>, which .NET emulates exactly (slower, but bitwise equal). The accuracy
/// arguments below rely on exact FMA residuals (the division correction in tanh), so a non-fused variant would need
/// its own error analysis; correctness over speed on that fallback path.
/// </remarks>
public static class Unary
{
    /// <summary>y[i] = tanh(x[i]).</summary>
    public static void Tanh(ReadOnlySpan<double> x, Span<double> y)
    {
        Validate.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Tanh(x[i]);
    }

    /// <summary>y[i] = max(x[i], 0); NaN stays NaN.</summary>
    public static void Relu(ReadOnlySpan<double> x, Span<double> y)
    {
        Validate.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Relu(x[i]);
    }

    /// <summary>y[i] = e^x[i].</summary>
    public static void Exp(ReadOnlySpan<double> x, Span<double> y)
    {
        Validate.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Exp(x[i]);
    }

    /// <summary>y[i] = ln x[i].</summary>
    public static void Log(ReadOnlySpan<double> x, Span<double> y)
    {
        Validate.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Log(x[i]);
    }

    /// <summary>
    /// Backward of tanh from its output: dx[i] = (1 - t[i]·t[i])·g[i], or dx[i] += that when <paramref name="accumulate"/>.
    /// Without <paramref name="accumulate"/> the result is bitwise what accumulating into a zeroed dx gives (0 + d, so
    /// a −0 product is written as +0): a gradient's first writer can overwrite it instead of clearing it first.
    /// </summary>
    public static void TanhBackward(ReadOnlySpan<double> t, ReadOnlySpan<double> g, Span<double> dx, bool accumulate = false)
    {
        Validate.SameLength(t, dx);
        Validate.SameLength(g, dx);
        for (int i = 0; i < t.Length; i++)
        {
            double d = (1.0 - t[i] * t[i]) * g[i];
            dx[i] = accumulate ? dx[i] + d : 0.0 + d;
        }
    }

    /// <summary>
    /// Backward of ReLU from its input: dx[i] = x[i] &gt; 0 ? g[i] : 0, or dx[i] += that when <paramref name="accumulate"/>.
    /// Without <paramref name="accumulate"/> the result is bitwise what accumulating into a zeroed dx gives (a g[i] of
    /// −0 is written as +0).
    /// </summary>
    public static void ReluBackward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, bool accumulate = false)
    {
        Validate.SameLength(x, dx);
        Validate.SameLength(g, dx);
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] > 0 ? g[i] : 0.0;
            dx[i] = accumulate ? dx[i] + d : 0.0 + d;
        }
    }

    /// <summary>max(x, 0); NaN stays NaN, -0 gives +0.</summary>
    public static double Relu(double x) => x > 0 ? x : (double.IsNaN(x) ? x : 0.0);

    /// <summary>
    /// e^x, under 0.6 ULP (table-free, as AOCL-LibM / TensorPrimitives): k = round(x/ln2) by the 1.5·2^52 shifter,
    /// r + rlo = x - k·ln2 by FMAs (Cody-Waite; the first is exact), e^r = (1 + r) + (tail of 1 + r, rlo, r²·Q(r))
    /// with Q evaluated by Estrin's scheme, so only the last addition rounds at full size. For
    /// |x| ≤ 708 (<c>ExpFastMax</c>) the result is normal and 2^k is added into the exponent bits;
    /// beyond, x is clamped and the scale is 2^⌊k/2⌋·2^⌈k/2⌉ (one final rounding into the subnormals, overflow gives
    /// +∞). Both scalings are exact in the fast range, so the vector code may take either per vector.
    /// </summary>
    public static double Exp(double x)
    {
        if (Math.Abs(x) <= ExpFastMax)
        {
            double kd = Math.FusedMultiplyAdd(x, Log2E, Shifter);
            double p = ExpPoly(x, kd - Shifter);
            return BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(p) + (BitConverter.DoubleToInt64Bits(kd) << 52));
        }

        return ExpSlow(x);
    }

    private static double ExpSlow(double x)
    {
        double xc = Math.Min(Math.Max(x, ExpMin), ExpMax);
        double kd = Math.FusedMultiplyAdd(xc, Log2E, Shifter);
        double p = ExpPoly(xc, kd - Shifter);
        long u = BitConverter.DoubleToInt64Bits(kd) + (2048 - ShifterBits); // k + 2048 > 0
        long half = (long)((ulong)u >> 1);                                  // ⌊k/2⌋ + 1024
        double s1 = BitConverter.Int64BitsToDouble((half - 1) << 52);      // 2^⌊k/2⌋
        double s2 = BitConverter.Int64BitsToDouble((u - half - 1) << 52);  // 2^⌈k/2⌉
        double y = p * s1 * s2;
        return double.IsNaN(x) ? x : y;
    }

    /// <summary>e^(a - kf·ln2) ≈ 1 + r + rlo + r²·Q(r), rounded once at the end; the exp kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ExpPoly(double a, double kf)
    {
        double hi = Math.FusedMultiplyAdd(kf, -Ln2Hi, a);
        double r = Math.FusedMultiplyAdd(kf, -Ln2Lo, hi);
        double rlo = Math.FusedMultiplyAdd(kf, -Ln2Lo, hi - r); // what rounding r lost: worth up to 0.125 ULP
        double r2 = r * r;
        double r4 = r2 * r2;
        double q = ExpQ(r, r2, r4);
        double h = Math.FusedMultiplyAdd(r2, q, rlo);
        double t1 = 1.0 + r;
        return t1 + (((1.0 - t1) + r) + h); // Fast2Sum(1, r): only this last addition rounds at full size
    }

    /// <summary>
    /// tanh x, under 1 ULP: 0.55 measured below |x| = 18, 0.74 in [18, 19.1] where k is capped (47 of the 20,058
    /// hard points are not correctly rounded). |x| = k·ln2/2 + w with |w| ≤ 0.1834 (k capped at 52, |x| clamped to
    /// 19.1 where tanh rounds to 1; Cody-Waite, w + wl exact to 2^-100); tanh w = w + c, c = w³·P(w²) + wl (P
    /// minimax, 6 coefficients, Estrin), w and c never rounded into one double. With S = 2^k and T = tanh(k·ln2/2)
    /// = (S - 1)/(S + 1), the addition formula gives
    /// tanh|x| = (T + tanh w)/(1 + T·tanh w) = N/D, N = (S - 1) + (S + 1)(w + c), D = (S + 1) + (S - 1)(w + c).
    /// S ± 1 are exact; N = nh + nl and D = dh + dl each as one FMA in w plus its exact rounding error (Sterbenz:
    /// see TanhKBias) plus the c term (up to 1% of them). The quotient: inv = 1/(dh + (S - 1)c) to 2^-52, y0 = nh·inv
    /// (1% off), then one exact-residual step y = y0 + (N - y0·D)·inv, whose error is (1%)·2^-52. So the result
    /// carries one final rounding plus a few hundredths of an ULP (for |x| in [18, 19.1], where the capped k leaves
    /// w up to 1.08, c is up to 16% of the terms and that step costs up to 0.25 ULP). k = 0 gives (2w + 2c)/2 = w + c rounded once, so
    /// tiny and subnormal x return x itself. Sign restored by copying x's sign bit (±0 and ±subnormals keep it);
    /// NaN gives NaN (no select: Math.Min and the vector MinNative(constant, v) both return the NaN, which reaches
    /// the numerator); ±∞ gives ±1. 39 vector operations, one of them a division.
    /// </summary>
    /// <param name="x">The argument.</param>
    public static double Tanh(double x)
    {
        double ax = Math.Abs(x);
        double m = Math.Min(TanhMaxArg, ax);
        double kd = Math.Min(TanhKCap, Math.FusedMultiplyAdd(ax - TanhKBias, TwoLog2E, TanhShifter));
        double kf = kd - TanhShifter;
        double wh = Math.FusedMultiplyAdd(kf, -HalfLn2Hi, m);     // exact (Cody-Waite)
        double w = Math.FusedMultiplyAdd(kf, -HalfLn2Lo, wh);
        double wl = Math.FusedMultiplyAdd(kf, -HalfLn2Lo, wh - w); // what rounding w lost (wh - w is exact)
        double z = w * w;
        double z2 = z * z;
        double p = Math.FusedMultiplyAdd(
            Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(TanhP5, z, TanhP4), z2, Math.FusedMultiplyAdd(TanhP3, z, TanhP2)),
            z2, Math.FusedMultiplyAdd(TanhP1, z, TanhP0));
        double c = Math.FusedMultiplyAdd(w * z, p, wl);           // tanh w = w + c
        double s = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(kd) << 52); // 2^k, k in [0, 52]
        double sm = s - 1.0;
        double sp = s + 1.0;
        double nh = Math.FusedMultiplyAdd(sp, w, sm);
        double nl = Math.FusedMultiplyAdd(sp, c, Math.FusedMultiplyAdd(sp, w, sm - nh));
        double dh = Math.FusedMultiplyAdd(sm, w, sp);
        double dl = Math.FusedMultiplyAdd(sm, c, Math.FusedMultiplyAdd(sm, w, sp - dh));
        double inv = 1.0 / Math.FusedMultiplyAdd(sm, c, dh);
        double y0 = nh * inv;
        double res = Math.FusedMultiplyAdd(-y0, dh, nh) + Math.FusedMultiplyAdd(-y0, dl, nl);
        double y = Math.FusedMultiplyAdd(res, inv, y0);
        return BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(y) | (BitConverter.DoubleToInt64Bits(x) & SignMask));
    }

    /// <summary>
    /// ln x, about 0.7 ULP: fdlibm's reduction x = 2^e·(1 + f), log(1+f) = f - hfsq + s·(hfsq + R(s²)) with
    /// s = f/(2+f), summed as a double-double with e·ln2 so only the last addition rounds at full size. Subnormal x
    /// is scaled by 2^52 first; ln 0 = -∞, ln(x &lt; 0) = NaN, ln +∞ = +∞, NaN gives NaN.
    /// </summary>
    public static double Log(double x)
    {
        bool subnormal = x < MinNormal;
        double xs = subnormal ? x * TwoP52 : x;
        double eAdjust = subnormal ? -52.0 : 0.0;
        long u = BitConverter.DoubleToInt64Bits(xs) + LogOffset;
        double e = BitConverter.Int64BitsToDouble((long)((ulong)u >> 52) | TwoP52Bits) - TwoP52PlusBias + eAdjust;
        double m = BitConverter.Int64BitsToDouble((u & MantissaMask) + SqrtHalfBits);
        double f = m - 1.0;
        double s = f / (2.0 + f);
        double z = s * s;
        double w = z * z;
        double r1 = w * Math.FusedMultiplyAdd(w, Math.FusedMultiplyAdd(w, Lg6, Lg4), Lg2);
        double r2 = z * Math.FusedMultiplyAdd(w, Math.FusedMultiplyAdd(w, Math.FusedMultiplyAdd(w, Lg7, Lg5), Lg3), Lg1);
        double r = r2 + r1;
        double hfsq = 0.5 * f * f;
        double lo = Math.FusedMultiplyAdd(s, hfsq + r, Math.FusedMultiplyAdd(e, Ln2Lo, -hfsq));
        double aa = e * Ln2Hi;                   // exact
        double hi = aa + f;
        double y = hi + (((aa - hi) + f) + lo);  // Fast2Sum: |aa| ≥ |f| or aa = 0
        if (x > 0 && x < double.PositiveInfinity) return y;
        return x == 0 ? double.NegativeInfinity : (x < 0 ? double.NaN : x);
    }

    /// <summary>Q(r) of e^r ≈ 1 + r + r²·Q(r), by Estrin's scheme; the exp polynomial of <see cref="ExpPoly"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ExpQ(double r, double r2, double r4)
    {
        double q01 = Math.FusedMultiplyAdd(Q1, r, Q0);
        double q23 = Math.FusedMultiplyAdd(Q3, r, Q2);
        double q45 = Math.FusedMultiplyAdd(Q5, r, Q4);
        double q67 = Math.FusedMultiplyAdd(Q7, r, Q6);
        double q89 = Math.FusedMultiplyAdd(Q9, r, Q8);
        double q03 = Math.FusedMultiplyAdd(q23, r2, q01);
        double q47 = Math.FusedMultiplyAdd(q67, r2, q45);
        double q07 = Math.FusedMultiplyAdd(q47, r4, q03);
        return Math.FusedMultiplyAdd(q89, r4 * r4, q07);
    }
}
