namespace NeuroLite.Kernels.Elementwise;

/// <summary>Constants of the exp / tanh / log algorithms, shared by the scalar references and the vector operators.</summary>
internal static class MathConstants
{
    /// <summary>1.5·2^52: x·log2(e) + Shifter rounds to the nearest integer k, held in the low mantissa bits.</summary>
    public const double Shifter = 6755399441055744.0;
    public const long ShifterBits = 0x4338000000000000;
    public const double Log2E = 1.4426950408889634;

    // fdlibm's split of ln 2: Ln2Hi has 32 significant bits, so k·Ln2Hi is exact for |k| < 2^21 and x - k·Ln2Hi is
    // exact (one FMA, no rounding); Ln2Lo carries the next 53 bits.
    public const double Ln2Hi = 6.93147180369123816490e-01;
    public const double Ln2Lo = 1.90821492927058770002e-10;

    // e^r = 1 + r + r²·Q(r) on |r| ≤ ln2/2 with Q(r) = Σ r^n/(n+2)!, n = 0..11: the Taylor remainder r^12/14! ≈ 3.5e-17
    // of Q is 4e-18 of e^r, under 0.04 ULP, so Taylor coefficients are enough (no minimax fit needed).
    public const double Q0 = 1.0 / 2;
    public const double Q1 = 1.0 / 6;
    public const double Q2 = 1.0 / 24;
    public const double Q3 = 1.0 / 120;
    public const double Q4 = 1.0 / 720;
    public const double Q5 = 1.0 / 5040;
    public const double Q6 = 1.0 / 40320;
    public const double Q7 = 1.0 / 362880;
    public const double Q8 = 1.0 / 3628800;
    public const double Q9 = 1.0 / 39916800;
    public const double Q10 = 1.0 / 479001600;
    public const double Q11 = 1.0 / 6227020800;

    /// <summary>exp clamps its argument to [ExpMin, ExpMax]: beyond, the result is 0 or +∞ anyway and k stays in range.</summary>
    public const double ExpMin = -746.0;
    public const double ExpMax = 710.0;

    /// <summary>For |x| ≤ this, e^x is normal and 2^k (|k| ≤ 1021) can be added straight into the exponent bits.</summary>
    public const double ExpFastMax = 708.0;

    /// <summary>tanh clamps 2|x| here: tanh(20) rounds to 1, and k ≤ 58 keeps 2^k·t - 1 and the scale in range.</summary>
    public const double TanhMaxArg = 40.0;

    public const long SignMask = unchecked((long)0x8000000000000000);

    // log: x = 2^e·m with m in [√2/2, √2); adding (1.0 - √2/2) to the bit pattern carries into the exponent exactly
    // when the mantissa is ≥ √2 (musl / fdlibm's trick, on all 64 bits).
    public const long SqrtHalfBits = 0x3FE6A09E667F3BCD;
    public const long LogOffset = 0x3FF0000000000000 - SqrtHalfBits;
    public const long MantissaMask = 0x000FFFFFFFFFFFFF;
    public const long TwoP52Bits = 0x4330000000000000;
    public const double TwoP52PlusBias = 4503599627370496.0 + 1023.0;
    public const double MinNormal = 2.2250738585072014E-308;
    public const double TwoP52 = 4503599627370496.0;

    // fdlibm e_log.c: log(1+f) = f - hfsq + s·(hfsq + R(s²)), s = f/(2+f), |R error| < 2^-58.45.
    public const double Lg1 = 6.666666666666735130e-01;
    public const double Lg2 = 3.999999999940941908e-01;
    public const double Lg3 = 2.857142874366239149e-01;
    public const double Lg4 = 2.222219843214978396e-01;
    public const double Lg5 = 1.818357216161805012e-01;
    public const double Lg6 = 1.531383769920937332e-01;
    public const double Lg7 = 1.479819860511658591e-01;
}
