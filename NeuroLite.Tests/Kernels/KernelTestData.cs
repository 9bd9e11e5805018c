namespace NeuroLite.Tests.Kernels;

/// <summary>Shared inputs, sizes and ULP arithmetic for the kernel tests.</summary>
internal static class KernelTestData
{
    /// <summary>
    /// 0..140 (every tail of every vector width times the 4x unroll: 32 elements per unrolled step on the 512-bit path,
    /// so four whole steps and every remainder), then just past each larger block and a few larger sizes.
    /// </summary>
    public static readonly int[] Sizes = [.. Enumerable.Range(0, 141), 255, 256, 257, 511, 512, 513, 1000, 1023, 1024, 1025];

    /// <summary>
    /// Element offsets of a slice: 0..7 moves it through every 8-byte position of a 64-byte vector (and cache line), so
    /// no alignment the driver might assume holds for all of them.
    /// </summary>
    public static readonly int[] Offsets = [0, 1, 2, 3, 4, 5, 6, 7];

    /// <summary>
    /// (input, output) offset pairs: every offset on each side, each against itself, its mirror and a shift by three
    /// (the full 8×8 product made the suite several times slower under qemu for no case these miss).
    /// </summary>
    public static readonly (int Input, int Output)[] OffsetPairs =
        [.. Offsets.SelectMany(o => new[] { (o, o), (o, 7 - o), (o, (o + 3) % 8) })];

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

    /// <summary>Bitwise equality, except that any NaN equals any NaN (payload propagation differs between ISAs).</summary>
    public static bool Same(double a, double b) =>
        (double.IsNaN(a) && double.IsNaN(b)) || BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    /// <summary>Index of the first element where the arrays differ (see <see cref="Same"/>), or -1.</summary>
    public static int FirstDifference(double[] a, double[] b)
    {
        if (a.Length != b.Length) return Math.Min(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            if (!Same(a[i], b[i])) return i;
        return -1;
    }

    /// <summary>Distance in units in the last place between two doubles on the ordered line (±0 are 0 apart; NaN vs NaN is 0).</summary>
    public static double Ulps(double a, double b)
    {
        if (double.IsNaN(a) || double.IsNaN(b)) return double.IsNaN(a) && double.IsNaN(b) ? 0 : double.PositiveInfinity;
        long ia = Ordered(a), ib = Ordered(b);
        return (double)Int128.Abs((Int128)ia - ib);
    }

    private static long Ordered(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        return bits < 0 ? long.MinValue - bits : bits;
    }

    /// <summary>True when running as arm64 (in CI that is qemu, 10-30x slower): sweeps shrink there.</summary>
    public static bool Emulated => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64;
}
