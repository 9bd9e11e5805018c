namespace NeuroLite.Tests.Engine;

/// <summary>
/// One rule for Backward(), PyTorch's: leaves (parameters and tape leaves that receive a gradient) accumulate until
/// zeroed; a second sweep of the same recording is allowed and adds its gradient again; op results and inputs hold
/// only the latest Backward()'s gradient. Checked for tape leaves, parameters and graphs that mix them, lazily and
/// with every zero written (<see cref="WrittenZeros"/>) alike.
/// </summary>
public class BackwardRuleTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void A_tape_leaf_accumulates_over_two_sweeps_until_zeroed(bool written)
    {
        using var tape = new Tape();
        Tensor x = tape.Variable([1.5, -2.0, 0.25], [3], "x");
        Tensor sq = x * x;
        Tensor y = sq.Sum();
        WrittenZeros.Backward(y, written);
        double[] once = x.GradToArray();
        Assert.That(once, Is.EqualTo(new[] { 3.0, -4.0, 0.5 }), "2x");
        WrittenZeros.Backward(y, written);
        Assert.That(x.GradToArray(), Is.EqualTo(new[] { 6.0, -8.0, 1.0 }), "the second sweep adds 2x again");
        Assert.That(sq.GradToArray(), Is.EqualTo(new[] { 1.0, 1.0, 1.0 }), "an op result holds the latest sweep's gradient only");
        Assert.That(y.GradItem, Is.EqualTo(1.0));

        x.ZeroGrad();
        Assert.That(x.GradToArray(), Is.All.EqualTo(0.0), "a read after ZeroGrad sees zeros (and writes them, lazily)");
        WrittenZeros.Backward(y, written);
        Assert.That(x.GradToArray(), Is.EqualTo(once));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_parameter_accumulates_the_same_way(bool written)
    {
        using var tape = new Tape();
        Tensor w = Tensor.Parameter([1.5, -2.0, 0.25], [3], "w");
        using (tape.Activate())
        {
            Tensor y = (w * w).Sum();
            WrittenZeros.Backward(y, written);
            WrittenZeros.Backward(y, written);
            Assert.That(w.GradToArray(), Is.EqualTo(new[] { 6.0, -8.0, 1.0 }));
            w.ZeroGrad();
            if (written) WrittenZeros.Write([w]);
            WrittenZeros.Backward(y, written);
            Assert.That(w.GradToArray(), Is.EqualTo(new[] { 3.0, -4.0, 0.5 }));
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_mixed_graph_gives_its_leaves_and_parameters_the_same_sums(bool written)
    {
        var model = new MLP(3, [4], 2, seed: 5);
        using var tape = new Tape();
        Tensor x = tape.Variable([0.5, -1.0, 2.0, 1.5, 0.0, -0.5], [2, 3], "x");
        Tensor input = tape.Input([1.0, 2.0, 3.0, 4.0], [2, 2], "target");
        Tensor loss = Loss.Mse(model.Forward(x), input);
        WrittenZeros.Backward(loss, written);
        double[] x1 = x.GradToArray();
        double[] w1 = model.Layers[0].W.GradToArray();
        WrittenZeros.Backward(loss, written);
        double[] x2 = x.GradToArray();
        double[] w2 = model.Layers[0].W.GradToArray();
        for (int k = 0; k < x1.Length; k++) Assert.That(Bits(x2[k]), Is.EqualTo(Bits(x1[k] + x1[k])), $"x.grad[{k}]");
        for (int k = 0; k < w1.Length; k++) Assert.That(Bits(w2[k]), Is.EqualTo(Bits(w1[k] + w1[k])), $"W.grad[{k}]");
        Assert.That(input.GradToArray(), Is.All.EqualTo(0.0), "an input receives no gradient, however many sweeps");

        // Two roots sharing the leaf and the parameters add up too.
        x.ZeroGrad();
        foreach (Tensor p in model.Parameters()) p.ZeroGrad();
        if (written) WrittenZeros.Write([x, .. model.Parameters()]);
        Tensor a = model.Forward(x).Sum();
        Tensor b = (model.Forward(x) * 3.0).Sum();
        WrittenZeros.Backward(a, written);
        WrittenZeros.Backward(b, written);
        double[] both = x.GradToArray();
        x.ZeroGrad();
        if (written) WrittenZeros.Write([x]);
        WrittenZeros.Backward(model.Forward(x).Sum() * 4.0, written);
        double[] once = x.GradToArray();
        for (int k = 0; k < both.Length; k++) Assert.That(both[k], Is.EqualTo(once[k]).Within(1e-12), $"x.grad[{k}]: 1 + 3 times = 4 times");
    }

    [Test]
    public void The_seed_scalar_example_swept_twice_doubles_the_leaf_gradients_exactly()
    {
        using var tape = new Tape();
        var a = tape.Scalar(2.0, "a");
        var b = tape.Scalar(3.0, "b");
        var e = (a * b + a).Tanh();
        e.Backward();
        e.Backward();
        Assert.That(a.GradItem, Is.EqualTo(2 * 1.8005623907413337e-06));
        Assert.That(b.GradItem, Is.EqualTo(2 * 9.002811953706669e-07));
        Assert.That(e.GradItem, Is.EqualTo(1.0), "the root is an op result: the latest sweep's seed");

        tape.Reset();
        var a2 = tape.Scalar(2.0, "a");
        (a2 * 3.0).Backward();
        Assert.That(a2.GradItem, Is.EqualTo(3.0), "a new generation starts from zero");
    }

    [Test]
    public void A_leaf_root_accumulates_its_seed()
    {
        using var tape = new Tape();
        var x = tape.Scalar(5.0, "x");
        x.Backward();
        x.Backward();
        Assert.That(x.GradItem, Is.EqualTo(2.0));
    }
}
