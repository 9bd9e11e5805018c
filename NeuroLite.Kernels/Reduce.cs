namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Reduce"/> holds the scalar reference of each.</summary>
public static class Reduce
{
    /// <summary>The sum of all elements of <paramref name="x"/> (0 for an empty span).</summary>
    /// <remarks>
    /// Vectorized with eight independent vector accumulators, so the additions are reordered relative to the
    /// reference's left-to-right loop. Any summation order of n terms is within γ_{n−1}·Σ|x_i| of the exact sum
    /// (γ_k = k·u/(1 − k·u), u = 2^-53; Higham §4.2), hence |Sum − Reference.Sum| ≤ 2·γ_{n−1}·Σ|x_i| barring overflow.
    /// </remarks>
    public static double Sum(ReadOnlySpan<double> x) => ReductionDriver.Sum(x);

    /// <summary>Sums <paramref name="x"/> (shape <paramref name="shape"/>, rank ≤ 4) over <paramref name="axis"/> into <paramref name="dst"/>, which has the shape with that axis removed.</summary>
    /// <remarks>
    /// Runs as <see cref="Broadcast.SumTo"/> to the shape with that axis set to 1: bitwise the reference unless the axis
    /// is the innermost non-trivial one, where each output is within 2·γ_{n−1}·Σ|terms| (n = shape[axis]).
    /// </remarks>
    public static void SumAxis(ReadOnlySpan<double> x, ReadOnlySpan<int> shape, int axis, Span<double> dst)
    {
        Span<int> kept = stackalloc int[Shapes.MaxRank];
        Validate.Axis(x, shape, axis, dst, kept);
        Broadcast.SumTo(x, shape, dst, kept[..shape.Length]);
    }

    /// <summary>dst[r] = max over the row r of the row-major (rows × cols) matrix <paramref name="x"/>; NaN wins.</summary>
    /// <remarks>IEEE 754-2019 maximum (NaN wins, +0 above −0) folded in any order: exactly the reference's value. An empty row gives −∞.</remarks>
    /// <exception cref="ArgumentException">A size is negative, a span has the wrong length, or <paramref name="dst"/> overlaps <paramref name="x"/>.</exception>
    public static void MaxRows(ReadOnlySpan<double> x, int rows, int cols, Span<double> dst)
    {
        Validate.Rows(x, rows, cols, dst);
        for (int r = 0; r < rows; r++)
            dst[r] = ReductionDriver.Max(x.Slice(r * cols, cols));
    }

    /// <summary>dst[r] = the first index of the largest element of row r (a NaN counts as largest); cols must be ≥ 1.</summary>
    /// <remarks>
    /// Two vector passes per row: the row's maximum m (NaN if any), then the first index equal to m (the first NaN when m
    /// is NaN). IEEE equality puts −0 and +0 in one class, as the reference's strict &gt; does, so the index is exact.
    /// </remarks>
    public static void ArgMaxRows(ReadOnlySpan<double> x, int rows, int cols, Span<int> dst)
    {
        Validate.Rows(x, rows, cols, dst);
        if (rows > 0 && cols == 0) throw new ArgumentException("ArgMax of an empty row is undefined.", nameof(cols));
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> row = x.Slice(r * cols, cols);
            dst[r] = ReductionDriver.IndexOfFirst(row, ReductionDriver.Max(row));
        }
    }
}
