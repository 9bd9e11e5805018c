namespace NeuroLite.Tests.Engine;

/// <summary>
/// Lazy zeroing (an optimizer step or ZeroGrad marks a gradient stale, a new Backward() makes the tape's op results
/// stale, and the first rule to write one overwrites it) against gradients accumulated onto zeros actually written
/// (<see cref="WrittenZeros"/>: each gradient read after every step, and every op result given written zeros before
/// its rules run): every scenario runs twice from the same seed, once each way, and the losses, gradients and
/// parameter values of every step must be the same bits. The lazy runs avoid reading gradients after a step unless
/// that is what they test, since a read writes the zeros and would send the next Backward() down the accumulating path.
/// </summary>
public class LazyZeroingTests
{
    public enum Opt
    {
        Adam,
        Sgd,
        SgdMomentum,
        SeedSgdStep,
    }

    /// <summary>Runs <paramref name="scenario"/> with written zeros (the reference) and lazily, and compares the traces bit for bit.</summary>
    private static void AssertSameBits(Func<bool, List<double[]>> scenario)
    {
        List<double[]> written = scenario(true);
        List<double[]> lazy = scenario(false);
        Assert.That(lazy, Has.Count.EqualTo(written.Count));
        for (int i = 0; i < written.Count; i++)
        {
            Assert.That(lazy[i], Has.Length.EqualTo(written[i].Length), $"trace entry {i}");
            for (int j = 0; j < written[i].Length; j++)
            {
                if (BitConverter.DoubleToInt64Bits(lazy[i][j]) != BitConverter.DoubleToInt64Bits(written[i][j]))
                    Assert.Fail($"trace entry {i}, element {j}: lazy {lazy[i][j]:R} vs written zeros {written[i][j]:R}");
            }
        }
    }

    /// <summary>The optimizer's step; with <paramref name="written"/>, followed by a read of every gradient, which writes its zeros.</summary>
    private static Action MakeStep(Opt opt, IReadOnlyList<Tensor> ps, bool written)
    {
        Action step = opt switch
        {
            Opt.Adam => new Adam(ps, lr: 0.01).Step,
            Opt.Sgd => new Sgd(ps, lr: 0.05).Step,
            Opt.SgdMomentum => new Sgd(ps, lr: 0.05, momentum: 0.9).Step,
            _ => () => Optim.SgdStep(ps, 0.05),
        };
        if (!written) return step;
        return () =>
        {
            step();
            WrittenZeros.Write(ps);
        };
    }

    private static void Record(List<double[]> trace, IReadOnlyList<Tensor> ps, bool grads)
    {
        foreach (Tensor p in ps) trace.Add(grads ? p.GradToArray() : p.ToArray());
    }

    /// <summary>
    /// Training steps of an MLP with softmax cross-entropy: loss and gradients after each Backward(), values after
    /// each step. 16-wide batches of 24-40-32-7 run the packed GEMM; 4 rows of 2-4-1 (mse) the direct one.
    /// </summary>
    private static List<double[]> MlpTrace(bool written, Opt opt, Activation hidden, bool small, bool readGradsAfterStep)
    {
        var trace = new List<double[]>();
        var model = small ? new MLP(2, [4], 1, hidden, seed: 5) : new MLP(24, [40, 32], 7, hidden, seed: 3);
        Action step = MakeStep(opt, model.Parameters(), written);
        int batch = small ? 4 : 16, inputs = small ? 2 : 24;
        using var tape = new Tape();
        for (int s = 0; s < 6; s++)
        {
            tape.Reset();
            Tensor x = tape.Input(Uniform(100 + s, batch * inputs), [batch, inputs]);
            Tensor y = model.Forward(x);
            Tensor loss;
            if (small)
            {
                loss = Loss.Mse(y, tape.Input(Uniform(200 + s, batch), [batch, 1]));
            }
            else
            {
                int[] targets = new int[batch];
                for (int i = 0; i < batch; i++) targets[i] = (i * 5 + s) % 7;
                loss = Loss.SoftmaxCrossEntropy(y, targets);
            }
            WrittenZeros.Backward(loss, written);
            trace.Add([loss.Item]);
            Record(trace, model.Parameters(), grads: true);
            step();
            Record(trace, model.Parameters(), grads: false);
            if (readGradsAfterStep)
            {
                foreach (Tensor p in model.Parameters())
                    Assert.That(p.GradToArray(), Is.All.EqualTo(0.0), "a gradient read right after a step");
                Record(trace, model.Parameters(), grads: true);
            }
        }
        return trace;
    }

