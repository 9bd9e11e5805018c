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
    private int _stamp;
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

    internal int Stamp => _stamp;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref Node NodeRef(int i) => ref _nodes[i];

    internal ReadOnlySpan<int> ShapeOf(int i)
    {
        ref Node n = ref _nodes[i];
        return MemoryMarshal.CreateReadOnlySpan(ref n.Shape[0], n.Rank);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<double> Value(int i)
    {
        ref Node n = ref _nodes[i];
        return n.Data is { } d ? d.AsSpan(n.DataStart, n.Length) : _values.Slice(n.Offset, n.Length);
    }

    /// <summary>
    /// The gradient of node <paramref name="i"/>, zeros written first if it is stale: a parameter's after a step or
    /// ZeroGrad, a tape node's when the latest Backward() has not written it yet (Backward() does not clear up front;
    /// each region is cleared, or overwritten through <see cref="GradForWrite"/>, when its first writer gets to it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<double> Grad(int i)
    {
        ref Node n = ref _nodes[i];
        if (n.Ext is { } p) return p.Grad;
        if (n.GradStamp != _stamp) return StaleGrad(ref n);
        return _grads.Slice(n.Offset, n.Length);
    }

    /// <summary>
    /// True for a tape leaf that receives a gradient and already has one in this generation: like a parameter, it
    /// accumulates over Backward() calls until zeroed, so a new stamp does not make it stale.
    /// </summary>
    private static bool Accumulates(ref Node n) => n.Op == OpKind.Leaf && n.NeedsGrad && n.GradStamp >= 0;

    private Span<double> StaleGrad(ref Node n)
    {
        if (!Accumulates(ref n)) return ClearGrad(ref n);
        n.GradStamp = _stamp;
        return _grads.Slice(n.Offset, n.Length);
    }

    /// <summary>
    /// Clears a tape node's gradient and marks it valid for the current Backward(). A view's region is reserved here,
    /// on first request: only a public read or a root asks for it, never a backward rule (a view needs no gradient),
    /// so no rule holds an arena span that a growth here would leave behind.
    /// </summary>
    private Span<double> ClearGrad(ref Node n)
    {
        if (n.Offset < 0) n.Offset = Reserve(n.Length);
        Span<double> g = _grads.Slice(n.Offset, n.Length);
        g.Clear();
        n.GradStamp = _stamp;
        return g;
    }

    /// <summary>
    /// The gradient of node <paramref name="i"/> for a backward rule that can overwrite as well as add (a GEMM, a
    /// reduction): <paramref name="accumulate"/> is false when the gradient is stale (logically zero), and the rule
    /// must then write every element, bitwise as 0 + its result would be. Rules that only add use <see cref="Grad"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<double> GradForWrite(int i, out bool accumulate)
    {
        ref Node n = ref _nodes[i];
        if (n.Ext is { } p) return p.GradForWrite(out accumulate);
        if (n.GradStamp != _stamp)
        {
            // Stale: logically zero, so the caller overwrites it (a view's region is reserved first, see ClearGrad);
            // a leaf's gradient from an earlier Backward() is not stale, it is added to.
            accumulate = Accumulates(ref n);
            if (n.Offset < 0) n.Offset = Reserve(n.Length);
            n.GradStamp = _stamp;
        }
        else
        {
            accumulate = true;
        }
        return _grads.Slice(n.Offset, n.Length);
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

    internal int PushLeaf(ReadOnlySpan<int> shape, int length, bool needsGrad, string? label)
    {
        int i = Push(OpKind.Leaf, -1, -1, shape, length, 0);
        ref Node n = ref _nodes[i];
        n.NeedsGrad = needsGrad;
        n.Label = label;
        return i;
    }

    /// <summary>
    /// Appends a node of the given shape whose value region (and <paramref name="auxLength"/> doubles of saved scratch,
    /// at <see cref="Node.Saved"/>) come from the arena, each starting on a 64-byte boundary. Callers validate
    /// everything first: after this, nothing throws.
    /// </summary>
    internal int Push(OpKind op, int a, int b, ReadOnlySpan<int> shape, int length, int auxLength)
    {
        CheckOwner();
        int aux = AlignedBuffer.RoundUp(length);
        int off = Reserve((long)aux + auxLength);
        int i = RecordCore(op, a, b, shape, length, off);
        _nodes[i].Saved = off + aux;
        return i;
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

    /// <summary>Appends a node record whose value and gradient sit at arena offset <paramref name="offset"/> (-1: none).</summary>
    private int Record(OpKind op, int a, int b, ReadOnlySpan<int> shape, int length, int offset)
    {
        CheckOwner();
        return RecordCore(op, a, b, shape, length, offset);
    }

    private int RecordCore(OpKind op, int a, int b, ReadOnlySpan<int> shape, int length, int offset)
    {
        if (_count == _nodes.Length) GrowNodes();
        int i = _count++;
        ref Node n = ref _nodes[i];
        // Field by field rather than `n = default`: a struct with references would be cleared with write barriers.
        n.Op = op;
        n.A = a;
        n.B = b;
        n.Offset = offset;
        n.Length = length;
        n.C = -1;
        n.Saved = 0;
        n.SavedInts = 0;
        n.Axis = 0;
        n.Constant = 0;
        n.Activation = Activation.None;
        n.Visit = -1;
        n.GradStamp = -1;
        n.KeepDims = false;
        if (n.Label is not null) n.Label = null;
        if (n.Data is not null) n.Data = null;
        if (n.Ext is not null) n.Ext = null;
        n.Rank = (byte)shape.Length;
        shape.CopyTo(n.Shape);
        // Under NoGrad() an op result needs no gradient, so Backward() never sweeps it (leaves set their own flag after this).
        n.NeedsGrad = ((a >= 0 && _nodes[a].NeedsGrad) || (b >= 0 && _nodes[b].NeedsGrad)) && GradEnabled;
        return i;
    }

    // The outgrown array goes to the GC, not back to the pool: a caller may still hold a ref to one of its records.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowNodes()
    {
        Node[] bigger = ArrayPool<Node>.Shared.Rent(_nodes.Length * 2);
        _nodes.AsSpan(0, _count).CopyTo(bigger);
        _nodes = bigger;
    }

    /// <summary>The number of ints of the side-arena in use (class targets); for tests.</summary>
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

    /// <summary>The node index of <paramref name="t"/> on this tape, appending a leaf that points at a parameter's storage when needed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Resolve(in Tensor t) => t.Owner is ParameterStorage p ? ParamLeaf(p) : t.Index;

    private int ParamLeaf(ParameterStorage p)
    {
        int id = p.Id;
        if (id < _paramGen.Length && _paramGen[id] == _generation) return _paramNode[id];
        if (id >= _paramGen.Length)
        {
            int size = Math.Max(id + 1, Math.Max(16, _paramGen.Length * 2));
            int old = _paramGen.Length;
            Array.Resize(ref _paramGen, size);
            Array.Resize(ref _paramNode, size);
            _paramGen.AsSpan(old).Fill(-1);
        }
        AlignedBuffer value = p.ValueBuffer;
        int i = Record(OpKind.Leaf, -1, -1, p.Shape, value.Length, -1);
        ref Node n = ref _nodes[i];
        n.Ext = p;
        n.Data = value.Array;
        n.DataStart = value.Start;
        n.NeedsGrad = true;
        n.Label = p.Label;
        _paramGen[id] = _generation;
        _paramNode[id] = i;
        return i;
    }

    /// <summary>
    /// Reverse-mode sweep from <paramref name="root"/>: first mark what the root reaches (stopping as soon as no marked
    /// node is pending), then run each reached node's backward rule in reverse order. The new stamp makes every tape
    /// gradient stale, so none is cleared here: the first rule to write one clears or overwrites it (see
    /// <see cref="Grad"/>), while it is about to be used, instead of a pass over all of them before the sweep.
    /// </summary>
    internal void Backward(int root, ReadOnlySpan<double> seed)
    {
        CheckOwner();
        bool eager = ParameterStorage.EagerZeroing;
        int stamp = ++_stamp;
        ref Node r = ref _nodes[root];
        r.Visit = stamp;
        int pending = 1;
        int low = root;
        for (int i = root; i >= 0 && pending > 0; i--)
        {
            ref Node n = ref _nodes[i];
            if (n.Visit != stamp) continue;
            pending--;
            low = i;
            if (eager && n.Ext is null && !Accumulates(ref n)) ClearGrad(ref n);
            if (n.Op == OpKind.Leaf) continue;
            if (n.A >= 0) pending += Mark(n.A, stamp);
            if (n.B >= 0) pending += Mark(n.B, stamp);
            if (n.C >= 0) pending += Mark(n.C, stamp);
        }
        Span<double> g = Grad(root);
        if (seed.IsEmpty) g[0] += 1.0;
        else Binary.Add(g, seed, g);
        for (int i = root; i >= low; i--)
        {
            ref Node n = ref _nodes[i];
            if (n.Visit == stamp && n.NeedsGrad && n.Op != OpKind.Leaf) Ops.Backward(this, i, ref n);
        }
    }

    private int Mark(int i, int stamp)
    {
        ref Node n = ref _nodes[i];
        // A parameter leaf needs no mark, clearing or sweep: backward rules accumulate straight into its storage.
        if (n.Ext is { } p)
        {
            // Checked before any rule runs: a recording swept after its module was disposed must not touch pooled memory.
            p.ThrowIfDisposed();
            return 0;
        }
        if (!n.NeedsGrad || n.Visit == stamp) return 0;
        n.Visit = stamp;
        return 1;
    }
}

/// <summary>Restores the previous <see cref="Tape.Default"/> when disposed; returned by <see cref="Tape.Activate"/>.</summary>
public readonly struct TapeScope : IDisposable, IEquatable<TapeScope>
{
    private readonly Tape? _previous;

    internal TapeScope(Tape? previous) => _previous = previous;

    /// <summary>Makes the previous tape the thread's default again.</summary>
    public void Dispose() => Tape.SwapDefault(_previous);

    /// <inheritdoc/>
    public bool Equals(TapeScope other) => ReferenceEquals(_previous, other._previous);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TapeScope s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode() => _previous?.GetHashCode() ?? 0;

    /// <summary>Scope equality (same previous tape).</summary>
    public static bool operator ==(TapeScope left, TapeScope right) => left.Equals(right);

    /// <summary>Scope inequality.</summary>
    public static bool operator !=(TapeScope left, TapeScope right) => !left.Equals(right);
}
