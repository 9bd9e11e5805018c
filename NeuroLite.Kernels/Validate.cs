namespace NeuroLite.Kernels;

/// <summary>Shape and span checks for the broadcasting kernels, shared by the fast paths and the reference.</summary>
internal static class Validate
{
    /// <summary>Checks a broadcasting binary op and writes the output shape; returns its rank.</summary>
    public static int Binary(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c, Span<int> outShape)
    {
        Guard.Length(a.Length, Shapes.Count(aShape), nameof(a));
        Guard.Length(b.Length, Shapes.Count(bShape), nameof(b));
        int rank = Shapes.Broadcast(aShape, bShape, outShape);
        int n = Shapes.Count(outShape[..rank]);
        if (c.Length != n)
            throw new ArgumentException($"The output has {c.Length} elements; broadcasting {Shapes.Format(aShape)} with {Shapes.Format(bShape)} gives {Shapes.Format(outShape[..rank])} = {n}.", nameof(c));
        // The output may be exactly an input of the output's shape (in place); anything else that overlaps is rejected.
        if (a.Length == n) Guard.NoPartialOverlap(a, c, nameof(c)); else if (Guard.Overlap(a, c)) Overlap();
        if (b.Length == n) Guard.NoPartialOverlap(b, c, nameof(c)); else if (Guard.Overlap(b, c)) Overlap();
        return rank;
    }

    /// <summary>Checks a reverse-broadcast (sum-to-shape).</summary>
    public static void SumTo(ReadOnlySpan<double> g, ReadOnlySpan<int> gShape, Span<double> dst, ReadOnlySpan<int> dstShape)
    {
        Guard.Length(g.Length, Shapes.Count(gShape), nameof(g));
        Guard.Length(dst.Length, Shapes.Count(dstShape), nameof(dst));
        if (gShape.Length > Shapes.MaxRank || dstShape.Length > gShape.Length)
            throw new ArgumentException($"Cannot sum a gradient of shape {Shapes.Format(gShape)} down to {Shapes.Format(dstShape)}.");
        Span<int> check = stackalloc int[Shapes.MaxRank];
        int rank = Shapes.Broadcast(gShape, dstShape, check);
        if (!Shapes.Equal(check[..rank], gShape))
            throw new ArgumentException($"Shape {Shapes.Format(dstShape)} does not broadcast to {Shapes.Format(gShape)}.");
        if (Guard.Overlap(g, dst)) Overlap();
    }

    private static void Overlap() => throw new ArgumentException("The output overlaps an input of a different shape.");

    /// <summary>Checks a (rows × cols) matrix and a destination of one element per row.</summary>
    public static void Rows(ReadOnlySpan<double> x, int rows, int cols, int dstLength)
    {
        Guard.NonNegative(rows);
        Guard.NonNegative(cols);
        Guard.Length(x.Length, checked(rows * cols), "x");
        Guard.Length(dstLength, rows, "dst");
    }

    /// <summary>Checks a reduction over one axis and writes the kept shape (that axis set to 1) into <paramref name="kept"/>.</summary>
    public static void Axis(ReadOnlySpan<double> x, ReadOnlySpan<int> shape, int axis, Span<double> dst, Span<int> kept)
    {
        if (shape.Length > Shapes.MaxRank) throw new ArgumentException($"Rank of {Shapes.Format(shape)} exceeds {Shapes.MaxRank}.", nameof(shape));
        if ((uint)axis >= (uint)shape.Length) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {Shapes.Format(shape)}.");
        Guard.Length(x.Length, Shapes.Count(shape), nameof(x));
        shape.CopyTo(kept);
        kept[axis] = 1;
        Guard.Length(dst.Length, Shapes.Count(kept[..shape.Length]), nameof(dst));
        if (Guard.Overlap(x, dst)) throw new ArgumentException("The output overlaps the input.", nameof(dst));
    }

    /// <summary>Checks softmax cross-entropy: a (rows × cols) matrix, one target in [0, cols) per row, an output matrix of the same size.</summary>
    public static void SoftmaxCe(ReadOnlySpan<double> x, int rows, int cols, ReadOnlySpan<int> targets, Span<double> output, int rowOutLength)
    {
        Rows(x, rows, cols, rowOutLength);
        Guard.Length(targets.Length, rows, nameof(targets));
        Guard.Length(output.Length, x.Length, nameof(output));
        for (int r = 0; r < rows; r++)
            if ((uint)targets[r] >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(targets), $"Target {targets[r]} of row {r} is outside [0, {cols}).");
        Guard.NoPartialOverlap(x, output, nameof(output));
    }

    /// <summary>Checks an optimizer update: parameters, gradients and state of one length, pairwise disjoint.</summary>
    public static void Update(Span<double> parameters, Span<double> gradients, Span<double> state)
    {
        Guard.Length(gradients.Length, parameters.Length, nameof(gradients));
        Guard.Length(state.Length, parameters.Length, nameof(state));
        if (Guard.Overlap(parameters, gradients) || (state != gradients && (Guard.Overlap(parameters, state) || Guard.Overlap(gradients, state))))
            throw new ArgumentException("Parameters, gradients and optimizer state must be disjoint buffers.");
    }

    /// <summary>Checks a GEMM: non-negative sizes, spans long enough, C disjoint from A and B.</summary>
    public static void Gemm(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k)
    {
        Guard.NonNegative(m);
        Guard.NonNegative(n);
        Guard.NonNegative(k);
        if (a.Length < (long)m * k) throw new ArgumentException($"A has {a.Length} elements; {m}×{k} needs {(long)m * k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B has {b.Length} elements; {k}×{n} needs {(long)k * n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C has {c.Length} elements; {m}×{n} needs {(long)m * n}.", nameof(c));
        if (Guard.Overlap(a, c) || Guard.Overlap(b, c)) throw new ArgumentException("C must not overlap A or B.", nameof(c));
    }
}
