namespace NeuroLite.Kernels.Reference;

/// <summary>Scalar reference of <see cref="NeuroLite.Kernels.SoftmaxCrossEntropy"/>: row-wise, numerically stable (max subtracted).</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// For each row r of the (rows × cols) <paramref name="logits"/>: <paramref name="probabilities"/> row r = softmax(row r) and
    /// <paramref name="rowLoss"/>[r] = log Σ exp(row r) − row r[targets[r]].
    /// </summary>
    /// <remarks>
    /// A row whose maximum is infinite takes the limit instead of ∞ − ∞: with k logits at +∞ those share probability 1/k
    /// and the loss is ln k if the target is one of them, else +∞; a row of −∞ only is treated as k equal logits
    /// (uniform, loss ln cols). <paramref name="probabilities"/> may be <paramref name="logits"/> itself. The loss is
    /// formed as ln s + (m − z_t), so that huge equal logits (m = z_t = −1e300) do not absorb ln s.
    /// </remarks>
    /// <exception cref="ArgumentException">A size is negative, a span has the wrong length, or buffers overlap (other than <paramref name="probabilities"/> being <paramref name="logits"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, cols).</exception>
    public static void Forward(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss)
    {
        Validate.SoftmaxCeForward(logits, rows, cols, targets, probabilities, rowLoss);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> z = logits.Slice(r * cols, cols);
            Span<double> p = probabilities.Slice(r * cols, cols);
            double zt = z[targets[r]];
            double m = double.NegativeInfinity;
            foreach (double v in z) m = Math.Max(m, v);
            if (double.IsInfinity(m))
            {
                rowLoss[r] = Kernels.SoftmaxCrossEntropy.InfiniteMaxRow(z, m, zt, p);
                continue;
            }
            double s = 0;
            for (int j = 0; j < cols; j++) { p[j] = Math.Exp(z[j] - m); s += p[j]; }
            for (int j = 0; j < cols; j++) p[j] /= s;
            rowLoss[r] = Math.Log(s) + (m - zt);
        }
    }

    /// <summary>gradLogits = scale · (probabilities − onehot(targets)), or += that when <paramref name="accumulate"/>.</summary>
    public static void Backward(ReadOnlySpan<double> probabilities, int rows, int cols, ReadOnlySpan<int> targets, double scale, Span<double> gradLogits, bool accumulate = false)
    {
        Validate.SoftmaxCeBackward(probabilities, rows, cols, targets, gradLogits);
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            for (int j = 0; j < cols; j++)
            {
                double d = scale * (probabilities[r * cols + j] - (j == t ? 1.0 : 0.0));
                gradLogits[r * cols + j] = accumulate ? gradLogits[r * cols + j] + d : d;
            }
        }
    }
}
