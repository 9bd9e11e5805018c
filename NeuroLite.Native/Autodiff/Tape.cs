using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeuroLite.Kernels;

namespace NeuroLite;

/// <summary>
/// An arena and a Wengert list: every op appends a node record (in execution order, which is a topological order)
/// and takes its value from one slab; <see cref="Tensor.Backward()"/> is one reverse sweep over the records.
/// <see cref="Reset"/> rewinds the arena for the next iteration; the slabs are kept, so a warm loop allocates nothing.
/// Every region of the arena (a node's value, its gradient, its saved scratch) starts on a 64-byte boundary. The arena
/// is rented from <see cref="TensorPool"/> and goes back there on <see cref="Dispose"/>.
/// A tape is not thread-safe: use one per thread (<see cref="Default"/> is already per thread). It belongs to the
/// thread that created it, or that last called <see cref="Reset"/> on it; recording an op or running Backward() on
/// another thread throws <see cref="InvalidOperationException"/> instead of corrupting the arena.
/// </summary>
public sealed partial class Tape : IDisposable
{
    [ThreadStatic] private static Tape? t_default;

    // Values and gradients of intermediates: two parallel pinned slabs, one offset per node for both (counted from
    // each slab's own aligned start, so a region aligned in one is aligned in the other).
    private AlignedBuffer _values;
    private AlignedBuffer _grads;
    private int _top;
    private int[] _ints;
    private int _intTop;
    private Node[] _nodes;
    private int _count;
    private int _generation;
    // The latest Backward()'s stamp, from 1 (see LazyGradient).
    private int _stamp = 1;
    private AlignedBuffer _scratch;
    // Parameter id -> its leaf node in the current generation (an array, not a dictionary: the hot path is one load).
    private int[] _paramNode = [];
    private int[] _paramGen = [];
    private bool _disposed;
    // The managed id of the owning thread; -1 once disposed, so one comparison guards both on the hot path.
    private int _owner;

    /// <summary>
    /// The most doubles the arena can hold: the longest array the runtime allows, less the padding that aligns its
    /// start. Offsets are computed in 64-bit arithmetic and checked against it, so they never wrap.
    /// </summary>
    internal static readonly int MaxArena = Array.MaxLength - (AlignedBuffer.Doubles - 1);

    /// <summary>Creates a tape with a small arena that grows (by doubling) on demand.</summary>
    public Tape() : this(4096)
    {
    }

    /// <summary>Creates a tape whose arena starts with room for <paramref name="initialCapacity"/> doubles of values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialCapacity"/> is negative or above <see cref="Shapes.MaxElements"/>.</exception>
    public Tape(int initialCapacity)
    {
        if ((uint)initialCapacity > Shapes.MaxElements)
            throw new ArgumentOutOfRangeException(nameof(initialCapacity), initialCapacity, $"A tape's initial capacity must be between 0 and {Shapes.MaxElements} doubles (the arena grows on demand).");
        _owner = Environment.CurrentManagedThreadId;
        int n = AlignedBuffer.RoundUp(Math.Max(initialCapacity, 64));
        // From the pool: a retained arena at least this large (a tape uses all it gets, so a bigger one saves regrowth).
        // The two slabs may come back with different capacities; the arena uses the smaller.
        _values = TensorPool.Rent(n, zeroed: false, anyLarger: true);
        _grads = TensorPool.Rent(n, zeroed: false, anyLarger: true);
        int usable = Math.Min(Math.Min(_values.Capacity, _grads.Capacity), MaxArena);
        _values = new AlignedBuffer(_values.Array, _values.Start, usable);
        _grads = new AlignedBuffer(_grads.Array, _grads.Start, usable);
        _ints = ArrayPool<int>.Shared.Rent(256);
        // The node records too: a tape per request would otherwise allocate 64 records (about 6 kB) each time.
        _nodes = ArrayPool<Node>.Shared.Rent(64);
    }

    /// <summary>
    /// The ambient tape of the current thread, used by <see cref="Tensor"/> constructors and by ops on parameters.
    /// Like the seed, it keeps every graph until reset: a loop that never calls <c>Tape.Default.Reset()</c> works
    /// (Backward() only sweeps what its root reaches) but its arena grows with every step.
    /// </summary>
    public static Tape Default => t_default is { _disposed: false } t ? t : t_default = new Tape();

    /// <summary>Incremented by every <see cref="Reset"/>; a tensor made in an older generation is stale.</summary>
    public int Generation => _generation;

