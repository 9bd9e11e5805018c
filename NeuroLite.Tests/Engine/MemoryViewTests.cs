using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// Memory and 2-D views of values and gradients: they read what Data and Grad read (bit for bit, in place), a
/// memory follows its tensor when the arena grows, and a use after reset, dispose or module dispose throws.
/// </summary>
public class MemoryViewTests
{
    private static void AssertSameBits(ReadOnlySpan<double> got, ReadOnlySpan<double> expected, string what)
    {
        Assert.That(got.Length, Is.EqualTo(expected.Length), what);
        for (int i = 0; i < got.Length; i++) Assert.That(Bits(got[i]), Is.EqualTo(Bits(expected[i])), $"{what}[{i}]");
    }

    private static unsafe nint Address(ReadOnlySpan<double> span) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    [Test]
    public void Memories_and_views_read_what_data_and_grad_read_in_place()
    {
        using var tape = new Tape();
        using var scope = tape.Activate();
        using var layer = new Layer(3, 4, Activation.Tanh, seed: 2);
        Tensor x = tape.Variable([0.5, -1.0, 2.0, 0.25, -0.5, 1.5], [2, 3]);
        Tensor y = layer.Forward(x);
        Tensor loss = (y * y).Sum();
        loss.Backward();

        foreach ((Tensor t, string name) in new[] { (x, "x"), (y, "y"), (layer.W, "W"), (layer.B, "b") })
        {
            AssertSameBits(t.AsMemory().Span, t.Data, name + " memory");
            AssertSameBits(t.GradAsMemory().Span, t.Grad, name + " grad memory");
            Assert.That(Address(t.AsMemory().Span), Is.EqualTo(Address(t.Data)), name + ": no copy");

            ReadOnlySpan2D<double> v = t.AsSpan2D(), g = t.GradAsSpan2D();
            int rows = t.Rank == 2 ? t.Shape[0] : 1, cols = t.Shape[^1];
            Assert.That((v.Height, v.Width), Is.EqualTo((rows, cols)), name);
            Assert.That((g.Height, g.Width), Is.EqualTo((rows, cols)), name);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    Assert.That(Bits(v[r, c]), Is.EqualTo(Bits(t.Data[r * cols + c])), $"{name}[{r},{c}]");
                    Assert.That(Bits(g[r, c]), Is.EqualTo(Bits(t.Grad[r * cols + c])), $"{name}.grad[{r},{c}]");
                }
            Assert.That(Address(v.GetRowSpan(0)), Is.EqualTo(Address(t.Data)), name + ": the view is the buffer");
        }
    }

    [Test]
    public void Views_shape_vectors_and_scalars_as_to_array_2d_does()
    {
        using var tape = new Tape();
        Tensor v = tape.Variable([1.0, 2.0, 3.0], [3]);
        Tensor s = tape.Scalar(4.0);
        Tensor cube = tape.Variable(new double[8], [2, 2, 2]);
        Assert.That((v.AsSpan2D().Height, v.AsSpan2D().Width), Is.EqualTo((1, 3)));
        Assert.That(v.AsSpan2D()[0, 2], Is.EqualTo(3.0));
        Assert.That((s.AsSpan2D().Height, s.AsSpan2D().Width, s.AsSpan2D()[0, 0]), Is.EqualTo((1, 1, 4.0)));
        var ex = Assert.Throws<InvalidOperationException>(() => cube.AsSpan2D());
        Assert.That(ex!.Message, Does.Contain("(2, 2, 2)"));
        Assert.Throws<InvalidOperationException>(() => cube.GradAsSpan2D());
    }

    [Test]
    public void A_parameter_view_and_memory_write_the_parameter()
    {
        Tensor p = Tensor.Parameter(new double[6], [2, 3], "p");
        Span2D<double> view = p.ParameterAsSpan2D();
        view[1, 2] = 7.5;
        Memory<double> m = p.ParameterAsMemory();
        m.Span[0] = -1.25;
        Assert.That(p.Data.ToArray(), Is.EqualTo(new[] { -1.25, 0, 0, 0, 0, 7.5 }));

        using var tape = new Tape();
        Tensor t = tape.Input([1.0], [1]);
        Assert.Throws<InvalidOperationException>(() => t.ParameterAsMemory());
        Assert.Throws<InvalidOperationException>(() => t.ParameterAsSpan2D());
    }

    [Test]
    public void A_memory_follows_its_tensor_when_the_arena_grows()
    {
        TensorPool.Trim(); // an arena from the pool could be large enough never to grow
        using var tape = new Tape(64);
        Tensor x = tape.Input([1.0, 2.0, 3.0], [3]);
        ReadOnlyMemory<double> m = x.AsMemory();
        nint before = Address(m.Span);
        int capacity = tape.ArenaCapacity;
        for (int i = 0; i < 20; i++) tape.Input(new double[100], [100]);
        Assert.That(tape.ArenaCapacity, Is.GreaterThan(capacity), "the arena grew");
        Assert.That(Address(m.Span), Is.Not.EqualTo(before), "the value moved with the arena");
        Assert.That(Address(m.Span), Is.EqualTo(Address(x.Data)));
        Assert.That(m.ToArray(), Is.EqualTo(new[] { 1.0, 2.0, 3.0 }));
        using MemoryHandle h = m.Slice(1).Pin();
        unsafe
        {
            Assert.That(*(double*)h.Pointer, Is.EqualTo(2.0));
        }
    }

    [Test]
    public void A_memory_of_an_input_view_pins_the_callers_array()
    {
        using var tape = new Tape();
        double[] data = [1.0, 2.0, 3.0, 4.0];
        Tensor x = tape.InputView(data, [2, 2]);
        Assert.That(x.AsSpan2D()[1, 0], Is.EqualTo(3.0));
        using MemoryHandle h = x.AsMemory().Slice(3).Pin();
        unsafe
        {
            Assert.That((nint)h.Pointer, Is.EqualTo((nint)Unsafe.AsPointer(ref data[3])));
        }
    }

    [Test]
    public void A_memory_used_after_reset_or_dispose_throws()
    {
        var tape = new Tape();
        Tensor x = tape.Variable([1.0, 2.0], [2]);
        (x * x).Sum().Backward();
        ReadOnlyMemory<double> value = x.AsMemory(), grad = x.GradAsMemory();
        Assert.That(grad.ToArray(), Is.EqualTo(new[] { 2.0, 4.0 }));

        tape.Reset();
        tape.Variable([9.0, 9.0], [2]); // the next iteration reuses the same region
        var ex = Assert.Throws<InvalidOperationException>(() => _ = value.Span);
        Assert.That(ex!.Message, Does.Contain("reset or disposed"));
        Assert.Throws<InvalidOperationException>(() => _ = grad.Span);
        Assert.Throws<InvalidOperationException>(() => value.Pin().Dispose());
        Assert.Throws<InvalidOperationException>(() => value.ToArray());

        Tensor y = tape.Input([3.0], [1]);
        ReadOnlyMemory<double> my = y.AsMemory();
        tape.Dispose();
        Assert.Throws<InvalidOperationException>(() => _ = my.Span, "the arena went back to the pool");
    }

    [Test]
    public async Task A_memory_can_be_held_across_an_await()
    {
        using var tape = new Tape();
        Tensor x = tape.Input([1.0, 2.0, 3.0, 4.0], [2, 2]);
        ReadOnlyMemory<double> m = (x * 2.0).AsMemory();
        await Task.Yield();
        await Task.Run(() => { }).ConfigureAwait(false);
        Assert.That(m.ToArray(), Is.EqualTo(new[] { 2.0, 4.0, 6.0, 8.0 }));
    }

    [Test]
    public void A_disposed_modules_parameters_throw_wherever_they_are_used()
    {
        using var tape = new Tape();
        var layer = new Layer(2, 3, seed: 4);
        Tensor w = layer.W;
        Memory<double> m = w.ParameterAsMemory();
        ReadOnlyMemory<double> g = w.GradAsMemory();
        Tensor loss = layer.Forward(tape.Input([1.0, 2.0], [1, 2])).Sum();
        var sgd = new Sgd(layer.Parameters(), lr: 0.1);
        layer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => _ = w.Data.Length);
        Assert.Throws<ObjectDisposedException>(() => _ = w.Grad.Length);
        Assert.Throws<ObjectDisposedException>(() => w.AsSpan2D());
        Assert.Throws<ObjectDisposedException>(() => _ = m.Span);
        Assert.Throws<ObjectDisposedException>(() => _ = g.Span);
        Assert.Throws<ObjectDisposedException>(() => layer.Forward(tape.Input([1.0, 2.0], [1, 2])));
        Assert.Throws<ObjectDisposedException>(sgd.Step);
        // A recording made before the dispose: Backward() checks its parameters before any rule writes.
        var ex = Assert.Throws<ObjectDisposedException>(loss.Backward);
        Assert.That(ex!.Message, Does.Contain("disposed module"));
    }

    [Test]
    public void A_disposed_optimizer_throws_on_step()
    {
        using var layer = new Layer(2, 2, seed: 5);
        var adam = new Adam(layer.Parameters());
        adam.Dispose();
        Assert.Throws<ObjectDisposedException>(adam.Step);
        var sgd = new Sgd(layer.Parameters(), lr: 0.1, momentum: 0.5);
        sgd.Dispose();
        Assert.Throws<ObjectDisposedException>(sgd.Step);
        Assert.That(layer.W.Data.Length, Is.EqualTo(4), "the parameters are not the optimizer's");
    }
}
