using System.Runtime.CompilerServices;
namespace NeuroLite.Kernels;

/// <summary>Shape arithmetic for NumPy-style broadcasting, shared by the kernels and the engine.</summary>
public static class Shapes
{
    /// <summary>The highest rank the broadcasting kernels accept.</summary>
    public const int MaxRank = 4;

    /// <summary>
    /// The most elements a shape may hold (2^30, 8 GiB of doubles): the one limit of the kernels and the engine. It
    /// leaves room for a region's padding and for saved scratch beside a value, so offsets into an arena of values
    /// never overflow an <see cref="int"/> on the way to the arena's own limit.
    /// </summary>
    public const int MaxElements = 1 << 30;

    /// <summary>The number of elements of <paramref name="shape"/> (1 for rank 0).</summary>
    /// <exception cref="ArgumentException">A dimension is negative, or the count exceeds <see cref="MaxElements"/>.</exception>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int Count(ReadOnlySpan<int> shape) => Count(shape, "Shape");

    /// <summary>
    /// <see cref="Count(ReadOnlySpan{int})"/> with <paramref name="what"/> (an op's name) leading the message. The
    /// product is exact: a zero anywhere gives 0, and otherwise each partial product is checked against the limit
    /// before the next factor (at most 2^30 · (2^31 − 1), so the <see cref="long"/> never wraps).
    /// </summary>
    public static int Count(ReadOnlySpan<int> shape, string what)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) ThrowNegative(shape, what);
            n *= d;
            // Past the limit: the count is 0 if a later dimension is 0, else too large (checked off the hot path).
            if (n > MaxElements) return CountBeyondLimit(shape, what);
        }
        return (int)n;
    }

    private static int CountBeyondLimit(ReadOnlySpan<int> shape, string what)
    {
        foreach (int d in shape)
        {
            if (d < 0) ThrowNegative(shape, what);
            if (d == 0) return 0;
        }
        ThrowTooMany(shape, what);
        return 0;
    }

    private static void ThrowNegative(ReadOnlySpan<int> shape, string what) =>
        throw new ArgumentException($"{what}: shape {Format(shape)} has a negative dimension.", nameof(shape));

    /// <summary>The element count of a (<paramref name="rows"/> × <paramref name="cols"/>) matrix, checked as <see cref="Count(ReadOnlySpan{int}, string)"/> checks it.</summary>
    public static int Count(int rows, int cols, string what) => Count([rows, cols], what);

    private static void ThrowTooMany(ReadOnlySpan<int> shape, string what)
    {
        // The exact count in a wider type for the message: up to four factors below 2^31 fit in 124 bits.
        Int128 exact = 1;
        foreach (int d in shape) exact *= d;
        throw new ArgumentException($"{what}: shape {Format(shape)} has {exact} elements; NeuroLite tensors hold at most {MaxElements} (2^30).", nameof(shape));
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
        if (!TryBroadcast(a, b, result, out rank, out int axis))
            throw new ArgumentException($"Shapes {Format(a)} and {Format(b)} cannot be broadcast together (axis {axis}: {AlignedDim(a, rank, axis)} vs {AlignedDim(b, rank, axis)}).");
        return rank;
    }

    /// <summary>
    /// The one broadcasting rule, for callers that word their own error: writes the broadcast shape of ranks up to
    /// <paramref name="result"/>'s length and returns true, or returns false with the first axis (of the right-aligned
    /// shapes) whose sizes differ and neither is 1.
    /// </summary>
    internal static bool TryBroadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, Span<int> result, out int rank, out int badAxis)
    {
        rank = Math.Max(a.Length, b.Length);
        for (int i = 0; i < rank; i++)
        {
            int da = AlignedDim(a, rank, i), db = AlignedDim(b, rank, i);
            if (da != db && da != 1 && db != 1)
            {
                badAxis = i;
                return false;
            }
            result[i] = da == 1 ? db : da;
        }
        badAxis = -1;
        return true;
    }

    /// <summary>Size of axis <paramref name="i"/> of <paramref name="shape"/> right-aligned to <paramref name="rank"/> axes (1 where it has none).</summary>
    internal static int AlignedDim(ReadOnlySpan<int> shape, int rank, int i) => i < rank - shape.Length ? 1 : shape[i - (rank - shape.Length)];

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

/// <summary>
/// A shape or its strides, up to <see cref="Shapes.MaxRank"/> dimensions, stored inline: on the stack without a
/// <c>stackalloc</c> (which costs a zeroing and a stack cookie per call), and in the engine's node records without an array.
/// </summary>
[InlineArray(Shapes.MaxRank)]
internal struct Dims
{
    private int _element;
}
