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
        Guard.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Tanh(x[i]);
    }

    /// <summary>y[i] = max(x[i], 0); NaN stays NaN.</summary>
    public static void Relu(ReadOnlySpan<double> x, Span<double> y)
    {
        Guard.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Relu(x[i]);
    }

    /// <summary>y[i] = e^x[i].</summary>
    public static void Exp(ReadOnlySpan<double> x, Span<double> y)
    {
        Guard.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Exp(x[i]);
    }

    /// <summary>y[i] = ln x[i].</summary>
    public static void Log(ReadOnlySpan<double> x, Span<double> y)
    {
        Guard.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Log(x[i]);
    }

    /// <summary>Backward of tanh from its output: dx[i] = (1 - t[i]·t[i])·g[i], or dx[i] += that when <paramref name="accumulate"/>.</summary>
    public static void TanhBackward(ReadOnlySpan<double> t, ReadOnlySpan<double> g, Span<double> dx, bool accumulate = false)
    {
        Guard.SameLength(t, dx);
        Guard.SameLength(g, dx);
        for (int i = 0; i < t.Length; i++)
        {
            double d = (1.0 - t[i] * t[i]) * g[i];
            dx[i] = accumulate ? dx[i] + d : d;
        }
    }

    /// <summary>Backward of ReLU from its input: dx[i] = x[i] &gt; 0 ? g[i] : 0, or dx[i] += that when <paramref name="accumulate"/>.</summary>
    public static void ReluBackward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, bool accumulate = false)
    {
        Guard.SameLength(x, dx);
        Guard.SameLength(g, dx);
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] > 0 ? g[i] : 0.0;
            dx[i] = accumulate ? dx[i] + d : d;
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
    /// tanh x, under 1 ULP (about 0.6 measured): with a = 2|x| and E - 1 = expm1(a) = N carried as N = nHi + nLo,
    /// tanh|x| = N / (N + 2). N is exact up to the small rounding of the exp polynomial: 2^k·t1 - 1 is exact for
    /// k ≤ 52, 2^k·c is exact. D = N + 2 is formed exactly (TwoSum), and the quotient is one division refined by
    /// an exact FMA residual (N - y0·D), so the result carries a single final rounding. The same formula serves
    /// all x: tiny and subnormal x give N ≈ a, D ≈ 2, y = a/2 = |x| exactly; large |x| is clamped (result 1).
    /// Sign restored by copying x's sign bit (so ±0 and ±subnormals keep it); NaN gives NaN; ±∞ gives ±1.
    /// Branch-free, so inputs of any magnitude cost the same.
    /// </summary>
    public static double Tanh(double x)
    {
        double ax = Math.Abs(x);
        double a = Math.Min(ax + ax, TanhMaxArg);
        double kd = Math.FusedMultiplyAdd(a, Log2E, Shifter);
        double kf = kd - Shifter;
        double t1 = ExpReduced(a, kf, out double c);
        double scale = BitConverter.Int64BitsToDouble((BitConverter.DoubleToInt64Bits(kd) + 1023) << 52); // 2^k, k in [0, 58]
        double nA = Math.FusedMultiplyAdd(scale, t1, -1.0);
        double nB = scale * c;
        double nHi = nA + nB;
        double nLo = nB - (nHi - nA);            // Fast2Sum: |nA| ≥ |nB| or nA = 0
        double dHi = nHi + 2.0;
        double bb = dHi - nHi;                   // TwoSum(nHi, 2)
        double dLo = ((nHi - (dHi - bb)) + (2.0 - bb)) + nLo;
        double inv = 1.0 / dHi;
        double y0 = nHi * inv;
        double res = Math.FusedMultiplyAdd(-y0, dHi, nHi) + nLo;
        res = Math.FusedMultiplyAdd(-y0, dLo, res);
        double y = Math.FusedMultiplyAdd(res, inv, y0);
        y = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(y) | (BitConverter.DoubleToInt64Bits(x) & SignMask));
        return double.IsNaN(x) ? x : y;
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

    /// <summary>e^(a - kf·ln2) ≈ t1 + c with t1 = 1 + r rounded and c the small rest; shared by exp and tanh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ExpReduced(double a, double kf, out double c)
    {
        double hi = Math.FusedMultiplyAdd(kf, -Ln2Hi, a);
        double t = kf * Ln2Lo;
        double r = hi - t;
        double rlo = (hi - r) - t;
        // Estrin's scheme: the same polynomial as Horner's with a 4-FMA-deep critical path instead of 11, which lets
        // consecutive vectors overlap; its rounding differs from Horner's by far less than the 0.04 ULP budget.
        double r2 = r * r;
        double r4 = r2 * r2;
        double q = ExpQ(r, r2, r4);
        double h = Math.FusedMultiplyAdd(r2, q, rlo);
        double t1 = 1.0 + r;
        c = ((1.0 - t1) + r) + h;
        return t1;
    }

    /// <summary>Q(r) of e^r ≈ 1 + r + r²·Q(r), by Estrin's scheme; shared by <see cref="ExpPoly"/> and <see cref="ExpReduced"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ExpQ(double r, double r2, double r4)
    {
        double q01 = Math.FusedMultiplyAdd(Q1, r, Q0);
        double q23 = Math.FusedMultiplyAdd(Q3, r, Q2);
        double q45 = Math.FusedMultiplyAdd(Q5, r, Q4);
        double q67 = Math.FusedMultiplyAdd(Q7, r, Q6);
        double q89 = Math.FusedMultiplyAdd(Q9, r, Q8);
        double qAB = Math.FusedMultiplyAdd(Q11, r, Q10);
        double q03 = Math.FusedMultiplyAdd(q23, r2, q01);
        double q47 = Math.FusedMultiplyAdd(q67, r2, q45);
        double q8B = Math.FusedMultiplyAdd(qAB, r2, q89);
        double q07 = Math.FusedMultiplyAdd(q47, r4, q03);
        return Math.FusedMultiplyAdd(q8B, r4 * r4, q07);
    }
}
