using NeuroLite.Kernels;
using static NeuroLite.Tests.Kernels.KernelTestData;
using Ref = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

/// <summary>The fused optimizer updates against their scalar references: bit for bit, every size and offset, several steps.</summary>
public class OptimizerKernelTests
{
    /// <summary>The optimizer entries of the kernel catalog (each with and without zeroing the gradients).</summary>
    internal static IEnumerable<UpdateEntry> Cases() => KernelCatalog.All.OfType<UpdateEntry>();

    [Test]
    public void Equals_reference_on_every_size_and_offset_over_three_steps()
    {
        foreach (UpdateEntry k in Cases())
        foreach (int n in Sizes)
        foreach (int o in Offsets)
        {
            double[][] simd = [Values(n + 8, 10 + n), Values(n + 8, 20 + n), Values(n + 8, 30 + n, 1), Values(n + 8, 40 + n, 1)];
            for (int j = 0; j < simd[3].Length; j++) simd[3][j] = Math.Abs(simd[3][j]); // a second moment is non-negative
            double[][] reference = [.. simd.Select(a => (double[])a.Clone())];
            for (int step = 1; step <= 3; step++)
            {
                int go = 7 - o; // gradients sliced at another offset than the parameters
                k.Fast(simd[0].AsSpan(o, n), simd[1].AsSpan(go, n), simd[2].AsSpan(o, n), simd[3].AsSpan(go, n), step);
                k.Reference(reference[0].AsSpan(o, n), reference[1].AsSpan(go, n), reference[2].AsSpan(o, n), reference[3].AsSpan(go, n), step);
                for (int b = 0; b < 4; b++)
                {
                    int at = FirstDifference(simd[b], reference[b]);
                    Assert.That(at, Is.EqualTo(-1), $"{k.Name}: buffer {b}, n={n}, offset {o}, step {step}, element {at}");
                }
                // Fresh gradients for the next step (the same in both).
                double[] g = Values(n + 8, 50 + n + step);
                g.CopyTo(simd[1], 0);
                g.CopyTo(reference[1], 0);
            }
        }
    }

    [Test]
    public void Rejects_mismatched_or_shared_buffers_before_writing()
    {
        double[] p = [1, 2, 3, 4, 5], g = [1, 1, 1, 1, 1], m = new double[5], v = new double[5];
        double[] p0 = (double[])p.Clone(), g0 = (double[])g.Clone();
        Assert.Throws<ArgumentException>(() => Optimizer.Sgd(p, g.AsSpan(0, 4), 0.1));
        Assert.Throws<ArgumentException>(() => Optimizer.Sgd(p.AsSpan(0, 4), p.AsSpan(1, 4), 0.1));
        Assert.Throws<ArgumentException>(() => Optimizer.SgdMomentum(p, g, v.AsSpan(0, 4), 0.1, 0.9));
        Assert.Throws<ArgumentException>(() => Optimizer.Adam(p, g, m, p, 0.1, 0.9, 0.999, 1e-8, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Optimizer.Adam(p, g, m, v, 0.1, 0.9, 0.999, 1e-8, 0));
        Assert.That(p, Is.EqualTo(p0));
        Assert.That(g, Is.EqualTo(g0));
        Assert.That(m, Is.All.EqualTo(0.0));
    }

    [Test]
    public void Adam_first_step_moves_each_parameter_by_about_the_learning_rate()
    {
        double[] p = new double[37], g = new double[37], m = new double[37], v = new double[37];
        for (int i = 0; i < p.Length; i++) g[i] = i % 2 == 0 ? 0.5 * (i + 1) : -2.0 / (i + 1);
        Optimizer.Adam(p, g, m, v, 0.01, 0.9, 0.999, 1e-8, 1, zeroGradients: true);
        for (int i = 0; i < p.Length; i++)
            Assert.That(p[i], Is.EqualTo(-0.01 * Math.Sign(i % 2 == 0 ? 1 : -1)).Within(1e-8), $"p[{i}]");
        Assert.That(g, Is.All.EqualTo(0.0));
    }
}
