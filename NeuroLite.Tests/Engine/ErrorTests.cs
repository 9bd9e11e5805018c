namespace NeuroLite.Tests.Engine;

/// <summary>
/// Every documented error: its type, the words of its message (naming the shapes), thrown before anything is
/// written (the tape's node count and arena use are unchanged) and leaving the tape usable.
/// </summary>
public class ErrorTests
{
    private Tape _tape = null!;

    [SetUp]
    public void NewTape() => _tape = new Tape();

    [TearDown]
    public void DisposeTape() => _tape.Dispose();

    private Tensor T(params int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return _tape.Variable(Enumerable.Range(1, n).Select(i => (double)i).ToArray(), shape);
    }

    /// <summary>Runs <paramref name="bad"/>, checks nothing was appended, then checks the tape still computes and differentiates.</summary>
    private TException Rejects<TException>(Action bad, params string[] words) where TException : Exception
    {
        Tensor a = T(2, 2);
        int nodes = _tape.NodeCount, used = _tape.ArenaUsed;
        var ex = Assert.Throws<TException>(bad)!;
        foreach (string w in words) Assert.That(ex.Message, Does.Contain(w).IgnoreCase, $"message: {ex.Message}");
        Assert.That(_tape.NodeCount, Is.EqualTo(nodes), "no node appended");
        Assert.That(_tape.ArenaUsed, Is.EqualTo(used), "no arena written");
        Tensor loss = (a * a).Sum();
        loss.Backward();
        Assert.That(loss.Item, Is.EqualTo(30.0));
        Assert.That(a.GradToArray(), Is.EqualTo(new[] { 2.0, 4.0, 6.0, 8.0 }));
        return ex;
    }

    [Test]
    public void Non_broadcastable_shapes()
    {
        Tensor a = T(2, 3), b = T(4);
        Rejects<ArgumentException>(() => _ = a + b, "(2, 3)", "(4,)", "broadcast");
        Rejects<ArgumentException>(() => _ = a - b, "(2, 3)", "(4,)", "-");
        Tensor c = T(3, 3), d = T(2, 1, 3), e = T(4, 2);
        Rejects<ArgumentException>(() => _ = a * c, "(2, 3)", "(3, 3)", "broadcast");
        Rejects<ArgumentException>(() => _ = d / e, "(2, 1, 3)", "(4, 2)");
    }

    [Test]
    public void Size_one_axes_of_the_same_rank_broadcast()
    {
        Tensor c = T(3, 1) + T(1, 4);
        Assert.That(c.Shape.ToArray(), Is.EqualTo(new[] { 3, 4 }));
    }

    [Test]
    public void MatMul_on_wrong_ranks()
    {
        Tensor v = T(3), m = T(3, 2);
        Rejects<ArgumentException>(() => _ = v.MatMul(m), "MatMul", "2-D", "(3,)", "(3, 2)");
    }

    [Test]
    public void MatMul_with_different_inner_sizes()
    {
        Tensor a = T(2, 3), b = T(4, 5);
        Rejects<ArgumentException>(() => _ = Tensor.MatMul(a, b), "inner", "(2, 3)", "(4, 5)", "3 vs 4");
    }

    [Test]
    public void A_tensor_used_after_its_tape_was_reset()
    {
        Tensor old = T(2, 2);
        _tape.Reset();
        Tensor fresh = T(2, 2);
        Rejects<InvalidOperationException>(() => _ = old + fresh, "reset", "generation");
        Rejects<InvalidOperationException>(() => _ = old.Tanh(), "reset");
        Rejects<InvalidOperationException>(() => _ = old.Data.Length, "reset");
        Rejects<InvalidOperationException>(() => old.Backward(), "reset");
    }

    [Test]
    public void Tensors_of_two_tapes_in_one_op()
    {
        using var other = new Tape();
        Tensor mine = T(2, 2), theirs = other.Variable(new double[4], [2, 2]);
        Rejects<ArgumentException>(() => _ = mine * theirs, "two different tapes", "(2, 2)");
        Rejects<ArgumentException>(() => _ = mine.MatMul(theirs), "two different tapes");
        Rejects<ArgumentException>(() => _ = Loss.Mse(mine, theirs), "two different tapes");
    }

