using System.Runtime.CompilerServices;
using NeuroLite.Kernels;

namespace NeuroLite;

/// <summary>
/// The storage behind a parameter tensor: value and gradient buffers owned by a module (not by a tape), so they
/// survive <see cref="Tape.Reset"/>. Ops read the value in place and Backward() accumulates into the gradient.
/// Both buffers are 64-byte aligned (<see cref="AlignedBuffer"/>) and come from <see cref="TensorPool"/>: a
/// standalone parameter (<see cref="Tensor.Parameter(ReadOnlySpan{double}, ReadOnlySpan{int}, string?)"/>) rents its
/// own, a module's parameters are views of its <see cref="ParameterSlab"/>.
/// </summary>
/// <remarks>
/// Zeroing is lazy (<see cref="LazyGradient"/>): an optimizer step or ZeroGrad only marks the gradient stale
/// (logically zero; the buffer keeps old numbers). The first backward rule of a later Backward() that writes it
/// overwrites the buffer instead of adding to it (the weight GEMM and the bias reduction with accumulate: false; any
/// other rule through <see cref="Grad"/>, which clears first), and every reader goes through <see cref="Grad"/>, which
/// writes the zeros when the gradient is still stale. On a 784-256-256-10 net that saves a 2.1 MB store stream per
/// step and the read of the zeros by the accumulating GEMMs; the numbers are the same bits, since the kernels compute
/// 0 + x as x.
/// </remarks>
internal sealed class ParameterStorage
{
    // Ids are handed out smallest-free-first and given back by the finalizer, so they stay below the number of
    // parameters alive at once: each tape maps ids through arrays sized by the highest id it has seen, and an app
    // that builds models again and again (per request, per trial) would otherwise grow those arrays without end.
    private static readonly Lock s_idLock = new();
    private static readonly PriorityQueue<int, int> s_freeIds = new();
    private static int s_nextId;

    private AlignedBuffer _value;
    private AlignedBuffer _grad;
    private LazyGradient _gradient;
    private readonly ParameterSlab? _slab;
    private readonly int _offset;
    private bool _disposed;

    public ParameterStorage(ReadOnlySpan<double> values, ReadOnlySpan<int> shape, string? label)
    {
        Shape = shape.ToArray();
        _value = TensorPool.Rent(values.Length, zeroed: false);
        values.CopyTo(_value.Span);
        // A new gradient is zero and live (its zeros written), as PyTorch's accumulate-from-zero starts.
        _grad = TensorPool.Rent(values.Length, zeroed: false);
        _gradient.Read(_grad.Span, LazyGradient.Accumulating);
        Label = label;
        Id = TakeId();
    }

    /// <summary>A view of <paramref name="slab"/> at <paramref name="offset"/> (made by <see cref="ParameterSlab.Add"/>); both views hold zeros.</summary>
    public ParameterStorage(ParameterSlab slab, int offset, AlignedBuffer value, AlignedBuffer grad, ReadOnlySpan<int> shape, string? label)
    {
        Shape = shape.ToArray();
        _slab = slab;
        _offset = offset;
        _value = value;
        _grad = grad;
        // The slab was rented zeroed: the gradient's zeros are written, so it is live.
        _gradient.Write(_grad.Span, LazyGradient.Accumulating, out _);
        Label = label;
        Id = TakeId();
    }

