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
    /// <summary>
    /// Compares with the reference within the bounds above; rows whose maximum is not finite (the limit for ±∞, NaN
    /// for a NaN) must equal the reference exactly, NaN for NaN.
    /// </summary>
    private static void Compare(ReadOnlySpan<double> z, int rows, int cols, int[] targets, ReadOnlySpan<double> p, ReadOnlySpan<double> loss, string what)
    {
        var pe = new double[rows * cols];
        var le = new double[rows];
        Ref.SoftmaxCrossEntropy.Forward(z, rows, cols, targets, pe, le);
        double rel = (2.0 * cols + 8) * U;
        var pb = new double[rows * cols];
        var lb = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> row = z.Slice(r * cols, cols);
            double m = double.NegativeInfinity;
            foreach (double v in row) m = Math.Max(m, v);
            if (!double.IsFinite(m)) continue; // bounds 0: exact
            for (int j = 0; j < cols; j++) pb[r * cols + j] = rel * pe[r * cols + j] + 4 * double.Epsilon;
            double lns = le[r] - (m - row[targets[r]]);
            lb[r] = rel + 4 * U * (Math.Abs(lns) + Math.Abs(le[r]));
        }
        AssertWithin(pe, p, pb, what + " probabilities");
        AssertWithin(le, loss, lb, what + " loss");
    }

    /// <summary>
    /// Runs Forward out of place (input and outputs at the given offsets inside larger buffers, whose other elements
    /// must stay untouched) and in place, compares with the reference, and requires in place = out of place.
    /// </summary>
    private static void CheckForward(double[] z, int rows, int cols, int[] targets, int zOff, int pOff, string what)
    {
        const double Sentinel = -7.25;
        int n = rows * cols;
        var p = new double[pOff + n + 3];
        var loss = new double[pOff + rows + 2];
        p.AsSpan().Fill(Sentinel);
        loss.AsSpan().Fill(Sentinel);
        SoftmaxCrossEntropy.Forward(z.AsSpan(zOff, n), rows, cols, targets, p.AsSpan(pOff, n), loss.AsSpan(pOff, rows));
        AssertUntouched(p.AsSpan(0, pOff), Sentinel, what + " before p");
        AssertUntouched(p.AsSpan(pOff + n), Sentinel, what + " after p");
        AssertUntouched(loss.AsSpan(0, pOff), Sentinel, what + " before loss");
        AssertUntouched(loss.AsSpan(pOff + rows), Sentinel, what + " after loss");
        Compare(z.AsSpan(zOff, n), rows, cols, targets, p.AsSpan(pOff, n), loss.AsSpan(pOff, rows), what);

        double[] zz = (double[])z.Clone();
        var l2 = new double[rows];
        SoftmaxCrossEntropy.Forward(zz.AsSpan(zOff, n), rows, cols, targets, zz.AsSpan(zOff, n), l2);
        AssertSame(p.AsSpan(pOff, n), zz.AsSpan(zOff, n), what + ": in-place probabilities");
        AssertSame(loss.AsSpan(pOff, rows), l2, what + ": in-place loss");
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
    public void Forward_on_short_and_wide_rows_is_within_the_bound_for_every_row_count_and_offset()
    {
        // Rows of up to 32 columns are vectorized across rows (blocks of 64 rows in groups of 4 or 2 lanes, a short
        // last group padded); 33..40 columns work along each row. The row counts cover no rows, every short group,
        // one block and one row either side, and a partial third block.
        var rng = new Random(35);
        int[] rowCounts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 63, 64, 65, 130];
        for (int cols = 1; cols <= 40; cols++)
            foreach (int rows in rowCounts)
            {
                int zOff = (cols + rows) % 4, pOff = (cols + 2 * rows + 1) % 4;
                double scale = (cols + rows) % 3 == 0 ? 40.0 : 1.0;
                double[] z = Buffer(rows * cols, zOff, () => (rng.NextDouble() * 2 - 1) * scale);
                int[] t = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(cols))];
                CheckForward(z, rows, cols, t, zOff, pOff, $"{rows}x{cols} scale {scale} offsets {zOff}/{pOff}");
            }
    }

    /// <summary>Kinds of special row for <see cref="Forward_handles_nan_infinite_and_huge_rows_in_any_lane_and_block"/>.</summary>
    private const int SpecialKinds = 12;

    /// <summary>Overwrites <paramref name="row"/> with special kind <paramref name="kind"/>; returns a target for it (or −1: keep the random one).</summary>
    private static int MakeSpecial(int kind, Span<double> row, Random rng)
    {
        int n = row.Length, a = rng.Next(n), b = rng.Next(n);
        const double Inf = double.PositiveInfinity;
        switch (kind)
        {
            case 0: row[a] = double.NaN; return -1;
            case 1: row[a] = Inf; return -1;
            case 2: row.Fill(-Inf); return -1;
            case 3: row[a] = -Inf; return a; // finite maximum (unless n = 1), loss +∞ at the −∞ target
            case 4:
                for (int j = 0; j < n; j++) row[j] = rng.Next(3) switch { 0 => 1e300, 1 => -1e300, _ => 0.0 };
                return -1;
            case 5: row[0] = double.NaN; row[n - 1] = Inf; return -1; // the native x86 maximum may skip the NaN
            case 6: row[0] = Inf; row[n - 1] = double.NaN; return -1;
            case 7: row.Fill(-Inf); row[a] = double.NaN; return -1;
            case 8: row.Fill(double.NaN); return -1;
            case 9: row[a] = Inf; row[b] = Inf; row[(a + 1) % n] = -Inf; return b; // k = 1 or 2 at +∞, maybe overwritten by −∞
            case 10:
                for (int j = 0; j < n; j++) row[j] = rng.Next(3) switch { 0 => 0.0, 1 => -0.0, _ => -rng.NextDouble() * 800 };
                return -1;
            default: row[a] = Inf; return a; // +∞ target: loss ln k
        }
    }

    [Test]
    public void Forward_handles_nan_infinite_and_huge_rows_in_any_lane_and_block([Values(1, 2, 3, 4, 5, 10, 17, 32, 33)] int cols)
    {
        // One special row among ordinary ones, at the first, a middle and the last row: in every lane of a group, in
        // a short last group, and in a later block (the rows of its block must stay on the fast path's results).
        var rng = new Random(36 + cols);
        foreach (int rows in new[] { 1, 3, 8, 65, 130 })
            for (int kind = 0; kind < SpecialKinds; kind++)
                foreach (int at in new[] { 0, rows / 2, rows - 1, Math.Min(rows - 1, 66) }.Distinct())
                {
                    double[] z = [.. Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() * 10 - 5)];
                    int[] t = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(cols))];
                    int target = MakeSpecial(kind, z.AsSpan(at * cols, cols), rng);
                    if (target >= 0) t[at] = target;
                    CheckForward(z, rows, cols, t, 0, (kind + at) % 4, $"{rows}x{cols} kind {kind} at row {at}");
                }
    }

    [Test]
    public void Forward_gives_nan_for_every_row_holding_a_nan_and_the_limit_for_infinite_rows()
    {
        // Explicit expectations (not only agreement with the reference) for the cases the native maximum makes subtle.
        const double Inf = double.PositiveInfinity, NaN = double.NaN;
        double[] z =
        [
            NaN, 1, Inf, 2,      // NaN before +∞
            1, Inf, 2, NaN,      // NaN after +∞
            -Inf, NaN, -Inf, -Inf, // NaN among −∞
            -Inf, -Inf, -Inf, -Inf, // all −∞: uniform
            Inf, 0, Inf, -Inf,   // two +∞: halves
            3, NaN, 1, 2,        // NaN with a finite maximum
        ];
        int[] t = [2, 1, 0, 3, 0, 0];
        var p = new double[z.Length];
        var l = new double[6];
        SoftmaxCrossEntropy.Forward(z, 6, 4, t, p, l);
        for (int r = 0; r < 3; r++)
        {
            Assert.That(l[r], Is.NaN, $"row {r} loss");
            Assert.That(p.AsSpan(r * 4, 4).ToArray(), Is.All.NaN, $"row {r} probabilities");
        }
        Assert.That(p.AsSpan(12, 4).ToArray(), Is.All.EqualTo(0.25));
        Assert.That(l[3], Is.EqualTo(Math.Log(4)));
        Assert.That(p.AsSpan(16, 4).ToArray(), Is.EqualTo(new[] { 0.5, 0, 0.5, 0 }));
        Assert.That(l[4], Is.EqualTo(Math.Log(2)));
        Assert.That(l[5], Is.NaN);
        Assert.That(p.AsSpan(20, 4).ToArray(), Is.All.NaN);
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
