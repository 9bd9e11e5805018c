using NeuroLite.Kernels;

namespace NeuroLite;

internal static partial class Ops
{
    /// <summary>
    /// activation(x @ W + b) as one node, the whole of a <see cref="Layer"/>: the same values as
    /// <c>(x.MatMul(W) + b).Tanh()</c> (the GEMM result, then the bias added and the activation applied, all in one
    /// <see cref="Gemm.Linear"/> call), minus the intermediate nodes, their values and gradient buffers, and the passes that copied gradients between
    /// them. The bias is the node's third input (<see cref="Node.C"/>).
    /// </summary>
    internal static unsafe Tensor Linear(in Tensor x, in Tensor w, in Tensor b, Activation activation = Activation.None)
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
        int count = ProductCount("Linear", sx, sw);
        int ix = t.Resolve(x);
        int iw = t.Resolve(w);
        int ib = t.Resolve(b);
        int i = t.Push(OpKind.Linear, ix, iw, [m, cols], count, 0, &LinearBackward);
        ref Node n = ref t.NodeRef(i);
        n.C = ib;
        n.Activation = activation;
        n.NeedsGrad |= Tape.GradEnabled && t.NodeRef(ib).NeedsGrad;
        // One call: each tile of y gets the bias and the activation as soon as the GEMM has finished it, with the
        // bits of the GEMM, the broadcast bias add and the activation run one after another.
        GemmActivation fused = activation switch
        {
            Activation.Tanh => GemmActivation.Tanh,
            Activation.Relu => GemmActivation.Relu,
            _ => GemmActivation.None,
        };
        Gemm.Linear(t.Value(ix), t.Value(iw), t.Value(ib), t.Value(i), m, cols, k, fused);
        return Handle(t, i);
    }

    // The gradient through the activation goes to the tape's scratch (the pre-activation has no node of its own);
    // tanh's derivative needs only the output, and relu's mask is the same whether read from its input or its output.
    private static void LinearBackward(Tape t, int self, ref Node n)
    {
        ReadOnlySpan<double> g = t.Grad(self);
        var activation = n.Activation;
        if (activation != Activation.None)
        {
            Span<double> dz = t.Scratch(g.Length);
            if (activation == Activation.Tanh) Kernels.Unary.TanhBackward(t.Value(self), g, dz);
            else Kernels.Unary.ReluBackward(t.Value(self), g, dz);
            g = dz;
        }
        MatMulBackward(t, self, ref n, g);
        if (Wants(t, n.C)) AccumulateTo(t, g, n.Shape[..2], n.C);
    }
}
