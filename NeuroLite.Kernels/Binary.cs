using NeuroLite.Kernels.Elementwise;
using E = NeuroLite.Kernels.Elementwise.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Binary"/> holds the scalar reference of each.</summary>
/// <remarks>All equal their references exactly. The output may be exactly an input (in place); partial overlap throws.</remarks>
public static class Binary
{
    /// <summary>c[i] = a[i] + b[i].</summary>
    public static void Add(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { SameLengths(a, b, c); E.Binary<AddOperator>(a, b, c); }

    /// <summary>c[i] = a[i] - b[i].</summary>
    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { SameLengths(a, b, c); E.Binary<SubtractOperator>(a, b, c); }

    /// <summary>c[i] = a[i] · b[i].</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { SameLengths(a, b, c); E.Binary<MultiplyOperator>(a, b, c); }

    /// <summary>c[i] = a[i] / b[i].</summary>
    public static void Divide(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { SameLengths(a, b, c); E.Binary<DivideOperator>(a, b, c); }

    /// <summary>c[i] = a[i] + b.</summary>
    public static void Add(ReadOnlySpan<double> a, double b, Span<double> c) { Validate.SameLength(a, c); E.Binary<AddOperator>(a, b, c); }

    /// <summary>c[i] = a[i] - b.</summary>
    public static void Subtract(ReadOnlySpan<double> a, double b, Span<double> c) { Validate.SameLength(a, c); E.Binary<SubtractOperator>(a, b, c); }

    /// <summary>c[i] = a - b[i].</summary>
    public static void Subtract(double a, ReadOnlySpan<double> b, Span<double> c) { Validate.SameLength(b, c); E.Binary<SubtractOperator>(a, b, c); }

    /// <summary>c[i] = a[i] · b.</summary>
    public static void Multiply(ReadOnlySpan<double> a, double b, Span<double> c) { Validate.SameLength(a, c); E.Binary<MultiplyOperator>(a, b, c); }

    /// <summary>c[i] = a[i] / b.</summary>
    public static void Divide(ReadOnlySpan<double> a, double b, Span<double> c) { Validate.SameLength(a, c); E.Binary<DivideOperator>(a, b, c); }

    /// <summary>c[i] = a / b[i].</summary>
    public static void Divide(double a, ReadOnlySpan<double> b, Span<double> c) { Validate.SameLength(b, c); E.Binary<DivideOperator>(a, b, c); }

    /// <summary>c[i] += a[i] · b[i] (one rounding per element: a fused multiply-add).</summary>
    public static void MultiplyAdd(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { SameLengths(a, b, c); E.Ternary<FusedMultiplyAddOperator>(a, b, c, c); }

    /// <summary>y[i] += alpha · x[i] (one rounding per element: a fused multiply-add).</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y) { Validate.SameLength(x, y); E.Ternary<FusedMultiplyAddOperator>(alpha, x, y, y); }

    /// <summary>Throws unless <paramref name="a"/> and <paramref name="b"/> both have <paramref name="c"/>'s length (shared with <see cref="Reference.Binary"/>).</summary>
    internal static void SameLengths(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c)
    {
        Validate.SameLength(a, c);
        Validate.SameLength(b, c);
    }
}
