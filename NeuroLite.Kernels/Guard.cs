using System.Runtime.CompilerServices;

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
        if (x.Overlaps(y, out int offset) && (offset != 0 || x.Length != y.Length))
            ThrowOverlap(yName);
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