    [Test]
    public void Mlp_training_is_bitwise_equal_to_written_zeros(
        [Values] Opt opt, [Values(Activation.Tanh, Activation.Relu)] Activation hidden, [Values(false, true)] bool small)
    {
        AssertSameBits(written => MlpTrace(written, opt, hidden, small, readGradsAfterStep: false));
    }

    [Test]
    public void Gradients_read_right_after_a_step_are_zero_and_training_continues_bitwise([Values] Opt opt)
    {
        AssertSameBits(written => MlpTrace(written, opt, Activation.Tanh, small: false, readGradsAfterStep: true));
    }

    /// <summary>
    /// One (8×8) weight and its bias used twice through Layer (Linear: GEMM and bias reduction), W again in a matmul and
    /// in an element-wise penalty, created before or after the products (so its rule runs last or first).
    /// </summary>
    private static List<double[]> SharedTrace(bool written, bool penaltyFirst, Opt opt)
    {
        var trace = new List<double[]>();
        var layer = new Layer(8, 8, Activation.Tanh, seed: 11);
        Tensor v = Tensor.Parameter(Uniform(12, 8 * 3), [8, 3], "V");
        Tensor[] ps = [layer.W, layer.B, v];
        Action step = MakeStep(opt, ps, written);
        using var tape = new Tape();
        using TapeScope scope = tape.Activate();
        for (int s = 0; s < 5; s++)
        {
            tape.Reset();
            Tensor x = tape.Input(Uniform(300 + s, 5 * 8), [5, 8]);
            Tensor penalty = default;
            if (penaltyFirst) penalty = (layer.W * layer.W).Sum() * 0.01;
            Tensor h = layer.Forward(layer.Forward(x));
            Tensor z = h.MatMul(layer.W).MatMul(v);
            if (!penaltyFirst) penalty = (layer.W * layer.W).Sum() * 0.01;
            Tensor loss = z.Pow(2).Mean() + penalty;
            WrittenZeros.Backward(loss, written);
            trace.Add([loss.Item]);
            Record(trace, ps, grads: true);
            step();
            Record(trace, ps, grads: false);
        }
        return trace;
    }

    [Test]
    public void Shared_weights_used_several_times_are_bitwise_equal_to_written_zeros(
        [Values(false, true)] bool penaltyFirst, [Values(Opt.Adam, Opt.SgdMomentum)] Opt opt)
    {
        AssertSameBits(written => SharedTrace(written, penaltyFirst, opt));
    }

    /// <summary>Gradient accumulation: two Backward() calls (two tapes' worth of graphs) per optimizer step.</summary>
    private static List<double[]> AccumulationTrace(bool written, Opt opt)
    {
        var trace = new List<double[]>();
        var model = new MLP(24, [40], 7, seed: 4);
        Action step = MakeStep(opt, model.Parameters(), written);
        using var tape = new Tape();
        for (int s = 0; s < 4; s++)
        {
            for (int micro = 0; micro < 2; micro++)
            {
                tape.Reset();
                Tensor x = tape.Input(Uniform(400 + 2 * s + micro, 16 * 24), [16, 24]);
                int[] targets = new int[16];
                for (int i = 0; i < 16; i++) targets[i] = (i + micro + s) % 7;
                Tensor loss = Loss.SoftmaxCrossEntropy(model.Forward(x), targets);
                WrittenZeros.Backward(loss, written);
                trace.Add([loss.Item]);
            }
            Record(trace, model.Parameters(), grads: true);
            step();
            Record(trace, model.Parameters(), grads: false);
        }
        return trace;
    }

    [Test]
    public void Accumulation_over_two_backward_calls_is_bitwise_equal_to_written_zeros([Values(Opt.Adam, Opt.Sgd)] Opt opt)
    {
        AssertSameBits(written => AccumulationTrace(written, opt));
    }

