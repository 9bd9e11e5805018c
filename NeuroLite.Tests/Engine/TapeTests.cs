namespace NeuroLite.Tests.Engine;

/// <summary>The tape's semantics: gradient accumulation, reset and staleness, parameters, ambient tapes, construction and readback.</summary>
public class TapeTests
{
    [Test]
    public void A_value_used_twice_accumulates_its_gradient()
    {
        Tape.Default.Reset();
        // The original NumPy version gets this wrong (the second use overwrites the first); d e / d a = 5 (1 - tanh² a).
        var a = Tensor.Scalar(0.7, label: "a");
        var b = a.Tanh();
        var e = b * 2 + b * 3;
        e.Backward();
        // Against the engine's own t = tanh(0.7) (the tanh kernel may sit 1 ULP from Math.Tanh): 5(1 - t²) then differs
        // only by whether 1 - t·t is fused and by the final product's rounding, at most 2 ULP.
        double t = b.Item;
        Assert.That(b.GradItem, Is.EqualTo(5.0));
        Assert.That(a.GradItem, Is.EqualTo(5 * (1 - t * t)).Within(2).Ulps);
    }

    [Test]
    public void Backward_twice_accumulates_into_tape_leaves_and_parameters_alike()
    {
        using var tape = new Tape();
        Tensor w = Tensor.Parameter([1.0, 2.0], [2], "w");
        Tensor x = tape.Variable([3.0, 4.0], [2], "x");
        Tensor y = (x * w).Sum();
        y.Backward();
        y.Backward();
        Assert.That(x.GradToArray(), Is.EqualTo(new[] { 2.0, 4.0 }), "tape leaf: accumulated until zeroed (BackwardRuleTests)");
        Assert.That(w.GradToArray(), Is.EqualTo(new[] { 6.0, 8.0 }), "parameter: accumulated until zeroed");
        w.ZeroGrad();
        Assert.That(w.GradToArray(), Is.EqualTo(new[] { 0.0, 0.0 }));
    }

    [Test]
    public void Gradient_of_a_tensor_the_root_does_not_reach_is_zero()
    {
        using var tape = new Tape();
        Tensor x = tape.Variable([1.0, 2.0], [2]);
        Tensor unused = x * 3.0;
        Tensor y = x.Sum();
        y.Backward();
        Assert.That(unused.GradToArray(), Is.EqualTo(new[] { 0.0, 0.0 }));
        Assert.That(x.GradToArray(), Is.EqualTo(new[] { 1.0, 1.0 }));
    }

    [Test]
    public void Inputs_need_no_gradient_and_get_none()
    {
        using var tape = new Tape();
        Tensor w = Tensor.Parameter([2.0, 0.0, 0.0, 2.0], [2, 2]);
        Tensor x = tape.Input(new double[,] { { 1, 2 } });
        Tensor y = x.MatMul(w).Sum();
        y.Backward();
        Assert.That(x.GradToArray(), Is.EqualTo(new[] { 0.0, 0.0 }));
        Assert.That(w.GradToArray(), Is.EqualTo(new[] { 1.0, 1.0, 2.0, 2.0 }));
    }

    [Test]
    public void Reset_rewinds_the_arena_and_keeps_its_memory()
    {
        using var tape = new Tape(16);
        Tensor w = Tensor.Parameter([0.5, -0.5, 0.25, 1.0], [2, 2]);
        double loss0 = 0;
        int capacity = 0;
        for (int i = 0; i < 5; i++)
        {
            tape.Reset();
            Tensor x = tape.Input(new double[,] { { 1, 2 }, { 3, 4 } });
            Tensor loss = (x.MatMul(w).Tanh() * x).Mean();
            loss.Backward();
            if (i == 0) loss0 = loss.Item;
            else Assert.That(loss.Item, Is.EqualTo(loss0), "same inputs, same parameters, same value");
            if (i == 1) capacity = tape.ArenaCapacity;
            if (i > 1) Assert.That(tape.ArenaCapacity, Is.EqualTo(capacity));
            w.ZeroGrad();
        }
        Assert.That(capacity, Is.GreaterThan(16), "the arena grew past its initial size while the first graph was built");
        int generation = tape.Generation;
        tape.Reset();
        Assert.That(tape.Generation, Is.EqualTo(generation + 1));
        Assert.That(tape.NodeCount, Is.Zero);
    }