    /// <summary>The number of node records on the tape since the last reset.</summary>
    public int NodeCount => _count;

    /// <summary>
    /// The number of doubles of the arena in use since the last reset: values and saved op scratch, with the padding
    /// (up to 7 doubles a region) that starts each region on a 64-byte boundary. The gradient slab mirrors it.
    /// </summary>
    public int ArenaUsed => _top;

    /// <summary>The number of doubles the arena holds before it must grow (the value slab; the gradient slab holds as many).</summary>
    public int ArenaCapacity => _values.Length;

    /// <summary>Copies <paramref name="values"/> into the arena as a data input of shape (rows, cols); it needs no gradient.</summary>
    public Tensor Input(double[,] values, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ReadOnlySpan<int> shape = [values.GetLength(0), values.GetLength(1)];
        return Leaf(Tensor.Flatten(values), shape, false, label);
    }

    /// <summary>Copies <paramref name="values"/> into the arena as a data input of shape (n,); it needs no gradient.</summary>
    public Tensor Input(double[] values, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Leaf(values, [values.Length], false, label);
    }

    /// <summary>
    /// Copies <paramref name="values"/> into the arena as a data input of the given shape (rank ≤ 4); it needs no
    /// gradient, so Backward() skips work that only it would receive. Allocates nothing once the arena is warm.
    /// <see cref="InputView"/> makes the same input from an array without the copy.
    /// </summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the number of values, or its rank exceeds 4.</exception>
    public Tensor Input(ReadOnlySpan<double> values, ReadOnlySpan<int> shape, string? label = null) => Leaf(values, shape, false, label);

    /// <summary>
    /// A data input of the given shape (rank ≤ 4) whose value IS <paramref name="values"/>: nothing is copied, so a
    /// step that feeds the same batch array every iteration skips the copy <see cref="Input(ReadOnlySpan{double}, ReadOnlySpan{int}, string?)"/>
    /// makes. It needs no gradient. Ops only read the array, but they read it when they run and Backward() reads it
    /// again (for example for the weight gradient of a product), so it must not change until the next
    /// <see cref="Reset"/>. <see cref="Tensor.CopyFrom"/> on the tensor writes into the array. Its gradient, if
    /// something asks for it, takes arena space at that point. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">The shape's element count differs from the array's length, or its rank exceeds 4.</exception>
    public Tensor InputView(double[] values, ReadOnlySpan<int> shape, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = CheckShape(shape, "InputView");
        if (n != values.Length)
            throw new ArgumentException($"InputView: shape {Shapes.Format(shape)} holds {n} elements but the array has {values.Length}.", nameof(values));
        int i = Record(OpKind.Leaf, -1, -1, shape, n, -1);
        ref Node node = ref _nodes[i];
        node.Data = values;
        node.DataStart = 0;
        node.NeedsGrad = false;
        node.Label = label;
        return new Tensor(this, i, _generation);
    }

    /// <summary>Copies <paramref name="values"/> into the arena as a tensor that receives a gradient (like the seed's <c>Tensor(data)</c>).</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the number of values, or its rank exceeds 4.</exception>
    public Tensor Variable(ReadOnlySpan<double> values, ReadOnlySpan<int> shape, string? label = null) => Leaf(values, shape, true, label);

    /// <summary>Copies <paramref name="values"/> into the arena as a (rows, cols) tensor that receives a gradient.</summary>
    public Tensor Variable(double[,] values, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ReadOnlySpan<int> shape = [values.GetLength(0), values.GetLength(1)];
        return Leaf(Tensor.Flatten(values), shape, true, label);
    }

    /// <summary>Copies <paramref name="values"/> into the arena as a (n,) tensor that receives a gradient.</summary>
    public Tensor Variable(double[] values, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Leaf(values, [values.Length], true, label);
    }

    /// <summary>A 0-d tensor on this tape that receives a gradient.</summary>
    public Tensor Scalar(double value, string? label = null) => Leaf(new ReadOnlySpan<double>(in value), [], true, label);

    /// <summary>A tensor of the given shape filled with <paramref name="value"/>, receiving a gradient.</summary>
    public Tensor Full(ReadOnlySpan<int> shape, double value, string? label = null)
    {
        int n = CheckShape(shape, "Full");
        int i = PushLeaf(shape, n, true, label);
        Value(i).Fill(value);
        return new Tensor(this, i, _generation);
    }

