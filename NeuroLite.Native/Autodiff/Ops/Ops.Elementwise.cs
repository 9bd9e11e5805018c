using NeuroLite.Kernels;

namespace NeuroLite;

internal static partial class Ops
{
    private static string Symbol(OpKind op) => op switch
    {
        OpKind.Add => "+",
        OpKind.Sub => "-",
        OpKind.Mul => "*",
        _ => "/",
    };

    /// <summary>Broadcasting binary op (NumPy rules, rank ≤ 4).</summary>
    internal static unsafe Tensor BinaryOp(OpKind op, in Tensor a, in Tensor b)
    {
        Tape t = Tape.For(a, b, Symbol(op));
        Span<int> shape = stackalloc int[Shapes.MaxRank];
        int rank = BroadcastShape(a.ShapeUnchecked, b.ShapeUnchecked, shape, op);
        shape = shape[..rank];
        int n = Shapes.Count(shape);
        int ia = t.Resolve(a);
        int ib = t.Resolve(b);
        int i = t.Push(op, ia, ib, shape, n, 0, op switch
        {
            OpKind.Add => &AddBackward,
            OpKind.Sub => &SubBackward,
            OpKind.Mul => &MulBackward,
            _ => &DivBackward,
        });
        ReadOnlySpan<double> x = t.Value(ia), y = t.Value(ib);
        Span<double> c = t.Value(i);
        if (x.Length == n && y.Length == n)
        {
            switch (op)
            {
                case OpKind.Add: Kernels.Binary.Add(x, y, c); break;
                case OpKind.Sub: Kernels.Binary.Subtract(x, y, c); break;
                case OpKind.Mul: Kernels.Binary.Multiply(x, y, c); break;
                default: Kernels.Binary.Divide(x, y, c); break;
            }
        }
        else if (y.Length == 1 && x.Length == n)
        {
            switch (op)
            {
                case OpKind.Add: Kernels.Binary.Add(x, y[0], c); break;
                case OpKind.Sub: Kernels.Binary.Subtract(x, y[0], c); break;
                case OpKind.Mul: Kernels.Binary.Multiply(x, y[0], c); break;
                default: Kernels.Binary.Divide(x, y[0], c); break;
            }
        }
        else if (x.Length == 1 && y.Length == n)
        {
            switch (op)
            {
                case OpKind.Add: Kernels.Binary.Add(y, x[0], c); break;
                case OpKind.Sub: Kernels.Binary.Subtract(x[0], y, c); break;
                case OpKind.Mul: Kernels.Binary.Multiply(y, x[0], c); break;
                default: Kernels.Binary.Divide(x[0], y, c); break;
            }
        }
        else
        {
            ReadOnlySpan<int> sa = t.ShapeOf(ia), sb = t.ShapeOf(ib);
            switch (op)
            {
                case OpKind.Add: Broadcast.Add(x, sa, y, sb, c); break;
                case OpKind.Sub: Broadcast.Subtract(x, sa, y, sb, c); break;
                case OpKind.Mul: Broadcast.Multiply(x, sa, y, sb, c); break;
                default: Broadcast.Divide(x, sa, y, sb, c); break;
            }
        }
        return Handle(t, i);
    }

