namespace NeuroLite.Kernels.Reference;

/// <summary>Scalar reference of <see cref="NeuroLite.Kernels.Binary"/>: element-wise ops on equal-length spans or a span and a scalar.</summary>
public static class Binary
{
    /// <summary>c[i] = a[i] + b[i].</summary>
    public static void Add(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { Check(a, b, c); for (int i = 0; i < c.Length; i++) c[i] = a[i] + b[i]; }

    /// <summary>c[i] = a[i] - b[i].</summary>
    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { Check(a, b, c); for (int i = 0; i < c.Length; i++) c[i] = a[i] - b[i]; }

    /// <summary>c[i] = a[i] · b[i].</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { Check(a, b, c); for (int i = 0; i < c.Length; i++) c[i] = a[i] * b[i]; }

    /// <summary>c[i] = a[i] / b[i].</summary>
    public static void Divide(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { Check(a, b, c); for (int i = 0; i < c.Length; i++) c[i] = a[i] / b[i]; }

    /// <summary>c[i] = a[i] + b.</summary>
    public static void Add(ReadOnlySpan<double> a, double b, Span<double> c) { Validate.SameLength(a, c); for (int i = 0; i < c.Length; i++) c[i] = a[i] + b; }

    /// <summary>c[i] = a[i] - b.</summary>
    public static void Subtract(ReadOnlySpan<double> a, double b, Span<double> c) { Validate.SameLength(a, c); for (int i = 0; i < c.Length; i++) c[i] = a[i] - b; }

    /// <summary>c[i] = a - b[i].</summary>
    public static void Subtract(double a, ReadOnlySpan<double> b, Span<double> c) { Validate.SameLength(b, c); for (int i = 0; i < c.Length; i++) c[i] = a - b[i]; }

    /// <summary>c[i] = a[i] · b.</summary>
    public static void Multiply(ReadOnlySpan<double> a, double b, Span<double> c) { Validate.SameLength(a, c); for (int i = 0; i < c.Length; i++) c[i] = a[i] * b; }

    /// <summary>c[i] = a[i] / b.</summary>
    public static void Divide(ReadOnlySpan<double> a, double b, Span<double> c) { Validate.SameLength(a, c); for (int i = 0; i < c.Length; i++) c[i] = a[i] / b; }

    /// <summary>c[i] = a / b[i].</summary>
    public static void Divide(double a, ReadOnlySpan<double> b, Span<double> c) { Validate.SameLength(b, c); for (int i = 0; i < c.Length; i++) c[i] = a / b[i]; }

    /// <summary>c[i] += a[i] · b[i] (one rounding per element: a fused multiply-add).</summary>
    public static void MultiplyAdd(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) { Check(a, b, c); for (int i = 0; i < c.Length; i++) c[i] = Math.FusedMultiplyAdd(a[i], b[i], c[i]); }

    /// <summary>y[i] += alpha · x[i] (one rounding per element: a fused multiply-add).</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y) { Validate.SameLength(x, y); for (int i = 0; i < y.Length; i++) y[i] = Math.FusedMultiplyAdd(alpha, x[i], y[i]); }

    private static void Check(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) => Kernels.Binary.SameLengths(a, b, c);
}
