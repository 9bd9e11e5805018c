using CommunityToolkit.HighPerformance;
using NeuroLite.Kernels;

namespace NeuroLite.Tests.Engine;

/// <summary>The seed README's three examples, written as plainly as the Python, print the seed's numbers.</summary>
public class SeedExampleTests
{
    [Test]
    public void Scalar_example_prints_the_seeds_numbers()
    {
        Tape.Default.Reset();
        var a = Tensor.Scalar(2.0, label: "a");
        var b = Tensor.Scalar(3.0, label: "b");
        var c = a * b;
        var d = c + a;
        var e = d.Tanh();
        e.Backward();

        Assert.That(a.Label, Is.EqualTo("a"));
        // The seed's bits come from a correctly rounded tanh(8) and an unfused 1 - t*t; our tanh kernel is within 1 ULP
        // of correct rounding and TanhBackward is unfused on every path, and the engine accumulates a.grad in the seed's
        // order (dd + dd*3), so the seed's numbers come out bit for bit on AVX2, Vector128, scalar and NEON alike.
        TestContext.Out.WriteLine($"e={e.Item:R} a.grad={a.GradItem:R} b.grad={b.GradItem:R}");
        Assert.That(e.Item, Is.EqualTo(0.9999997749296758));
        Assert.That(a.GradItem, Is.EqualTo(1.8005623907413337e-06));
        Assert.That(b.GradItem, Is.EqualTo(9.002811953706669e-07));
    }

    [Test]
    public void Matrix_example_prints_the_seeds_numbers()
    {
        Tape.Default.Reset();
        var X = Tensor.FromArray(new[,] { { 1.0, 2.0 }, { 3.0, 4.0 } });
        var W = Tensor.FromArray(new[,] { { 0.5, -1.0 }, { 2.0, 1.5 } });
        var b = Tensor.FromArray(new[] { 1.0, -2.0 });

        var Z = X.MatMul(W) + b;
        var A = Z.Tanh();
        var loss = A.Sum();
        loss.Backward();

        // NumPy printed 8 significant decimals: fixed notation for X.grad, scientific for W.grad and b.grad.
        AssertPrinted(X.GradToArray(), [-0.9999666, 1.50013361, -0.41997434, 0.62996152], scientific: false);
        AssertPrinted(W.GradToArray(), [6.68136707e-05, 2.25992302e+00, 1.33621275e-04, 3.67989737e+00], scientific: true);
        AssertPrinted(b.GradToArray(), [6.68076047e-05, 1.41997434e+00], scientific: true);
        // The same gradient read in place as a 2-D view, as the README prints it: row by row, no copy.
        ReadOnlySpan2D<double> dX = X.GradAsSpan2D();
        Assert.That((dX.Height, dX.Width), Is.EqualTo((2, 2)));
        for (int r = 0; r < dX.Height; r++)
            TestContext.Out.WriteLine($"X.grad[{r}]: " + string.Join(" ", dX.GetRowSpan(r).ToArray()));
        Assert.That(BitConverter.DoubleToInt64Bits(dX[1, 0]), Is.EqualTo(BitConverter.DoubleToInt64Bits(X.Grad[2])));
        Assert.That(X.GradToArray2D()[1, 0], Is.EqualTo(dX[1, 0]));
    }

    /// <summary>
    /// The seed's XOR loop: 2-4-1 tanh MLP, MSE, sgd_step lr 0.1, 2000 steps. With 4 hidden tanh units XOR converges
    /// for most seeds (a unit can saturate, or two learn the same feature, for unlucky ones); seed 0 is the one the
    /// test uses. With this engine's Xavier-uniform init all of seeds 0..19 converge
    /// (<see cref="Xor_converges_for_most_seeds"/>).
    /// </summary>
    [Test]
    public void Xor_example_learns_xor()
    {
        Tape.Default.Reset();
        // The seed's loop line for line: the ambient tape is never reset (each step's graph is appended; Backward()
        // only sweeps the part its root reaches), and sgd_step zeroes the gradients, so there is no zero_grad.
        double[,] X = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
        double[,] y = { { 0 }, { 1 }, { 1 }, { 0 } };
        var model = new MLP(inFeatures: 2, hiddenSizes: [4], outFeatures: 1, seed: XorSeed);
        for (int step = 0; step < 2000; step++)
        {
            var yPred = model.Forward(Tensor.FromArray(X));
            var loss = Loss.Mse(yPred, Tensor.FromArray(y));
            loss.Backward();
            Optim.SgdStep(model.Parameters(), lr: 0.1);
        }
        double[] predictions = model.Forward(Tensor.FromArray(X)).ToArray();

        TestContext.Out.WriteLine("predictions: " + string.Join(", ", predictions));
        Assert.That(predictions, Is.EqualTo(new[] { 0.0, 1.0, 1.0, 0.0 }).Within(0.1));
        Assert.That(predictions, Is.EqualTo(TrainXor(XorSeed)), "an explicit tape reset every step computes the same bits");
    }

    internal const int XorSeed = 0;

    [Test]
    public void Xor_converges_for_most_seeds()
    {
        // 20 seeds take ~2 s in a Debug build; under qemu (linux-arm64 pass) 5 seeds took 25 s, so that pass runs 2.
        int seeds = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? 2 : 20;
        int converged = 0;
        for (int seed = 0; seed < seeds; seed++)
        {
            double[] p = TrainXor(seed);
            bool ok = Math.Abs(p[0]) < 0.1 && Math.Abs(p[1] - 1) < 0.1 && Math.Abs(p[2] - 1) < 0.1 && Math.Abs(p[3]) < 0.1;
            if (ok) converged++;
        }
        TestContext.Out.WriteLine($"XOR 2-4-1, 2000 SGD steps at lr 0.1: {converged}/{seeds} seeds end within 0.1 of [0, 1, 1, 0]");
        Assert.That(converged, Is.GreaterThanOrEqualTo(seeds * 3 / 4));
    }

    private static double[] TrainXor(int seed)
    {
        double[,] x = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
        double[,] y = { { 0 }, { 1 }, { 1 }, { 0 } };
        var model = new MLP(inFeatures: 2, hiddenSizes: [4], outFeatures: 1, seed: seed);
        using var tape = new Tape();
        for (int step = 0; step < 2000; step++)
        {
            tape.Reset();
            var yPred = model.Forward(tape.Input(x));
            var loss = Loss.Mse(yPred, tape.Input(y));
            loss.Backward();
            Optim.SgdStep(model.Parameters(), lr: 0.1);
        }
        tape.Reset();
        return model.Forward(tape.Input(x)).ToArray();
    }

    private static void AssertPrinted(double[] got, double[] printed, bool scientific)
    {
        Assert.That(got.Length, Is.EqualTo(printed.Length));
        for (int i = 0; i < got.Length; i++)
        {
            double scale = scientific ? Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(printed[i])))) : 1.0;
            Assert.That(got[i], Is.EqualTo(printed[i]).Within(5.0000001e-9 * scale), $"element {i}");
        }
    }

    internal static long Ulps(double a, double b) => Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));
}
