using NeuroLite.Kernels;

namespace NeuroLite;

internal static partial class Ops
{
    /// <summary>
    /// x @ W + b as one node, the affine map of <see cref="Layer"/>: the same values as <c>x.MatMul(W) + b</c> (the
    /// GEMM result, then the bias added in place), minus the intermediate product's node, its gradient buffer and the
    /// pass that copied the gradient through the addition. The bias's node index rides in <see cref="Node.Aux"/>.
    /// </summary>
    internal static Tensor Linear(in Tensor x, in Tensor w, in Tensor b)
    {
        Tape t = Tape.For(x, w, "Linear");
        Tape? tb = b.Check();
        if (tb is not null && !ReferenceEquals(tb, t))
            throw new ArgumentException($"Linear: the bias (shape {ShapeText(b.Shape)}) lives on another tape than the input.", nameof(b));
        ReadOnlySpan<int> sx = x.ShapeUnchecked, sw = w.ShapeUnchecked, sb = b.ShapeUnchecked;
        if (sx.Length != 2 || sw.Length != 2)
            throw new ArgumentException($"Linear needs a 2-D input and a 2-D weight; got shapes {ShapeText(sx)} and {ShapeText(sw)}.");
        if (sx[1] != sw[0])
            throw new ArgumentException($"Linear inner sizes differ: {ShapeText(sx)} @ {ShapeText(sw)} ({sx[1]} vs {sw[0]}).");
        if (sb.Length != 1 || sb[0] != sw[1])
            throw new ArgumentException($"Linear bias must have shape ({sw[1]}); got {ShapeText(sb)}.", nameof(b));
        int m = sx[0], k = sx[1], cols = sw[1];
        int ix = t.Resolve(x);
        int iw = t.Resolve(w);
        int ib = t.Resolve(b);
        int i = t.Push(OpKind.Linear, ix, iw, [m, cols], m * cols, 0);
        ref Node n = ref t.NodeRef(i);
        n.Aux = ib;
        n.NeedsGrad |= t.NodeRef(ib).NeedsGrad;
        Span<double> y = t.Value(i);
        Gemm.Multiply(t.Value(ix), t.Value(iw), y, m, cols, k);
        Broadcast.Add(y, n.Shape[..2], t.Value(ib), sb, y);
        return Handle(t, i);
    }

    private static void LinearBackward(Tape t, int self, ref Node n)
    {
        MatMulBackward(t, self, ref n);
        if (Wants(t, n.Aux)) AccumulateTo(t, t.Grad(self), n.Shape[..2], n.Aux);
    }
}
