using System.Runtime.CompilerServices;

namespace NeuroLite;

/// <summary>
/// Lazy zeroing of one gradient buffer, for a parameter (<see cref="ParameterStorage"/>) and for a tape node's
/// gradient region alike: the one place that knows that a stale gradient is logically zero. The state is the epoch
/// whose writes the buffer holds; when the owner's current epoch differs, the buffer still holds older numbers but the
/// gradient is zero. Readers (and writers that only add) get the buffer through <see cref="Read"/>, which writes the
/// zeros first; writers that can write every element get it through <see cref="Write"/>, which tells them to overwrite
/// instead (see docs/ARCHITECTURE.md, "Overwrite equals accumulate-into-zero").
/// </summary>
/// <remarks>
/// The buffer is passed in rather than held: a tape node's region moves when the arena grows, and a parameter's buffer
/// belongs to its storage. The owner picks the epoch. A gradient that accumulates until it is zeroed (a parameter,
/// a tape leaf that receives a gradient) uses <see cref="Accumulating"/>, so only <see cref="MarkZero"/> and
/// <see cref="Take"/> make it stale. Any other tape node's gradient belongs to one Backward() and uses that sweep's
/// stamp (at least 1), so a new sweep makes every such gradient stale without touching it. <c>default</c> is stale
/// for every epoch.
/// </remarks>
internal struct LazyGradient
{
    /// <summary>The epoch of a gradient that accumulates over Backward() calls until something zeroes it.</summary>
    public const int Accumulating = int.MaxValue;

    // Never an owner's epoch (tape stamps start at 1), so a gradient marked zero is stale whatever the epoch.
    private const int Zero = 0;

    private int _epoch;

    /// <summary>True while the gradient is logically zero (the buffer may still hold older numbers); reads nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool IsZero(int epoch) => _epoch != epoch;

    /// <summary>
    /// The gradient for a reader or a writer that only adds: <paramref name="buffer"/>, with zeros written first if
    /// the gradient is stale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<double> Read(Span<double> buffer, int epoch)
    {
        if (_epoch != epoch) Materialize(buffer, epoch);
        return buffer;
    }

    /// <summary>
    /// The gradient for a writer that can overwrite as well as add (a GEMM, a reduction, an element-wise backward
    /// kernel): <paramref name="accumulate"/> is false when the gradient was stale, and the writer must then write every
    /// element of <paramref name="buffer"/>, bitwise as adding its result to +0 would. Either way the gradient is live
    /// afterwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<double> Write(Span<double> buffer, int epoch, out bool accumulate)
    {
        accumulate = _epoch == epoch;
        _epoch = epoch;
        return buffer;
    }

    /// <summary>
    /// The gradient for a consumer that zeroes it, an optimizer step: <paramref name="buffer"/> holds the gradient
    /// to apply (zeros written first if it is stale), and the gradient is logically zero afterwards. The zeros are not
    /// written: the next Backward() overwrites the buffer, or the next read clears it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<double> Take(Span<double> buffer, int epoch)
    {
        if (_epoch != epoch) buffer.Clear();
        _epoch = Zero;
        return buffer;
    }

    /// <summary>Makes the gradient zero without writing the buffer.</summary>
    public void MarkZero() => _epoch = Zero;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Materialize(Span<double> buffer, int epoch)
    {
        buffer.Clear();
        _epoch = epoch;
    }
}
