namespace NeuroLite.Tests.Engine;

/// <summary>
/// Pow's value and gradient at the edges (zeros of either sign, infinities, negative bases with fractional
/// exponents) against PyTorch. The expected numbers are what torch 1.13 prints for a float64 tensor:
/// <c>t = torch.tensor([x], dtype=torch.float64, requires_grad=True); t.pow(p).backward()</c>, value and t.grad.
/// One difference is by design: where PyTorch's gradient is −0 the engine's is +0, since backward adds into a
/// cleared gradient (0 + (−0) = +0) where PyTorch stores the first contribution; those two cases expect +0.
/// </summary>
public class PowEdgeCaseTests
{
    private const double Inf = double.PositiveInfinity, NaN = double.NaN;

    private static readonly object[] Cases =
    [
        // x^0: the value is 1 everywhere and the derivative 0 (not 0·0^-1 = NaN at zero).
        new object[] { 0.0, 0.0, 1.0, 0.0 },
        new object[] { -0.0, 0.0, 1.0, 0.0 },
        new object[] { 2.0, 0.0, 1.0, 0.0 },
        new object[] { NaN, 0.0, 1.0, 0.0 },
        new object[] { Inf, 0.0, 1.0, 0.0 },
        // x^1: derivative 1 at zero (1·0^0).
        new object[] { 0.0, 1.0, 0.0, 1.0 },
        new object[] { -0.0, 1.0, -0.0, 1.0 },
        // Negative exponents at zero: infinite values and gradients with PyTorch's signs.
        new object[] { 0.0, -1.0, Inf, -Inf },
        new object[] { -0.0, -1.0, -Inf, -Inf },
        new object[] { 0.0, -2.0, Inf, -Inf },
        new object[] { -0.0, -2.0, Inf, Inf },
        new object[] { 0.0, -0.5, Inf, -Inf },
        new object[] { -0.0, -0.5, -Inf, -Inf },
        // Square roots and fractional exponents at zero and at infinities.
        new object[] { 0.0, 0.5, 0.0, Inf },
        new object[] { -0.0, 0.5, -0.0, -Inf },
        new object[] { 0.0, 1.5, 0.0, 0.0 },
        new object[] { -0.0, 1.5, 0.0, 0.0 }, // PyTorch: gradient -0
        new object[] { double.NegativeInfinity, 0.5, NaN, NaN },
        new object[] { double.NegativeInfinity, 1.5, Inf, NaN },
        new object[] { double.NegativeInfinity, -0.5, NaN, 0.0 }, // PyTorch: gradient -0
        new object[] { double.NegativeInfinity, 3.0, double.NegativeInfinity, Inf },
        new object[] { double.NegativeInfinity, -2.0, 0.0, 0.0 },
        new object[] { 0.0, 3.0, 0.0, 0.0 },
        new object[] { -0.0, 3.0, -0.0, 0.0 },
        // Fractional exponents of negative bases: NaN value and gradient.
        new object[] { -8.0, 1.0 / 3.0, NaN, NaN },
        new object[] { -2.0, 0.5, NaN, NaN },
        new object[] { -1.0, 2.5, NaN, NaN },
        new object[] { -4.0, -0.5, NaN, NaN },
        new object[] { -4.0, 3.0, -64.0, 48.0 },
        new object[] { -4.0, -2.0, 0.0625, 0.03125 },
    ];

    [TestCaseSource(nameof(Cases))]
    public void Value_and_gradient_match_PyTorch(double x, double p, double value, double gradient)
    {
        using var tape = new Tape();
        Tensor t = tape.Variable([x], [1]);
        Tensor y = t.Pow(p);
        y.Backward();
        Assert.That(BitConverter.DoubleToInt64Bits(y.Item), Is.EqualTo(BitConverter.DoubleToInt64Bits(value)).Or.Matches<long>(b => double.IsNaN(value) && double.IsNaN(BitConverter.Int64BitsToDouble(b))), $"{x}^{p} = {y.Item}, PyTorch {value}");
        Assert.That(BitConverter.DoubleToInt64Bits(t.GradItem), Is.EqualTo(BitConverter.DoubleToInt64Bits(gradient)).Or.Matches<long>(b => double.IsNaN(gradient) && double.IsNaN(BitConverter.Int64BitsToDouble(b))), $"d/dx x^{p} at {x} = {t.GradItem}, PyTorch {gradient}");
    }

    [Test]
    public void The_gradient_of_x_to_the_zero_is_zero_even_for_an_infinite_seed()
    {
        using var tape = new Tape();
        Tensor t = tape.Variable([0.0, 3.0], [2]);
        t.Pow(0).Backward([Inf, 1.0]);
        Assert.That(t.GradToArray(), Is.EqualTo(new[] { 0.0, 0.0 }));
    }
}
