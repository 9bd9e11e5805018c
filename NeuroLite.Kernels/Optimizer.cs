using System.Runtime.CompilerServices;
using NeuroLite.Kernels.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Optimizer"/> holds the scalar reference of each.</summary>
/// <remarks>Fused single passes through the shared element-wise driver; each equals its reference bit for bit.</remarks>
public static class Optimizer
{
    /// <summary>p -= lr · g; then g = 0 when <paramref name="zeroGradients"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is NaN, infinite or negative.</exception>
    public static void Sgd(Span<double> parameters, Span<double> gradients, double learningRate, bool zeroGradients = false)
    {
        Validate.Sgd(parameters, gradients, learningRate);
        if (zeroGradients) SgdLoop<Yes>(parameters, gradients, learningRate);
        else SgdLoop<No>(parameters, gradients, learningRate);
    }

    /// <summary>v = μ·v + g; p -= lr · v (PyTorch's SGD momentum); then g = 0 when <paramref name="zeroGradients"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or any two overlap (the velocity may not be the gradient).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is NaN, infinite or negative, or the momentum is outside [0, 1).</exception>
    public static void SgdMomentum(Span<double> parameters, Span<double> gradients, Span<double> velocity, double learningRate, double momentum, bool zeroGradients = false)
    {
        Validate.SgdMomentum(parameters, gradients, velocity, learningRate, momentum);
        if (zeroGradients) SgdMomentumLoop<Yes>(parameters, gradients, velocity, learningRate, momentum);
        else SgdMomentumLoop<No>(parameters, gradients, velocity, learningRate, momentum);
    }

    /// <summary>
    /// One Adam step (Kingma and Ba; PyTorch's form): m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
    /// p -= (lr / (1−β1^t)) · m / (√v · (1 / √(1−β2^t)) + ε), with <paramref name="step"/> = t ≥ 1; then g = 0 when <paramref name="zeroGradients"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or any two overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is NaN, infinite or negative, β1 or β2 is outside [0, 1), ε is not finite and positive, or the step is below 1.</exception>
    public static void Adam(Span<double> parameters, Span<double> gradients, Span<double> m, Span<double> v, double learningRate, double beta1, double beta2, double epsilon, int step, bool zeroGradients = false)
    {
        Validate.Adam(parameters, gradients, m, v, learningRate, beta1, beta2, epsilon, step);
        var (stepSize, invSqrtC2) = AdamScales(learningRate, beta1, beta2, step);
        if (zeroGradients) AdamLoop<Yes>(parameters, gradients, m, v, beta1, beta2, epsilon, stepSize, invSqrtC2);
        else AdamLoop<No>(parameters, gradients, m, v, beta1, beta2, epsilon, stepSize, invSqrtC2);
    }

    // Each loop is its own JIT root (see Elementwise.Elementwise), one per vector width: inlined into a caller that was
    // itself inlined (the engine's Adam.Step), the loop ran out of inlining budget and a perf profile showed one call per
    // vector again. The zeroing choice is a type argument, so each loop compiles without a per-vector test (see
    // ICompileTimeFlag).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SgdLoop<TZero>(Span<double> p, Span<double> g, double lr) where TZero : struct, ICompileTimeFlag
    {
        if (Simd.UseAvx512) SgdLoop<TZero, V512>(p, g, lr);
        else if (Simd.UseAvx2Fma) SgdLoop<TZero, V256>(p, g, lr);
        else SgdLoop<TZero, V128>(p, g, lr);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SgdLoop<TZero, TVec>(Span<double> p, Span<double> g, double lr) where TZero : struct, ICompileTimeFlag where TVec : struct, ISimdVector<TVec>
    {
        var k = new SgdKernel<TZero>(p, g, lr);
        ElementwiseDriver.Run<SgdKernel<TZero>, TVec>(ref k, p.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SgdMomentumLoop<TZero>(Span<double> p, Span<double> g, Span<double> velocity, double lr, double momentum) where TZero : struct, ICompileTimeFlag
    {
        if (Simd.UseAvx512) SgdMomentumLoop<TZero, V512>(p, g, velocity, lr, momentum);
        else if (Simd.UseAvx2Fma) SgdMomentumLoop<TZero, V256>(p, g, velocity, lr, momentum);
        else SgdMomentumLoop<TZero, V128>(p, g, velocity, lr, momentum);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SgdMomentumLoop<TZero, TVec>(Span<double> p, Span<double> g, Span<double> velocity, double lr, double momentum) where TZero : struct, ICompileTimeFlag where TVec : struct, ISimdVector<TVec>
    {
        var k = new SgdMomentumKernel<TZero>(p, g, velocity, lr, momentum);
        ElementwiseDriver.Run<SgdMomentumKernel<TZero>, TVec>(ref k, p.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AdamLoop<TZero>(Span<double> p, Span<double> g, Span<double> m, Span<double> v, double b1, double b2, double eps, double stepSize, double invSqrtC2) where TZero : struct, ICompileTimeFlag
    {
        if (Simd.UseAvx512) AdamLoop<TZero, V512>(p, g, m, v, b1, b2, eps, stepSize, invSqrtC2);
        else if (Simd.UseAvx2Fma) AdamLoop<TZero, V256>(p, g, m, v, b1, b2, eps, stepSize, invSqrtC2);
        else AdamLoop<TZero, V128>(p, g, m, v, b1, b2, eps, stepSize, invSqrtC2);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AdamLoop<TZero, TVec>(Span<double> p, Span<double> g, Span<double> m, Span<double> v, double b1, double b2, double eps, double stepSize, double invSqrtC2) where TZero : struct, ICompileTimeFlag where TVec : struct, ISimdVector<TVec>
    {
        var k = new AdamKernel<TZero>(p, g, m, v, b1, b2, eps, stepSize, invSqrtC2);
        ElementwiseDriver.Run<AdamKernel<TZero>, TVec>(ref k, p.Length);
    }

    /// <summary>Adam's per-call constants: the step size lr / (1−β1^t) and 1 / √(1−β2^t).</summary>
    internal static (double StepSize, double InvSqrtC2) AdamScales(double learningRate, double beta1, double beta2, int step)
        => (learningRate / (1.0 - Math.Pow(beta1, step)), 1.0 / Math.Sqrt(1.0 - Math.Pow(beta2, step)));
}
