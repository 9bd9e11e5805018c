using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// <see cref="Tape.InputView"/>: a no-gradient input whose value is the caller's array. It computes what a copied
/// input computes, bit for bit, reads the array itself, never writes it, and goes stale on reset like any tape tensor.
/// </summary>
public class InputViewTests
{
    [Test]
    public void A_view_gives_the_copied_inputs_forward_and_backward_bit_for_bit()
    {
        double[] x = Uniform(1, 16 * 24);
        int[] targets = [.. Enumerable.Range(0, 16).Select(i => i % 7)];
        var copied = new MLP(24, [13, 9], 7, seed: 3);
        var viewed = new MLP(24, [13, 9], 7, seed: 3);
        var copiedOpt = new Adam(copied.Parameters());
        var viewedOpt = new Adam(viewed.Parameters());
        using var copyTape = new Tape();
        using var viewTape = new Tape();
        for (int step = 0; step < 3; step++)
        {
            copyTape.Reset();
            viewTape.Reset();
            Tensor a = Loss.SoftmaxCrossEntropy(copied.Forward(copyTape.Input(x, [16, 24])), targets);
            Tensor b = Loss.SoftmaxCrossEntropy(viewed.Forward(viewTape.InputView(x, [16, 24])), targets);
            a.Backward();
            b.Backward();
            Assert.That(BitConverter.DoubleToInt64Bits(b.Item), Is.EqualTo(BitConverter.DoubleToInt64Bits(a.Item)), $"loss, step {step}");
            for (int k = 0; k < copied.Parameters().Count; k++)
                Assert.That(Bits(viewed.Parameters()[k].Grad), Is.EqualTo(Bits(copied.Parameters()[k].Grad)), $"gradient of parameter {k}, step {step}");
            copiedOpt.Step();
            viewedOpt.Step();
        }
    }

    [Test]
    public void A_view_in_every_kind_of_op_matches_a_copy_and_is_never_written()
    {
        double[] data = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
        double[] original = [.. data];
        Tensor w = Tensor.Parameter([0.5, -0.25, 0.75, 1.5, -1.0, 0.3], [2, 3]);
        double[] Run(Func<Tape, Tensor> input, out long lossBits)
        {
            using var tape = new Tape();
            using var scope = tape.Activate();
            Tensor x = input(tape);
            Tensor h = (x * w + 1.0 - x / (w * w + 2.0)).Tanh() + (-x).Relu() + (x * 0.1).Exp() + (x + 2.0).Log() + (x + 1.0).Pow(1.5) + x.Tanh();
            Tensor m = h.MatMul(x.Transpose()) + x.MatMul(w.Transpose()) + x.Sum(1, keepDims: true).Mean(0) - 3.0 / (x.Mean(1).Reshape([2, 1]) + 5.0);
            Tensor loss = Loss.SoftmaxCrossEntropy(m, [1, 0]) + Loss.Mse(h, x).Sum() * 0.5 + Loss.Mse(x, h) + m.Sum() + x.Reshape([3, 2]).Sum();
            loss.Backward();
            lossBits = BitConverter.DoubleToInt64Bits(loss.Item);
            double[] g = w.GradToArray();
            w.ZeroGrad();
            return g;
        }

        double[] want = Run(t => t.Input(data, [2, 3]), out long wantLoss);
        double[] got = Run(t => t.InputView(data, [2, 3]), out long gotLoss);
        Assert.That(gotLoss, Is.EqualTo(wantLoss));
        Assert.That(Bits(got), Is.EqualTo(Bits(want)));
        Assert.That(data, Is.EqualTo(original), "no op and no backward rule wrote into the array");
    }

