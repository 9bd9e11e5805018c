using NeuroLite.Kernels.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Unary"/> holds the scalar reference of each.</summary>
/// <remarks>Every kernel equals its reference bit for bit on every path (the references are the scalar form of the same algorithms).</remarks>
public static class Unary
{
    /// <summary>y[i] = tanh(x[i]).</summary>
    public static void Tanh(ReadOnlySpan<double> x, Span<double> y)
    {
        Validate.SameLength(x, y);
        Elementwise.Elementwise.Unary<TanhOperator>(x, y);
    }

    /// <summary>y[i] = max(x[i], 0); NaN stays NaN.</summary>
    public static void Relu(ReadOnlySpan<double> x, Span<double> y)
    {
        Validate.SameLength(x, y);
        Elementwise.Elementwise.Unary<ReluOperator>(x, y);
    }

    /// <summary>y[i] = e^x[i].</summary>
    public static void Exp(ReadOnlySpan<double> x, Span<double> y)
    {
        Validate.SameLength(x, y);
        Elementwise.Elementwise.Unary<ExpOperator>(x, y);
    }

    /// <summary>y[i] = ln x[i].</summary>
    public static void Log(ReadOnlySpan<double> x, Span<double> y)
    {
        Validate.SameLength(x, y);
        Elementwise.Elementwise.Unary<LogOperator>(x, y);
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
        if (accumulate) Elementwise.Elementwise.Ternary<TanhBackwardAccumulateOperator>(t, g, dx, dx);
        else Elementwise.Elementwise.Binary<TanhBackwardOperator>(t, g, dx);
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
        if (accumulate) Elementwise.Elementwise.Ternary<ReluBackwardAccumulateOperator>(x, g, dx, dx);
        else Elementwise.Elementwise.Binary<ReluBackwardOperator>(x, g, dx);
    }
}
