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

    /// <summary>
    /// C (m×n) = activation(op(A)·op(B) + bias), the bias a row vector of n values added to every row: <see cref="Multiply"/>,
    /// then the bias added element by element, then <see cref="Unary.Tanh(ReadOnlySpan{double}, Span{double})"/> or
    /// <see cref="Unary.Relu(ReadOnlySpan{double}, Span{double})"/> in place.
    /// </summary>
    public static void Linear(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> bias, Span<double> c, int m, int n, int k, GemmActivation activation = GemmActivation.None, bool transposeA = false, bool transposeB = false)
    {
        Validate.GemmLinear(a, b, bias, c, m, n, k, activation);
        Multiply(a, b, c, m, n, k, transposeA, transposeB);
        Span<double> y = c[..(m * n)];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                y[i * n + j] += bias[j];
        if (activation == GemmActivation.Tanh) Unary.Tanh(y, y);
        else if (activation == GemmActivation.Relu) Unary.Relu(y, y);
    }
}
