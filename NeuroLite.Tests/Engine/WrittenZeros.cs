namespace NeuroLite.Tests.Engine;

/// <summary>
/// The reference that lazy zeroing is compared with: gradients that start every accumulation from zeros actually
/// written into their buffers, so that every backward rule takes its accumulating path (adding to +0) where the lazy
/// engine lets the first writer overwrite a stale buffer. It uses only what the engine offers anyway: a read of a
/// gradient writes the zeros of a stale one, and a backward rule that adds writes into a stale tape gradient only
/// after clearing it.
/// </summary>
internal static class WrittenZeros
{
    /// <summary>Reads each gradient, which writes the zeros of a stale one (after an optimizer step or ZeroGrad).</summary>
    public static void Write(IEnumerable<Tensor> tensors)
    {
        foreach (Tensor t in tensors) _ = t.Grad.Length;
    }

    /// <summary>Runs Backward() from <paramref name="root"/>, from <see cref="Root"/> when <paramref name="written"/>.</summary>
    public static void Backward(Tensor root, bool written)
    {
        if (written) Root(root).Backward();
        else root.Backward();
    }

    /// <summary>As <see cref="Backward(Tensor, bool)"/> with a seed gradient.</summary>
    public static void Backward(Tensor root, ReadOnlySpan<double> seed, bool written)
    {
        if (written) Root(root).Backward(seed);
        else root.Backward(seed);
    }

    /// <summary>
    /// A root whose Backward() gives every op result that <paramref name="root"/> reaches a gradient of written zeros
    /// before any of their own rules runs, as a sweep that cleared them all up front would: <c>root + Σ (node * 0).Sum()</c>.
    /// Those terms are recorded after the graph, so their rules run first, and each adds +0 (1 · 0) into its node's
    /// gradient through the clearing path; every rule of the graph then finds its output live and accumulates. The
    /// root's value and the gradients of the original nodes are unchanged (x + ±0 is x for any nonzero x, and the
    /// root's own gradient is 0 + the seed).
    /// </summary>
    public static Tensor Root(Tensor root)
    {
        var tape = (Tape)root.Owner!;
        int r = root.Index;
        var reached = new bool[r + 1];
        reached[r] = true;
        for (int i = r; i >= 0; i--)
        {
            if (!reached[i]) continue;
            ref Node n = ref tape.NodeRef(i);
            if (n.Op == OpKind.Leaf || !n.NeedsGrad) continue;
            if (n.A >= 0) reached[n.A] = true;
            if (n.B >= 0) reached[n.B] = true;
            if (n.C >= 0) reached[n.C] = true;
        }
        Tensor result = root;
        for (int i = 0; i <= r; i++)
        {
            ref Node n = ref tape.NodeRef(i);
            if (!reached[i] || n.Op == OpKind.Leaf || !n.NeedsGrad) continue;
            result = result + (new Tensor(tape, i, tape.CurrentGeneration) * 0.0).Sum();
        }
        return result;
    }
}