    [Test]
    public void The_array_is_the_value_not_a_copy_of_it()
    {
        using var tape = new Tape();
        double[] data = [1, 2, 3, 4];
        Tensor x = tape.InputView(data, [2, 2], "x");
        Assert.That(Unsafe.AreSame(ref MemoryMarshal.GetReference(x.Data), ref data[0]), Is.True, "Data is the array itself");
        Assert.That(x.Label, Is.EqualTo("x"));
        Assert.That(x.Shape.ToArray(), Is.EqualTo(new[] { 2, 2 }));
        Assert.That(x.Length, Is.EqualTo(4));

        data[3] = 40;
        Assert.That((x * 2.0).ToArray(), Is.EqualTo(new[] { 2.0, 4.0, 6.0, 80.0 }), "a change made after InputView and before the op is seen by the op");

        x.CopyFrom([5.0, 6.0, 7.0, 8.0]);
        Assert.That(data, Is.EqualTo(new[] { 5.0, 6.0, 7.0, 8.0 }), "CopyFrom writes through to the array");
    }

    [Test]
    public void A_view_takes_no_arena_space_and_needs_no_gradient()
    {
        using var tape = new Tape();
        Tensor w = Tensor.Parameter([2.0, 0.0, 0.0, 2.0], [2, 2]);
        int used = tape.ArenaUsed;
        Tensor x = tape.InputView(new double[256], [128, 2]);
        Assert.That(tape.ArenaUsed, Is.EqualTo(used), "the value is not in the arena");
        Assert.That(tape.NodeCount, Is.EqualTo(1));

        x.CopyFrom([.. Enumerable.Range(0, 256).Select(i => i * 0.01)]);
        Tensor y = x.MatMul(w).Sum();
        y.Backward();
        int afterBackward = tape.ArenaUsed;
        double[] column = [.. Enumerable.Range(0, 128).Select(i => 0.01 * (2 * i))];
        Assert.That(w.GradAt(0, 0), Is.EqualTo(column.Sum()).Within(1e-9));
        Assert.That(x.GradToArray(), Is.All.EqualTo(0.0), "a no-gradient input reads as zeros, like a copied one");
        Assert.That(tape.ArenaUsed, Is.GreaterThanOrEqualTo(afterBackward + 256), "its gradient region is reserved when first asked for");
        Assert.That(x.GradToArray(), Has.Length.EqualTo(256));
    }

    [Test]
    public void A_one_element_view_can_be_a_backward_root()
    {
        using var tape = new Tape();
        Tensor x = tape.InputView([3.0], []);
        x.Backward();
        Assert.That(x.GradItem, Is.EqualTo(1.0));
        Assert.That(x.Item, Is.EqualTo(3.0));
        x.Backward();
        Assert.That(x.GradItem, Is.EqualTo(1.0), "a view needs no gradient, so it does not accumulate: each sweep seeds it from zero");
    }

    [Test]
    public void A_view_is_stale_after_reset_and_the_array_is_left_alone()
    {
        using var tape = new Tape();
        double[] data = [1, 2, 3];
        Tensor x = tape.InputView(data, [3]);
        Tensor y = x * 2.0;
        tape.Reset();
        Assert.Throws<InvalidOperationException>(() => _ = x.Data.Length);
        Assert.Throws<InvalidOperationException>(() => _ = x + 1.0);
        Assert.Throws<InvalidOperationException>(() => _ = y.Data.Length);
        Assert.That(data, Is.EqualTo(new[] { 1.0, 2.0, 3.0 }));
        Tensor again = tape.InputView(data, [3]);
        Assert.That((again + 1.0).ToArray(), Is.EqualTo(new[] { 2.0, 3.0, 4.0 }));
    }

    [Test]
    public void A_view_survives_arena_growth_and_a_reused_record_forgets_it()
    {
        using var tape = new Tape(8);
        double[] data = [.. Enumerable.Range(0, 10).Select(i => (double)i)];
        Tensor w = Tensor.Parameter(new double[10], [10]);
        Tensor h = tape.InputView(data, [10]) + w;
        for (int i = 0; i < 20; i++) h = h + 1.0;
        Tensor s = h.Sum();
        s.Backward();
        Assert.That(s.Item, Is.EqualTo(45 + 200));
        Assert.That(w.GradToArray(), Is.All.EqualTo(1.0));

        // The next generation reuses record 0 for a copied input: its value must come from the arena again.
        tape.Reset();
        Tensor copied = tape.Input(new double[] { 7, 7 }, [2]);
        Assert.That(copied.ToArray(), Is.EqualTo(new[] { 7.0, 7.0 }));
        Assert.That(data[0], Is.Zero);
    }
}