    [Test]
    public void Values_survive_arena_growth_in_the_middle_of_an_expression()
    {
        using var tape = new Tape(8);
        Tensor a = tape.Variable(Enumerable.Range(0, 10).Select(i => (double)i).ToArray(), [10]);
        Tensor h = a;
        for (int i = 0; i < 20; i++) h = h + 1.0;
        Tensor s = h.Sum();
        s.Backward();
        Assert.That(s.Item, Is.EqualTo(45 + 200));
        Assert.That(a.GradToArray(), Is.All.EqualTo(1.0));
    }

    [Test]
    public void A_parameter_is_shared_by_many_ops_and_tapes()
    {
        Tensor w = Tensor.Parameter([2.0], [1], "w");
        using var t1 = new Tape();
        using var t2 = new Tape();
        Tensor y1 = (t1.Variable([3.0], [1]) * w + w).Sum();
        Tensor y2 = (t2.Variable([5.0], [1]) * w).Sum();
        y1.Backward();
        y2.Backward();
        Assert.That(w.GradItem, Is.EqualTo(3.0 + 1.0 + 5.0));
        Assert.That(w.Label, Is.EqualTo("w"));
        Assert.That(w.IsParameter, Is.True);
        Assert.That(w.Tape, Is.Null);
        Assert.That(y1.Tape, Is.SameAs(t1));
    }

    [Test]
    public void Each_thread_has_its_own_default_tape()
    {
        Tape mine = Tape.Default;
        Tape? theirs = null;
        var thread = new Thread(() => theirs = Tape.Default);
        thread.Start();
        thread.Join();
        Assert.That(theirs, Is.Not.Null.And.Not.SameAs(mine));
        Assert.That(Tape.Default, Is.SameAs(mine));
    }

    [Test]
    public void Activate_makes_a_tape_the_default_for_a_scope()
    {
        Tape ambient = Tape.Default;
        using var tape = new Tape();
        Tensor w = Tensor.Parameter([1.0, 2.0], [2]);
        using (tape.Activate())
        {
            Assert.That(Tape.Default, Is.SameAs(tape));
            Assert.That((w * w).Tape, Is.SameAs(tape));
            Assert.That(Tensor.Scalar(1.0).Tape, Is.SameAs(tape));
        }
        Assert.That(Tape.Default, Is.SameAs(ambient));
        Assert.That((w * w).Tape, Is.SameAs(ambient));
    }

