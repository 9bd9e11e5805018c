using NeuroLite.Kernels;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// Sizes that overflow: every element count is checked in 64 bits against one limit (<see cref="Shapes.MaxElements"/>)
/// before anything is pushed, so a product or a shape too large is rejected with its shapes named and the tape (its
/// arena, its nodes, the tensors already on it) stays exactly as it was.
/// </summary>
public class SizeOverflowTests
{
    [Test]
    public void A_product_whose_size_wraps_int_is_rejected_and_leaves_the_tape_and_earlier_tensors_intact()
    {
        using var tape = new Tape(1 << 20);
        Tensor keep = tape.Full([65536], 1.0);
        Tensor a = tape.Full([65536, 1], 1.0);
        Tensor b = tape.Full([1, 65535], 1.0);
        var before = new TapeSnapshot(tape, keep, a, b);

        var ex = Assert.Throws<ArgumentException>(() => _ = a.MatMul(b))!;
        Assert.That(ex.Message, Does.Contain("(65536, 1)").And.Contain("(1, 65535)").And.Contain("(65536, 65535)"));
        before.AssertUnchanged("MatMul (65536, 1) @ (1, 65535)");

        // The next tensor lands after keep, not on top of it; keep's value and gradient are its own.
        Tensor sevens = tape.Full([65536], 7.0);
        Assert.That(keep.Data.ToArray(), Is.All.EqualTo(1.0));
        Tensor loss = (keep * sevens).Sum();
        loss.Backward();
        Assert.That(loss.Item, Is.EqualTo(7.0 * 65536));
        Assert.That(keep.GradToArray(), Is.All.EqualTo(7.0));
    }

    [Test]
    public void A_layer_whose_output_size_wraps_int_is_rejected_before_anything_is_pushed()
    {
        using var tape = new Tape(1 << 20);
        var layer = new Layer(1, 65535);
        Tensor keep = tape.Full([65536], 1.0);
        Tensor x = tape.Full([65536, 1], 1.0);
        var before = new TapeSnapshot(tape, keep, x, layer.W, layer.B);
        var ex = Assert.Throws<ArgumentException>(() => _ = layer.Forward(x))!;
        Assert.That(ex.Message, Does.Contain("Linear").And.Contain("(65536, 1)").And.Contain("(1, 65535)"));
        before.AssertUnchanged("Layer(1, 65535).Forward(65536 x 1)");
    }

    [Test]
    public void A_product_whose_size_wraps_to_a_large_positive_int_is_rejected_before_the_arena_grows()
    {
        using var tape = new Tape(1 << 20);
        Tensor a = tape.Full([65536, 1], 1.0);
        Tensor b = tape.Full([1, 67062], 1.0);
        var before = new TapeSnapshot(tape, a, b);
        Assert.Throws<ArgumentException>(() => _ = a.MatMul(b));
        before.AssertUnchanged("MatMul (65536, 1) @ (1, 67062)");
    }

    [Test]
    public void A_product_of_more_elements_than_the_limit_is_rejected_even_when_it_fits_an_int()
    {
        using var tape = new Tape();
        Tensor a = tape.Full([40000, 1], 1.0);
        Tensor b = tape.Full([1, 40000], 1.0);
        var before = new TapeSnapshot(tape, a, b);
        // 1.6e9 elements: below int.MaxValue, above the limit, so it is refused rather than tried (12.8 GB per slab).
        Assert.Throws<ArgumentException>(() => _ = a.MatMul(b));
        Assert.Throws<ArgumentException>(() => _ = a + b);
        Assert.Throws<ArgumentException>(() => _ = a * b);
        before.AssertUnchanged("(40000, 1) with (1, 40000)");
    }

    private static readonly int[][] WrappingShapes =
    [
        [2097152, 2097152, 2097152],          // 2^63: wraps a long to a negative number, and then to 0 as an int
        [70, 11239, 88801, 1056175639],       // wraps a long to 6
        [65536, 65536],                        // 2^32: 0 as an int
        [46341, 46341],                        // just above int.MaxValue
        [1 << 15, 1 << 15, 2],                 // 2^31 exactly
    ];

    [TestCaseSource(nameof(WrappingShapes))]
    public void Factories_reject_shapes_whose_element_count_overflows(int[] shape)
    {
        Tape tape = Tape.Default;
        tape.Reset();
        var before = new TapeSnapshot(tape);
        string text = Shapes.Format(shape);
        Assert.That(Assert.Throws<ArgumentException>(() => Tensor.Zeros(shape))!.Message, Does.Contain(text));
        Assert.That(Assert.Throws<ArgumentException>(() => Tensor.Ones(shape))!.Message, Does.Contain(text));
        Assert.Throws<ArgumentException>(() => tape.Full(shape, 1.0));
        Assert.Throws<ArgumentException>(() => Tensor.Parameter([1, 2, 3, 4, 5, 6], shape));
        Assert.Throws<ArgumentException>(() => tape.Input([1, 2, 3, 4, 5, 6], shape));
        Assert.Throws<ArgumentException>(() => tape.InputView(new double[6], shape));
        Assert.Throws<ArgumentException>(() => Tensor.RandomNormal(shape, seed: 1));
        before.AssertUnchanged("factories");
    }

    [TestCaseSource(nameof(WrappingShapes))]
    public void Reshape_rejects_shapes_whose_element_count_overflows(int[] shape)
    {
        using var tape = new Tape();
        Tensor six = tape.Full([6], 1.0);
        Tensor none = tape.Full([0], 1.0);
        var before = new TapeSnapshot(tape, six, none);
        Assert.Throws<ArgumentException>(() => _ = six.Reshape(shape));
        Assert.Throws<ArgumentException>(() => _ = none.Reshape(shape));
        Assert.Throws<ArgumentException>(() => _ = six.Reshape([-1, .. shape[1..]]));
        before.AssertUnchanged("Reshape");
    }

    [Test]
    public void A_shape_with_a_zero_dimension_has_no_elements_however_large_the_others()
    {
        using var tape = new Tape();
        Tensor t = tape.Full([0, int.MaxValue, int.MaxValue], 1.0);
        Assert.That(t.Length, Is.Zero);
        Assert.That(t.Shape.ToArray(), Is.EqualTo(new[] { 0, int.MaxValue, int.MaxValue }));
    }

    [Test]
    public void The_limit_is_the_same_for_factories_and_kernels()
    {
        Assert.That(Shapes.Count([1 << 15, 1 << 15]), Is.EqualTo(Shapes.MaxElements));
        Assert.Throws<ArgumentException>(() => Shapes.Count([(1 << 15) + 1, 1 << 15]));
        Assert.Throws<ArgumentException>(() => Shapes.Count([2097152, 2097152, 2097152]));
    }
}
