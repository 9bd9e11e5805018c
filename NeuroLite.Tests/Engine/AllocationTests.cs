using NeuroLite.Kernels;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// A warm training step (reset, input, forward, loss, backward, optimizer step) allocates nothing: the arena, node
/// records, scratch and optimizer state are all kept across iterations. Counted with GetAllocatedBytesForCurrentThread.
/// </summary>
public class AllocationTests
{
    private static readonly double[] XorX = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly double[] XorY = [0, 1, 1, 0];

    // Shapes as arrays: in a Debug build a constant collection expression passed as ReadOnlySpan<int> allocates
    // at the call site (the test's own code, not the engine's), so the loops below pass these instead.
    private static readonly int[] XorXShape = [4, 2];
    private static readonly int[] XorYShape = [4, 1];
    private static readonly int[] BatchShape = [64, 64];
    private static readonly int[] Shape2x3 = [2, 3];
    private static readonly int[] Shape2x2 = [2, 2];
    private static readonly int[] Shape2x1 = [2, 1];

    [Test]
    public void Xor_training_steps_with_adam_allocate_nothing()
    {
        var model = new MLP(2, [4], 1, seed: 0);
        var opt = new Adam(model.Parameters(), lr: 0.01);
        using var tape = new Tape();
        for (int i = 0; i < 200; i++) XorStep(tape, model, opt);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) XorStep(tape, model, opt);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);
    }

    private static double XorStep(Tape tape, MLP model, Adam opt)
    {
        tape.Reset();
        Tensor x = tape.Input(XorX, XorXShape);
        Tensor y = tape.Input(XorY, XorYShape);
        Tensor loss = Loss.Mse(model.Forward(x), y);
        loss.Backward();
        opt.Step();
        return loss.Item;
    }

    [Test]
    public void Xor_seed_style_sgd_step_allocates_nothing()
    {
        var model = new MLP(2, [4], 1, seed: 0);
        using var tape = new Tape();
        for (int i = 0; i < 200; i++) SeedStep(tape, model);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) SeedStep(tape, model);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static void SeedStep(Tape tape, MLP model)
    {
        tape.Reset();
        Tensor loss = Loss.Mse(model.Forward(tape.Input(XorX, XorXShape)), tape.Input(XorY, XorYShape));
        loss.Backward();
        Optim.SgdStep(model.Parameters(), lr: 0.1);
    }

    /// <summary>
    /// 64-128-64-10 tanh MLP, softmax cross-entropy, batch 64, Adam: up to 1,000 warm steps. The count adapts so the
    /// loop stays near 2 s: a Debug build on the naive reference GEMM takes ~100 ms a step (and qemu 10-30x more),
    /// a Release build with the fast GEMM well under 1 ms. Allocation does not depend on the count: one byte a step
    /// would show after the 3 steps of the slowest pass (qemu) just as after 1,000.
    /// </summary>
    [Test]
    public void Mlp_64_128_64_10_training_steps_with_adam_allocate_nothing()
    {
        var model = new MLP(64, [128, 64], 10, seed: 1);
        var opt = new Adam(model.Parameters(), lr: 1e-3);
        var rng = new Random(7);
        double[] x = Enumerable.Range(0, 64 * 64).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        int[] targets = Enumerable.Range(0, 64).Select(_ => rng.Next(10)).ToArray();
        using var tape = new Tape();
        double first = MlpStep(tape, model, opt, x, targets);
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < 2; i++) MlpStep(tape, model, opt, x, targets);
        double perStep = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds / 2;
        int steps = (int)Math.Clamp(2.0 / perStep, 3, 1000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        double last = 0;
        for (int i = 0; i < steps; i++) last = MlpStep(tape, model, opt, x, targets);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        TestContext.Out.WriteLine($"{steps} steps, {allocated} bytes");
        Assert.That(allocated, Is.Zero, $"{steps} steps");
        Assert.That(last, Is.LessThan(first), "the loss went down while fitting one batch");
    }

    private static double MlpStep(Tape tape, MLP model, Adam opt, double[] x, int[] targets)
    {
        tape.Reset();
        Tensor input = tape.Input(x, BatchShape);
        Tensor loss = Loss.SoftmaxCrossEntropy(model.Forward(input), targets);
        loss.Backward();
        opt.Step();
        return loss.Item;
    }

    [Test]
    public void Ops_of_every_kind_allocate_nothing_when_warm()
    {
        using var tape = new Tape();
        using var scope = tape.Activate(); // w * w and w.Transpose() involve only the parameter
        Tensor w = Tensor.Parameter([0.5, -0.25, 0.75, 1.5, -1.0, 0.3], [2, 3]);
        double[] data = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        int[] targets = [1, 0];
        for (int i = 0; i < 20; i++) Everything(tape, w, data, targets);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) Everything(tape, w, data, targets);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static void Everything(Tape tape, Tensor w, double[] data, int[] targets)
    {
        tape.Reset();
        Tensor x = tape.Variable(data, Shape2x3, "x");
        Tensor h = (x * w + 1.0 - x / (w * w + 2.0)).Tanh() + (-x).Relu() + (x * 0.1).Exp() + (x + 2.0).Log() + (x + 1.0).Pow(1.5);
        Tensor m = h.MatMul(w.Transpose()) + h.Sum(1, keepDims: true).Mean(0) - 3.0 / (h.Mean(1).Reshape(Shape2x1) + 5.0);
        Tensor loss = Loss.SoftmaxCrossEntropy(m.Reshape(Shape2x2), targets) + Loss.Mse(h, x).Sum() * 0.5 + m.Sum() + h.Mean();
        loss.Backward();
        w.ZeroGrad();
    }
}
