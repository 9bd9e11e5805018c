namespace NeuroLite.Kernels;

/// <summary>Shape arithmetic for NumPy-style broadcasting, shared by the kernels and the engine.</summary>
public static class Shapes
{
    /// <summary>The highest rank the broadcasting kernels accept.</summary>
    public const int MaxRank = 4;

    /// <summary>The number of elements of <paramref name="shape"/> (1 for rank 0).</summary>
    public static int Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Shape {Format(shape)} has a negative dimension.", nameof(shape));
            n *= d;
            if (n > int.MaxValue) throw new ArgumentException($"Shape {Format(shape)} has more than {int.MaxValue} elements.", nameof(shape));
        }
        return (int)n;
    }

    /// <summary>Writes the broadcast of <paramref name="a"/> and <paramref name="b"/> (NumPy rules: align right, sizes equal or 1) into <paramref name="result"/> and returns its rank.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, a rank exceeds <see cref="MaxRank"/>, or <paramref name="result"/> is too short.</exception>
    public static int Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, Span<int> result)
    {
        int rank = Math.Max(a.Length, b.Length);
        if (rank > MaxRank)
            throw new ArgumentException($"Broadcasting supports rank up to {MaxRank}; got shapes {Format(a)} and {Format(b)}.");
        if (result.Length < rank)
            throw new ArgumentException($"The result span holds {result.Length} dimensions; {rank} are needed.", nameof(result));
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"Shapes {Format(a)} and {Format(b)} cannot be broadcast together (axis {i}: {da} vs {db}).");
            result[i] = da == 1 ? db : da;
        }
        return rank;
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> hold the same dimensions.</summary>
    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Formats a shape as NumPy prints it: <c>(2, 3)</c>, <c>(4,)</c>, <c>()</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) => shape.Length switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => "(" + string.Join(", ", shape.ToArray()) + ")",
    };

    /// <summary>Fills <paramref name="strides"/> (rank <see cref="MaxRank"/>, right-aligned) with the element strides of <paramref name="shape"/> seen as broadcast to <paramref name="outShape"/>: 0 on broadcast axes.</summary>
    internal static void BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape, Span<int> strides)
    {
        int pad = MaxRank - outShape.Length;
        int stride = 1;
        for (int i = MaxRank - 1; i >= 0; i--)
        {
            int j = i - pad - (outShape.Length - shape.Length);
            if (i < pad || j < 0) { strides[i] = 0; continue; }
            strides[i] = shape[j] == 1 ? 0 : stride;
            stride *= shape[j];
        }
    }

    /// <summary>Right-aligns <paramref name="shape"/> into four dimensions, padding with 1.</summary>
    internal static void Pad4(ReadOnlySpan<int> shape, Span<int> dims)
    {
        int pad = MaxRank - shape.Length;
        for (int i = 0; i < MaxRank; i++) dims[i] = i < pad ? 1 : shape[i - pad];
    }
}
