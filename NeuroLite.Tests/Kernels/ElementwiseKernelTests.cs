using NeuroLite.Kernels;
using static NeuroLite.Tests.Kernels.KernelTestData;
using Ref = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// Every element-wise SIMD kernel against its scalar reference, bit for bit, on every size and tail, with inputs and
/// output sliced at offsets 0..3 of larger buffers (so nothing may be written outside the slice), in place, and
/// with the argument checks that must throw before anything is written.
/// </summary>
/// <remarks>
/// The kernels are the <see cref="MapEntry"/> entries of <see cref="KernelCatalog"/>. Each test loops over all of them
/// (one test node each), naming the kernel, size and offset when it fails.
/// </remarks>
public class ElementwiseKernelTests
{
    /// <summary>The element-wise entries of the kernel catalog: adding one there adds it to every sweep below.</summary>
    internal static IEnumerable<MapEntry> Cases() => KernelCatalog.All.OfType<MapEntry>();

    [Test]
    public void Equals_reference_on_every_size_tail_and_offset()
    {
        foreach (MapEntry k in Cases())
        foreach (int n in Sizes)
        {
            double[] a = Values(n + 8, 1000 + n, k.Sweep), b = Values(n + 8, 2000 + n), c0 = Values(n + 8, 3000 + n);
            foreach (var (ao, co) in OffsetPairs)
            {
                int bo = 7 - ao;
                var simd = (double[])c0.Clone();
                var reference = (double[])c0.Clone();
                k.Fast(a.AsSpan(ao, n), b.AsSpan(bo, n), simd.AsSpan(co, n));
                k.Reference(a.AsSpan(ao, n), b.AsSpan(bo, n), reference.AsSpan(co, n));
                int at = FirstDifference(simd, reference);
                if (at >= 0)
                    Assert.Fail($"{k.Name}: n={n}, input offset {ao}, output offset {co}: element {at - co} " +
                                $"(input {(at - co >= 0 && at - co < n ? a[ao + at - co] : double.NaN):R}) is {simd[at]:R}, reference {reference[at]:R}");
            }
        }
    }

    [Test]
    public void Equals_reference_on_outputs_large_enough_for_non_temporal_stores()
    {
        // From StreamingDriver.MinLength on, the output is written with aligned non-temporal stores after a head of up
        // to 7 elements (output offsets 0..7 move the alignment) and before a tail of full and masked vectors. One
        // size is enough: min + 5 minus the head leaves every tail length 0..7 over the eight offsets.
        int min = NeuroLite.Kernels.Elementwise.StreamingDriver.MinLength;
        // Only the AVX2 and AVX-512 paths have that loop; elsewhere these sizes run the loop the small-size test already covers.
        if (!NeuroLite.Kernels.Elementwise.StreamingDriver.Applies(min))
            Assert.Ignore("no non-temporal loop on this path: " + Simd.Path);
        foreach (MapEntry k in Cases())
        foreach (int n in new[] { min + 5 })
        {
            double[] a = Values(n + 8, 6000 + n, k.Sweep), b = Values(n + 8, 7000 + n), c0 = Values(n + 8, 8000 + n);
            foreach (int co in Offsets)
            {
                var simd = (double[])c0.Clone();
                var reference = (double[])c0.Clone();
                k.Fast(a.AsSpan(1, n), b.AsSpan(2, n), simd.AsSpan(co, n));
                k.Reference(a.AsSpan(1, n), b.AsSpan(2, n), reference.AsSpan(co, n));
                Assert.That(FirstDifference(simd, reference), Is.EqualTo(-1), $"{k.Name}: n={n}, output offset {co}");
                simd = (double[])a.Clone();
                reference = (double[])a.Clone();
                k.Fast(simd.AsSpan(co, n), b.AsSpan(0, n), simd.AsSpan(co, n));
                k.Reference(reference.AsSpan(co, n), b.AsSpan(0, n), reference.AsSpan(co, n));
                Assert.That(FirstDifference(simd, reference), Is.EqualTo(-1), $"{k.Name} in place: n={n}, offset {co}");
            }
        }
    }