    /// <summary>
    /// Returns both buffers to the pool (its module was disposed; a slab goes back with the last of its parameters);
    /// every later use throws. Only an explicit dispose returns them: the finalizer gives back the id alone, since a
    /// span or pinned pointer taken from a parameter can outlive the last reference to the parameter itself, and must
    /// then keep reading this parameter's numbers.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        AlignedBuffer value = _value, grad = _grad;
        _value = _grad = default;
        if (_slab is { } slab)
        {
            slab.Release();
            return;
        }
        TensorPool.Return(value);
        TensorPool.Return(grad);
    }

    /// <summary>
    /// True when <paramref name="next"/>'s value and gradient follow this parameter's in the same slab, with only the
    /// zero padding of alignment between: an optimizer may then step both with one kernel call over
    /// <see cref="ValueRun"/> and <see cref="GradRun"/>.
    /// </summary>
    public bool IsFollowedBy(ParameterStorage next) =>
        _slab is not null && ReferenceEquals(_slab, next._slab) && next._offset == _offset + ParameterSlab.Room(_value.Length);

    /// <summary>
    /// The doubles from this parameter's start to the end of <paramref name="last"/>, which is this parameter or follows
    /// it in its slab through <see cref="IsFollowedBy"/>: the length to pass to <see cref="ValueRun"/> and <see cref="GradRun"/>.
    /// </summary>
    public int RunLength(ParameterStorage last) =>
        ReferenceEquals(last, this) ? _value.Length : last._offset + last._value.Length - _offset;

    /// <summary>
    /// <paramref name="length"/> doubles of values from this parameter's first one on: this parameter and those that
    /// follow it in its slab (<see cref="IsFollowedBy"/>), with the padding between them. Not checked for a dispose.
    /// </summary>
    public Span<double> ValueRun(int length) => _value.Array.AsSpan(_value.Start, length);

    /// <summary>As <see cref="ValueRun"/> for the gradients; the caller takes each one first (<see cref="TakeGrad"/>).</summary>
    public Span<double> GradRun(int length) => _grad.Array.AsSpan(_grad.Start, length);

    /// <summary>True once <see cref="Dispose"/> returned the buffers.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the buffers are back in the pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ThrowIfDisposed()
    {
        if (_disposed) ThrowDisposed();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() => throw new ObjectDisposedException(
        Label ?? "parameter", $"This parameter (shape {Shapes.Format(Shape)}) belongs to a disposed module: its buffers went back to TensorPool.");

    /// <summary>Gives the id back for reuse. A tape's leaf record keeps its parameter reachable for as long as that record is live, so an id is never shared by two parameters on one tape generation.</summary>
    ~ParameterStorage() => ReturnId(Id);

    private static int TakeId()
    {
        lock (s_idLock)
            return s_freeIds.TryDequeue(out int id, out _) ? id : s_nextId++;
    }

    private static void ReturnId(int id)
    {
        lock (s_idLock) s_freeIds.Enqueue(id, id);
    }

    /// <summary>A process-wide index, unique among live parameters (reused after one is collected); each tape maps it to this parameter's leaf node through a plain array.</summary>
    public int Id { get; }

    public int[] Shape { get; }

    /// <summary>The value buffer (its pinned array and aligned start ride in the tape's leaf record).</summary>
    public AlignedBuffer ValueBuffer
    {
        get
        {
            ThrowIfDisposed();
            return _value;
        }
    }

    /// <summary>The gradient buffer (for pinning).</summary>
    public AlignedBuffer GradBuffer
    {
        get
        {
            ThrowIfDisposed();
            return _grad;
        }
    }

    /// <summary>
    /// The values (empty once disposed). <see cref="Value"/>, <see cref="Grad"/> and <see cref="GradForWrite"/> do not
    /// check for a dispose themselves: they run for every parameter of every step, and each public way to reach them
    /// checks first (<see cref="Tensor"/> handles, the optimizers' steps, and the marking pass of Backward()).
    /// </summary>
    public Span<double> Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _value.Span;
    }

    /// <summary>The gradient, zeros written first if it is stale: what every reader and accumulating writer uses.</summary>
    public Span<double> Grad
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _gradient.Read(_grad.Span, LazyGradient.Accumulating);
    }

    /// <summary>True while the gradient is logically zero but its buffer may still hold older numbers.</summary>
    public bool GradIsZero => _gradient.IsZero(LazyGradient.Accumulating);

    public string? Label { get; set; }

    /// <summary>The buffer for a backward rule that can either overwrite or add (see <see cref="LazyGradient.Write"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<double> GradForWrite(out bool accumulate) => _gradient.Write(_grad.Span, LazyGradient.Accumulating, out accumulate);

    /// <summary>The gradient for an optimizer step, which zeroes it (see <see cref="LazyGradient.Take"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<double> TakeGrad() => _gradient.Take(_grad.Span, LazyGradient.Accumulating);

    /// <summary>Makes the gradient zero (lazily: the buffer is not written).</summary>
    public void ZeroGrad() => _gradient.MarkZero();
}
