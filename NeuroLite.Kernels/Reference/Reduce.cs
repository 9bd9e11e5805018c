namespace NeuroLite.Kernels.Reference;

/// <summary>Scalar reference of <see cref="NeuroLite.Kernels.Reduce"/>: left-to-right sums and row-wise max/argmax.</summary>
public static class Reduce
{
    /// <summary>The sum of all elements of <paramref name="x"/> (0 for an empty span).</summary>
    public static double Sum(ReadOnlySpan<double> x)
    {
        double s = 0;
        foreach (double v in x) s += v;
        return s;
    }

    /// <summary>Sums <paramref name="x"/> (shape <paramref name="shape"/>, rank ≤ 4) over <paramref name="axis"/> into <paramref name="dst"/>, which has the shape with that axis removed.</summary>
    public static void SumAxis(ReadOnlySpan<double> x, ReadOnlySpan<int> shape, int axis, Span<double> dst)
    {
        Span<int> kept = stackalloc int[Shapes.MaxRank];
        Validate.Axis(x, shape, axis, dst, kept);
        Broadcast.SumTo(x, shape, dst, kept[..shape.Length]);
    }

    /// <summary>dst[r] = max over the row r of the row-major (rows × cols) matrix <paramref name="x"/>; NaN wins.</summary>
    /// <exception cref="ArgumentException">A size is negative, a span has the wrong length, or <paramref name="dst"/> overlaps <paramref name="x"/>.</exception>
    public static void MaxRows(ReadOnlySpan<double> x, int rows, int cols, Span<double> dst)
    {
        Validate.Rows(x, rows, cols, dst);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> row = x.Slice(r * cols, cols);
            double m = double.NegativeInfinity;
            foreach (double v in row) m = double.IsNaN(v) || double.IsNaN(m) ? double.NaN : Math.Max(m, v);
            dst[r] = m;
        }
    }

    /// <summary>dst[r] = the first index of the largest element of row r (a NaN counts as largest); cols must be ≥ 1.</summary>
    public static void ArgMaxRows(ReadOnlySpan<double> x, int rows, int cols, Span<int> dst)
    {
        Validate.Rows(x, rows, cols, dst);
        if (rows > 0 && cols == 0) throw new ArgumentException("ArgMax of an empty row is undefined.", nameof(cols));
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> row = x.Slice(r * cols, cols);
            int best = 0;
            for (int j = 1; j < cols && !double.IsNaN(row[best]); j++)
                if (row[j] > row[best] || double.IsNaN(row[j])) best = j;
            dst[r] = best;
        }
    }
}
