using K = NeuroLite.Kernels;
using R = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// Buffers that overlap where a kernel cannot support it are rejected, on the fast path and the reference alike,
/// before anything is written (every buffer keeps its bits). The aliasing that is supported is exact and documented:
/// softmax cross-entropy's probabilities may be its logits, its gradient may be its probabilities.
/// </summary>
public class OverlapTests
{
    private delegate void OnMemory(Span<double> memory);

    /// <summary>Runs <paramref name="call"/> on a fresh buffer and asserts it throws ArgumentException and leaves the buffer's bits unchanged.</summary>
    private static void Rejected(int length, OnMemory call, string what)
    {
        double[] memory = Uniform(7, length);
        long[] before = Bits(memory);
        Assert.Throws<ArgumentException>(() => call(memory), what);
        Assert.That(Bits(memory), Is.EqualTo(before), $"{what}: a buffer was written before the rejection");
    }

    // ---------------------------------------------------------------- softmax cross-entropy

    private const int Rows = 3, Cols = 5, N = Rows * Cols;
    private static readonly int[] Targets = [0, 4, 2];

    [TestCase(0)]
    [TestCase(4)]
    [TestCase(N - Rows)]
    [TestCase(N - 1)]
    public void Softmax_forward_rejects_row_losses_inside_the_logits(int at)
    {
        Rejected(N + Rows + N, m => K.SoftmaxCrossEntropy.Forward(m[..N], Rows, Cols, Targets, m[(N + Rows)..], m.Slice(at, Rows)), "kernel, rowLoss in logits");
        Rejected(N + Rows + N, m => R.SoftmaxCrossEntropy.Forward(m[..N], Rows, Cols, Targets, m[(N + Rows)..], m.Slice(at, Rows)), "reference, rowLoss in logits");
    }

    [TestCase(0)]
    [TestCase(7)]
    [TestCase(N - 1)]
    public void Softmax_forward_rejects_row_losses_inside_the_probabilities(int at)
    {
        Rejected(N + N, m => K.SoftmaxCrossEntropy.Forward(m[..N], Rows, Cols, Targets, m[N..], m.Slice(N + at, Math.Min(Rows, N - at))), "kernel");
        Rejected(2 * N + Rows, m => K.SoftmaxCrossEntropy.Forward(m[..N], Rows, Cols, Targets, m[N..(2 * N)], m.Slice(N + Math.Min(at, N - Rows), Rows)), "kernel, rowLoss in probabilities");
        Rejected(2 * N + Rows, m => R.SoftmaxCrossEntropy.Forward(m[..N], Rows, Cols, Targets, m[N..(2 * N)], m.Slice(N + Math.Min(at, N - Rows), Rows)), "reference, rowLoss in probabilities");
    }

    [Test]
    public void Softmax_forward_rejects_row_losses_over_in_place_probabilities()
    {
        Rejected(N, m => K.SoftmaxCrossEntropy.Forward(m, Rows, Cols, Targets, m, m[..Rows]), "kernel");
        Rejected(N, m => R.SoftmaxCrossEntropy.Forward(m, Rows, Cols, Targets, m, m[..Rows]), "reference");
    }

    [Test]
    public void Softmax_forward_rejects_probabilities_partially_over_the_logits()
    {
        Rejected(N + 1 + Rows, m => K.SoftmaxCrossEntropy.Forward(m[..N], Rows, Cols, Targets, m[1..(N + 1)], m[(N + 1)..]), "kernel");
        Rejected(N + 1 + Rows, m => R.SoftmaxCrossEntropy.Forward(m[..N], Rows, Cols, Targets, m[1..(N + 1)], m[(N + 1)..]), "reference");
    }

    [Test]
    public void Softmax_backward_rejects_a_gradient_partially_over_the_probabilities()
    {
        Rejected(N + 2, m => K.SoftmaxCrossEntropy.Backward(m[..N], Rows, Cols, Targets, 1.0, m[2..]), "kernel");
        Rejected(N + 2, m => R.SoftmaxCrossEntropy.Backward(m[..N], Rows, Cols, Targets, 1.0, m[2..]), "reference");
    }

    [Test]
    public void Softmax_supports_exactly_the_documented_aliasing()
    {
        double[] logits = Uniform(3, N);
        var expectedP = new double[N];
        var expectedLoss = new double[Rows];
        R.SoftmaxCrossEntropy.Forward(logits, Rows, Cols, Targets, expectedP, expectedLoss);
        double[] inPlace = (double[])logits.Clone();
        var loss = new double[Rows];
        R.SoftmaxCrossEntropy.Forward(inPlace, Rows, Cols, Targets, inPlace, loss);
        Assert.That(Bits(inPlace), Is.EqualTo(Bits(expectedP)));
        Assert.That(Bits(loss), Is.EqualTo(Bits(expectedLoss)));

        var expectedG = new double[N];
        R.SoftmaxCrossEntropy.Backward(expectedP, Rows, Cols, Targets, 0.25, expectedG);
        K.SoftmaxCrossEntropy.Backward(inPlace, Rows, Cols, Targets, 0.25, inPlace);
        Assert.That(Bits(inPlace), Is.EqualTo(Bits(expectedG)));
    }

