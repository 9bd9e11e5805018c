namespace NeuroLite.Kernels.Reference;

/// <summary>Scalar reference of <see cref="NeuroLite.Kernels.Optimizer"/>: in-place parameter updates, PyTorch's conventions.</summary>
public static class Optimizer
{
    /// <summary>p -= lr · g; then g = 0 when <paramref name="zeroGradients"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is NaN, infinite or negative.</exception>
    public static void Sgd(Span<double> parameters, Span<double> gradients, double learningRate, bool zeroGradients = false)
    {
        Validate.Sgd(parameters, gradients, learningRate);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] -= learningRate * gradients[i];
            if (zeroGradients) gradients[i] = 0;
        }
    }

    /// <summary>v = μ·v + g; p -= lr · v (PyTorch's SGD momentum); then g = 0 when <paramref name="zeroGradients"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or any two overlap (the velocity may not be the gradient).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is NaN, infinite or negative, or the momentum is outside [0, 1).</exception>
    public static void SgdMomentum(Span<double> parameters, Span<double> gradients, Span<double> velocity, double learningRate, double momentum, bool zeroGradients = false)
    {
        Validate.SgdMomentum(parameters, gradients, velocity, learningRate, momentum);
        for (int i = 0; i < parameters.Length; i++)
        {
            velocity[i] = momentum * velocity[i] + gradients[i];
            parameters[i] -= learningRate * velocity[i];
            if (zeroGradients) gradients[i] = 0;
        }
    }

    /// <summary>
    /// One Adam step (Kingma and Ba; PyTorch's form): m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
    /// p -= (lr / (1−β1^t)) · m / (√v · (1 / √(1−β2^t)) + ε), with <paramref name="step"/> = t ≥ 1; then g = 0 when <paramref name="zeroGradients"/>.
    /// </summary>
    /// <remarks>
    /// This is torch.optim.Adam's arrangement (bias corrections applied as a step size and as a scale of √v, not to m
    /// and v themselves), with its division by √(1−β2^t) turned into a multiplication by the reciprocal computed once
    /// per call. Per element that leaves one square root and one division, the two slowest vector instructions.
    /// </remarks>
    /// <exception cref="ArgumentException">The spans differ in length or any two overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is NaN, infinite or negative, β1 or β2 is outside [0, 1), ε is not finite and positive, or the step is below 1.</exception>
    public static void Adam(Span<double> parameters, Span<double> gradients, Span<double> m, Span<double> v, double learningRate, double beta1, double beta2, double epsilon, int step, bool zeroGradients = false)
    {
        Validate.Adam(parameters, gradients, m, v, learningRate, beta1, beta2, epsilon, step);
        var (stepSize, invSqrtC2) = Kernels.Optimizer.AdamScales(learningRate, beta1, beta2, step);
        for (int i = 0; i < parameters.Length; i++)
        {
            double g = gradients[i];
            m[i] = beta1 * m[i] + (1.0 - beta1) * g;
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g;
            parameters[i] -= stepSize * (m[i] / (Math.Sqrt(v[i]) * invSqrtC2 + epsilon));
            if (zeroGradients) gradients[i] = 0;
        }
    }
}
