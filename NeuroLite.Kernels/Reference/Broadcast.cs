namespace NeuroLite.Kernels.Reference;

/// <summary>Scalar reference of <see cref="NeuroLite.Kernels.Broadcast"/>: NumPy broadcasting up to rank 4 by plain strided loops.</summary>
public static class Broadcast
{
    /// <summary>c = a + b with broadcasting; <paramref name="c"/> has the broadcast shape's element count.</summary>
    public static void Add(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Apply(a, aShape, b, bShape, c, 0);

    /// <summary>c = a - b with broadcasting.</summary>
    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Apply(a, aShape, b, bShape, c, 1);

    /// <summary>c = a · b with broadcasting.</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Apply(a, aShape, b, bShape, c, 2);

    /// <summary>c = a / b with broadcasting.</summary>
    public static void Divide(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Apply(a, aShape, b, bShape, c, 3);

    /// <summary>
    /// The reverse of a broadcast: sums <paramref name="g"/> (shape <paramref name="gShape"/>) over the axes on which
    /// <paramref name="dstShape"/> was broadcast (missing leading axes and size-1 axes) into <paramref name="dst"/>;
    /// adds to <paramref name="dst"/> when <paramref name="accumulate"/>, else overwrites it.
    /// </summary>
    public static void SumTo(ReadOnlySpan<double> g, ReadOnlySpan<int> gShape, Span<double> dst, ReadOnlySpan<int> dstShape, bool accumulate = false)
    {
        Validate.SumTo(g, gShape, dst, dstShape);
        Span<int> o = stackalloc int[Shapes.MaxRank];
        Span<int> s = stackalloc int[Shapes.MaxRank];
        Shapes.Pad4(gShape, o);
        Shapes.BroadcastStrides(dstShape, gShape, s);
        if (!accumulate) dst.Clear();
        int k = 0;
        for (int i0 = 0; i0 < o[0]; i0++)
            for (int i1 = 0; i1 < o[1]; i1++)
                for (int i2 = 0; i2 < o[2]; i2++)
                    for (int i3 = 0; i3 < o[3]; i3++)
                        dst[i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3]] += g[k++];
    }

    private static void Apply(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c, int op)
    {
        Span<int> outShape = stackalloc int[Shapes.MaxRank];
        int rank = Validate.Binary(a, aShape, b, bShape, c, outShape);
        outShape = outShape[..rank];
        Span<int> o = stackalloc int[Shapes.MaxRank];
        Span<int> sa = stackalloc int[Shapes.MaxRank];
        Span<int> sb = stackalloc int[Shapes.MaxRank];
        Shapes.Pad4(outShape, o);
        Shapes.BroadcastStrides(aShape, outShape, sa);
        Shapes.BroadcastStrides(bShape, outShape, sb);
        int k = 0;
        for (int i0 = 0; i0 < o[0]; i0++)
            for (int i1 = 0; i1 < o[1]; i1++)
                for (int i2 = 0; i2 < o[2]; i2++)
                    for (int i3 = 0; i3 < o[3]; i3++)
                    {
                        double x = a[i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3]];
                        double y = b[i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3]];
                        c[k++] = op switch { 0 => x + y, 1 => x - y, 2 => x * y, _ => x / y };
                    }
    }
}