    [Test]
    public void Softmax_rejects_targets_that_alias_an_output()
    {
        var memory = new double[N + Rows];
        Span<int> targets = System.Runtime.InteropServices.MemoryMarshal.Cast<double, int>(memory.AsSpan(N, Rows))[..Rows];
        targets.Clear();
        long[] before = Bits(memory);
        var probs = new double[N];
        var logits = Uniform(1, N);
        try
        {
            K.SoftmaxCrossEntropy.Forward(logits, Rows, Cols, System.Runtime.InteropServices.MemoryMarshal.Cast<double, int>(memory.AsSpan(N, Rows))[..Rows], probs, memory.AsSpan(N, Rows));
            Assert.Fail("targets inside rowLoss were accepted");
        }
        catch (ArgumentException)
        {
        }
        Assert.That(Bits(memory), Is.EqualTo(before));
    }

    // ---------------------------------------------------------------- MaxRows

    [TestCase(0)]
    [TestCase(5)]
    [TestCase(N - Rows)]
    public void MaxRows_rejects_a_destination_inside_the_matrix(int at)
    {
        Rejected(N, m => K.Reduce.MaxRows(m, Rows, Cols, m.Slice(at, Rows)), "kernel");
        Rejected(N, m => R.Reduce.MaxRows(m, Rows, Cols, m.Slice(at, Rows)), "reference");
    }

    [Test]
    public void MaxRows_rejects_a_destination_straddling_the_matrix_end()
    {
        Rejected(N + 2, m => K.Reduce.MaxRows(m[..N], Rows, Cols, m.Slice(N - 1, Rows)), "kernel");
        Rejected(N + 2, m => R.Reduce.MaxRows(m[..N], Rows, Cols, m.Slice(N - 1, Rows)), "reference");
    }

    // ---------------------------------------------------------------- optimizers

    private const int P = 13;

    [Test]
    public void Sgd_momentum_rejects_a_velocity_that_is_the_gradient()
    {
        Rejected(2 * P, m => K.Optimizer.SgdMomentum(m[..P], m[P..], m[P..], 0.1, 0.9), "kernel");
        Rejected(2 * P, m => R.Optimizer.SgdMomentum(m[..P], m[P..], m[P..], 0.1, 0.9), "reference");
    }

    [TestCase(1)]
    [TestCase(P - 1)]
    public void Sgd_momentum_rejects_partial_overlaps(int shift)
    {
        Rejected(3 * P, m => K.Optimizer.SgdMomentum(m[..P], m[P..(2 * P)], m.Slice(P + shift, P), 0.1, 0.9), "velocity over gradient");
        Rejected(3 * P, m => K.Optimizer.SgdMomentum(m[..P], m[(2 * P)..], m.Slice(shift, P), 0.1, 0.9), "velocity over parameters");
        Rejected(3 * P, m => R.Optimizer.SgdMomentum(m[..P], m[P..(2 * P)], m.Slice(P + shift, P), 0.1, 0.9), "reference");
    }

    [Test]
    public void Sgd_rejects_gradients_over_parameters()
    {
        Rejected(P, m => K.Optimizer.Sgd(m, m, 0.1), "kernel, same span");
        Rejected(P + 3, m => K.Optimizer.Sgd(m[..P], m[3..], 0.1), "kernel, shifted");
        Rejected(P + 3, m => R.Optimizer.Sgd(m[..P], m[3..], 0.1), "reference, shifted");
    }

    [Test]
    public void Adam_rejects_any_two_of_its_buffers_sharing_memory()
    {
        // p, g, m, v at 0, P, 2P, 3P of a 4P buffer; each case moves one of them onto another, whole or shifted.
        (string What, int P, int G, int M, int V)[] cases =
        [
            ("m is g", 0, P, P, 3 * P),
            ("v is g", 0, P, 2 * P, P),
            ("m is v", 0, P, 2 * P, 2 * P),
            ("m and v overlap by one", 0, P, 2 * P, 3 * P - 1),
            ("v over m's start", 0, P, 2 * P + 5, 2 * P),
            ("m is p", 0, P, 0, 3 * P),
            ("v over p", 0, P, 2 * P, P - 1),
        ];
        foreach (var c in cases)
        {
            Rejected(4 * P, s => K.Optimizer.Adam(s.Slice(c.P, P), s.Slice(c.G, P), s.Slice(c.M, P), s.Slice(c.V, P), 1e-3, 0.9, 0.999, 1e-8, 1), $"kernel, {c.What}");
            Rejected(4 * P, s => R.Optimizer.Adam(s.Slice(c.P, P), s.Slice(c.G, P), s.Slice(c.M, P), s.Slice(c.V, P), 1e-3, 0.9, 0.999, 1e-8, 1), $"reference, {c.What}");
        }
    }
}
