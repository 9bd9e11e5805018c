namespace NeuroLite.Tests.Engine;

/// <summary>
/// A module's parameters lie back to back in one slab, and the optimizers step each run of consecutive ones with one
/// kernel call. Every scenario trains a model and, beside it, standalone copies of its parameters (each with its own
/// buffers, so one kernel call per tensor) through the same ops; values and gradients must stay the same bits. The
/// optimizer gets the model's parameters in its own order or in others, which split the runs.
/// </summary>
public class OptimizerRunTests
{
    public enum Opt
    {
        Adam,
        Sgd,
        SgdMomentum,
        SeedSgdStep,
    }

    public enum Order
    {
        Natural,
        Reversed,
        Subset,
        Rotated,
    }

    /// <summary>The parameters in the given order (of six: W0, b0, W1, b1, W2, b2), and the runs they form.</summary>
    private static (Tensor[] Chosen, int Runs) Pick(IReadOnlyList<Tensor> ps, Order order) => order switch
    {
        Order.Natural => ([.. ps], 1),
        Order.Reversed => ([.. ps.Reverse()], 6),
        Order.Subset => ([ps[0], ps[1], ps[4]], 2),
        _ => ([ps[2], ps[3], ps[4], ps[5], ps[0], ps[1]], 2),
    };

    private static Action MakeStep(Opt opt, Tensor[] ps) => opt switch
    {
        Opt.Adam => new Adam(ps, lr: 0.01).Step,
        Opt.Sgd => new Sgd(ps, lr: 0.05).Step,
        Opt.SgdMomentum => new Sgd(ps, lr: 0.05, momentum: 0.9).Step,
        _ => () => Optim.SgdStep(ps, 0.05),
    };

    /// <summary>The kernel calls a step over <paramref name="ps"/>, in this order, makes (the optimizers plan their steps with <see cref="ParameterRuns"/>).</summary>
    private static int Runs(IEnumerable<Tensor> ps) => new ParameterRuns(ParameterList.From(ps)).Count;

    private static void AssertSameBits(IReadOnlyList<Tensor> got, Tensor[] want, bool grads, string what)
    {
        for (int k = 0; k < want.Length; k++)
        {
            double[] g = grads ? got[k].GradToArray() : got[k].ToArray();
            double[] w = grads ? want[k].GradToArray() : want[k].ToArray();
            Assert.That(g, Has.Length.EqualTo(w.Length));
            for (int j = 0; j < w.Length; j++)
            {
                if (BitConverter.DoubleToInt64Bits(g[j]) != BitConverter.DoubleToInt64Bits(w[j]))
                    Assert.Fail($"{what}, parameter {k} {(grads ? "gradient" : "value")}[{j}]: {g[j]:R}, per tensor {w[j]:R}");
            }
        }
    }

