namespace NeuroLite.Kernels.Reference;

/// <summary>Scalar reference of <see cref="NeuroLite.Kernels.SoftmaxCrossEntropy"/>: row-wise, numerically stable (max subtracted).</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// For each row r of the (rows × cols) <paramref name="logits"/>: <paramref name="probabilities"/> row r = softmax(row r) and
    /// <paramref name="rowLoss"/>[r] = log Σ exp(row r) − row r[targets[r]].
    /// </summary>
    public static void Forward(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss)
    {
        Validate.SoftmaxCe(logits, rows, cols, targets, probabilities, rowLoss.Length);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> z = logits.Slice(r * cols, cols);
            Span<double> p = probabilities.Slice(r * cols, cols);
            double m = double.NegativeInfinity;
            foreach (double v in z) m = Math.Max(m, v);
            double s = 0;
            for (int j = 0; j < cols; j++) { p[j] = Math.Exp(z[j] - m); s += p[j]; }
            for (int j = 0; j < cols; j++) p[j] /= s;
            rowLoss[r] = Math.Log(s) + m - z[targets[r]];
        }
    }

    /// <summary>gradLogits = scale · (probabilities − onehot(targets)), or += that when <paramref name="accumulate"/>.</summary>
    public static void Backward(ReadOnlySpan<double> probabilities, int rows, int cols, ReadOnlySpan<int> targets, double scale, Span<double> gradLogits, bool accumulate = false)
    {
        Validate.SoftmaxCe(probabilities, rows, cols, targets, gradLogits, rows);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                double d = scale * (probabilities[r * cols + j] - (j == targets[r] ? 1.0 : 0.0));
                gradLogits[r * cols + j] = accumulate ? gradLogits[r * cols + j] + d : d;
            }
    }
}
