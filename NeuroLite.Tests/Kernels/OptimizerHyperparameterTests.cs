using K = NeuroLite.Kernels;
using R = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

/// <summary>The optimizer kernels (fast path and reference) reject bad hyperparameters at entry, before any buffer is written.</summary>
public class OptimizerHyperparameterTests
{
    private const int N = 11;

    private delegate void Step(Span<double> p, Span<double> g, Span<double> m, Span<double> v);

    private static void Rejected(Step step, string name)
    {
        var memory = new double[4 * N];
        for (int i = 0; i < memory.Length; i++) memory[i] = 0.5 + i;
        long[] before = Bits(memory);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => step(memory.AsSpan(0, N), memory.AsSpan(N, N), memory.AsSpan(2 * N, N), memory.AsSpan(3 * N, N)))!;
        Assert.That(ex.ParamName, Is.EqualTo(name));
        Assert.That(Bits(memory), Is.EqualTo(before), "a buffer was written");
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(-0.1)]
    public void Learning_rates(double lr)
    {
        Rejected((p, g, m, v) => K.Optimizer.Sgd(p, g, lr, zeroGradients: true), "learningRate");
        Rejected((p, g, m, v) => R.Optimizer.Sgd(p, g, lr, zeroGradients: true), "learningRate");
        Rejected((p, g, m, v) => K.Optimizer.SgdMomentum(p, g, m, lr, 0.9), "learningRate");
        Rejected((p, g, m, v) => R.Optimizer.SgdMomentum(p, g, m, lr, 0.9), "learningRate");
        Rejected((p, g, m, v) => K.Optimizer.Adam(p, g, m, v, lr, 0.9, 0.999, 1e-8, 1), "learningRate");
        Rejected((p, g, m, v) => R.Optimizer.Adam(p, g, m, v, lr, 0.9, 0.999, 1e-8, 1), "learningRate");
    }

    [TestCase(double.NaN)]
    [TestCase(-0.5)]
    [TestCase(1.0)]
    public void Momentum_and_betas(double value)
    {
        Rejected((p, g, m, v) => K.Optimizer.SgdMomentum(p, g, m, 0.1, value), "momentum");
        Rejected((p, g, m, v) => R.Optimizer.SgdMomentum(p, g, m, 0.1, value), "momentum");
        Rejected((p, g, m, v) => K.Optimizer.Adam(p, g, m, v, 0.1, value, 0.999, 1e-8, 1), "beta1");
        Rejected((p, g, m, v) => R.Optimizer.Adam(p, g, m, v, 0.1, 0.9, value, 1e-8, 1), "beta2");
    }

    [TestCase(0.0)]
    [TestCase(-1e-8)]
    [TestCase(double.NaN)]
    public void Epsilon(double epsilon)
    {
        Rejected((p, g, m, v) => K.Optimizer.Adam(p, g, m, v, 0.1, 0.9, 0.999, epsilon, 1), "epsilon");
        Rejected((p, g, m, v) => R.Optimizer.Adam(p, g, m, v, 0.1, 0.9, 0.999, epsilon, 1), "epsilon");
    }
}
