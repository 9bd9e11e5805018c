namespace NeuroLite.Tests.Engine;

/// <summary>
/// Optimizer hyperparameters are checked where they are given (constructors, the learning-rate setters, the one-call
/// SGD step) and rejected with <see cref="ArgumentOutOfRangeException"/> naming the parameter, as PyTorch rejects
/// them; a rejected setter keeps the old value and a rejected step updates nothing.
/// </summary>
public class HyperparameterTests
{
    private static readonly double[] BadLearningRates = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1e-3, -double.Epsilon];
    private static readonly double[] BadUnitValues = [double.NaN, -0.1, 1.0, 1.5, double.PositiveInfinity, double.NegativeInfinity];
    private static readonly double[] BadEpsilons = [0.0, -0.0, -1e-8, double.NaN, double.PositiveInfinity];

    private static Tensor[] Params() => [Tensor.Parameter([1.0, 2.0], [2])];

    [TestCaseSource(nameof(BadLearningRates))]
    public void A_bad_learning_rate_is_rejected_everywhere(double lr)
    {
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(Params(), lr))!.ParamName, Is.EqualTo("lr"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(Params(), lr, momentum: 0.9))!.ParamName, Is.EqualTo("lr"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(Params(), lr))!.ParamName, Is.EqualTo("lr"));

        var sgd = new Sgd(Params(), 0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = lr);
        Assert.That(sgd.LearningRate, Is.EqualTo(0.1), "the old value is kept");
        var adam = new Adam(Params(), 0.01);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = lr);
        Assert.That(adam.LearningRate, Is.EqualTo(0.01));

        Tensor[] ps = Params();
        ps[0].ZeroGrad();
        ps[0].Backward([1.0, 1.0]);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Optim.SgdStep(ps, lr))!.ParamName, Is.EqualTo("lr"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Optim.SgdStep(ps.AsEnumerable(), lr))!.ParamName, Is.EqualTo("lr"));
        Assert.That(ps[0].ToArray(), Is.EqualTo(new[] { 1.0, 2.0 }), "nothing updated");
        Assert.That(ps[0].GradToArray(), Is.EqualTo(new[] { 1.0, 1.0 }), "nothing zeroed");
    }

    [TestCaseSource(nameof(BadUnitValues))]
    public void A_momentum_or_beta_outside_zero_to_one_is_rejected(double value)
    {
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(Params(), 0.1, momentum: value))!.ParamName, Is.EqualTo("momentum"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(Params(), beta1: value))!.ParamName, Is.EqualTo("beta1"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(Params(), beta2: value))!.ParamName, Is.EqualTo("beta2"));
    }

    [TestCaseSource(nameof(BadEpsilons))]
    public void An_epsilon_that_is_not_positive_and_finite_is_rejected(double epsilon) =>
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(Params(), epsilon: epsilon))!.ParamName, Is.EqualTo("epsilon"));

    [Test]
    public void The_edges_of_the_valid_ranges_are_accepted()
    {
        Assert.DoesNotThrow(() => new Sgd(Params(), 0.0, momentum: 0.0));
        Assert.DoesNotThrow(() => new Sgd(Params(), 1e300, momentum: 0.999999));
        Assert.DoesNotThrow(() => new Adam(Params(), 0.0, beta1: 0.0, beta2: 0.0, epsilon: double.Epsilon));
    }
}
