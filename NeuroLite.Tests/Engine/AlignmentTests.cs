using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// The spans the engine hands to kernels start on 64-byte boundaries: every tape value and gradient region, the
/// saved scratch of the loss nodes, the backward scratch, parameter values and gradients, and optimizer state.
/// Odd sizes (3, 5, 7 elements) are chosen so that regions packed end to end would not be aligned.
/// </summary>
public class AlignmentTests
{
    private static unsafe int Misalignment(ReadOnlySpan<double> span) =>
        (int)((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span)) % 64);

    private static void AssertAligned(ReadOnlySpan<double> span, string what)
    {
        Assert.That(span.IsEmpty, Is.False, what);
        Assert.That(Misalignment(span), Is.Zero, what);
    }

    [Test]
    public void Every_tape_region_is_64_byte_aligned_across_arena_growth()
    {
        TensorPool.Trim(); // else the tape may rent an arena large enough never to grow
        using var tape = new Tape(8); // grows several times while the graph is built
        using var scope = tape.Activate();
        Tensor w = Tensor.Parameter([0.5, -0.25, 0.75, 1.5, -1.0, 0.3, 0.2], [7]);
        for (int generation = 0; generation < 2; generation++)
        {
            tape.Reset();
            Tensor a = tape.Variable([1.0, 2.0, 3.0], [3]);
            Tensor b = tape.Variable([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [7]);
            Tensor c = (b * w).Tanh() + tape.Scalar(0.5) + a.Sum();
            Tensor m = c.Reshape([1, 7]).MatMul(b.Reshape([7, 1]));
            Tensor logits = tape.Variable([.. Enumerable.Range(0, 15).Select(i => 0.1 * i)], [3, 5]);
            Tensor loss = Loss.Mse(a, a * 0.5) + Loss.SoftmaxCrossEntropy(logits, [0, 4, 2]) + m.Sum() + (a / (a + 1.0)).Sum();
            loss.Backward();
            Assert.That(tape.ArenaCapacity, Is.GreaterThan(8), "the arena grew");

            for (int i = 0; i < tape.NodeCount; i++)
            {
                ref Node n = ref tape.NodeRef(i);
                string what = $"generation {generation}, node {i} ({n.Op})";
                if (n.Length == 0) continue;
                AssertAligned(tape.Value(i), $"value of {what}");
                AssertAligned(tape.Grad(i), $"gradient of {what}");
                if (n.Op is OpKind.Mse or OpKind.SoftmaxCe) AssertAligned(tape.Arena(n.Saved, 1), $"saved scratch of {what}");
            }
            ref Node ce = ref tape.NodeRef(Enumerable.Range(0, tape.NodeCount).First(i => tape.NodeRef(i).Op == OpKind.SoftmaxCe));
            AssertAligned(tape.Arena(ce.Saved + AlignedBuffer.RoundUp(15), 3), "row losses of the softmax node");
            AssertAligned(tape.Scratch(5), "backward scratch");
            AssertAligned(tape.Scratch(100_000), "grown backward scratch");
            AssertAligned(a.Data, "a tape tensor's public Data");
            AssertAligned(a.Grad, "a tape tensor's public Grad");
        }
    }

    [Test]
    public void Parameters_and_optimizer_state_are_64_byte_aligned()
    {
        var model = new MLP(5, [3, 7], 3, seed: 1);
        using var tape = new Tape();
        Loss.SoftmaxCrossEntropy(model.Forward(tape.Input(new double[4 * 5], [4, 5])), [0, 1, 2, 0]).Backward();
        IReadOnlyList<Tensor> ps = model.Parameters();
        for (int k = 0; k < ps.Count; k++)
        {
            AssertAligned(ps[k].Data, $"value of parameter {k}");
            AssertAligned(ps[k].Grad, $"gradient of parameter {k}");
            var storage = ps[k].ParameterOrNull!;
            AssertAligned(storage.GradForWrite(out _), $"gradient buffer of parameter {k}");
        }
        int leaf = tape.Resolve(ps[0]);
        AssertAligned(tape.Value(leaf), "a parameter's value as the tape hands it to kernels");
    }

    private static unsafe int PagePhase(ReadOnlySpan<double> span) =>
        (int)((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span)) % 4096);

    [Test]
    public void A_models_slabs_start_1_KiB_apart_within_a_4_KiB_page_whatever_the_pool_holds([Values(false, true)] bool reused)
    {
        if (reused)
        {
            // Buffers of the very sizes asked for, back in the pool, so the slabs come from wherever those lie.
            new MLP(7, [13], 5, seed: 1).Dispose();
        }
        var model = new MLP(7, [13], 5, seed: 1);
        Assert.That(PagePhase(model.Parameters()[0].Data), Is.EqualTo(ParameterSlab.ValuePhase), "values");
        Assert.That(PagePhase(model.Parameters()[0].Grad), Is.EqualTo(ParameterSlab.GradPhase), "gradients");
        model.Dispose();
    }

    /// <summary>
    /// An optimizer's state is one slab per moment (<see cref="TensorPool.RentPhased"/>) with each run of parameters at
    /// the offset its plan gives: a multiple of 8 doubles, so every run starts aligned; each parameter inside a run
    /// keeps its distance from the run's start, a multiple of 8 too.
    /// </summary>
    [Test]
    public void Optimizer_state_offsets_keep_every_run_aligned()
    {
        var model = new MLP(5, [3, 7], 3, seed: 1);
        IReadOnlyList<Tensor> ps = model.Parameters();
        foreach (Tensor[] order in new[] { ps.ToArray(), ps.Reverse().ToArray(), [ps[2], ps[3], Tensor.Parameter([1.0, 2.0, 3.0]), ps[0]] })
        {
            var runs = new ParameterRuns(ParameterList.From(order));
            int end = 0;
            for (int r = 0; r < runs.Count; r++)
            {
                Span<double> values = runs.Take(r, out Span<double> grads, out int state);
                Assert.That(state % AlignedBuffer.Doubles, Is.Zero, $"run {r}");
                Assert.That(state, Is.GreaterThanOrEqualTo(end), $"run {r} overlaps the one before");
                AssertAligned(values, $"values of run {r}");
                AssertAligned(grads, $"gradients of run {r}");
                end = state + values.Length;
            }
            Assert.That(runs.StateLength, Is.GreaterThanOrEqualTo(end));
        }
    }

    [Test]
    public void Aligned_buffers_start_aligned_at_every_size_and_round_up_to_whole_lines()
    {
        for (int n = 0; n < 40; n++)
        {
            var zeroed = new AlignedBuffer(n, zeroed: true);
            var raw = new AlignedBuffer(n, zeroed: false);
            Assert.That(zeroed.Length, Is.EqualTo(n));
            Assert.That(zeroed.Span.ToArray(), Is.All.Zero);
            if (n > 0)
            {
                Assert.That(Misalignment(zeroed.Span), Is.Zero, $"n = {n}");
                Assert.That(Misalignment(raw.Span), Is.Zero, $"n = {n}");
            }
            Assert.That(AlignedBuffer.RoundUp(n), Is.EqualTo((n + 7) / 8 * 8));
        }
    }
}
