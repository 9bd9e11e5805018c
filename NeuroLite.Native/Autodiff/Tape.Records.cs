using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeuroLite.Kernels;

namespace NeuroLite;

// The node records (the Wengert list): appending ops and leaves, parameter leaves, shapes.
public sealed partial class Tape
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref Node NodeRef(int i) => ref _nodes[i];

    internal ReadOnlySpan<int> ShapeOf(int i)
    {
        ref Node n = ref _nodes[i];
        return MemoryMarshal.CreateReadOnlySpan(ref n.Shape[0], n.Rank);
    }

    internal unsafe int PushLeaf(ReadOnlySpan<int> shape, int length, bool needsGrad, string? label)
    {
        int i = Push(OpKind.Leaf, -1, -1, shape, length, 0, null);
        ref Node n = ref _nodes[i];
        n.NeedsGrad = needsGrad;
        n.Label = label;
        return i;
    }

    /// <summary>
    /// Appends a node of the given shape whose value region (and <paramref name="auxLength"/> doubles of saved scratch,
    /// at <see cref="Node.Saved"/>) come from the arena, each starting on a 64-byte boundary. Callers validate
    /// everything first: after this, nothing throws. <paramref name="rule"/> is the op's backward rule.
    /// </summary>
    internal unsafe int Push(OpKind op, int a, int b, ReadOnlySpan<int> shape, int length, int auxLength, delegate*<Tape, int, ref Node, void> rule)
    {
        CheckOwner();
        int aux = AlignedBuffer.RoundUp(length);
        int off = Reserve((long)aux + auxLength);
        int i = RecordCore(op, a, b, shape, length, off);
        _nodes[i].Saved = off + aux;
        _nodes[i].Rule = rule;
        return i;
    }

    /// <summary>Appends a node record whose value and gradient sit at arena offset <paramref name="offset"/> (-1: none).</summary>
    private int Record(OpKind op, int a, int b, ReadOnlySpan<int> shape, int length, int offset)
    {
        CheckOwner();
        return RecordCore(op, a, b, shape, length, offset);
    }

    private unsafe int RecordCore(OpKind op, int a, int b, ReadOnlySpan<int> shape, int length, int offset)
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
        n.Rule = null;
        n.Saved = 0;
        n.SavedInts = 0;
        n.Axis = 0;
        n.Constant = 0;
        n.Activation = Activation.None;
        n.Visit = -1;
        n.Gradient = default;
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
}
