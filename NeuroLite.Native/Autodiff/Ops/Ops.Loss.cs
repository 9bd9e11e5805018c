using NeuroLite.Kernels;

namespace NeuroLite;

internal static partial class Ops
{
    /// <summary>mean((p − y)²) as one fused node; the difference is saved in the arena for backward.</summary>
    internal static unsafe Tensor Mse(in Tensor prediction, in Tensor target)
    {
        Tape t = Tape.For(prediction, target, "Mse");
        ReadOnlySpan<int> sp = prediction.ShapeUnchecked, st = target.ShapeUnchecked;
        if (!sp.SequenceEqual(st))
            throw new ArgumentException($"Mse needs prediction and target of the same shape; got {ShapeText(sp)} and {ShapeText(st)}.");
        int ip = t.Resolve(prediction);
        int it = t.Resolve(target);
        int len = t.NodeRef(ip).Length;
        int i = t.Push(OpKind.Mse, ip, it, [], 1, len, &MseBackward);
        Span<double> diff = t.Arena(t.NodeRef(i).Saved, len);
        Kernels.Binary.Subtract(t.Value(ip), t.Value(it), diff);
        double s = 0;
        foreach (double d in diff) s += d * d;
        t.Value(i)[0] = s / len;
        return Handle(t, i);
    }

    private static void MseBackward(Tape t, int self, ref Node n)
    {
        int len = t.NodeRef(n.A).Length;
        ReadOnlySpan<double> diff = t.Arena(n.Saved, len);
        double scale = 2.0 * t.Grad(self)[0] / len;
        if (Wants(t, n.A)) Kernels.Binary.Axpy(scale, diff, t.Grad(n.A));
        if (Wants(t, n.B)) Kernels.Binary.Axpy(-scale, diff, t.Grad(n.B));
    }

    /// <summary>Mean over rows of −log softmax(row)[target]: fused, probabilities saved in the arena, targets in the int side-arena.</summary>
    internal static unsafe Tensor SoftmaxCrossEntropy(in Tensor logits, ReadOnlySpan<int> targets)
    {
        Tape t = Tape.For(logits);
        ReadOnlySpan<int> s = logits.ShapeUnchecked;
        if (s.Length != 2)
            throw new ArgumentException($"SoftmaxCrossEntropy needs 2-D logits (rows, classes); got shape {ShapeText(s)}.", nameof(logits));
        int rows = s[0], cols = s[1];
        if (targets.Length != rows)
            throw new ArgumentException($"SoftmaxCrossEntropy: logits of shape {ShapeText(s)} need {rows} targets, got {targets.Length}.", nameof(targets));
        // The targets are copied into the tape first and only the copy is checked and used: another thread changing
        // the caller's span meanwhile cannot slip a value past the check.
        t.CheckOwner();
        int at = t.PushInts(targets);
        ReadOnlySpan<int> copy = t.Ints(at, rows);
        for (int r = 0; r < rows; r++)
        {
            if ((uint)copy[r] < (uint)cols) continue;
            int bad = copy[r];
            t.PopInts(at);
            throw new ArgumentOutOfRangeException(nameof(targets), $"SoftmaxCrossEntropy: target {bad} of row {r} is outside [0, {cols}) for logits of shape {ShapeText(s)}.");
        }
        int il = t.Resolve(logits);
        int len = rows * cols;
        // The row losses start on the 64-byte boundary after the probabilities, as the arena's regions do.
        int i = t.Push(OpKind.SoftmaxCe, il, -1, [], 1, AlignedBuffer.RoundUp(len) + rows, &SoftmaxCeBackward);
        ref Node n = ref t.NodeRef(i);
        n.SavedInts = at;
        Span<double> probs = t.Arena(n.Saved, len);
        Span<double> rowLoss = t.Arena(n.Saved + AlignedBuffer.RoundUp(len), rows);
        Kernels.SoftmaxCrossEntropy.Forward(t.Value(il), rows, cols, t.Ints(at, rows), probs, rowLoss);
        t.Value(i)[0] = rows == 0 ? double.NaN : Reduce.Sum(rowLoss) / rows;
        return Handle(t, i);
    }

    private static void SoftmaxCeBackward(Tape t, int self, ref Node n)
    {
        if (!Wants(t, n.A)) return;
        ReadOnlySpan<int> s = t.ShapeOf(n.A);
        int rows = s[0], cols = s[1];
        if (rows == 0) return;
        Kernels.SoftmaxCrossEntropy.Backward(t.Arena(n.Saved, rows * cols), rows, cols, t.Ints(n.SavedInts, rows), t.Grad(self)[0] / rows, t.Grad(n.A), accumulate: true);
    }
}
