using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuroLite.Kernels;

/// <summary>Argument checks shared by every kernel; each throws before any buffer is written.</summary>
internal static class Guard
{
    /// <summary>Throws unless <paramref name="y"/> has <paramref name="x"/>'s length and is either the same span or disjoint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SameLength(ReadOnlySpan<double> x, Span<double> y, [CallerArgumentExpression(nameof(x))] string? xName = null, [CallerArgumentExpression(nameof(y))] string? yName = null)
    {
        if (x.Length != y.Length)
            ThrowLength(xName, x.Length, yName, y.Length);
        NoPartialOverlap(x, y, yName);
    }

    /// <summary>Throws if <paramref name="y"/> overlaps <paramref name="x"/> other than exactly (same start, same length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NoPartialOverlap(ReadOnlySpan<double> x, ReadOnlySpan<double> y, [CallerArgumentExpression(nameof(y))] string? yName = null)
    {
        if (Overlap(x, y) && !(x.Length == y.Length && Unsafe.AreSame(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y))))
            ThrowOverlap(yName);
    }

    /// <summary>
    /// Whether the spans share any byte, as <see cref="MemoryExtensions.Overlaps{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>
    /// answers, but inlined: every kernel call validates its spans, and on the XOR net's 4-element tensors that call was
    /// 3% of a training step in fully optimized code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Overlap(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.IsEmpty || y.IsEmpty) return false;
        nint d = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y));
        return d >= 0 ? (nuint)d < (nuint)x.Length * sizeof(double) : (nuint)(-d) < (nuint)y.Length * sizeof(double);
    }

    /// <summary>Throws unless <paramref name="length"/> equals <paramref name="expected"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(int length, int expected, [CallerArgumentExpression(nameof(length))] string? name = null)
    {
        if (length != expected)
            throw new ArgumentException($"{name} has length {length}, expected {expected}.", name);
    }

    /// <summary>Throws unless <paramref name="value"/> is non-negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NonNegative(int value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (value < 0)
            throw new ArgumentException($"{name} must be non-negative, got {value}.", name);
    }

    private static void ThrowLength(string? xName, int xLength, string? yName, int yLength) =>
        throw new ArgumentException($"Span lengths differ: {xName} has {xLength} elements, {yName} has {yLength}.", yName);

    private static void ThrowOverlap(string? yName) =>
        throw new ArgumentException($"{yName} partially overlaps an input; use the same span for in-place work or a disjoint one.", yName);
}