    [Test]
    public void Works_in_place()
    {
        foreach (MapEntry k in Cases())
        foreach (int n in Sizes)
        {
            double[] a = Values(n + 8, 4000 + n, k.Sweep), b = Values(n + 8, 5000 + n);
            foreach (int o in Offsets)
            {
                // The output is the first input; for two-input kernels also the second.
                var simd = (double[])a.Clone();
                var reference = (double[])a.Clone();
                k.Fast(simd.AsSpan(o, n), b.AsSpan(0, n), simd.AsSpan(o, n));
                k.Reference(reference.AsSpan(o, n), b.AsSpan(0, n), reference.AsSpan(o, n));
                Assert.That(FirstDifference(simd, reference), Is.EqualTo(-1), $"{k.Name} in place on a, n={n}, offset {o}");
                if (k.Arity == 2)
                {
                    simd = (double[])b.Clone();
                    reference = (double[])b.Clone();
                    k.Fast(a.AsSpan(0, n), simd.AsSpan(o, n), simd.AsSpan(o, n));
                    k.Reference(a.AsSpan(0, n), reference.AsSpan(o, n), reference.AsSpan(o, n));
                    Assert.That(FirstDifference(simd, reference), Is.EqualTo(-1), $"{k.Name} in place on b, n={n}, offset {o}");
                }
            }
        }
    }

    [Test]
    public void Rejects_partial_overlap_and_mismatched_lengths_before_writing()
    {
        foreach (MapEntry k in Cases())
        foreach (int n in new[] { 2, 5, 17, 64 })
        {
            double[] buffer = Values(n + 8, 6000 + n), other = Values(n + 8, 7000 + n);
            var before = (double[])buffer.Clone();
            var otherBefore = (double[])other.Clone();
            // Output shifted by one against the first input (and, for two inputs, against the second).
            ThrowsArgument(() => k.Fast(buffer.AsSpan(0, n), other.AsSpan(0, n), buffer.AsSpan(1, n)), $"{k.Name} a/c overlap n={n}");
            if (k.Arity == 2)
                ThrowsArgument(() => k.Fast(other.AsSpan(0, n), buffer.AsSpan(1, n), buffer.AsSpan(0, n)), $"{k.Name} b/c overlap n={n}");
            // Lengths that disagree.
            ThrowsArgument(() => k.Fast(other.AsSpan(0, n), other.AsSpan(0, n), buffer.AsSpan(0, n + 1)), $"{k.Name} long output n={n}");
            ThrowsArgument(() => k.Fast(other.AsSpan(0, n + 1), other.AsSpan(0, n + 1), buffer.AsSpan(0, n)), $"{k.Name} short output n={n}");
            if (k.Arity == 2)
                ThrowsArgument(() => k.Fast(other.AsSpan(0, n), other.AsSpan(0, n + 1), buffer.AsSpan(0, n)), $"{k.Name} b longer n={n}");
            Assert.That(FirstDifference(buffer, before), Is.EqualTo(-1), $"{k.Name} wrote before throwing, n={n}");
            Assert.That(FirstDifference(other, otherBefore), Is.EqualTo(-1), $"{k.Name} wrote an input, n={n}");
        }
    }

    [Test]
    public void The_overlap_test_agrees_with_MemoryExtensions_Overlaps()
    {
        // Validate.Overlap is an inlined copy of MemoryExtensions.Overlaps for doubles: every start and length pair within
        // a small buffer, including empty spans, spans that only touch, and identical ones.
        double[] buffer = new double[12];
        for (int xs = 0; xs <= 12; xs++)
        for (int xl = 0; xs + xl <= 12; xl++)
        for (int ys = 0; ys <= 12; ys++)
        for (int yl = 0; ys + yl <= 12; yl++)
        {
            ReadOnlySpan<double> x = buffer.AsSpan(xs, xl), y = buffer.AsSpan(ys, yl);
            Assert.That(NeuroLite.Kernels.Validate.Overlap(x, y), Is.EqualTo(x.Overlaps(y)), $"x [{xs}, {xs + xl}), y [{ys}, {ys + yl})");
        }
        Assert.That(NeuroLite.Kernels.Validate.Overlap(buffer, new double[3]), Is.False, "separate arrays");
    }

    private static void ThrowsArgument(Action call, string what)
    {
        try { call(); }
        catch (ArgumentException) { return; }
        Assert.Fail($"{what}: no ArgumentException");
    }

