using K = NeuroLite.Kernels;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// Softmax cross-entropy's targets are caller memory that another thread may change while a kernel runs. The kernels
/// read each target once, check it and use that value, so such a race can give an exception or a wrong result but
/// never a write outside the spans the caller passed: a guard zone right after the gradient must keep its bits.
/// </summary>
[NonParallelizable] // a spinning writer thread; other tests would only slow the race down
public class TargetRaceTests
{
    private const int Rows = 4096, Cols = 10, Guard = 64, Calls = 300;
    private const long Sentinel = 0x7FF4_DEAD_BEEF_0001; // a NaN payload no kernel computes

    private delegate void KernelCall(int[] targets, double[] probabilities, Span<double> gradient);

    private static void Race(KernelCall call, out int raced)
    {
        var probabilities = new double[Rows * Cols];
        for (int i = 0; i < probabilities.Length; i++) probabilities[i] = 1.0 / Cols;
        var targets = new int[Rows];
        for (int r = 0; r < Rows; r++) targets[r] = r % Cols;
        // The gradient and, right after it in the same array, the zone that must never be written.
        var memory = new double[Rows * Cols + Guard];
        var stop = 0;
        // Flips the last row's target between a valid class and one that points 6 elements past the gradient's end.
        var writer = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                Volatile.Write(ref targets[Rows - 1], Cols - 1);
                Volatile.Write(ref targets[Rows - 1], Cols + 5);
            }
        });
        raced = 0;
        writer.Start();
        try
        {
            for (int k = 0; k < Calls; k++)
            {
                memory.AsSpan(Rows * Cols).Fill(BitConverter.Int64BitsToDouble(Sentinel));
                try
                {
                    call(targets, probabilities, memory.AsSpan(0, Rows * Cols));
                }
                catch (ArgumentOutOfRangeException)
                {
                    // The entry check saw the bad value: nothing written.
                }
                catch (InvalidOperationException)
                {
                    raced++; // the value changed after the entry check; the kernel noticed before writing with it
                }
                for (int i = Rows * Cols; i < memory.Length; i++)
                    Assert.That(BitConverter.DoubleToInt64Bits(memory[i]), Is.EqualTo(Sentinel), $"call {k}: element {i - Rows * Cols} past the gradient's end was written");
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            writer.Join();
        }
    }

    [Test]
    public void Backward_overwriting_never_writes_past_the_gradient_while_targets_change()
    {
        Race((t, p, g) => K.SoftmaxCrossEntropy.Backward(p, Rows, Cols, t, 0.5, g), out int raced);
        TestContext.Out.WriteLine($"races caught inside the kernel: {raced} of {Calls} calls");
    }

    [Test]
    public void Backward_accumulating_never_writes_past_the_gradient_while_targets_change()
    {
        Race((t, p, g) => K.SoftmaxCrossEntropy.Backward(p, Rows, Cols, t, 0.5, g, accumulate: true), out int raced);
        TestContext.Out.WriteLine($"races caught inside the kernel: {raced} of {Calls} calls");
    }

    [Test]
    public void Backward_in_place_never_writes_past_the_gradient_while_targets_change()
    {
        // gradLogits is the probabilities: the blocked path, whose target writes come after the element-wise pass.
        Race((t, p, g) =>
        {
            p.AsSpan().CopyTo(g);
            K.SoftmaxCrossEntropy.Backward(g, Rows, Cols, t, 0.5, g);
        }, out _);
    }

    [Test]
    public void Reference_backward_never_writes_past_the_gradient_while_targets_change() =>
        Race((t, p, g) => K.Reference.SoftmaxCrossEntropy.Backward(p, Rows, Cols, t, 0.5, g), out _);

    [Test]
    public void Forward_never_writes_past_its_outputs_while_targets_change()
    {
        Race((t, p, g) =>
        {
            var rowLoss = new double[Rows];
            K.SoftmaxCrossEntropy.Forward(p, Rows, Cols, t, g, rowLoss);
        }, out _);
    }
}
