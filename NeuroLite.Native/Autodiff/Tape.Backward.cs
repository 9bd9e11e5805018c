using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeuroLite.Kernels;

namespace NeuroLite;

// The backward sweep and the gradient regions it reads and writes, with lazy zeroing (see docs/ARCHITECTURE.md):
// a gradient whose stamp is stale is logically zero, and the first rule to reach it clears or overwrites it.
public sealed partial class Tape
{
    internal int Stamp => _stamp;

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

    /// <summary>
    /// Reverse-mode sweep from <paramref name="root"/>: first mark what the root reaches (stopping as soon as no marked
    /// node is pending), then run each reached node's backward rule in reverse order. The new stamp makes every tape
    /// gradient stale, so none is cleared here: the first rule to write one clears or overwrites it (see
    /// <see cref="Grad"/>), while it is about to be used, instead of a pass over all of them before the sweep.
    /// </summary>
    internal unsafe void Backward(int root, ReadOnlySpan<double> seed)
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