    /// <summary>
    /// Rewinds the arena: every tensor made on this tape since the last reset becomes stale (using it throws
    /// <see cref="InvalidOperationException"/>); the memory is kept for the next iteration. The calling thread becomes
    /// the tape's owner, so a loop that resumes on another thread (after an <c>await</c>) keeps working when it resets
    /// at the top of each iteration.
    /// </summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _owner = Environment.CurrentManagedThreadId;
        _count = 0;
        _top = 0;
        _intTop = 0;
        _generation++;
    }

    /// <summary>
    /// Returns the arena (value and gradient slabs, backward scratch) to <see cref="TensorPool"/>, where the next new
    /// tape rents it; tensors of this tape become unusable (their <see cref="Tensor.AsMemory"/> memories throw). A span
    /// of this tape obtained before and still held would read another tape's numbers: drop spans first.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _owner = -1;
        _generation++;
        _count = 0;
        _top = 0;
        ArrayPool<int>.Shared.Return(_ints);
        TensorPool.Return(_values);
        TensorPool.Return(_grads);
        TensorPool.Return(_scratch);
        // Cleared: the records hold labels, input arrays and parameters, which the pool must not keep alive.
        ArrayPool<Node>.Shared.Return(_nodes, clearArray: true);
        _values = _grads = _scratch = default;
        _ints = [];
        _nodes = [];
    }

    /// <summary>
    /// Makes this tape the thread's <see cref="Default"/> until the returned scope is disposed, so ops whose operands
    /// are all parameters (for example <c>W.Transpose()</c> or a weight penalty) land on it rather than on the ambient tape.
    /// </summary>
    public TapeScope Activate()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new TapeScope(SwapDefault(this));
    }

    // ---------------------------------------------------------------- internals used by Tensor and Ops

    internal static Tape? SwapDefault(Tape? tape)
    {
        Tape? old = t_default;
        t_default = tape;
        return old;
    }

    internal int CurrentGeneration => _generation;

    /// <summary>The element count of a shape given to a factory: rank ≤ 4, and the one checked count of <see cref="Shapes.Count(ReadOnlySpan{int}, string)"/>.</summary>
    internal static int CheckShape(ReadOnlySpan<int> shape, string what)
    {
        if (shape.Length > Shapes.MaxRank)
            throw new ArgumentException($"{what}: shape {Shapes.Format(shape)} has rank {shape.Length}; NeuroLite supports rank up to {Shapes.MaxRank}.", nameof(shape));
        return Shapes.Count(shape, what);
    }

    /// <summary>
    /// Throws unless the calling thread owns this tape (and it is not disposed). Inlined into every append: one
    /// thread-static read and one comparison.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CheckOwner()
    {
        if (_owner != Environment.CurrentManagedThreadId) ThrowNotOwner();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowNotOwner()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        throw new InvalidOperationException(
            $"This tape belongs to thread {_owner} but was used from thread {Environment.CurrentManagedThreadId}. A tape (and every tensor on it, " +
            "including those of Tape.Default, which is per thread) must be used by one thread at a time: give each thread its own tape, " +
            "or call Reset() on the thread that takes a tape over.");
    }

    private Tensor Leaf(ReadOnlySpan<double> values, ReadOnlySpan<int> shape, bool needsGrad, string? label)
    {
        int n = CheckShape(shape, "Input");
        if (n != values.Length)
            throw new ArgumentException($"Input: shape {Shapes.Format(shape)} holds {n} elements but {values.Length} values were given.", nameof(values));
        int i = PushLeaf(shape, n, needsGrad, label);
        values.CopyTo(Value(i));
        return new Tensor(this, i, _generation);
    }

    /// <summary>The tape an op on <paramref name="a"/> runs on; throws for stale or default handles (nothing written yet).</summary>
    internal static Tape For(in Tensor a)
    {
        Tape? t = a.Check();
        return t ?? Default;
    }

    /// <summary>The tape an op on <paramref name="a"/> and <paramref name="b"/> runs on; throws for mixed tapes.</summary>
    internal static Tape For(in Tensor a, in Tensor b, string op)
    {
        Tape? ta = a.Check();
        Tape? tb = b.Check();
        if (ta is not null && tb is not null && !ReferenceEquals(ta, tb))
            throw new ArgumentException($"{op}: tensors of two different tapes cannot be mixed in one op (shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}); make both on the same tape. An op on parameters alone runs on Tape.Default; tape.Activate() makes an explicit tape the default.");
        return ta ?? tb ?? Default;
    }
}
