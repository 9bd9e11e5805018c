namespace NeuroLite.Tests.Engine;

/// <summary>
/// Tape.NoGrad(): inference that records nothing for backward. The values are the recorded forward's bit for bit,
/// Backward() from a no-grad result reaches no parameter, a warm inference loop allocates nothing, and the scope is
/// per thread.
/// </summary>
public class NoGradTests
{
    private static readonly int[] BatchShape = [8, 6];
    private static readonly int[] Targets = [0, 1, 2, 3, 0, 1, 2, 3];

    private static double[] Batch()
    {
        var x = new double[8 * 6];
        for (int k = 0; k < x.Length; k++) x[k] = Math.Cos(0.37 * k) * 1.5;
        return x;
    }

    [TestCase(Activation.Tanh)]
    [TestCase(Activation.Relu)]
    [TestCase(Activation.None)]
    public void No_grad_forward_equals_the_recorded_forward_bitwise(Activation activation)
    {
        var model = new MLP(6, [16, 9], 4, activation, seed: 3);
        double[] x = Batch();
        using var tape = new Tape();
        Tensor recorded = model.Forward(tape.Input(x, BatchShape));
        double[] mine = recorded.ToArray();
        double ce = Loss.SoftmaxCrossEntropy(recorded, Targets).Item;
        // A longer chain of plain ops too: matmul, broadcast add, pow, exp, mean.
        Tensor w = model.Layers[0].W;
        double chain = ((tape.Input(x, BatchShape).MatMul(w) + model.Layers[0].B).Pow(2.0).Exp().Mean()).Item;
        Assert.That(recorded.Tape!.NodeRef(recorded.Index).NeedsGrad, Is.True);

        tape.Reset();
        using (Tape.NoGrad())
        {
            Assert.That(Tape.GradEnabled, Is.False);
            Tensor y = model.Forward(tape.Input(x, BatchShape));
            Assert.That(Bits(y.Data), Is.EqualTo(Bits(mine)));
            Tensor loss = Loss.SoftmaxCrossEntropy(y, Targets);
            Assert.That(BitConverter.DoubleToInt64Bits(loss.Item), Is.EqualTo(BitConverter.DoubleToInt64Bits(ce)));
            double again = ((tape.Input(x, BatchShape).MatMul(w) + model.Layers[0].B).Pow(2.0).Exp().Mean()).Item;
            Assert.That(BitConverter.DoubleToInt64Bits(again), Is.EqualTo(BitConverter.DoubleToInt64Bits(chain)));
            Assert.That(y.Tape!.NodeRef(y.Index).NeedsGrad, Is.False, "the result needs no gradient");
        }
        Assert.That(Tape.GradEnabled, Is.True);
    }

    [Test]
    public void Backward_from_a_no_grad_result_reaches_no_parameter()
    {
        var model = new MLP(6, [5], 4, seed: 1);
        using var tape = new Tape();
        Tensor loss;
        using (Tape.NoGrad()) loss = Loss.SoftmaxCrossEntropy(model.Forward(tape.Input(Batch(), BatchShape)), Targets);
        loss.Backward();
        foreach (Tensor p in model.Parameters()) Assert.That(p.ToArray().Length > 0 && p.GradToArray().All(g => g == 0), $"{p.Label} has no gradient");

        // Recording again after the scope: the same step now reaches every parameter.
        tape.Reset();
        Loss.SoftmaxCrossEntropy(model.Forward(tape.Input(Batch(), BatchShape)), Targets).Backward();
        Assert.That(model.Parameters()[0].GradToArray().Any(g => g != 0));
    }

    [Test]
    public void A_no_grad_result_used_in_a_recorded_graph_is_a_constant()
    {
        using var tape = new Tape();
        var a = tape.Scalar(3.0, "a");
        Tensor frozen;
        using (Tape.NoGrad()) frozen = a * a;       // 9, detached
        var y = frozen * a;                         // d/da = 9 (not 27)
        y.Backward();
        Assert.That(a.GradItem, Is.EqualTo(9.0));
    }

    [Test]
    public void Scopes_nest_and_a_second_dispose_changes_nothing()
    {
        NoGradScope outer = Tape.NoGrad();
        NoGradScope inner = Tape.NoGrad();
        inner.Dispose();
        Assert.That(Tape.GradEnabled, Is.False, "the outer scope is still open");
        inner.Dispose();
        Assert.That(Tape.GradEnabled, Is.False, "disposing the inner scope twice does not close the outer one");
        outer.Dispose();
        Assert.That(Tape.GradEnabled, Is.True);
        outer.Dispose();
        Assert.That(Tape.GradEnabled, Is.True);
        default(NoGradScope).Dispose();
        Assert.That(Tape.GradEnabled, Is.True);
    }

    [Test]
    public void A_warm_no_grad_inference_loop_allocates_nothing()
    {
        var model = new MLP(6, [32, 32], 4, seed: 2);
        double[] x = Batch();
        var output = new double[8 * 4];
        using var tape = new Tape();
        for (int i = 0; i < 50; i++) Infer(tape, model, x, output);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++) Infer(tape, model, x, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
    }

    private static void Infer(Tape tape, MLP model, double[] x, double[] output)
    {
        tape.Reset();
        using (Tape.NoGrad())
        {
            Tensor y = model.Forward(tape.InputView(x, BatchShape));
            y.Data.CopyTo(output);
            _ = Loss.SoftmaxCrossEntropy(y, Targets).Item;
        }
    }

    [Test]
    public void The_scope_is_per_thread()
    {
        var model = new MLP(6, [12], 4, seed: 4);
        double[] x = Batch();
        double[] reference;
        using (var tape = new Tape()) reference = model.Forward(tape.Input(x, BatchShape)).ToArray();

        using var inScope = new ManualResetEventSlim();
        using var recorded = new ManualResetEventSlim();
        bool otherThreadRecords = false;
        double[]? noGradResult = null;
        var inference = new Thread(() =>
        {
            using var tape = new Tape();
            using (Tape.NoGrad())
            {
                inScope.Set();
                recorded.Wait();   // the other thread records while this scope is open
                for (int i = 0; i < 200; i++)
                {
                    tape.Reset();
                    noGradResult = model.Forward(tape.Input(x, BatchShape)).ToArray();
                }
            }
        });
        var training = new Thread(() =>
        {
            inScope.Wait();
            using var tape = new Tape();
            Tensor y = model.Forward(tape.Input(x, BatchShape));
            otherThreadRecords = Tape.GradEnabled && y.Tape!.NodeRef(y.Index).NeedsGrad;
            recorded.Set();
        });
        inference.Start();
        training.Start();
        inference.Join();
        training.Join();
        Assert.That(otherThreadRecords, Is.True, "a scope on one thread leaves the other recording");
        Assert.That(Bits(noGradResult), Is.EqualTo(Bits(reference)));
        Assert.That(Tape.GradEnabled, Is.True);
    }
}
