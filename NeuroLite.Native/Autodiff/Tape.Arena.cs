using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeuroLite.Kernels;

namespace NeuroLite;

// The arena: the value and gradient slabs, saved scratch, the int side-arena, and their growth. Every region starts on
// a 64-byte boundary; a region is addressed by its offset, which stays valid when a slab grows (it is copied whole).
public sealed partial class Tape
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<double> Value(int i)
    {
        ref Node n = ref _nodes[i];
        return n.Data is { } d ? d.AsSpan(n.DataStart, n.Length) : _values.Slice(n.Offset, n.Length);
    }

    internal Span<double> Arena(int offset, int length) => _values.Slice(offset, length);

    /// <summary>The array that holds node <paramref name="i"/>'s value or gradient now (for pinning a memory of it).</summary>
    internal double[] ArrayOf(int i, bool grad)
    {
        ref Node n = ref _nodes[i];
        if (n.Ext is { } p) return grad ? p.GradBuffer.Array : p.ValueBuffer.Array;
        return grad ? _grads.Array : n.Data ?? _values.Array;
    }

    internal Span<int> Ints(int offset, int length) => _ints.AsSpan(offset, length);

    /// <summary>Backward-only scratch (for example g·b before a reverse broadcast), 64-byte aligned; kept across iterations.</summary>
    internal Span<double> Scratch(int length)
    {
        // A scratch outgrown goes to the GC, not to the pool: a rule earlier in this sweep may still hold a span of it.
        if (_scratch.Length < length) _scratch = TensorPool.Rent(Math.Max(length, _scratch.Length * 2), zeroed: false, anyLarger: true);
        return _scratch.Slice(0, length);
    }

    /// <summary>
    /// Reserves <paramref name="length"/> doubles of the arena (in both slabs) at the next multiple of 8 doubles from
    /// the slabs' aligned starts, growing them if needed; returns the offset.
    /// </summary>
    /// <exception cref="InvalidOperationException">The arena would exceed <see cref="MaxArena"/> doubles (nothing is changed).</exception>
    private int Reserve(long length)
    {
        int off = AlignedBuffer.RoundUp(_top);
        long end = off + length;
        if (end > _values.Length)
        {
            if (end > MaxArena) ThrowArenaFull(length);
            GrowArena((int)end);
        }
        _top = (int)end;
        return off;
    }

    private void ThrowArenaFull(long length) => throw new InvalidOperationException(
        $"The tape's arena holds {_top} doubles and cannot take {length} more: its limit is {MaxArena}. Reset the tape between iterations.");

    /// <summary>
    /// The number of ints of the side-arena in use (class targets). Only the tests read it: a rejected op must give back
    /// what it pushed (<see cref="PopInts"/>), and nothing else can see whether it did.
    /// </summary>
    internal int IntsUsed => _intTop;

    /// <summary>Gives back the side-arena from <paramref name="offset"/> on: the undo of a <see cref="PushInts"/> whose op was then rejected.</summary>
    internal void PopInts(int offset) => _intTop = offset;

    internal int PushInts(ReadOnlySpan<int> values)
    {
        CheckOwner();
        int off = _intTop;
        int end = off + values.Length;
        if (end > _ints.Length)
        {
            int[] bigger = ArrayPool<int>.Shared.Rent(Math.Max(end, _ints.Length * 2));
            _ints.AsSpan(0, _intTop).CopyTo(bigger);
            ArrayPool<int>.Shared.Return(_ints);
            _ints = bigger;
        }
        values.CopyTo(_ints.AsSpan(off));
        _intTop = end;
        return off;
    }

    // The new slabs have their own aligned starts; offsets count from them, so every region stays aligned. The old
    // slabs go to the GC, not to the pool: an op in flight, or a caller within its documented window, may still hold
    // a span of them, which must keep reading this tape's numbers rather than another tenant's.
    private void GrowArena(int needed)
    {
        int size = (int)Math.Min(MaxArena, AlignedBuffer.RoundUp(Math.Max(needed, (int)Math.Min(MaxArena, 2L * _values.Length))));
        AlignedBuffer values = TensorPool.Rent(size, zeroed: false);
        AlignedBuffer grads = TensorPool.Rent(size, zeroed: false);
        _values.Slice(0, _top).CopyTo(values.Span);
        _grads.Slice(0, _top).CopyTo(grads.Span);
        _values = values;
        _grads = grads;
    }
}
