namespace NeuroLite;

/// <summary>Loss functions: each is one fused node on the tape with its backward beside its forward.</summary>
public static class Loss
{
    /// <summary>Mean squared error <c>mean((prediction − target)²)</c>, a 0-d tensor; both inputs receive gradients.</summary>
    /// <exception cref="ArgumentException">The shapes differ, or the tensors are on two tapes.</exception>
    public static Tensor Mse(Tensor prediction, Tensor target) => Ops.Mse(prediction, target);

    /// <summary>
    /// Softmax cross-entropy of (rows, classes) logits against one class index per row, averaged over rows:
    /// numerically stable (max subtracted) and fused (backward is <c>(softmax − onehot) / rows</c>). The targets are
    /// copied into the tape, so the span may be reused at once.
    /// </summary>
    /// <exception cref="ArgumentException">The logits are not 2-D, or there is not one target per row.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, classes).</exception>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> targets) => Ops.SoftmaxCrossEntropy(logits, targets);
}
