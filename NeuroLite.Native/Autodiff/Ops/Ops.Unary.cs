using NeuroLite.Kernels;

namespace NeuroLite;

internal static partial class Ops
{
    /// <summary>Element-wise op of one input: Tanh, Relu, Exp, Log, Pow (exponent in <paramref name="attr"/>).</summary>
    internal static unsafe Tensor Unary(OpKind op, in Tensor a, double attr = 0)
    {
        Tape t = Tape.For(a);
        if (op == OpKind.Log) CheckLogDomain(a);
        int ia = t.Resolve(a);
        int i = PushLike(t, op, ia, attr, op switch
        {
            OpKind.Tanh => &TanhBackward,
            OpKind.Relu => &ReluBackward,
            OpKind.Exp => &ExpBackward,
            OpKind.Log => &LogBackward,
            _ => &PowBackward,
        });
        ReadOnlySpan<double> x = t.Value(ia);
        Span<double> y = t.Value(i);
        switch (op)
        {
            case OpKind.Tanh: Kernels.Unary.Tanh(x, y); break;
            case OpKind.Relu: Kernels.Unary.Relu(x, y); break;
            case OpKind.Exp: Kernels.Unary.Exp(x, y); break;
            case OpKind.Log: Kernels.Unary.Log(x, y); break;
            default: PowForward(x, attr, y); break;
        }
        return Handle(t, i);
    }

    private static void CheckLogDomain(in Tensor a)
    {
        ReadOnlySpan<double> x = a.DataUnchecked;
        for (int k = 0; k < x.Length; k++)
            if (x[k] <= 0)
                throw new ArgumentException($"Log of a tensor of shape {ShapeText(a.ShapeUnchecked)} with a non-positive element ({x[k]} at flat index {k}); the logarithm is defined for positive values only.", nameof(a));
    }

    // A stale input gradient is overwritten, not cleared and added to: both kernels' overwrite is 0 + d bitwise.
    private static void TanhBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        ReadOnlySpan<double> g = t.Grad(self);
        Span<double> da = t.GradForWrite(n.A, out bool accumulate);
        Kernels.Unary.TanhBackward(t.Value(self), g, da, accumulate);
    }

    private static void ReluBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        ReadOnlySpan<double> g = t.Grad(self);
        Span<double> da = t.GradForWrite(n.A, out bool accumulate);
        Kernels.Unary.ReluBackward(t.Value(n.A), g, da, accumulate);
    }

    private static void ExpBackward(Tape t, int self, ref Node n)
    {
        if (Wants(t, n.A)) Kernels.Binary.MultiplyAdd(t.Grad(self), t.Value(self), t.Grad(n.A));
    }

    private static void LogBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        ReadOnlySpan<double> g = t.Grad(self);
        Span<double> s = t.Scratch(g.Length);
        Kernels.Binary.Divide(g, t.Value(n.A), s);
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Add(da, s, da);
    }

    // Pow has no kernel: these two loops are the engine's own (exact special cases for the common exponents).
    private static void PowForward(ReadOnlySpan<double> x, double p, Span<double> y)
    {
        if (p == 2.0) Kernels.Binary.Multiply(x, x, y);
        else if (p == 1.0) x.CopyTo(y);
        else if (p == -1.0) Kernels.Binary.Divide(1.0, x, y);
        else for (int k = 0; k < x.Length; k++) y[k] = PowLikeTorch(x[k], p);
    }

    /// <summary>
    /// x^e with PyTorch's special exponents (its pow kernel computes them as these expressions, not by pow): the
    /// same bits in the common cases and the same signs and NaNs at the edges, for example √(−0) = −0 and
    /// 1/√(−0) = −∞ where pow gives +0 and +∞, and √(−∞) = NaN where pow gives +∞.
    /// </summary>
    private static double PowLikeTorch(double x, double e) => e switch
    {
        0.5 => Math.Sqrt(x),
        -0.5 => 1.0 / Math.Sqrt(x),
        2.0 => x * x,
        3.0 => x * x * x,
        -1.0 => 1.0 / x,
        -2.0 => 1.0 / (x * x),
        _ => Math.Pow(x, e),
    };

    private static void PowBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        double p = n.Constant;
        ReadOnlySpan<double> x = t.Value(n.A);
        ReadOnlySpan<double> g = t.Grad(self);
        Span<double> da = t.Grad(n.A);
        // d/dx x^0 = 0 everywhere, as PyTorch has it (p·x^(p−1) would be 0·∞ = NaN at x = 0, and g·0 NaN for an
        // infinite g): nothing is added. Other exponents follow PyTorch's rule g·(p·x^(p−1)), its x^(p−1) included.
        if (p == 0.0) return;
        if (p == 2.0)
            for (int k = 0; k < x.Length; k++) da[k] += g[k] * (2.0 * x[k]);
        else
            for (int k = 0; k < x.Length; k++) da[k] += g[k] * (p * PowLikeTorch(x[k], p - 1.0));
    }

    /// <summary>(m×k) @ (k×n), both 2-D.</summary>
    internal static unsafe Tensor MatMul(in Tensor a, in Tensor b)
    {
        Tape t = Tape.For(a, b, "MatMul");
        ReadOnlySpan<int> sa = a.ShapeUnchecked, sb = b.ShapeUnchecked;
        if (sa.Length != 2 || sb.Length != 2)
            throw new ArgumentException($"MatMul needs two 2-D tensors; got shapes {ShapeText(sa)} and {ShapeText(sb)}.");
        if (sa[1] != sb[0])
            throw new ArgumentException($"MatMul inner sizes differ: {ShapeText(sa)} @ {ShapeText(sb)} ({sa[1]} vs {sb[0]}).");
        int m = sa[0], k = sa[1], cols = sb[1];
        int count = ProductCount("MatMul", sa, sb);
        int ia = t.Resolve(a);
        int ib = t.Resolve(b);
        int i = t.Push(OpKind.MatMul, ia, ib, [m, cols], count, 0, &MatMulBackward);
        Gemm.Multiply(t.Value(ia), t.Value(ib), t.Value(i), m, cols, k);
        return Handle(t, i);
    }

    private static void MatMulBackward(Tape t, int self, ref Node n) => MatMulBackward(t, self, ref n, t.Grad(self));

    /// <summary>The product's backward rule with <paramref name="g"/> as the gradient of its result.</summary>
    private static void MatMulBackward(Tape t, int self, ref Node n, ReadOnlySpan<double> g)
    {
        ReadOnlySpan<int> sa = t.ShapeOf(n.A);
        int m = sa[0], k = sa[1], cols = n.Shape[1];
        // dA += G·Bᵀ and dB += Aᵀ·G: the transposes are GEMM flags, never copies. A stale parameter gradient is
        // overwritten (the GEMM sums from +0, so C = P gives the bits of C = 0 + P without reading C).
        if (Wants(t, n.A))
        {
            Span<double> da = t.GradForWrite(n.A, out bool accumulate);
            Gemm.Multiply(g, t.Value(n.B), da, m, k, cols, transposeB: true, accumulate: accumulate);
        }
        if (Wants(t, n.B))
        {
            Span<double> db = t.GradForWrite(n.B, out bool accumulate);
            Gemm.Multiply(t.Value(n.A), g, db, k, cols, m, transposeA: true, accumulate: accumulate);
        }
    }
}