    private static int BroadcastShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b, Span<int> result, OpKind op)
    {
        if (!Shapes.TryBroadcast(a, b, result, out int rank, out int k))
            throw new ArgumentException($"Operator {Symbol(op)}: shapes {ShapeText(a)} and {ShapeText(b)} cannot be broadcast together (axis {k} of the aligned shapes: {Shapes.AlignedDim(a, rank, k)} vs {Shapes.AlignedDim(b, rank, k)}).");
        return rank;
    }

    private static void AddBackward(Tape t, int self, ref Node n)
    {
        ReadOnlySpan<double> g = t.Grad(self);
        ReadOnlySpan<int> shape = n.Shape[..n.Rank];
        if (Wants(t, n.A)) AccumulateTo(t, g, shape, n.A);
        if (Wants(t, n.B)) AccumulateTo(t, g, shape, n.B);
    }

    private static void SubBackward(Tape t, int self, ref Node n)
    {
        ReadOnlySpan<double> g = t.Grad(self);
        ReadOnlySpan<int> shape = n.Shape[..n.Rank];
        if (Wants(t, n.A)) AccumulateTo(t, g, shape, n.A);
        if (!Wants(t, n.B)) return;
        Span<double> db = t.Grad(n.B);
        if (db.Length == g.Length) Kernels.Binary.Subtract(db, g, db);
        else
        {
            Span<double> s = t.Scratch(g.Length);
            Kernels.Binary.Multiply(g, -1.0, s);
            AccumulateTo(t, s, shape, n.B);
        }
    }

    private static void MulBackward(Tape t, int self, ref Node n)
    {
        ReadOnlySpan<double> g = t.Grad(self);
        ReadOnlySpan<int> shape = n.Shape[..n.Rank];
        Span<double> s = t.Scratch(g.Length);
        // g·b is rounded before it is added (no fused multiply-add): that is how the seed's numbers come out.
        if (Wants(t, n.A))
        {
            Times(g, shape, t.Value(n.B), t.ShapeOf(n.B), s);
            AccumulateTo(t, s, shape, n.A);
        }
        if (Wants(t, n.B))
        {
            Times(g, shape, t.Value(n.A), t.ShapeOf(n.A), s);
            AccumulateTo(t, s, shape, n.B);
        }
    }

    /// <summary>s = g · y with y broadcast to g's shape.</summary>
    private static void Times(ReadOnlySpan<double> g, ReadOnlySpan<int> gShape, ReadOnlySpan<double> y, ReadOnlySpan<int> yShape, Span<double> s)
    {
        if (y.Length == g.Length) Kernels.Binary.Multiply(g, y, s);
        else if (y.Length == 1) Kernels.Binary.Multiply(g, y[0], s);
        else Broadcast.Multiply(g, gShape, y, yShape, s);
    }

    private static void DivBackward(Tape t, int self, ref Node n)
    {
        ReadOnlySpan<double> g = t.Grad(self);
        ReadOnlySpan<int> shape = n.Shape[..n.Rank];
        ReadOnlySpan<double> b = t.Value(n.B);
        Span<double> s = t.Scratch(g.Length);
        if (b.Length == g.Length) Kernels.Binary.Divide(g, b, s);
        else if (b.Length == 1) Kernels.Binary.Divide(g, b[0], s);
        else Broadcast.Divide(g, shape, b, t.ShapeOf(n.B), s);
        if (Wants(t, n.A)) AccumulateTo(t, s, shape, n.A);
        if (Wants(t, n.B))
        {
            // d(a/b)/db = -(a/b)/b: s = g/b times the output, negated, summed down to b.
            Kernels.Binary.Multiply(s, t.Value(self), s);
            Kernels.Binary.Multiply(s, -1.0, s);
            AccumulateTo(t, s, shape, n.B);
        }
    }

    /// <summary>x op c for a constant c: AddScalar (also x - c as x + (-c), which IEEE defines identically), MulScalar, DivScalar, RSubScalar (c - x), RDivScalar (c / x).</summary>
    internal static unsafe Tensor Scalar(OpKind op, in Tensor a, double c)
    {
        Tape t = Tape.For(a);
        int ia = t.Resolve(a);
        int i = PushLike(t, op, ia, c, op switch
        {
            OpKind.AddScalar => &AddScalarBackward,
            OpKind.MulScalar => &MulScalarBackward,
            OpKind.DivScalar => &DivScalarBackward,
            OpKind.RDivScalar => &RDivScalarBackward,
            _ => &NegBackward, // Neg and RSubScalar: the gradient is negated
        });
        ReadOnlySpan<double> x = t.Value(ia);
        Span<double> y = t.Value(i);
        switch (op)
        {
            case OpKind.AddScalar: Kernels.Binary.Add(x, c, y); break;
            case OpKind.MulScalar: Kernels.Binary.Multiply(x, c, y); break;
            case OpKind.DivScalar: Kernels.Binary.Divide(x, c, y); break;
            case OpKind.RSubScalar: Kernels.Binary.Subtract(c, x, y); break;
            case OpKind.RDivScalar: Kernels.Binary.Divide(c, x, y); break;
            default: Kernels.Binary.Multiply(x, -1.0, y); break;
        }
        return Handle(t, i);
    }

    internal static Tensor Neg(in Tensor a) => Scalar(OpKind.Neg, a, -1.0);

    private static void AddScalarBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Add(da, t.Grad(self), da);
    }

    private static void NegBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Subtract(da, t.Grad(self), da);
    }

    private static void MulScalarBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        ReadOnlySpan<double> g = t.Grad(self);
        Span<double> s = t.Scratch(g.Length);
        Kernels.Binary.Multiply(g, n.Constant, s);
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Add(da, s, da);
    }

    private static void DivScalarBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        ReadOnlySpan<double> g = t.Grad(self);
        Span<double> s = t.Scratch(g.Length);
        Kernels.Binary.Divide(g, n.Constant, s);
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Add(da, s, da);
    }

    private static void RDivScalarBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        ReadOnlySpan<double> g = t.Grad(self);
        Span<double> s = t.Scratch(g.Length);
        // d(c/x)/dx = -(c/x)/x.
        Kernels.Binary.Multiply(g, t.Value(self), s);
        Kernels.Binary.Divide(s, t.Value(n.A), s);
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Subtract(da, s, da);
    }
}
