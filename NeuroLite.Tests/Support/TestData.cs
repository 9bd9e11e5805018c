namespace NeuroLite.Tests;

/// <summary>The seeded inputs tests draw: plain uniform values, and values with IEEE special cases mixed in.</summary>
internal static class TestData
{
    /// <summary>n values uniform in [-scale, scale) from a generator seeded with <paramref name="seed"/>.</summary>
    public static double[] Uniform(int seed, int n, double scale = 1.0)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = scale * (2 * rng.NextDouble() - 1);
        return v;
    }

    /// <summary>
    /// Mostly ordinary values in [-scale, scale], with signed zeros, subnormals, huge values, infinities and NaN
    /// sprinkled in so every kernel sees them in every lane position.
    /// </summary>
    public static double[] Values(int n, int seed, double scale = 4.0)
    {
        var rng = new Random(seed);
        var a = new double[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = rng.Next(23) switch
            {
                0 => double.NaN,
                1 => rng.Next(2) == 0 ? 0.0 : -0.0,
                2 => (rng.Next(2) == 0 ? 1 : -1) * double.Epsilon * rng.Next(1, 1000),
                3 => (rng.Next(2) == 0 ? 1 : -1) * Math.Pow(10, rng.Next(-300, 300)),
                4 => rng.Next(2) == 0 ? double.PositiveInfinity : double.NegativeInfinity,
                5 => (rng.NextDouble() * 2 - 1) * 800,
                _ => (rng.NextDouble() * 2 - 1) * scale,
            };
        }
        return a;
    }
}
