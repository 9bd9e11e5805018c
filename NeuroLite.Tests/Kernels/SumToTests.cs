using NeuroLite.Kernels;
using static NeuroLite.Tests.Kernels.ReductionTestSupport;
using Ref = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// Broadcast.SumTo against the reference. Sums over the innermost axis are reordered, so float data is checked against
/// the bound 2·γ_n·Σ|terms| per output element (Reduce.Sum's remarks derive it); integer data must match bitwise for
/// every shape, since integer sums are exact in any order; row-wise sums (bias gradients) must match bitwise always.
/// </summary>
public class SumToTests
{
    private static readonly int[][] GradShapes =
    [
        [], [1], [7], [0], [2, 3], [3, 9], [4, 1], [1, 10], [0, 3], [3, 0], [5, 17], [2, 3, 4], [3, 1, 9], [2, 9, 3],
        [2, 0, 4], [2, 2, 3, 4], [2, 3, 1, 9], [3, 2, 9, 2], [1, 2, 1, 3], [2, 2, 2, 0], [2, 3, 2, 5],
    ];

    /// <summary>Reference SumTo of |g| (plus |dst| when accumulating): the Σ|terms| of each output element.</summary>
    private static double[] AbsSums(double[] g, int[] gShape, double[] dst0, int[] dstShape, bool accumulate)
    {
        var abs = new double[dst0.Length];
        for (int i = 0; i < abs.Length; i++) abs[i] = accumulate ? Math.Abs(dst0[i]) : 0;
        Ref.Broadcast.SumTo([.. g.Select(Math.Abs)], gShape, abs, dstShape, accumulate: true);
        return abs;
    }

    private static void Check(double[] g, int[] gShape, int[] dstShape, Random rng, Func<double> fill, bool exact, string what)
    {
        int nd = Shapes.Count(dstShape);
        int terms = Math.Max(1, g.Length / Math.Max(1, nd)) + 1;
        foreach (bool accumulate in new[] { false, true })
        {
            double[] dst0 = [.. Enumerable.Range(0, nd).Select(_ => fill())];
            double[] e = (double[])dst0.Clone(), d = (double[])dst0.Clone();
            Ref.Broadcast.SumTo(g, gShape, e, dstShape, accumulate);
            Broadcast.SumTo(g, gShape, d, dstShape, accumulate);
            string msg = $"{what}: {Str(gShape)} -> {Str(dstShape)}, accumulate {accumulate}";
            if (exact)
            {
                for (int i = 0; i < nd; i++)
                    if (!(e[i] == d[i] || (double.IsNaN(e[i]) && double.IsNaN(d[i]))))
                        Assert.Fail($"{msg}: element {i} is {d[i]:R}, reference {e[i]:R}");
            }
            else
            {
                double[] bound = [.. AbsSums(g, gShape, dst0, dstShape, accumulate).Select(s => 2 * Gamma(terms) * s * (1 + 4 * terms * U))];
                AssertWithin(e, d, bound, msg);
            }
        }
    }

    [Test]
    public void Every_reduction_shape_equals_the_reference_exactly_on_integers_and_within_the_bound_on_floats()
    {
        var rng = new Random(11);
        Func<double> ints = Integers(rng), floats = Finite(rng);
        foreach (int[] gShape in GradShapes)
            for (int mask = 0; mask < 1 << gShape.Length; mask++)
            {
                int[] dstShape = Derive(gShape, mask, rng);
                int n = Shapes.Count(gShape);
                double[] gi = [.. Enumerable.Range(0, n).Select(_ => ints())];
                double[] gf = [.. Enumerable.Range(0, n).Select(_ => floats())];
                Check(gi, gShape, dstShape, rng, ints, exact: true, "integers");
                Check(gf, gShape, dstShape, rng, floats, exact: false, "floats");
            }
    }

