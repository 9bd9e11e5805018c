namespace NeuroLite.Tests;

/// <summary>
/// The bit patterns tests compare when they mean "bit for bit" (NUnit's equality equates -0 and +0), and the distance
/// in units in the last place when they mean "within k ULP".
/// </summary>
internal static class TestBits
{
    /// <summary>The IEEE bit pattern of one value.</summary>
    public static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    /// <summary>The IEEE bit pattern of every value, in order.</summary>
    public static long[] Bits(ReadOnlySpan<double> values)
    {
        var bits = new long[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.DoubleToInt64Bits(values[i]);
        return bits;
    }

    /// <summary>Bitwise equality, except that any NaN equals any NaN (payload propagation differs between ISAs).</summary>
    public static bool Same(double a, double b) =>
        (double.IsNaN(a) && double.IsNaN(b)) || BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    /// <summary>Index of the first element where the spans differ (see <see cref="Same"/>), or -1.</summary>
    public static int FirstDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
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
        // Int128: the difference of two ordered bit patterns can exceed long, and a double would round it.
        return (double)Int128.Abs((Int128)Ordered(a) - Ordered(b));
    }

    private static long Ordered(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        return bits < 0 ? long.MinValue - bits : bits;
    }
}
