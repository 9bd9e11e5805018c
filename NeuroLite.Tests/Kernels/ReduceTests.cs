using NeuroLite.Kernels;
using static NeuroLite.Tests.Kernels.ReductionTestSupport;
using Ref = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// Reduce against the reference. Sum reorders additions; the bound tested is |Sum − Reference.Sum| ≤ 2·γ_n·Σ|x_i|
/// (γ_k = k·u/(1 − k·u), u = 2^-53): each is within γ_{n−1}·Σ|x_i| of the exact sum (Higham §4.2, any order), and
/// γ_n instead of γ_{n−1} absorbs the rounding of the computed Σ|x_i|. Max and argmax must be exact.
/// </summary>
public class ReduceTests
{
    private static double SumBound(ReadOnlySpan<double> x)
    {
        double abs = 0;
        foreach (double v in x) abs += Math.Abs(v);
        return 2 * Gamma(x.Length + 1) * abs;
    }

    [Test]
    public void Sum_is_within_the_bound_on_every_size_and_offset_and_exact_on_integers()
    {
        var rng = new Random(21);
        Func<double> floats = Finite(rng), ints = Integers(rng);
        foreach (int n in Sizes)
            for (int off = 0; off < 4; off++)
            {
                ReadOnlySpan<double> x = Buffer(n, off, floats).AsSpan(off, n);
                double e = Ref.Reduce.Sum(x), s = Reduce.Sum(x), bound = SumBound(x);
                Assert.That(Math.Abs(s - e), Is.LessThanOrEqualTo(bound), $"n {n} offset {off}: {s:R} vs {e:R}");
                x = Buffer(n, off, ints).AsSpan(off, n);
                Assert.That(Reduce.Sum(x), Is.EqualTo(Ref.Reduce.Sum(x)), $"integers n {n} offset {off}");
            }
        Assert.That(BitConverter.DoubleToInt64Bits(Reduce.Sum([])), Is.Zero, "empty sum is +0");
        Assert.That(BitConverter.DoubleToInt64Bits(Reduce.Sum([-0.0, -0.0, -0.0, -0.0, -0.0])), Is.Zero, "the reference starts from +0");
    }

    [Test]
    public void Sum_bound_is_not_vacuous_under_cancellation()
    {
        // Large terms that cancel: the reordered sum differs from the reference, but only within the bound.
        var rng = new Random(22);
        double[] x = [.. Enumerable.Range(0, 1025).Select(i => (i % 2 == 0 ? 1e16 : -1e16) + rng.NextDouble())];
        double e = Ref.Reduce.Sum(x), s = Reduce.Sum(x);
        Assert.That(Math.Abs(s - e), Is.LessThanOrEqualTo(SumBound(x)));
        // A sum that drops a term would be off by at least that term.
        Assert.That(SumBound(x), Is.LessThan(1e16));
    }

    [Test]
    public void Sum_propagates_nan_and_infinities_wherever_they_sit()
    {
        foreach (int n in new[] { 1, 2, 3, 5, 16, 17, 33, 64, 70, 129 })
            for (int at = 0; at < n; at += Math.Max(1, n / 7))
            {
                double[] x = [.. Enumerable.Range(0, n).Select(i => (double)i)];
                x[at] = double.PositiveInfinity;
                Assert.That(Reduce.Sum(x), Is.EqualTo(double.PositiveInfinity), $"n {n} +inf at {at}");
                x[at] = double.NaN;
                Assert.That(Reduce.Sum(x), Is.NaN, $"n {n} NaN at {at}");
                if (n > 1)
                {
                    x[at] = double.NegativeInfinity;
                    x[(at + 1) % n] = double.PositiveInfinity;
                    Assert.That(Reduce.Sum(x), Is.NaN, $"n {n} +inf and -inf");
                }
            }
    }

    [Test]
    public void SumAxis_matches_the_reference_on_every_axis_up_to_rank_4()
    {
        var rng = new Random(23);
        Func<double> floats = Finite(rng), ints = Integers(rng);
        int[][] shapes = [[7], [0], [3, 5], [1, 9], [9, 1], [4, 0], [2, 3, 17], [3, 1, 4], [2, 3, 4, 5], [2, 1, 33, 3], [1, 1, 1, 1]];
        foreach (int[] shape in shapes)
            for (int axis = 0; axis < shape.Length; axis++)
            {
                int n = Shapes.Count(shape);
                int outN = n == 0 ? Shapes.Count([.. shape.Where((_, i) => i != axis)]) : n / shape[axis];
                double[] x = [.. Enumerable.Range(0, n).Select(_ => ints())];
                var e = new double[outN];
                var d = new double[outN];
                d.AsSpan().Fill(99);
                Ref.Reduce.SumAxis(x, shape, axis, e);
                Reduce.SumAxis(x, shape, axis, d);
                Assert.That(d, Is.EqualTo(e), $"integers {Str(shape)} axis {axis}");

                x = [.. Enumerable.Range(0, n).Select(_ => floats())];
                Ref.Reduce.SumAxis(x, shape, axis, e);
                Reduce.SumAxis(x, shape, axis, d);
                var abs = new double[outN];
                Ref.Reduce.SumAxis([.. x.Select(Math.Abs)], shape, axis, abs);
                int terms = shape[axis] + 1;
                AssertWithin(e, d, [.. abs.Select(a => 2 * Gamma(terms) * a)], $"floats {Str(shape)} axis {axis}");
            }
        var dst = new double[5];
        Assert.Throws<ArgumentOutOfRangeException>(() => Reduce.SumAxis(new double[15], [3, 5], 2, dst));
        Assert.Throws<ArgumentException>(() => Reduce.SumAxis(new double[15], [3, 5], 0, dst.AsSpan(0, 3)));
        Assert.That(dst, Is.All.Zero);
    }