    [Test]
    public void Construction_and_readback()
    {
        Tape.Default.Reset();
        Tensor s = Tensor.Scalar(2.5, label: "s");
        Assert.That(s.Rank, Is.Zero);
        Assert.That(s.Item, Is.EqualTo(2.5));
        Assert.That(s.Label, Is.EqualTo("s"));
        Tensor v = Tensor.FromArray([1.0, 2.0, 3.0]);
        Assert.That(v.Shape.ToArray(), Is.EqualTo(new[] { 3 }));
        Tensor m = Tensor.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.That(m.Shape.ToArray(), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(m.At(1, 2), Is.EqualTo(6.0));
        Assert.That(m.ToArray2D(), Is.EqualTo(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }));
        Assert.That(m.Transpose().ToArray2D(), Is.EqualTo(new double[,] { { 1, 4 }, { 2, 5 }, { 3, 6 } }));
        Tensor f = Tensor.FromSpan([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
        Assert.That(f.At(1, 0, 1), Is.EqualTo(6.0));
        Assert.That(Tensor.Zeros(2, 3).ToArray(), Is.All.EqualTo(0.0));
        Assert.That(Tensor.Ones([4]).ToArray(), Is.All.EqualTo(1.0));
        Assert.That(Tensor.Ones(2, 2).Length, Is.EqualTo(4));
        Assert.That(m.ToString(), Does.StartWith("Tensor(data=[1, 2, 3, 4, 5, 6], shape=(2, 3)"));
        Assert.That((m.Sum(0) * 1.0).ToArray(), Is.EqualTo(new[] { 5.0, 7.0, 9.0 }));
        Assert.That(m.Mean(1, keepDims: true).Shape.ToArray(), Is.EqualTo(new[] { 2, 1 }));
        Assert.That(m.Mean().Item, Is.EqualTo(3.5));
        Assert.That((-m).At(0, 0), Is.EqualTo(-1.0));
        Assert.That((2.0 / m).At(0, 1), Is.EqualTo(1.0));
        Assert.That((10.0 - m).At(1, 2), Is.EqualTo(4.0));
    }

    [Test]
    public void Seeded_random_tensors_repeat_and_have_the_right_moments()
    {
        Tape.Default.Reset();
        Tensor n1 = Tensor.RandomNormal([100, 50], seed: 3);
        Tensor n2 = Tensor.RandomNormal([100, 50], seed: 3);
        Tensor n3 = Tensor.RandomNormal([100, 50], seed: 4);
        Assert.That(n1.ToArray(), Is.EqualTo(n2.ToArray()));
        Assert.That(n1.ToArray(), Is.Not.EqualTo(n3.ToArray()));
        double[] v = n1.ToArray();
        double mean = v.Average(), var = v.Select(x => (x - mean) * (x - mean)).Average();
        Assert.That(mean, Is.EqualTo(0).Within(0.05));
        Assert.That(var, Is.EqualTo(1).Within(0.06));
        double[] u = Tensor.RandomUniform([5000], seed: 1, low: -2, high: 3).ToArray();
        Assert.That(u.Min(), Is.GreaterThanOrEqualTo(-2));
        Assert.That(u.Max(), Is.LessThan(3));
        Assert.That(u.Average(), Is.EqualTo(0.5).Within(0.06));
    }

    [Test]
    public void A_layer_equals_its_unfused_composition_bit_for_bit_forward_and_backward(
        [Values(Activation.Tanh, Activation.None)] Activation activation, [Values(1, 5)] int outFeatures)
    {
        using var tape = new Tape();
        var layer = new Layer(7, outFeatures, activation, seed: 3);
        double[] xs = Tensor.RandomUniform([6, 7], seed: 4, low: -1, high: 1).ToArray();
        // One SGD step first, so the bias is not zero and its addition is really exercised.
        Tensor x0 = tape.Input(xs, [6, 7]);
        (layer.Forward(x0) * 1.5).Sum().Backward();
        new Sgd(layer.Parameters(), lr: 0.1).Step();
        Assert.That(layer.B.ToArray(), Has.Some.Not.EqualTo(0.0));

        (double[] Y, double[] Dx, double[] Dw, double[] Db) Run(Func<Tensor, Tensor> forward)
        {
            tape.Reset();
            layer.W.ZeroGrad();
            layer.B.ZeroGrad();
            Tensor x = tape.Variable(xs, [6, 7]);
            Tensor y = forward(x);
            (y * y).Sum().Backward();
            return (y.ToArray(), x.GradToArray(), layer.W.GradToArray(), layer.B.GradToArray());
        }

        var fused = Run(layer.Forward);
        var plain = Run(x =>
        {
            Tensor z = x.MatMul(layer.W) + layer.B;
            return activation == Activation.Tanh ? z.Tanh() : z;
        });
        Assert.That(Bits(fused.Y), Is.EqualTo(Bits(plain.Y)), "forward");
        Assert.That(Bits(fused.Dx), Is.EqualTo(Bits(plain.Dx)), "x.grad");
        Assert.That(Bits(fused.Dw), Is.EqualTo(Bits(plain.Dw)), "W.grad");
        Assert.That(Bits(fused.Db), Is.EqualTo(Bits(plain.Db)), "b.grad");
        Assert.That(fused.Db, Has.Some.Not.EqualTo(0.0));
    }

    [Test]
    public void Layers_are_xavier_uniform_seeded_and_mlps_are_tanh_then_linear()
    {
        Tape.Default.Reset();
        var layer = new Layer(30, 20, Activation.Relu, seed: 5);
        double limit = Math.Sqrt(6.0 / 50);
        Assert.That(layer.W.Shape.ToArray(), Is.EqualTo(new[] { 30, 20 }));
        Assert.That(layer.W.ToArray(), Is.All.InRange(-limit, limit));
        Assert.That(layer.W.ToArray().Max(), Is.GreaterThan(0.9 * limit));
        Assert.That(layer.B.ToArray(), Is.EqualTo(new double[20]));
        Assert.That(new Layer(30, 20, seed: 5).W.ToArray(), Is.EqualTo(layer.W.ToArray()));
        Assert.That(new Layer(30, 20, seed: 6).W.ToArray(), Is.Not.EqualTo(layer.W.ToArray()));

        var mlp = new MLP(3, [5, 4], 2, seed: 9);
        Assert.That(mlp.Layers.Select(l => l.Activation), Is.EqualTo(new[] { Activation.Tanh, Activation.Tanh, Activation.None }));
        Assert.That(mlp.Parameters().Count, Is.EqualTo(6));
        IReadOnlyList<Tensor> once = mlp.Parameters();
        Assert.That(mlp.Parameters(), Is.SameAs(once), "no allocation per call");
        Assert.That(new MLP(3, [5, 4], 2, seed: 9).Parameters()[2].ToArray(), Is.EqualTo(mlp.Parameters()[2].ToArray()));
        Tensor x = Tensor.FromArray(new double[,] { { 1, 2, 3 } });
        double[] h = x.MatMul(mlp.Layers[0].W).Tanh().ToArray();
        Assert.That(mlp.Layers[0].Forward(x).ToArray(), Is.EqualTo(h));
        Assert.That(mlp.Forward(x).Shape.ToArray(), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void Sgd_with_momentum_and_adam_follow_pytorch()
    {
        Tape.Default.Reset();
        Tensor p = Tensor.Parameter([1.0, -2.0], [2]);
        var sgd = new Sgd([p], lr: 0.1, momentum: 0.9);
        for (int i = 0; i < 2; i++)
        {
            (p * p).Sum().Backward(); // g = 2p
            sgd.Step();
        }
        // v1 = 2, p1 = 1 - 0.2 = 0.8; v2 = 0.9*2 + 1.6 = 3.4, p2 = 0.8 - 0.34 = 0.46.
        Assert.That(p.At(0), Is.EqualTo(0.46).Within(1e-15));
        Assert.That(p.GradToArray(), Is.EqualTo(new[] { 0.0, 0.0 }), "Step zeroes the gradients");

        Tensor q = Tensor.Parameter([1.0, -2.0], [2]);
        var adam = new Adam([q], lr: 0.01);
        (q * q).Sum().Backward();
        adam.Step();
        // Adam's first step moves each weight by lr against the sign of its gradient (up to ε).
        Assert.That(q.ToArray(), Is.EqualTo(new[] { 0.99, -1.99 }).Within(1e-9));
        Assert.That(q.GradToArray(), Is.EqualTo(new[] { 0.0, 0.0 }));
        Assert.That(adam.StepCount, Is.EqualTo(1));
    }

    [Test]
    public void Sgd_step_updates_then_zeroes()
    {
        Tape.Default.Reset();
        Tensor p = Tensor.Parameter([1.0, 2.0], [2]);
        (p * 3.0).Sum().Backward();
        Optim.SgdStep(new[] { p }.AsEnumerable(), lr: 0.5);
        Assert.That(p.ToArray(), Is.EqualTo(new[] { -0.5, 0.5 }));
        Assert.That(p.GradToArray(), Is.EqualTo(new[] { 0.0, 0.0 }));
    }
}