    [Test]
    public void Bias_gradient_and_leading_axis_sums_are_bitwise_the_reference()
    {
        var rng = new Random(12);
        Func<double> fill = Mixed(rng);
        // n = 1 would make the row vector a scalar, which Reduce.Sum reorders (covered by the bound tests).
        foreach (int n in Sizes.Where(n => n != 1))
            foreach (int m in new[] { 1, 4, 7 })
                for (int off = 0; off < 4; off++)
                {
                    double[] buf = Buffer(m * n, off, fill);
                    ReadOnlySpan<double> g = buf.AsSpan(off, m * n);
                    int[] dstShape = off % 2 == 0 ? [n] : [1, n];
                    foreach (bool accumulate in new[] { false, true })
                        {
                            int doff = (off + 1) % 4;
                            double[] dbuf = Buffer(n, doff, fill);
                            dbuf.AsSpan(0, doff).Fill(777);
                            dbuf.AsSpan(doff + n).Fill(777);
                            double[] e = dbuf[doff..][..n];
                            Ref.Broadcast.SumTo(g, [m, n], e, dstShape, accumulate);
                            Broadcast.SumTo(g, [m, n], dbuf.AsSpan(doff, n), dstShape, accumulate);
                            AssertSame(e, dbuf.AsSpan(doff, n), $"({m}, {n}) -> {Str(dstShape)} offset {off} accumulate {accumulate}");
                            AssertUntouched(dbuf.AsSpan(0, doff), 777, "before dst");
                            AssertUntouched(dbuf.AsSpan(doff + n), 777, "past dst");
                        }
                }
        // Leading and middle axes of a rank-3/4 gradient (batch × time × features): rows added in reference order.
        foreach (var (gShape, dstShape) in new (int[], int[])[] { ([4, 5, 33], [33]), ([4, 5, 33], [5, 33]), ([4, 5, 33], [4, 1, 33]), ([2, 3, 4, 9], [3, 1, 9]), ([2, 3, 4, 9], [2, 1, 4, 9]) })
        {
            double[] g = [.. Enumerable.Range(0, Shapes.Count(gShape)).Select(_ => fill())];
            var e = new double[Shapes.Count(dstShape)];
            var d = new double[e.Length];
            Ref.Broadcast.SumTo(g, gShape, e, dstShape);
            Broadcast.SumTo(g, gShape, d, dstShape);
            AssertSame(e, d, $"{Str(gShape)} -> {Str(dstShape)}");
        }
    }

    [Test]
    public void Column_scalar_and_same_shape_sums_are_within_the_bound_on_every_size_and_offset()
    {
        var rng = new Random(13);
        Func<double> fill = Finite(rng);
        foreach (int n in Sizes)
        {
            (int[], int[])[] kinds = [([n], [n]), ([n], []), ([3, n], [3, 1]), ([3, n], [1, 1]), ([2, 3, n], [3, 1])];
            for (int k = 0; k < kinds.Length; k++)
            {
                // One rotating offset per case: Reduce.Sum's own test covers every offset of every size.
                var (gShape, dstShape) = kinds[k];
                int off = (n + k) % 4;
                {
                    int len = Shapes.Count(gShape);
                    double[] g = Buffer(len, off, fill)[off..][..len];
                    Check(g, gShape, dstShape, rng, fill, exact: false, $"offset {off}");
                }
            }
        }
    }

    [Test]
    public void Empty_gradients_clear_or_keep_the_destination()
    {
        double[] d = [1, 2, 3];
        Broadcast.SumTo([], [0, 3], d, [3], accumulate: true);
        Assert.That(d, Is.EqualTo(new double[] { 1, 2, 3 }));
        Broadcast.SumTo([], [0, 3], d, [1, 3]);
        Assert.That(d, Is.EqualTo(new double[] { 0, 0, 0 }));
    }

    [Test]
    public void Shapes_that_do_not_broadcast_to_the_gradient_are_rejected_before_anything_is_written()
    {
        double[] d = [5, 5, 5];
        var ex = Assert.Throws<ArgumentException>(() => Broadcast.SumTo(new double[8], [2, 4], d, [3]));
        Assert.That(ex!.Message, Does.Contain("(3,)").And.Contain("(2, 4)"));
        ex = Assert.Throws<ArgumentException>(() => Broadcast.SumTo(new double[3], [3], d.AsSpan(0, 3), [1, 3]));
        Assert.That(ex!.Message, Does.Contain("(3,)").And.Contain("(1, 3)"));
        Assert.Throws<ArgumentException>(() => Broadcast.SumTo(new double[6], [2, 3], d.AsSpan(0, 2), [3]));
        Assert.Throws<ArgumentException>(() => Broadcast.SumTo(new double[5], [2, 3], d, [3]));
        Assert.That(d, Is.All.EqualTo(5));
        double[] buf = [.. Enumerable.Range(0, 10).Select(i => (double)i)];
        Assert.Throws<ArgumentException>(() => Broadcast.SumTo(buf.AsSpan(0, 6), [2, 3], buf.AsSpan(5, 3), [3]));
        Assert.That(buf, Is.EqualTo(Enumerable.Range(0, 10).Select(i => (double)i)));
    }
}
