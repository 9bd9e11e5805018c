namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.SoftmaxCrossEntropy"/> holds the scalar reference of each.</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// For each row r of the (rows × cols) <paramref name="logits"/>: <paramref name="probabilities"/> row r = softmax(row r) and
    /// <paramref name="rowLoss"/>[r] = log Σ exp(row r) − row r[targets[r]].
    /// </summary>
    public static void Forward(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss) => Reference.SoftmaxCrossEntropy.Forward(logits, rows, cols, targets, probabilities, rowLoss);

    /// <summary>gradLogits = scale · (probabilities − onehot(targets)), or += that when <paramref name="accumulate"/>.</summary>
    public static void Backward(ReadOnlySpan<double> probabilities, int rows, int cols, ReadOnlySpan<int> targets, double scale, Span<double> gradLogits, bool accumulate = false) => Reference.SoftmaxCrossEntropy.Backward(probabilities, rows, cols, targets, scale, gradLogits, accumulate);
}
