using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuroLite.Kernels;

/// <summary>
/// Entry checks of the kernels, each throwing before any buffer is written. This file holds the checks every kernel
/// shares (lengths, overlaps, hyperparameters); <c>Validate.cs</c> composes them per kernel, for the fast kernels
/// and their references alike.
/// </summary>
internal static partial class Validate
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

    /// <summary>Whether two spans of any element types share a byte (an int span cast over a double buffer, for example).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool OverlapBytes<TX, TY>(ReadOnlySpan<TX> x, ReadOnlySpan<TY> y)
    {
        if (x.IsEmpty || y.IsEmpty) return false;
        nint d = Unsafe.ByteOffset(ref Unsafe.As<TX, byte>(ref MemoryMarshal.GetReference(x)), ref Unsafe.As<TY, byte>(ref MemoryMarshal.GetReference(y)));
        return d >= 0 ? (nuint)d < (nuint)x.Length * (nuint)Unsafe.SizeOf<TX>() : (nuint)(-d) < (nuint)y.Length * (nuint)Unsafe.SizeOf<TY>();
    }

    /// <summary>Throws if <paramref name="x"/> and <paramref name="y"/> share any element (neither may alias the other, not even exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Disjoint<TX, TY>(ReadOnlySpan<TX> x, ReadOnlySpan<TY> y, [CallerArgumentExpression(nameof(x))] string? xName = null, [CallerArgumentExpression(nameof(y))] string? yName = null)
    {
        if (OverlapBytes(x, y)) ThrowDisjoint(xName, yName);
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0 (a learning rate: NaN, ±∞ and negative values are rejected, as PyTorch rejects them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LearningRate(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value >= 0 && value < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(name, value, $"Invalid learning rate {value}: it must be finite and non-negative.");
    }

    /// <summary>Throws unless <paramref name="value"/> is in [0, 1) (a momentum or a decay rate β; NaN is rejected).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UnitInterval(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"Invalid {name} {value}: it must be in [0, 1).");
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and &gt; 0 (Adam's ε).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Positive(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value > 0 && value < double.PositiveInfinity))
            throw new ArgumentOutOfRangeException(name, value, $"Invalid {name} {value}: it must be finite and positive.");
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

    private static void ThrowDisjoint(string? xName, string? yName) =>
        throw new ArgumentException($"{yName} overlaps {xName}; they must be disjoint buffers.", yName);

    private static void ThrowOverlap(string? yName) =>
        throw new ArgumentException($"{yName} partially overlaps an input; use the same span for in-place work or a disjoint one.", yName);
}
