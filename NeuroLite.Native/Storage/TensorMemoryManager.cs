using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuroLite;

/// <summary>
/// The owner behind <see cref="Tensor.AsMemory"/>, <see cref="Tensor.GradAsMemory"/> and
/// <see cref="Tensor.ParameterAsMemory"/>: it resolves the span again on every <see cref="GetSpan"/> and
/// <see cref="Pin"/>, so a memory follows its tensor when the arena grows and throws, instead of reading another
/// iteration's (or another tape's) numbers, once its tape was reset or disposed or its parameter's module disposed.
/// </summary>
/// <remarks>
/// A plain <c>Memory&lt;double&gt;</c> over the arena's array could check nothing: after a reset it would read the next
/// iteration's values, after a growth the abandoned slab, after a dispose a pooled slab that another tape may own.
/// </remarks>
internal sealed class TensorMemoryManager : MemoryManager<double>
{
    private readonly Tape? _tape;
    private readonly ParameterStorage? _parameter;
    private readonly int _index;
    private readonly int _generation;
    private readonly bool _grad;

    internal TensorMemoryManager(Tape tape, int index, int generation, bool grad)
    {
        _tape = tape;
        _index = index;
        _generation = generation;
        _grad = grad;
    }

    internal TensorMemoryManager(ParameterStorage parameter, bool grad)
    {
        _parameter = parameter;
        _index = -1;
        _grad = grad;
    }

    /// <summary>The span now; throws if the tape moved on (reset, disposed) or the parameter was disposed.</summary>
    /// <exception cref="InvalidOperationException">The tape was reset or disposed since the memory was made.</exception>
    /// <exception cref="ObjectDisposedException">The parameter's module was disposed.</exception>
    public override Span<double> GetSpan()
    {
        if (_parameter is { } p)
        {
            p.ThrowIfDisposed();
            return _grad ? p.Grad : p.Value;
        }
        Tape t = _tape!;
        if (t.CurrentGeneration != _generation) ThrowStale(t);
        return _grad ? t.Grad(_index) : t.Value(_index);
    }

    /// <summary>Pins the array under the span (arena slabs are pinned already; an input view's array is not).</summary>
    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        Span<double> span = GetSpan();
        if ((uint)elementIndex > (uint)span.Length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        double[] array = _parameter is { } p ? (_grad ? p.GradBuffer.Array : p.ValueBuffer.Array) : _tape!.ArrayOf(_index, _grad);
        GCHandle handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        return new MemoryHandle(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), elementIndex)), handle, this);
    }

    /// <summary>Nothing to do: the handle returned by <see cref="Pin"/> frees its own GC handle.</summary>
    public override void Unpin()
    {
    }

    /// <summary>Nothing to free: the memory is the tape's or the parameter's.</summary>
    protected override void Dispose(bool disposing)
    {
    }

    private void ThrowStale(Tape t) => throw new InvalidOperationException(
        $"This memory belongs to a tensor of a tape that was reset or disposed (the tensor is from generation {_generation}, the tape is at generation {t.CurrentGeneration}): " +
        "a tensor's memory is valid until its tape's next Reset() or Dispose(). Copy what must outlive the iteration (ToArray) or keep it in a parameter.");
}
