namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Binary"/> holds the scalar reference of each.</summary>
public static class Binary
{
    /// <summary>c[i] = a[i] + b[i].</summary>
    public static void Add(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) => Reference.Binary.Add(a, b, c);

    /// <summary>c[i] = a[i] - b[i].</summary>
    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) => Reference.Binary.Subtract(a, b, c);

    /// <summary>c[i] = a[i] · b[i].</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) => Reference.Binary.Multiply(a, b, c);

    /// <summary>c[i] = a[i] / b[i].</summary>
    public static void Divide(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) => Reference.Binary.Divide(a, b, c);

    /// <summary>c[i] = a[i] + b.</summary>
    public static void Add(ReadOnlySpan<double> a, double b, Span<double> c) => Reference.Binary.Add(a, b, c);

    /// <summary>c[i] = a[i] - b.</summary>
    public static void Subtract(ReadOnlySpan<double> a, double b, Span<double> c) => Reference.Binary.Subtract(a, b, c);

    /// <summary>c[i] = a - b[i].</summary>
    public static void Subtract(double a, ReadOnlySpan<double> b, Span<double> c) => Reference.Binary.Subtract(a, b, c);

    /// <summary>c[i] = a[i] · b.</summary>
    public static void Multiply(ReadOnlySpan<double> a, double b, Span<double> c) => Reference.Binary.Multiply(a, b, c);

    /// <summary>c[i] = a[i] / b.</summary>
    public static void Divide(ReadOnlySpan<double> a, double b, Span<double> c) => Reference.Binary.Divide(a, b, c);

    /// <summary>c[i] = a / b[i].</summary>
    public static void Divide(double a, ReadOnlySpan<double> b, Span<double> c) => Reference.Binary.Divide(a, b, c);

    /// <summary>c[i] += a[i] · b[i] (one rounding per element: a fused multiply-add).</summary>
    public static void MultiplyAdd(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) => Reference.Binary.MultiplyAdd(a, b, c);

    /// <summary>y[i] += alpha · x[i] (one rounding per element: a fused multiply-add).</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y) => Reference.Binary.Axpy(alpha, x, y);
}
