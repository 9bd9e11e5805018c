using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeuroLite.Kernels;

namespace NeuroLite;

// The backward sweep and the gradient regions it reads and writes, with lazy zeroing (LazyGradient, see
// docs/ARCHITECTURE.md): a node's gradient belongs to one Backward() stamp, or accumulates for a leaf, and the first
// rule to reach a stale one clears or overwrites it.
public sealed partial class Tape
{
    /// <summary>
    /// The epoch of node <paramref name="n"/>'s gradient (<see cref="LazyGradient"/>). A tape leaf that receives a
    /// gradient accumulates over Backward() calls until zeroed, as a parameter does; any other node's gradient belongs
    /// to the latest Backward(), so each sweep's new stamp makes it stale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Epoch(ref Node n) => n.Op == OpKind.Leaf && n.NeedsGrad ? LazyGradient.Accumulating : _stamp;

    /// <summary>
    /// A tape node's gradient region. A view's region is reserved here, on first request: only a public read or a root
    /// asks for it, never a backward rule (a view needs no gradient), so no rule holds an arena span that a growth here
    /// would leave behind.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<double> GradRegion(ref Node n)
    {
        if (n.Offset < 0) n.Offset = Reserve(n.Length);
        return _grads.Slice(n.Offset, n.Length);
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
        return n.Gradient.Read(GradRegion(ref n), Epoch(ref n));
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
        return n.Gradient.Write(GradRegion(ref n), Epoch(ref n), out accumulate);
    }

    /// <summary>True while node <paramref name="i"/>'s gradient is logically zero; writes nothing (for the graph drawing).</summary>
    internal bool GradIsZero(int i)
    {
        ref Node n = ref _nodes[i];
        return n.Ext is { } p ? p.GradIsZero : n.Gradient.IsZero(Epoch(ref n));
    }

    /// <summary>Makes node <paramref name="i"/>'s gradient zero (lazily: nothing is written).</summary>
    internal void ZeroGrad(int i)
    {
        ref Node n = ref _nodes[i];
        if (n.Ext is { } p) p.ZeroGrad();
        else n.Gradient.MarkZero();
    }

    /// <summary>
    /// Reverse-mode sweep from <paramref name="root"/>: first mark what the root reaches (stopping as soon as no marked
    /// node is pending), then run each reached node's backward rule in reverse order. The new stamp makes every tape
    /// gradient stale, so none is cleared here: the first rule to write one clears or overwrites it (see
    /// <see cref="Grad"/>), while it is about to be used, instead of a pass over all of them before the sweep.
    /// </summary>
    internal unsafe void Backward(int root, ReadOnlySpan<double> seed)
    {
        CheckOwner();
        // Stamps stay in [1, Accumulating): 0 marks a zeroed gradient and Accumulating a leaf's epoch.
        int stamp = _stamp = _stamp >= LazyGradient.Accumulating - 1 ? 1 : _stamp + 1;
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
            if (n.Visit == stamp && n.NeedsGrad && n.Rule != null) n.Rule(this, i, ref n);
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