    [Test]
    public void A_model_stepped_by_runs_matches_its_parameters_stepped_one_by_one(
        [Values] Opt opt, [Values] Order order, [Values(false, true)] bool wide)
    {
        // Sizes that leave padding after every parameter; the wide model runs the vector loops too.
        int[] sizes = wide ? [13, 29, 17, 6] : [5, 7, 3, 4];
        var model = new MLP(sizes[0], sizes[1..^1], sizes[^1], Activation.Tanh, seed: 8);
        IReadOnlyList<Tensor> mine = model.Parameters();
        Tensor[] copies = [.. mine.Select(p => Tensor.Parameter(p.Data, p.Shape, p.ParameterOrNull!.Label))];
        (Tensor[] chosen, int runs) = Pick(mine, order);
        (Tensor[] chosenCopies, _) = Pick(copies, order);
        Action step = MakeStep(opt, chosen);
        Action reference = MakeStep(opt, chosenCopies);
        Assert.That(Runs(chosen), Is.EqualTo(runs), "kernel calls per step over the model's slab");
        Assert.That(Runs(chosenCopies), Is.EqualTo(chosen.Length), "standalone parameters: one call each");

        using var tape = new Tape();
        int batch = 6;
        for (int s = 0; s < 6; s++)
        {
            tape.Reset();
            Tensor x = tape.Input(TestData.Uniform(10 + s, batch * sizes[0]), [batch, sizes[0]]);
            int[] targets = [.. Enumerable.Range(0, batch).Select(i => (i + s) % sizes[^1])];
            Tensor viaModel = model.Forward(x);
            Tensor viaCopies = x;
            for (int l = 0; l < 3; l++) viaCopies = Ops.Linear(viaCopies, copies[2 * l], copies[2 * l + 1], l < 2 ? Activation.Tanh : Activation.None);
            // Step 3 has no Backward(): every gradient is stale, so every parameter is stepped with g = 0.
            if (s != 3)
            {
                Loss.SoftmaxCrossEntropy(viaModel, targets).Backward();
                Loss.SoftmaxCrossEntropy(viaCopies, targets).Backward();
            }
            // A stale gradient inside a run (a bias), and at the head of one (the first weight).
            int zeroed = s == 1 ? 3 : s == 2 ? 0 : -1;
            if (zeroed >= 0)
            {
                mine[zeroed].ZeroGrad();
                copies[zeroed].ZeroGrad();
            }
            step();
            reference();
            AssertSameBits(mine, copies, grads: false, $"step {s}");
        }
        AssertSameBits(mine, copies, grads: true, "after the last step");
    }

    [Test]
    public void Models_made_or_loaded_are_one_run_and_standalone_parameters_one_each()
    {
        var model = new MLP(3, [4, 5], 2, seed: 1);
        Assert.That(Runs(model.Parameters()), Is.EqualTo(1));
        Assert.That(Runs(model.Layers[1].Parameters()), Is.EqualTo(1), "one layer of the model");
        Assert.That(Runs([.. model.Layers[2].Parameters(), .. model.Layers[0].Parameters()]), Is.EqualTo(2), "layers out of order");
        Assert.That(Runs([model.Parameters()[0], model.Parameters()[0]]), Is.EqualTo(2), "a parameter given twice");

        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        MLP loaded = MLP.Load(stream);
        Assert.That(Runs(loaded.Parameters()), Is.EqualTo(1), "a loaded model");
        Assert.That(Runs([.. new Layer(3, 4).Parameters(), .. new Layer(4, 2).Parameters()]), Is.EqualTo(2), "two separate layers");
        Assert.That(Runs([Tensor.Parameter([1.0, 2.0]), Tensor.Parameter([3.0])]), Is.EqualTo(2));
    }

    [Test]
    public void A_step_with_a_disposed_parameter_updates_nothing()
    {
        var model = new MLP(3, [4], 2, seed: 1);
        var extra = new Layer(2, 2, seed: 3);
        var adam = new Adam([.. model.Parameters(), .. extra.Parameters()]);
        var sgd = new Sgd([.. model.Parameters(), .. extra.Parameters()], lr: 0.1);
        using var tape = new Tape();
        Loss.Mse(extra.Forward(model.Forward(tape.Input(TestData.Uniform(1, 2 * 3), [2, 3]))), tape.Input([0.5, -0.5, 1, 0], [2, 2])).Backward();
        double[][] before = [.. model.Parameters().Select(p => p.ToArray())];
        double[][] grads = [.. model.Parameters().Select(p => p.GradToArray())];
        extra.Dispose();
        Assert.Throws<ObjectDisposedException>(adam.Step);
        Assert.Throws<ObjectDisposedException>(sgd.Step);
        Assert.That(adam.StepCount, Is.Zero);
        for (int k = 0; k < before.Length; k++)
        {
            Assert.That(model.Parameters()[k].ToArray(), Is.EqualTo(before[k]), $"parameter {k}");
            Assert.That(model.Parameters()[k].GradToArray(), Is.EqualTo(grads[k]), $"gradient {k}");
        }
    }
}
