namespace NeuroLite.Tests.Engine;

/// <summary>
/// A tape belongs to one thread (the one that made it or last reset it). Recording an op or running Backward() from
/// another thread throws <see cref="InvalidOperationException"/> before anything is written, instead of racing on
/// the arena; a closure or an async continuation that carries a tensor to another thread is caught the same way.
/// </summary>
public class TapeOwnerThreadTests
{
    /// <summary>Runs <paramref name="action"/> on a new thread and returns what it threw (null if nothing).</summary>
    private static Exception? OnAnotherThread(Action action)
    {
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { caught = e; }
        });
        thread.Start();
        Assert.That(thread.Join(TimeSpan.FromMinutes(1)), Is.True);
        return caught;
    }

    [Test]
    public void An_op_on_another_thread_is_rejected_and_leaves_the_tape_as_it_was()
    {
        using var tape = new Tape();
        Tensor a = tape.Full([2, 2], 3.0);
        Tensor b = tape.Full([2, 2], 4.0);
        var before = new TapeSnapshot(tape, a, b);
        Exception? e = OnAnotherThread(() => _ = a + b);
        Assert.That(e, Is.InstanceOf<InvalidOperationException>());
        Assert.That(e!.Message, Does.Contain("thread"));
        Assert.That(OnAnotherThread(() => _ = a.Tanh()), Is.InstanceOf<InvalidOperationException>());
        Assert.That(OnAnotherThread(() => _ = a.MatMul(b)), Is.InstanceOf<InvalidOperationException>());
        Assert.That(OnAnotherThread(() => _ = Loss.SoftmaxCrossEntropy(a, [0, 1])), Is.InstanceOf<InvalidOperationException>());
        Assert.That(OnAnotherThread(() => tape.Input([1.0], [1])), Is.InstanceOf<InvalidOperationException>());
        before.AssertUnchanged("ops from another thread");
        Assert.That((a * b).Sum().Item, Is.EqualTo(48.0), "the owner still works");
    }

    [Test]
    public void A_tensor_of_one_threads_default_tape_is_rejected_on_another_thread()
    {
        Tensor x = Tensor.FromArray([1.0, 2.0]);
        Tape owner = x.Tape!;
        int nodes = owner.NodeCount;
        Assert.That(OnAnotherThread(() => _ = x * 2.0), Is.InstanceOf<InvalidOperationException>());
        Assert.That(OnAnotherThread(() => _ = x.Sum()), Is.InstanceOf<InvalidOperationException>());
        Assert.That(owner.NodeCount, Is.EqualTo(nodes));
    }

    [Test]
    public void Backward_on_another_thread_is_rejected()
    {
        using var tape = new Tape();
        Tensor a = tape.Full([3], 2.0);
        Tensor loss = (a * a).Sum();
        Assert.That(OnAnotherThread(() => loss.Backward()), Is.InstanceOf<InvalidOperationException>());
        loss.Backward();
        Assert.That(a.GradToArray(), Is.EqualTo(new[] { 4.0, 4.0, 4.0 }), "the rejected Backward() added nothing");
    }

    [Test]
    public void Reset_on_another_thread_hands_the_tape_over()
    {
        var tape = new Tape();
        Exception? e = OnAnotherThread(() =>
        {
            tape.Reset();
            Tensor a = tape.Full([2], 1.5);
            Tensor loss = (a * a).Sum();
            loss.Backward();
            Assert.That(a.GradToArray(), Is.EqualTo(new[] { 3.0, 3.0 }));
        });
        Assert.That(e, Is.Null);
        Assert.Throws<InvalidOperationException>(() => tape.Input([1.0], [1]), "the first thread no longer owns it");
        tape.Reset();
        Assert.That(tape.Input([1.0], [1]).Item, Is.EqualTo(1.0));
        tape.Dispose();
    }

    [Test]
    public void A_disposed_tape_still_reports_disposal_on_any_thread()
    {
        var tape = new Tape();
        Tensor a = tape.Full([1], 1.0);
        tape.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tape.Input([1.0], [1]));
        Assert.That(OnAnotherThread(() => tape.Input([1.0], [1])), Is.InstanceOf<ObjectDisposedException>());
        Assert.Throws<InvalidOperationException>(() => _ = a + a);
    }
}
