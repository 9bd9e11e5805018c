namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Reduce"/> holds the scalar reference of each.</summary>
public static class Reduce
{
    /// <summary>The sum of all elements of <paramref name="x"/> (0 for an empty span).</summary>
    public static double Sum(ReadOnlySpan<double> x) => Reference.Reduce.Sum(x);

    /// <summary>Sums <paramref name="x"/> (shape <paramref name="shape"/>, rank ≤ 4) over <paramref name="axis"/> into <paramref name="dst"/>, which has the shape with that axis removed.</summary>
    public static void SumAxis(ReadOnlySpan<double> x, ReadOnlySpan<int> shape, int axis, Span<double> dst) => Reference.Reduce.SumAxis(x, shape, axis, dst);

    /// <summary>dst[r] = max over the row r of the row-major (rows × cols) matrix <paramref name="x"/>; NaN wins.</summary>
    public static void MaxRows(ReadOnlySpan<double> x, int rows, int cols, Span<double> dst) => Reference.Reduce.MaxRows(x, rows, cols, dst);

    /// <summary>dst[r] = the first index of the largest element of row r (a NaN counts as largest); cols must be ≥ 1.</summary>
    public static void ArgMaxRows(ReadOnlySpan<double> x, int rows, int cols, Span<int> dst) => Reference.Reduce.ArgMaxRows(x, rows, cols, dst);
}