    [Test]
    public void Backward_after_a_step_matches_a_fresh_copy_whose_gradients_are_real_zeros()
    {
        // The trained model's stale gradients hold old numbers, the copy's hold zeros
        // (new buffers), so its Backward() accumulates 0 + P where the trained one overwrites with P.
        var model = new MLP(24, [40, 32], 7, seed: 6);
        var opt = new Adam(model.Parameters(), lr: 0.01);
        var copy = new MLP(24, [40, 32], 7, seed: 99);
        using var tape = new Tape();
        int[] targets = [.. Enumerable.Range(0, 16).Select(i => i % 7)];
        void Backward(MLP m, int seed)
        {
            tape.Reset();
            Loss.SoftmaxCrossEntropy(m.Forward(tape.Input(Uniform(seed, 16 * 24), [16, 24])), targets).Backward();
        }

        Backward(model, 70);
        opt.Step();
        var storage = (ParameterStorage)model.Parameters()[0].ParameterOrNull!;
        Assert.That(storage.GradIsZero, Is.True, "the step marks the gradient stale");
        for (int k = 0; k < copy.Parameters().Count; k++) copy.Parameters()[k].CopyFrom(model.Parameters()[k].Data);
        for (int pass = 0; pass < 2; pass++)
        {
            Backward(model, 71 + pass);
            Backward(copy, 71 + pass);
            for (int k = 0; k < copy.Parameters().Count; k++)
            {
                double[] want = copy.Parameters()[k].GradToArray(), got = model.Parameters()[k].GradToArray();
                for (int j = 0; j < want.Length; j++)
                    Assert.That(BitConverter.DoubleToInt64Bits(got[j]), Is.EqualTo(BitConverter.DoubleToInt64Bits(want[j])), $"pass {pass}, parameter {k}, element {j}");
            }
        }
    }

    /// <summary>
    /// A parameter that Backward() reaches in the first steps only, then stands in a branch the root does not reach,
    /// then sees a step with no Backward() at all: Adam and momentum SGD keep moving it with g = 0.
    /// </summary>
    private static List<double[]> UnreachedTrace(bool written, Opt opt)
    {
        var trace = new List<double[]>();
        var layer = new Layer(6, 5, Activation.Tanh, seed: 21);
        Tensor c = Tensor.Parameter(Uniform(22, 5 * 2), [5, 2], "C");
        Tensor d = Tensor.Parameter(Uniform(23, 5 * 2), [5, 2], "D");
        Tensor[] ps = [layer.W, layer.B, c, d];
        Action step = MakeStep(opt, ps, written);
        using var tape = new Tape();
        using TapeScope scope = tape.Activate();
        for (int s = 0; s < 7; s++)
        {
            tape.Reset();
            Tensor h = layer.Forward(tape.Input(Uniform(500 + s, 4 * 6), [4, 6]));
            Tensor side = h.MatMul(d).Sum();
            Tensor loss = s < 2 ? h.MatMul(c).Pow(2).Mean() + side : h.Pow(2).Mean();
            if (s != 4) WrittenZeros.Backward(loss, written);
            trace.Add([loss.Item, side.Item]);
            step();
            Record(trace, ps, grads: false);
        }
        Record(trace, ps, grads: true);
        foreach (Tensor p in ps) Assert.That(p.GradToArray(), Is.All.EqualTo(0.0));
        return trace;
    }

    [Test]
    public void Parameters_that_backward_does_not_reach_are_bitwise_equal_to_written_zeros([Values] Opt opt)
    {
        AssertSameBits(written => UnreachedTrace(written, opt));
    }

    /// <summary>
    /// Tape gradients (variables and intermediates) through most ops, three Backward() calls on one graph (again from
    /// the loss, then from an intermediate that does not reach the loss's nodes), then a step, over several resets.
    /// </summary>
    private static List<double[]> TapeTrace(bool written)
    {
        var trace = new List<double[]>();
        Tensor w = Tensor.Parameter(Uniform(41, 6 * 5), [6, 5], "W");
        Tensor b = Tensor.Parameter(Uniform(42, 5), [5], "b");
        using var tape = new Tape();
        using TapeScope scope = tape.Activate();
        var opt = new Sgd([w, b], lr: 0.1, momentum: 0.5);
        for (int s = 0; s < 3; s++)
        {
            tape.Reset();
            Tensor x = tape.Variable(Uniform(43 + s, 4 * 6), [4, 6]);
            Tensor c = tape.Variable(Uniform(50 + s, 5), [5]);
            Tensor h = (x.MatMul(w) + b).Tanh();
            Tensor u = h * c - h / (c.Exp() + 1.0);
            Tensor v = u.Relu().Sum(axis: 1, keepDims: true) + x.Transpose().MatMul(h).Mean();
            Tensor r = (2.0 - v.Reshape(2, 2)).Pow(2.0);
            Tensor loss = r.Sum() + (h.Pow(2.0).Mean(axis: 0) + 1.0).Log().Sum() + Loss.Mse(u, h * 0.5);
            Tensor[] all = [x, c, h, u, v, r, loss, w, b];
            WrittenZeros.Backward(loss, written);
            Record(trace, all, grads: true);
            WrittenZeros.Backward(loss, written);
            Record(trace, all, grads: true);
            WrittenZeros.Backward(v, [1.0, -2.0, 0.5, 3.0], written);
            Record(trace, all, grads: true);
            Assert.That(r.GradToArray(), Is.All.EqualTo(0.0), "a node the latest Backward() did not reach");
            opt.Step();
            if (written) WrittenZeros.Write([w, b]);
            Record(trace, [w, b], grads: false);
        }
        return trace;
    }

