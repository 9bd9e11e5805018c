namespace NeuroLite.Tests;

/// <summary>The bit patterns tests compare when they mean "bit for bit" (NUnit's equality equates -0 and +0).</summary>
internal static class TestBits
{
    /// <summary>The IEEE bit pattern of every value, in order.</summary>
    public static long[] Bits(ReadOnlySpan<double> values)
    {
        var bits = new long[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.DoubleToInt64Bits(values[i]);
        return bits;
    }
}
