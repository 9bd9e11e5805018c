using NeuroLite.Kernels;

namespace NeuroLite;

internal static partial class Ops
{
    /// <summary>Sum (or mean) of all elements: a 0-d tensor.</summary>
    internal static unsafe Tensor ReduceAll(OpKind op, in Tensor a)
    {
        Tape t = Tape.For(a);
        int ia = t.Resolve(a);
        int i = t.Push(op, ia, -1, [], 1, 0, op == OpKind.SumAll ? &SumAllBackward : &MeanAllBackward);
        ReadOnlySpan<double> x = t.Value(ia);
        double s = Reduce.Sum(x);
        t.Value(i)[0] = op == OpKind.MeanAll ? s / x.Length : s;
        return Handle(t, i);
    }

    private static void SumAllBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Add(da, t.Grad(self)[0], da);
    }

    private static void MeanAllBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Add(da, t.Grad(self)[0] / da.Length, da);
    }

    /// <summary>Sum (or mean) over one axis (negative counts from the end), dropping it unless <paramref name="keepDims"/>.</summary>
    internal static unsafe Tensor ReduceAxis(OpKind op, in Tensor a, int axis, bool keepDims)
    {
        Tape t = Tape.For(a);
        ReadOnlySpan<int> sa = a.ShapeUnchecked;
        int ax = axis < 0 ? axis + sa.Length : axis;
        if ((uint)ax >= (uint)sa.Length)
            throw new ArgumentOutOfRangeException(nameof(axis), $"{(op == OpKind.SumAxis ? "Sum" : "Mean")}: axis {axis} is out of range for a tensor of shape {ShapeText(sa)}.");
        Span<int> shape = stackalloc int[Shapes.MaxRank];
        int rank = 0;
        for (int k = 0; k < sa.Length; k++)
        {
            if (k != ax) shape[rank++] = sa[k];
            else if (keepDims) shape[rank++] = 1;
        }
        shape = shape[..rank];
        int count = sa[ax];
        int ia = t.Resolve(a);
        int i = t.Push(op, ia, -1, shape, Shapes.Count(shape), 0, op == OpKind.SumAxis ? &SumAxisBackward : &MeanAxisBackward);
        ref Node n = ref t.NodeRef(i);
        n.Axis = ax;
        n.KeepDims = keepDims;
        Span<double> y = t.Value(i);
        Reduce.SumAxis(t.Value(ia), t.ShapeOf(ia), ax, y);
        if (op == OpKind.MeanAxis) Kernels.Binary.Divide(y, count, y);
        return Handle(t, i);
    }

    private static void SumAxisBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        SpreadBack(t, t.Grad(self), n.A, n.Axis);
    }

    private static void MeanAxisBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        ReadOnlySpan<double> g = t.Grad(self);
        Span<double> s = t.Scratch(g.Length);
        Kernels.Binary.Divide(g, t.ShapeOf(n.A)[n.Axis], s);
        SpreadBack(t, s, n.A, n.Axis);
    }

    /// <summary>dA += g broadcast back along the reduced axis.</summary>
    private static void SpreadBack(Tape t, ReadOnlySpan<double> g, int a, int axis)
    {
        ReadOnlySpan<int> sa = t.ShapeOf(a);
        Span<int> kept = stackalloc int[Shapes.MaxRank];
        sa.CopyTo(kept);
        kept[axis] = 1;
        Span<double> da = t.Grad(a);
        Broadcast.Add(da, sa, g, kept[..sa.Length], da);
    }

    /// <summary>Same elements, new shape; at most one dimension may be -1 (inferred).</summary>
    internal static unsafe Tensor Reshape(in Tensor a, ReadOnlySpan<int> shape)
    {
        Tape t = Tape.For(a);
        ReadOnlySpan<int> sa = a.ShapeUnchecked;
        int length = Shapes.Count(sa);
        Span<int> target = stackalloc int[Shapes.MaxRank];
        if (shape.Length > Shapes.MaxRank)
            throw new ArgumentException($"Reshape of {ShapeText(sa)} to {ShapeText(shape)}: NeuroLite supports rank up to {Shapes.MaxRank}.", nameof(shape));
        int infer = -1;
        long known = 1;
        for (int k = 0; k < shape.Length; k++)
        {
            int d = shape[k];
            if (d == -1 && infer < 0) infer = k;
            else if (d < 0) throw new ArgumentException($"Reshape of {ShapeText(sa)} to {ShapeText(shape)}: dimensions must be non-negative (one may be -1).", nameof(shape));
            // Capped just above the limit (a zero still brings it to 0): the product of four ints would wrap a long.
            else known = Math.Min(known * d, Shapes.MaxElements + 1L);
            target[k] = d;
        }
        if (infer >= 0 && known != 0 && length % known == 0) target[infer] = (int)(length / known);
        target = target[..shape.Length];
        if ((infer >= 0 && (known == 0 || length % known != 0)) || (infer < 0 && known != length))
            throw new ArgumentException($"Cannot reshape a tensor of shape {ShapeText(sa)} ({length} elements) to {ShapeText(shape)} ({(infer >= 0 ? "no whole size for -1" : known + " elements")}).", nameof(shape));
        int ia = t.Resolve(a);
        int i = t.Push(OpKind.Reshape, ia, -1, target, length, 0, &ReshapeBackward);
        t.Value(ia).CopyTo(t.Value(i));
        return Handle(t, i);
    }

    private static void ReshapeBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        Span<double> da = t.Grad(n.A);
        Kernels.Binary.Add(da, t.Grad(self), da);
    }

    /// <summary>The transpose of a 2-D tensor (a copy; there is no transpose kernel, so the loop is the engine's own).</summary>
    internal static unsafe Tensor Transpose(in Tensor a)
    {
        Tape t = Tape.For(a);
        ReadOnlySpan<int> sa = a.ShapeUnchecked;
        if (sa.Length != 2)
            throw new ArgumentException($"Transpose needs a 2-D tensor; got shape {ShapeText(sa)}.", nameof(a));
        int rows = sa[0], cols = sa[1];
        int ia = t.Resolve(a);
        int i = t.Push(OpKind.Transpose, ia, -1, [cols, rows], t.NodeRef(ia).Length, 0, &TransposeBackward);
        TransposeInto(t.Value(ia), rows, cols, t.Value(i), accumulate: false);
        return Handle(t, i);
    }

    private static void TransposeBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        TransposeInto(t.Grad(self), n.Shape[0], n.Shape[1], t.Grad(n.A), accumulate: true);
    }

    /// <summary>dst (cols×rows) = src (rows×cols)ᵀ, or += when <paramref name="accumulate"/>; blocked so both sides stay in cache.</summary>
    private static void TransposeInto(ReadOnlySpan<double> src, int rows, int cols, Span<double> dst, bool accumulate)
    {
        const int Block = 16;
        for (int r0 = 0; r0 < rows; r0 += Block)
            for (int c0 = 0; c0 < cols; c0 += Block)
            {
                int r1 = Math.Min(rows, r0 + Block), c1 = Math.Min(cols, c0 + Block);
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++)
                    {
                        double v = src[r * cols + c];
                        if (accumulate) dst[c * rows + r] += v; else dst[c * rows + r] = v;
                    }
            }
    }
}
