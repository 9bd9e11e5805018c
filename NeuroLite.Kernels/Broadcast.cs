namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Broadcast"/> holds the scalar reference of each.</summary>
public static class Broadcast
{
    /// <summary>c = a + b with broadcasting; <paramref name="c"/> has the broadcast shape's element count.</summary>
    public static void Add(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Reference.Broadcast.Add(a, aShape, b, bShape, c);

    /// <summary>c = a - b with broadcasting.</summary>
    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Reference.Broadcast.Subtract(a, aShape, b, bShape, c);

    /// <summary>c = a · b with broadcasting.</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Reference.Broadcast.Multiply(a, aShape, b, bShape, c);

    /// <summary>c = a / b with broadcasting.</summary>
    public static void Divide(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Reference.Broadcast.Divide(a, aShape, b, bShape, c);

    /// <summary>
    /// The reverse of a broadcast: sums <paramref name="g"/> (shape <paramref name="gShape"/>) over the axes on which
    /// <paramref name="dstShape"/> was broadcast (missing leading axes and size-1 axes) into <paramref name="dst"/>;
    /// adds to <paramref name="dst"/> when <paramref name="accumulate"/>, else overwrites it.
    /// </summary>
    public static void SumTo(ReadOnlySpan<double> g, ReadOnlySpan<int> gShape, Span<double> dst, ReadOnlySpan<int> dstShape, bool accumulate = false) => Reference.Broadcast.SumTo(g, gShape, dst, dstShape, accumulate);
}
