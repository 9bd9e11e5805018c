using K = NeuroLite.Kernels;
using R = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// The invariant behind every kernel's argument check, on the fast path and the reference alike: a rejected call
/// throws an <see cref="ArgumentException"/> (or a subclass) and leaves every buffer it was given bit for bit as it was.
/// All buffers of a case are slices of one array, so a write anywhere in it is seen.
/// </summary>
public class RejectedKernelCallTests
{
    private const int N = 24;

    /// <summary>A kernel call on slices of one buffer.</summary>
    public delegate void KernelCall(Span<double> m);

    private static IEnumerable<TestCaseData> Calls()
    {
        static TestCaseData Case(string name, KernelCall call) => new TestCaseData(call).SetName(name);
        int[] t3 = [0, 1, 7];
        int[] t2 = [0, 1];

        yield return Case("Binary.Add, lengths differ", m => K.Binary.Add(m[..4], m[4..9], m[9..13]));
        yield return Case("Reference Binary.Add, lengths differ", m => R.Binary.Add(m[..4], m[4..9], m[9..13]));
        yield return Case("Binary.Multiply, output shifted over an input", m => K.Binary.Multiply(m[..8], m[8..16], m[1..9]));
        yield return Case("Binary.Divide scalar, output shifted", m => K.Binary.Divide(m[..8], 2.0, m[2..10]));
        yield return Case("Binary.Axpy, lengths differ", m => K.Binary.Axpy(2.0, m[..8], m[8..15]));
        yield return Case("Binary.MultiplyAdd, shifted", m => K.Binary.MultiplyAdd(m[..8], m[8..16], m[3..11]));
        yield return Case("Unary.Tanh, lengths differ", m => K.Unary.Tanh(m[..8], m[8..15]));
        yield return Case("Reference Unary.Exp, shifted", m => R.Unary.Exp(m[..8], m[1..9]));
        yield return Case("Unary.TanhBackward, lengths differ", m => K.Unary.TanhBackward(m[..8], m[8..16], m[16..23]));
        yield return Case("Broadcast.Add, shapes do not broadcast", m => K.Broadcast.Add(m[..6], [2, 3], m[6..10], [4], m[10..16]));
        yield return Case("Reference Broadcast.Add, shapes do not broadcast", m => R.Broadcast.Add(m[..6], [2, 3], m[6..10], [4], m[10..16]));
        yield return Case("Broadcast.Multiply, output over a smaller input", m => K.Broadcast.Multiply(m[..6], [2, 3], m[6..9], [3], m[3..9]));
        yield return Case("Broadcast.SumTo, shape does not broadcast", m => K.Broadcast.SumTo(m[..6], [2, 3], m[6..8], [2]));
        yield return Case("Broadcast.SumTo, output inside the input", m => K.Broadcast.SumTo(m[..6], [2, 3], m[..3], [3]));
        yield return Case("Reduce.SumAxis, axis out of range", m => K.Reduce.SumAxis(m[..6], [2, 3], 2, m[6..9]));
        yield return Case("Reduce.SumAxis, output inside the input", m => K.Reduce.SumAxis(m[..6], [2, 3], 0, m[2..5]));
        yield return Case("Reduce.MaxRows, output inside the input", m => K.Reduce.MaxRows(m[..6], 2, 3, m[4..6]));
        yield return Case("Reference Reduce.MaxRows, output inside the input", m => R.Reduce.MaxRows(m[..6], 2, 3, m[4..6]));
        yield return Case("Reduce.MaxRows, negative rows", m => K.Reduce.MaxRows(m[..6], -2, -3, m[6..8]));
        yield return Case("Reduce.MaxRows, size wraps int", m => K.Reduce.MaxRows(m[..6], 65536, 65536, m[6..8]));
        yield return Case("Gemm, C over A", m => K.Gemm.Multiply(m[..4], m[4..8], m[2..6], 2, 2, 2));
        yield return Case("Gemm, A too short", m => K.Gemm.Multiply(m[..3], m[4..8], m[8..12], 2, 2, 2));
        yield return Case("Reference Gemm, C over B", m => R.Gemm.Multiply(m[..4], m[4..8], m[6..10], 2, 2, 2));
        yield return Case("Softmax forward, target out of range", m => K.SoftmaxCrossEntropy.Forward(m[..6], 2, 3, [0, 3], m[6..12], m[12..14]));
        yield return Case("Softmax forward, negative target", m => K.SoftmaxCrossEntropy.Forward(m[..6], 2, 3, [-1, 0], m[6..12], m[12..14]));
        yield return Case("Reference softmax forward, target out of range", m => R.SoftmaxCrossEntropy.Forward(m[..6], 2, 3, t3.AsSpan(1, 2), m[6..12], m[12..14]));
        yield return Case("Softmax forward, rowLoss over logits", m => K.SoftmaxCrossEntropy.Forward(m[..6], 2, 3, t2, m[6..12], m[4..6]));
        yield return Case("Softmax forward, rowLoss over probabilities", m => K.SoftmaxCrossEntropy.Forward(m[..6], 2, 3, t2, m[6..12], m[10..12]));
        yield return Case("Softmax forward, probabilities shifted over logits", m => K.SoftmaxCrossEntropy.Forward(m[..6], 2, 3, t2, m[1..7], m[12..14]));
        yield return Case("Softmax forward, short rowLoss", m => K.SoftmaxCrossEntropy.Forward(m[..6], 2, 3, t2, m[6..12], m[12..13]));
        yield return Case("Softmax backward, target out of range", m => K.SoftmaxCrossEntropy.Backward(m[..6], 2, 3, [2, 3], 1.0, m[6..12], accumulate: true));
        yield return Case("Reference softmax backward, target out of range", m => R.SoftmaxCrossEntropy.Backward(m[..6], 2, 3, [2, 3], 1.0, m[6..12]));
        yield return Case("Softmax backward, gradient shifted over probabilities", m => K.SoftmaxCrossEntropy.Backward(m[..6], 2, 3, t2, 1.0, m[3..9]));
        yield return Case("Softmax backward, too few targets", m => K.SoftmaxCrossEntropy.Backward(m[..6], 2, 3, [0], 1.0, m[6..12]));
        yield return Case("Sgd, gradient is the parameters", m => K.Optimizer.Sgd(m[..8], m[..8], 0.1, zeroGradients: true));
        yield return Case("Sgd, negative rate", m => K.Optimizer.Sgd(m[..8], m[8..16], -0.1, zeroGradients: true));
        yield return Case("Reference Sgd, lengths differ", m => R.Optimizer.Sgd(m[..8], m[8..15], 0.1, zeroGradients: true));
        yield return Case("SgdMomentum, velocity is the gradient", m => K.Optimizer.SgdMomentum(m[..8], m[8..16], m[8..16], 0.1, 0.9, zeroGradients: true));
        yield return Case("SgdMomentum, momentum 1", m => K.Optimizer.SgdMomentum(m[..8], m[8..16], m[16..24], 0.1, 1.0, zeroGradients: true));
        yield return Case("Adam, m is v", m => K.Optimizer.Adam(m[..6], m[6..12], m[12..18], m[12..18], 0.1, 0.9, 0.999, 1e-8, 1, zeroGradients: true));
        yield return Case("Adam, v partly over m", m => K.Optimizer.Adam(m[..6], m[6..12], m[12..18], m[17..23], 0.1, 0.9, 0.999, 1e-8, 1, zeroGradients: true));
        yield return Case("Adam, step 0", m => K.Optimizer.Adam(m[..6], m[6..12], m[12..18], m[18..24], 0.1, 0.9, 0.999, 1e-8, 0, zeroGradients: true));
        yield return Case("Reference Adam, beta2 NaN", m => R.Optimizer.Adam(m[..6], m[6..12], m[12..18], m[18..24], 0.1, 0.9, double.NaN, 1e-8, 1, zeroGradients: true));
    }

    [TestCaseSource(nameof(Calls))]
    public void A_rejected_kernel_call_leaves_every_buffer_as_it_was(KernelCall call)
    {
        var memory = new double[N];
        var rng = new Random(5);
        for (int i = 0; i < N; i++) memory[i] = rng.NextDouble() - 0.25;
        long[] before = Bits(memory);
        Assert.That(() => call(memory), Throws.InstanceOf<ArgumentException>());
        Assert.That(Bits(memory), Is.EqualTo(before));
    }
}
