namespace NeuroLite.Kernels.Reference;

/// <summary>Scalar reference of <see cref="NeuroLite.Kernels.Gemm"/>: the naive triple loop, summing over k in order.</summary>
public static class Gemm
{
    /// <summary>
    /// C (m×n) = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>; row-major, dense.
    /// op(A) is m×k, stored k×m when <paramref name="transposeA"/>; op(B) is k×n, stored n×k when <paramref name="transposeB"/>.
    /// </summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k, bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        Validate.Gemm(a, b, c, m, n, k);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = accumulate ? c[i * n + j] + s : s;
            }
    }
}
