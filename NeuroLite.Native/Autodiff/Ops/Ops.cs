using System.Runtime.CompilerServices;
using NeuroLite.Kernels;

namespace NeuroLite;

/// <summary>
/// Every op of the engine: its forward (validate, append a node, compute with the kernels) and, right beside it,
/// its backward rule, which accumulates into the inputs' gradients. The forward hands its rule to <see cref="Tape.Push"/>,
/// which keeps it in the node; the backward sweep calls it.
/// Validation always comes before <see cref="Tape.Push"/>, so a rejected op leaves the tape as it was.
/// </summary>
internal static partial class Ops
{
    /// <summary>Appends an element-wise node shaped like input <paramref name="ia"/>, with its scalar operand and backward rule.</summary>
    private static unsafe int PushLike(Tape t, OpKind op, int ia, double constant, delegate*<Tape, int, ref Node, void> rule)
    {
        ref Node src = ref t.NodeRef(ia);
        int i = t.Push(op, ia, -1, src.Shape[..src.Rank], src.Length, 0, rule);
        t.NodeRef(i).Constant = constant;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Wants(Tape t, int input) => input >= 0 && t.NodeRef(input).NeedsGrad;

    private static Span<double> Out(Tape t, int i) => t.Value(i);

    private static Tensor Handle(Tape t, int i) => new(t, i, t.CurrentGeneration);

    /// <summary>
    /// dst.grad += g summed down to dst's shape (the reverse of a broadcast); a stale parameter gradient is overwritten
    /// with what 0 + that sum gives (g + 0 turns −0 into +0 as 0 + g does; the sums never give −0).
    /// </summary>
    private static void AccumulateTo(Tape t, ReadOnlySpan<double> g, ReadOnlySpan<int> gShape, int dst)
    {
        Span<double> d = t.GradForWrite(dst, out bool accumulate);
        if (d.Length == g.Length)
        {
            if (accumulate) Binary.Add(d, g, d);
            else Binary.Add(g, 0.0, d);
        }
        else if (d.Length == 1) d[0] = (accumulate ? d[0] : 0.0) + Reduce.Sum(g);
        else Broadcast.SumTo(g, gShape, d, t.ShapeOf(dst), accumulate);
    }

    private static string ShapeText(ReadOnlySpan<int> shape) => Shapes.Format(shape);

    /// <summary>The element count of the (m × n) product of <paramref name="sa"/> (m × k) and <paramref name="sb"/> (k × n), checked in 64 bits against <see cref="Shapes.MaxElements"/>.</summary>
    private static int ProductCount(string what, ReadOnlySpan<int> sa, ReadOnlySpan<int> sb)
    {
        long count = (long)sa[0] * sb[1];
        if (count > Shapes.MaxElements)
            throw new ArgumentException($"{what}: {ShapeText(sa)} @ {ShapeText(sb)} gives a ({sa[0]}, {sb[1]}) result of {count} elements; NeuroLite tensors hold at most {Shapes.MaxElements} (2^30).");
        return (int)count;
    }
}
