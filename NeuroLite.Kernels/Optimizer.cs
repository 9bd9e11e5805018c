using NeuroLite.Kernels.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Optimizer"/> holds the scalar reference of each.</summary>
/// <remarks>Fused single passes through the shared element-wise driver; each equals its reference bit for bit.</remarks>
public static class Optimizer
{
    /// <summary>p -= lr · g; then g = 0 when <paramref name="zeroGradients"/>.</summary>
    public static void Sgd(Span<double> parameters, Span<double> gradients, double learningRate, bool zeroGradients = false)
    {
        Validate.Update(parameters, gradients, gradients);
        var k = new SgdKernel(parameters, gradients, learningRate, zeroGradients);
        ElementwiseDriver.Run(ref k, parameters.Length);
    }

    /// <summary>v = μ·v + g; p -= lr · v (PyTorch's SGD momentum); then g = 0 when <paramref name="zeroGradients"/>.</summary>
    public static void SgdMomentum(Span<double> parameters, Span<double> gradients, Span<double> velocity, double learningRate, double momentum, bool zeroGradients = false)
    {
        Validate.Update(parameters, gradients, velocity);
        var k = new SgdMomentumKernel(parameters, gradients, velocity, learningRate, momentum, zeroGradients);
        ElementwiseDriver.Run(ref k, parameters.Length);
    }

    /// <summary>
    /// One Adam step (Kingma and Ba; PyTorch's form): m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
    /// p -= (lr / (1−β1^t)) · m / (√v · (1 / √(1−β2^t)) + ε), with <paramref name="step"/> = t ≥ 1; then g = 0 when <paramref name="zeroGradients"/>.
    /// </summary>
    public static void Adam(Span<double> parameters, Span<double> gradients, Span<double> m, Span<double> v, double learningRate, double beta1, double beta2, double epsilon, int step, bool zeroGradients = false)
    {
        Validate.Update(parameters, gradients, m);
        Validate.Update(parameters, gradients, v);
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), $"Adam's step count starts at 1, got {step}.");
        var (stepSize, invSqrtC2) = Reference.Optimizer.AdamScales(learningRate, beta1, beta2, step);
        var k = new AdamKernel(parameters, gradients, m, v, beta1, beta2, epsilon, stepSize, invSqrtC2, zeroGradients);
        ElementwiseDriver.Run(ref k, parameters.Length);
    }
}
