using NeuroLite.Kernels;
using static NeuroLite.Tests.Kernels.ReductionTestSupport;
using Ref = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// Softmax cross-entropy against the reference, with the bounds derived in SoftmaxCrossEntropy.Forward's remarks:
/// |p − p_ref| ≤ (2n + 8)·u·p_ref + 4·2^-1074 and |L − L_ref| ≤ (2n + 8)·u + 4u·(|ln s| + |L_ref|), n = cols.
/// They assume exp within 1 ulp of Math.Exp (the Unary.Exp contract).
/// </summary>
public class SoftmaxCrossEntropyTests
{
    private static void Compare(ReadOnlySpan<double> z, int rows, int cols, int[] targets, ReadOnlySpan<double> p, ReadOnlySpan<double> loss, string what)
    {
        var pe = new double[rows * cols];
        var le = new double[rows];
        Ref.SoftmaxCrossEntropy.Forward(z, rows, cols, targets, pe, le);
        double rel = (2.0 * cols + 8) * U;
        AssertWithin(pe, p, [.. pe.Select(v => rel * v + 4 * double.Epsilon)], what + " probabilities");
        var lb = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> row = z.Slice(r * cols, cols);
            double m = double.NegativeInfinity;
            foreach (double v in row) m = Math.Max(m, v);
            double lns = le[r] - (m - row[targets[r]]);
            lb[r] = rel + 4 * U * (Math.Abs(lns) + Math.Abs(le[r]));
        }
        AssertWithin(le, loss, lb, what + " loss");
    }

    [Test]
    public void Forward_is_within_the_bound_on_every_size_and_offset()
    {
        var rng = new Random(31);
        const int rows = 3;
        foreach (int cols in Sizes)
        {
            if (cols == 0) continue;
            int[] targets = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(cols))];
            foreach (double scale in new[] { 1.0, 40.0 })
                for (int off = 0; off < 4; off++)
                {
                    ReadOnlySpan<double> z = Buffer(rows * cols, off, () => (rng.NextDouble() * 2 - 1) * scale).AsSpan(off, rows * cols);
                    var p = new double[rows * cols + 3];
                    var loss = new double[rows + 1];
                    SoftmaxCrossEntropy.Forward(z, rows, cols, targets, p.AsSpan((off + 1) % 4, rows * cols), loss.AsSpan(off % 2, rows));
                    Compare(z, rows, cols, targets, p.AsSpan((off + 1) % 4, rows * cols), loss.AsSpan(off % 2, rows), $"cols {cols} scale {scale} offset {off}");
                }
        }
    }

    [Test]
    public void Extreme_logits_give_the_finite_limit_not_nan()
    {
        (double[] Z, int T, double[] P, double L)[] cases =
        [
            ([1e300, -1e300, 0], 0, [1, 0, 0], 0),
            ([1e300, -1e300, 0], 1, [1, 0, 0], 2e300),
            ([-1e300, -1e300], 0, [0.5, 0.5], Math.Log(2)),
            ([5, 5, 5, 5, 5], 3, [0.2, 0.2, 0.2, 0.2, 0.2], Math.Log(5)),
            ([double.PositiveInfinity, 1, 2], 0, [1, 0, 0], 0),
            ([double.PositiveInfinity, 1, 2], 2, [1, 0, 0], double.PositiveInfinity),
            ([double.PositiveInfinity, 1, double.PositiveInfinity, double.NegativeInfinity], 2, [0.5, 0, 0.5, 0], Math.Log(2)),
            ([double.NegativeInfinity, 3, double.NegativeInfinity], 1, [0, 1, 0], 0),
            ([double.NegativeInfinity, 3, double.NegativeInfinity], 0, [0, 1, 0], double.PositiveInfinity),
            ([double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity], 1, [0.25, 0.25, 0.25, 0.25], Math.Log(4)),
        ];
        foreach (var (z, t, pExpected, lExpected) in cases)
        {
            string what = $"[{string.Join(", ", z)}] target {t}";
            double tol = double.IsFinite(lExpected) ? 8 * U * Math.Max(1, Math.Abs(lExpected)) : 0;
            var p = new double[z.Length];
            var l = new double[1];
            var pr = new double[z.Length];
            var lr = new double[1];
            SoftmaxCrossEntropy.Forward(z, 1, z.Length, [t], p, l);
            Ref.SoftmaxCrossEntropy.Forward(z, 1, z.Length, [t], pr, lr);
            Assert.That(p, Is.EqualTo(pExpected).Within(4 * U), what);
            Assert.That(l[0], Is.EqualTo(lExpected).Within(tol), what);
            Assert.That(pr, Is.EqualTo(pExpected).Within(4 * U), what + " (reference)");
            Assert.That(lr[0], Is.EqualTo(lExpected).Within(tol), what + " (reference)");
        }
        var pn = new double[3];
        var ln = new double[1];
        SoftmaxCrossEntropy.Forward([1, double.NaN, 2], 1, 3, [0], pn, ln);
        Assert.That(ln[0], Is.NaN, "a NaN logit makes the row undefined");
    }

    [Test]
    public void Forward_over_many_row_blocks_is_within_the_bound_in_place_and_with_an_infinite_row([Values(1, 2, 10, 17)] int cols)
    {
        // The kernel works in blocks of 64 rows; 64, 65 and 150 rows cover a full block, one row past it, and a partial
        // third block. With infiniteAt >= 0 that row's block takes the row-by-row path and the others must not.
        var rng = new Random(64 + cols);
        foreach (int rows in new[] { 64, 65, 150 })
            foreach (int infiniteAt in new[] { -1, 70 })
            {
                if (infiniteAt >= rows) continue;
                double[] z = [.. Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() * 20 - 10)];
                if (infiniteAt >= 0) z[infiniteAt * cols] = double.PositiveInfinity;
                int[] t = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(cols))];
                var p = new double[z.Length];
                var loss = new double[rows];
                SoftmaxCrossEntropy.Forward(z, rows, cols, t, p, loss);
                string what = $"rows {rows} cols {cols} infinite row {infiniteAt}";
                if (infiniteAt < 0) Compare(z, rows, cols, t, p, loss, what);
                else
                {
                    var pe = new double[z.Length];
                    var le = new double[rows];
                    Ref.SoftmaxCrossEntropy.Forward(z, rows, cols, t, pe, le);
                    Assert.That(loss[infiniteAt], Is.EqualTo(le[infiniteAt]), what + ": the infinite row's limit");
                    Assert.That(p.AsSpan(infiniteAt * cols, cols).ToArray(), Is.EqualTo(pe.AsSpan(infiniteAt * cols, cols).ToArray()), what);
                    Compare(z.AsSpan(0, 64 * cols), 64, cols, t[..64], p.AsSpan(0, 64 * cols), loss.AsSpan(0, 64), what + ", first block");
                }
                double[] zz = (double[])z.Clone();
                var l2 = new double[rows];
                SoftmaxCrossEntropy.Forward(zz, rows, cols, t, zz, l2);
                AssertSame(p, zz, what + ": in-place probabilities");
                AssertSame(loss, l2, what + ": in-place loss");
            }
    }

    [Test]
    public void Forward_in_place_equals_out_of_place()
    {
        var rng = new Random(32);
        foreach (int cols in new[] { 1, 3, 10, 17, 129 })
        {
            const int rows = 5;
            double[] z = [.. Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() * 10 - 5)];
            z[cols] = double.PositiveInfinity;
            int[] t = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(cols))];
            var p = new double[z.Length];
            var l = new double[rows];
            SoftmaxCrossEntropy.Forward(z, rows, cols, t, p, l);
            var l2 = new double[rows];
            double[] zz = (double[])z.Clone();
            SoftmaxCrossEntropy.Forward(zz, rows, cols, t, zz, l2);
            AssertSame(p, zz, $"cols {cols} probabilities");
            AssertSame(l, l2, $"cols {cols} loss");
            Ref.SoftmaxCrossEntropy.Forward(z, rows, cols, t, p, l);
            zz = (double[])z.Clone();
            Ref.SoftmaxCrossEntropy.Forward(zz, rows, cols, t, zz, l2);
            AssertSame(l, l2, $"cols {cols} reference loss in place");
        }
    }

    [Test]
    public void Backward_equals_the_reference_and_accumulates_within_the_bound()
    {
        var rng = new Random(33);
        foreach (int cols in Sizes)
        {
            if (cols == 0) continue;
            // 65 rows crosses Backward's 64-row block.
            foreach (int rows in new[] { 1, 3, 65 })
            {
                if (rows * cols > 5000) continue;
                int[] t = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(cols))];
                int off = (cols + rows) % 4;
                ReadOnlySpan<double> p = Buffer(rows * cols, off, rng.NextDouble).AsSpan(off, rows * cols);
                double[] g0 = [.. Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() * 2 - 1)];
                const double scale = 1.0 / 3;
                double[] e = (double[])g0.Clone(), d = (double[])g0.Clone();
                Ref.SoftmaxCrossEntropy.Backward(p, rows, cols, t, scale, e);
                SoftmaxCrossEntropy.Backward(p, rows, cols, t, scale, d);
                AssertSame(e, d, $"overwrite {rows}x{cols}");

                e = (double[])g0.Clone();
                d = (double[])g0.Clone();
                Ref.SoftmaxCrossEntropy.Backward(p, rows, cols, t, scale, e, accumulate: true);
                SoftmaxCrossEntropy.Backward(p, rows, cols, t, scale, d, accumulate: true);
                var bound = new double[e.Length];
                for (int i = 0; i < e.Length; i++)
                {
                    double dd = Math.Abs(scale * p[i]) + scale;
                    bound[i] = U * dd + 2 * U * (Math.Abs(g0[i]) + dd);
                }
                AssertWithin(e, d, bound, $"accumulate {rows}x{cols}");
                for (int r = 0; r < rows; r++)
                    Assert.That(d[r * cols + t[r]], Is.EqualTo(e[r * cols + t[r]]), "target entries are the reference's");

                // In place (gradient written over the probabilities).
                double[] pp = p.ToArray();
                Ref.SoftmaxCrossEntropy.Backward(p, rows, cols, t, scale, e);
                SoftmaxCrossEntropy.Backward(pp, rows, cols, t, scale, pp);
                AssertSame(e, pp, $"in place {rows}x{cols}");
            }
        }
    }

    [Test]
    public void Bad_targets_and_sizes_are_rejected_before_anything_is_written()
    {
        var p = new double[6];
        var l = new double[2];
        p.AsSpan().Fill(3);
        l.AsSpan().Fill(3);
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Forward(new double[6], 2, 3, [0, 3], p, l));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Forward(new double[6], 2, 3, [-1, 0], p, l));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(new double[6], 2, 3, [0, 1], p.AsSpan(0, 5), l));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(new double[6], 2, 3, [0], p, l));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(p.AsSpan(0, 6), 2, 3, [0, 1], p.AsSpan(0, 6).ToArray().AsSpan(), l.AsSpan(0, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Backward(new double[6], 2, 3, [0, 5], 1.0, p));
        double[] buf = new double[8];
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Backward(buf.AsSpan(0, 6), 2, 3, [0, 1], 1.0, buf.AsSpan(1, 6)));
        Assert.That(p, Is.All.EqualTo(3));
        Assert.That(l, Is.All.EqualTo(3));
        Assert.That(buf, Is.All.Zero);
    }
}