    /// <summary>Rows drawn from a small set (ties), with ±0, −∞, and NaN sprinkled in some rows.</summary>
    private static double[] MaxData(Random rng, int rows, int cols, int off)
    {
        double[] pool = [-3, -1, -0.0, 0.0, 0.5, 2, 2, double.NegativeInfinity, double.PositiveInfinity];
        var x = new double[off + rows * cols + 2];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Next(4) == 0 ? pool[rng.Next(pool.Length)] : rng.Next(-5, 6) * 0.25;
        for (int r = 0; r < rows; r++)
        {
            if (cols == 0) break;
            int kind = rng.Next(6);
            if (kind == 0) x[off + r * cols + rng.Next(cols)] = double.NaN;
            if (kind == 1) x.AsSpan(off + r * cols, cols).Fill(double.NegativeInfinity);
            if (kind == 2) for (int j = 0; j < cols; j++) x[off + r * cols + j] = rng.Next(2) == 0 ? 0.0 : -0.0;
            if (kind == 3) { x[off + r * cols + rng.Next(cols)] = double.NaN; x[off + r * cols + rng.Next(cols)] = double.NaN; }
        }
        return x;
    }

    [Test]
    public void MaxRows_and_ArgMaxRows_are_exact_on_every_size_and_offset()
    {
        var rng = new Random(24);
        foreach (int cols in Sizes)
            for (int off = 0; off < 4; off++)
            {
                const int rows = 6;
                ReadOnlySpan<double> x = MaxData(rng, rows, cols, off).AsSpan(off, rows * cols);
                var e = new double[rows];
                var d = new double[rows + 1];
                Ref.Reduce.MaxRows(x, rows, cols, e);
                Reduce.MaxRows(x, rows, cols, d.AsSpan(off % 2, rows));
                AssertSame(e, d.AsSpan(off % 2, rows), $"MaxRows cols {cols} offset {off}");
                if (cols == 0) continue;
                var ei = new int[rows];
                var di = new int[rows];
                Ref.Reduce.ArgMaxRows(x, rows, cols, ei);
                Reduce.ArgMaxRows(x, rows, cols, di);
                Assert.That(di, Is.EqualTo(ei), $"ArgMaxRows cols {cols} offset {off}");
            }
    }

    [Test]
    public void Max_follows_ieee_maximum_and_argmax_takes_the_first_winner()
    {
        double[] x = [-0.0, 0.0, -0.0, 0.0, -0.0];
        var m = new double[1];
        var i = new int[1];
        Reduce.MaxRows(x, 1, 5, m);
        Assert.That(BitConverter.DoubleToInt64Bits(m[0]), Is.Zero, "+0 is above -0");
        Reduce.ArgMaxRows(x, 1, 5, i);
        Assert.That(i[0], Is.Zero, "-0 ties +0 under >");
        x = [1, 5, 2, 5, double.NaN, 7, double.NaN];
        Reduce.MaxRows(x, 1, 7, m);
        Assert.That(m[0], Is.NaN);
        Reduce.ArgMaxRows(x, 1, 7, i);
        Assert.That(i[0], Is.EqualTo(4));
        x = [.. Enumerable.Repeat(double.NegativeInfinity, 9)];
        Reduce.MaxRows(x, 1, 9, m);
        Assert.That(m[0], Is.EqualTo(double.NegativeInfinity));
        Reduce.ArgMaxRows(x, 1, 9, i);
        Assert.That(i[0], Is.Zero);
        var empty = new double[3];
        Reduce.MaxRows([], 3, 0, empty);
        Assert.That(empty, Is.All.EqualTo(double.NegativeInfinity), "an empty row's max is -inf, as in the reference");
    }

    [Test]
    public void Row_reductions_reject_bad_arguments_before_writing()
    {
        var d = new double[3];
        d.AsSpan().Fill(4);
        Assert.Throws<ArgumentException>(() => Reduce.MaxRows(new double[12], 3, 4, d.AsSpan(0, 2)));
        Assert.Throws<ArgumentException>(() => Reduce.MaxRows(new double[11], 3, 4, d));
        Assert.Throws<ArgumentException>(() => Reduce.MaxRows(new double[12], -3, -4, d));
        Assert.That(d, Is.All.EqualTo(4));
        int[] di = [4, 4, 4];
        Assert.Throws<ArgumentException>(() => Reduce.ArgMaxRows([], 3, 0, di));
        Assert.Throws<ArgumentException>(() => Reduce.ArgMaxRows(new double[12], 3, 4, di.AsSpan(0, 2)));
        Assert.That(di, Is.All.EqualTo(4));
        Reduce.ArgMaxRows([], 0, 0, []);
    }
}