    [Test]
    public void Tape_gradients_are_bitwise_equal_to_written_zeros()
    {
        AssertSameBits(TapeTrace);
    }

    [Test]
    public void Every_gradient_reader_sees_zeros_after_a_step_or_zero_grad()
    {
        var layer = new Layer(3, 2, Activation.None, seed: 1);
        var adam = new Adam(layer.Parameters());
        var sgd = new Sgd(layer.Parameters(), lr: 0.1);
        using var tape = new Tape();
        var clears = new Action[] { adam.Step, sgd.Step, () => Optim.SgdStep(layer.Parameters(), 0.1), adam.ZeroGrad, sgd.ZeroGrad, () => layer.W.ZeroGrad() };
        foreach (Action clear in clears)
        {
            tape.Reset();
            layer.Forward(tape.Input(Uniform(9, 4 * 3), [4, 3])).Pow(2).Sum().Backward();
            Assert.That(layer.W.GradToArray(), Has.Some.Not.EqualTo(0.0));
            clear();
            Assert.That(layer.W.GradAt(1, 1), Is.Zero);
            Assert.That(layer.W.GradToArray2D(), Is.All.EqualTo(0.0));
            Assert.That(layer.W.Grad.ToArray(), Is.All.EqualTo(0.0));
            Assert.That(layer.W.GradToArray(), Is.All.EqualTo(0.0));
            if (clear != clears[^1])
                Assert.That(layer.B.GradToArray(), Is.All.EqualTo(0.0));
        }

        // A 1-element parameter's own Backward() adds its seed to zeros, not to the stale numbers.
        Tensor s = Tensor.Parameter([2.0], [1]);
        var opt = new Sgd([s], lr: 0.5);
        s.Backward();
        s.Backward();
        Assert.That(s.GradItem, Is.EqualTo(2.0));
        opt.Step();
        s.Backward();
        Assert.That(s.GradItem, Is.EqualTo(1.0));
        opt.Step();
        s.Backward([3.0]);
        Assert.That(s.GradItem, Is.EqualTo(3.0));
    }

    [Test]
    public void A_step_leaves_the_stale_buffer_unwritten_until_something_reads_or_overwrites_it()
    {
        var model = new MLP(4, [5], 3, seed: 2);
        var opt = new Adam(model.Parameters());
        var w = (ParameterStorage)model.Parameters()[0].ParameterOrNull!;
        using var tape = new Tape();
        void Backward()
        {
            tape.Reset();
            Loss.SoftmaxCrossEntropy(model.Forward(tape.Input(Uniform(8, 6 * 4), [6, 4])), [0, 1, 2, 0, 1, 2]).Backward();
        }

        Backward();
        double[] before = model.Parameters()[0].GradToArray();
        opt.Step();
        Assert.That(w.GradIsZero, Is.True);
        Assert.That(w.GradForWrite(out bool accumulate).ToArray(), Is.EqualTo(before), "no zeros written by the step");
        Assert.That(accumulate, Is.False);
        w.ZeroGrad();
        Backward();
        Assert.That(w.GradIsZero, Is.False);

        opt.Step();
        Assert.That(w.GradIsZero, Is.True);
        Assert.That(model.Parameters()[0].GradToArray(), Is.All.EqualTo(0.0), "a read sees zeros");
        Assert.That(w.GradIsZero, Is.False, "and wrote them");
        Assert.That(w.GradForWrite(out accumulate).ToArray(), Is.All.EqualTo(0.0));
        Assert.That(accumulate, Is.True, "so the next writer adds to them");
    }

    [Test]
    public void GradCheck_passes_on_shared_linear_maps()
    {
        // GradCheck zeroes its parameters' gradients before each of its Backward() calls: the lazy path every time.
        Tensor x = Tensor.Parameter(Uniform(31, 3 * 4), [3, 4]);
        Tensor w = Tensor.Parameter(Uniform(32, 4 * 4), [4, 4]);
        Tensor b = Tensor.Parameter(Uniform(33, 4), [4]);
        bool ok = GradCheck.Check(
            p => (Ops.Linear(Ops.Linear(p[0], p[1], p[2]).Tanh(), p[1], p[2]) + p[1].Sum() * 0.1).Sum(axis: 0),
            [x, w, b]);
        Assert.That(ok, Is.True);
    }
}
