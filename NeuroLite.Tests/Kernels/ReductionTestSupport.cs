namespace NeuroLite.Tests.Kernels;

/// <summary>Shared data and comparisons for the broadcast, reduction and softmax tests.</summary>
internal static class ReductionTestSupport
{
    /// <summary>Unit roundoff of binary64.</summary>
    public const double U = NeuroLite.Kernels.KernelCatalog.U;

    /// <summary>0..70 (every tail of every unroll), then just around the 128/256/1024 unroll and block widths.</summary>
    public static readonly int[] Sizes = [.. Enumerable.Range(0, 71), 127, 128, 129, 255, 256, 257, 1023, 1024, 1025];

    /// <summary>γ_k = k·u / (1 − k·u).</summary>
    public static double Gamma(int k) => NeuroLite.Kernels.KernelCatalog.Gamma(k);

    /// <summary>A buffer of <paramref name="offset"/> + <paramref name="n"/> + 3 elements filled from <paramref name="fill"/>; returns the array and the slice start.</summary>
    public static double[] Buffer(int n, int offset, Func<double> fill)
    {
        var a = new double[offset + n + 3];
        for (int i = 0; i < a.Length; i++) a[i] = fill();
        return a;
    }

    /// <summary>Uniform in [-10, 10) with about 4% special values (±0, ±∞, NaN, subnormals, huge), so exactness covers IEEE corners.</summary>
    public static Func<double> Mixed(Random rng) => () =>
    {
        if (rng.Next(25) != 0) return rng.NextDouble() * 20 - 10;
        return rng.Next(8) switch
        {
            0 => 0.0,
            1 => -0.0,
            2 => double.PositiveInfinity,
            3 => double.NegativeInfinity,
            4 => double.NaN,
            5 => double.Epsilon * rng.Next(1, 1000),
            6 => -1e300,
            _ => 1e-310,
        };
    };

    /// <summary>Finite values with widely varying magnitudes and signs (cancellation), for the summation bounds.</summary>
    public static Func<double> Finite(Random rng) => () => (rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-6, 7));

    /// <summary>Small integers: every summation order is exact, so reordered sums must equal the reference bitwise.</summary>
    public static Func<double> Integers(Random rng) => () => rng.Next(-8, 9);

    /// <summary>Asserts element-wise bit equality (any NaN matches any NaN) and reports the first difference.</summary>
    public static void AssertSame(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what);
        for (int i = 0; i < expected.Length; i++)
            if (!Same(expected[i], actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, reference {expected[i]:R}");
    }

    /// <summary>Asserts |actual − expected| ≤ bound[i] element-wise (NaN must match NaN, infinities must match exactly).</summary>
    public static void AssertWithin(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, ReadOnlySpan<double> bound, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            bool ok = double.IsFinite(e) ? Math.Abs(a - e) <= bound[i] : Same(e, a) || (double.IsNaN(e) && double.IsNaN(a));
            if (!ok) Assert.Fail($"{what}: element {i} is {a:R}, reference {e:R}, allowed difference {bound[i]:R}");
        }
    }

    /// <summary>Asserts every element of <paramref name="x"/> still holds <paramref name="sentinel"/> (a cheap loop: NUnit's collection constraints are slow in hot sweeps).</summary>
    public static void AssertUntouched(ReadOnlySpan<double> x, double sentinel, string what)
    {
        for (int i = 0; i < x.Length; i++)
            if (BitConverter.DoubleToInt64Bits(x[i]) != BitConverter.DoubleToInt64Bits(sentinel))
                Assert.Fail($"{what}: element {i} was overwritten with {x[i]:R}");
    }

    /// <summary>Shape as a string for messages.</summary>
    public static string Str(int[] shape) => NeuroLite.Kernels.Shapes.Format(shape);

    /// <summary>
    /// Every (a, b) pair obtained from <paramref name="outShape"/> by setting any subset of axes to 1 in each operand and
    /// dropping leading axes that became 1 (all, none, or a random number of them).
    /// </summary>
    public static IEnumerable<(int[] A, int[] B)> DerivedPairs(int[] outShape, Random rng)
    {
        int r = outShape.Length;
        for (int ma = 0; ma < 1 << r; ma++)
            for (int mb = 0; mb < 1 << r; mb++)
                yield return (Derive(outShape, ma, rng), Derive(outShape, mb, rng));
    }

    /// <summary>The shape with the axes in <paramref name="mask"/> set to 1, then some of the leading ones dropped.</summary>
    public static int[] Derive(int[] outShape, int mask, Random rng)
    {
        int[] s = [.. outShape.Select((d, i) => (mask >> i & 1) != 0 ? 1 : d)];
        int lead = 0;
        while (lead < s.Length && s[lead] == 1) lead++;
        int drop = rng.Next(lead + 1);
        return s[drop..];
    }
}
