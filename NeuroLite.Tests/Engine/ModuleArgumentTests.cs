using NeuroLite.Kernels;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// Layer and MLP arguments: undefined activations are rejected (a cast integer used to run a linear forward pass and
/// a ReLU-masked backward), and sizes get the exception type and parameter name that say what is wrong.
/// </summary>
public class ModuleArgumentTests
{
    [TestCase(42)]
    [TestCase(-1)]
    [TestCase(3)]
    public void An_undefined_activation_is_rejected_by_layer_and_mlp(int value)
    {
        var activation = (Activation)value;
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Layer(2, 2, activation))!.ParamName, Is.EqualTo("activation"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new MLP(2, [3], 1, activation))!.ParamName, Is.EqualTo("hiddenActivation"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new MLP(2, [], 1, activation))!.ParamName, Is.EqualTo("hiddenActivation"));
    }

    [TestCase(Activation.None)]
    [TestCase(Activation.Tanh)]
    [TestCase(Activation.Relu)]
    public void Every_defined_activation_is_accepted(Activation activation) =>
        Assert.DoesNotThrow(() => new Layer(2, 2, activation));

    [Test]
    public void A_tape_capacity_beyond_the_limit_names_the_capacity()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Tape(int.MaxValue))!;
        Assert.That(ex.ParamName, Is.EqualTo("initialCapacity"));
        Assert.That(ex.Message, Does.Contain("capacity"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Tape(-1))!.ParamName, Is.EqualTo("initialCapacity"));
    }

    [TestCase(46341, 46341)]
    [TestCase(int.MaxValue, 1)]
    [TestCase(1, int.MaxValue)]
    [TestCase(65536, 16385)]
    public void A_layer_too_large_is_an_argument_error_naming_its_shape(int inFeatures, int outFeatures)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Layer(inFeatures, outFeatures))!;
        Assert.That(ex.Message, Does.Contain($"({inFeatures}, {outFeatures})"));
        Assert.Throws<ArgumentException>(() => new MLP(inFeatures, [], outFeatures));
    }

    [Test]
    public void A_bad_hidden_size_names_hidden_sizes_and_its_index()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MLP(2, [0], 1))!;
        Assert.That(ex.ParamName, Is.EqualTo("hiddenSizes"));
        Assert.That(ex.Message, Does.Contain("hiddenSizes[0]"));
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MLP(2, [4, -3], 1))!;
        Assert.That(ex.ParamName, Is.EqualTo("hiddenSizes"));
        Assert.That(ex.Message, Does.Contain("hiddenSizes[1]"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new MLP(0, [4], 1))!.ParamName, Is.EqualTo("inFeatures"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new MLP(2, [4], 0))!.ParamName, Is.EqualTo("outFeatures"));
    }

    [Test]
    public void A_short_row_loss_span_is_named_row_loss()
    {
        var logits = new double[6];
        var probs = new double[6];
        var ex = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(logits, 2, 3, [0, 1], probs, new double[1]))!;
        Assert.That(ex.ParamName, Is.EqualTo("rowLoss"));
        ex = Assert.Throws<ArgumentException>(() => NeuroLite.Kernels.Reference.SoftmaxCrossEntropy.Forward(logits, 2, 3, [0, 1], probs, new double[1]))!;
        Assert.That(ex.ParamName, Is.EqualTo("rowLoss"));
    }

    [Test]
    public void An_index_is_checked_against_a_shape_that_cannot_wrap()
    {
        using var tape = new Tape();
        Tensor t = tape.Full([2, 3], 1.0);
        Assert.Throws<ArgumentException>(() => t.At(2, 0));
        Assert.Throws<ArgumentException>(() => t.At(0, -1));
        // The shape that used to wrap to 6 elements is refused, so no index can be computed against it.
        Assert.Throws<ArgumentException>(() => Tensor.Ones(70, 11239, 88801, 1056175639));
    }
}