    [Test]
    public void Backward_from_a_non_scalar_without_a_seed()
    {
        Tensor y = T(2, 3).Tanh();
        Rejects<InvalidOperationException>(() => y.Backward(), "Backward", "1-element", "(2, 3)", "seed");
        Rejects<ArgumentException>(() => y.Backward(new double[5]), "seed", "5", "(2, 3)");
    }

    [Test]
    public void Log_of_a_tensor_with_a_non_positive_element()
    {
        Tensor x = _tape.Variable(new[] { 1.0, 2.0, -0.5, 4.0 }, [2, 2]);
        Rejects<ArgumentException>(() => _ = x.Log(), "Log", "(2, 2)", "non-positive", "-0.5");
        Tensor z = _tape.Variable(new[] { 0.0 }, [1]);
        Rejects<ArgumentException>(() => _ = z.Log(), "Log", "(1,)");
    }

    [Test]
    public void Reshape_to_a_different_element_count()
    {
        Tensor x = T(2, 3);
        Rejects<ArgumentException>(() => _ = x.Reshape(4, 2), "reshape", "(2, 3)", "(4, 2)", "6 elements", "8 elements");
        Rejects<ArgumentException>(() => _ = x.Reshape(4, -1), "reshape", "(2, 3)", "-1");
        Assert.That(x.Reshape(3, -1).Shape.ToArray(), Is.EqualTo(new[] { 3, 2 }));
    }

    [Test]
    public void Other_misuse_is_named_too()
    {
        Tensor x = T(2, 3), x3 = T(2, 3, 1), x32 = T(3, 2), v6 = T(6);
        Rejects<ArgumentOutOfRangeException>(() => _ = x.Sum(2), "axis 2", "(2, 3)");
        Rejects<ArgumentOutOfRangeException>(() => _ = x.Mean(-3), "axis -3", "(2, 3)");
        Rejects<ArgumentException>(() => _ = x3.Transpose(), "Transpose", "2-D", "(2, 3, 1)");
        Rejects<ArgumentException>(() => _ = Loss.Mse(x, x32), "Mse", "(2, 3)", "(3, 2)");
        Rejects<ArgumentException>(() => _ = Loss.SoftmaxCrossEntropy(v6, [0]), "2-D", "(6,)");
        Rejects<ArgumentException>(() => _ = Loss.SoftmaxCrossEntropy(x, [0]), "2 targets", "(2, 3)");
        Rejects<ArgumentOutOfRangeException>(() => _ = Loss.SoftmaxCrossEntropy(x, [0, 3]), "target 3", "row 1", "(2, 3)");
        Rejects<ArgumentException>(() => _tape.Input(new double[5], [2, 3]), "(2, 3)", "6 elements", "5 values");
        Rejects<ArgumentException>(() => _tape.Input(new double[32], [2, 2, 2, 2, 2]), "rank", "(2, 2, 2, 2, 2)");
        Rejects<ArgumentException>(() => _tape.InputView(new double[5], [2, 3]), "InputView", "(2, 3)", "6 elements", "array has 5");
        Rejects<ArgumentException>(() => _tape.InputView(new double[7], [2, 3]), "InputView", "(2, 3)", "6 elements", "array has 7");
        Rejects<ArgumentException>(() => _tape.InputView(new double[32], [2, 2, 2, 2, 2]), "InputView", "rank", "(2, 2, 2, 2, 2)");
        Rejects<ArgumentException>(() => _tape.InputView(new double[6], [-2, -3]), "InputView", "negative", "(-2, -3)");
        Rejects<ArgumentNullException>(() => _tape.InputView(null!, [2, 3]), "values");
        Rejects<InvalidOperationException>(() => _ = x.Item, "Item", "1-element", "(2, 3)");
        Rejects<InvalidOperationException>(() => _ = default(Tensor) + x, "default");
        Rejects<ArgumentException>(() => _ = new Sgd([x], 0.1), "parameters", "(2, 3)");
        Rejects<ArgumentException>(() => Optim.SgdStep([x], 0.1), "parameters", "(2, 3)");
    }
}