    [Test]
    public void Tanh_with_huge_inputs_mixed_in_equals_the_reference_bitwise()
    {
        // The benchmark's "no slow path" buffer: uniform [-3, 3] with one element in 8 at |x| in [400, 800], plus
        // the far ends; the kernel has no per-vector branch, so these lanes run the same code as the others.
        var rng = new Random(31);
        var x = new double[4099];
        for (int i = 0; i < x.Length; i++)
            x[i] = rng.Next(8) == 0 ? (rng.Next(2) == 0 ? 1 : -1) * (400 + rng.NextDouble() * 400) : rng.NextDouble() * 6 - 3;
        x[7] = double.MaxValue;
        x[8] = -double.MaxValue;
        x[9] = double.PositiveInfinity;
        x[10] = double.NegativeInfinity;
        double[] y = new double[x.Length], reference = new double[x.Length];
        Unary.Tanh(x, y);
        Ref.Unary.Tanh(x, reference);
        Assert.That(FirstDifference(y, reference), Is.EqualTo(-1), "SIMD and reference differ");
        for (int i = 0; i < x.Length; i++)
            if (Math.Abs(x[i]) >= 400) Assert.That(y[i], Is.EqualTo(Math.Sign(x[i])), $"tanh({x[i]:R})");
    }

    [Test]
    public void NaN_propagates_through_every_value_kernel()
    {
        double[] x = [double.NaN, 1, double.NaN, 1.5, 0.5, double.NaN, 2, 3, double.NaN];
        double[] y = new double[x.Length];
        void Check(string name)
        {
            for (int i = 0; i < x.Length; i++)
                if (double.IsNaN(x[i])) Assert.That(double.IsNaN(y[i]), $"{name}[{i}]");
                else Assert.That(double.IsNaN(y[i]), Is.False, $"{name}[{i}]");
        }
        Unary.Tanh(x, y); Check("tanh");
        Unary.Exp(x, y); Check("exp");
        Unary.Log(x, y); Check("log");
        Unary.Relu(x, y); Check("relu");
        Binary.Add(x, x, y); Check("add");
        Binary.Multiply(x, 2.0, y); Check("multiply");
        Binary.Divide(x, 3.0, y); Check("divide");
    }

    [Test]
    public void Relu_is_exact()
    {
        double[] x = [-0.0, 0.0, -1e-310, 1e-310, -3, 3, double.NegativeInfinity, double.PositiveInfinity, double.NaN, 7.25];
        double[] y = new double[x.Length];
        Unary.Relu(x, y);
        double[] expected = [0.0, 0.0, 0.0, 1e-310, 0.0, 3, 0.0, double.PositiveInfinity, double.NaN, 7.25];
        for (int i = 0; i < x.Length; i++)
            Assert.That(Same(y[i], expected[i]), $"relu({x[i]:R}) = {y[i]:R}");
    }
    [Test]
    public void Backward_overwrite_is_bitwise_accumulation_into_zeros()
    {
        // The engine lets a gradient's first writer overwrite it instead of clearing it and adding; that is exact only
        // if the overwrite is 0 + d, including d = −0 (t = ±1 or g = −0 gives a −0 product; 0 + −0 is +0).
        double[] pool = [-0.0, 0.0, 1.0, -1.0, 0.5, -2.5, 1e-300, -3.0, 0.75, double.NaN, double.PositiveInfinity];
        var rng = new Random(77);
        for (int n = 0; n <= 19; n++)
        {
            for (int offset = 0; offset < 4; offset++)
            {
                var a = new double[n + offset];
                var g = new double[n + offset];
                for (int i = 0; i < a.Length; i++) { a[i] = pool[rng.Next(pool.Length)]; g[i] = pool[rng.Next(pool.Length)]; }
                foreach (var (name, kernel) in new (string, Action<ReadOnlySpan<double>, ReadOnlySpan<double>, Span<double>, bool>)[]
                         { ("TanhBackward", (x, y, d, acc) => Unary.TanhBackward(x, y, d, acc)), ("ReluBackward", (x, y, d, acc) => Unary.ReluBackward(x, y, d, acc)) })
                {
                    var overwritten = new double[n + offset];
                    Array.Fill(overwritten, 123.0); // stale numbers the overwrite must replace
                    var accumulated = new double[n + offset];
                    kernel(a.AsSpan(offset), g.AsSpan(offset), overwritten.AsSpan(offset), false);
                    kernel(a.AsSpan(offset), g.AsSpan(offset), accumulated.AsSpan(offset), true);
                    for (int i = offset; i < n + offset; i++)
                        Assert.That(Same(overwritten[i], accumulated[i]), $"{name}, n = {n}, offset {offset}, element {i}: overwrite {overwritten[i]:R}, 0 + d {accumulated[i]:R}");
                }
            }
        }
    }
}
