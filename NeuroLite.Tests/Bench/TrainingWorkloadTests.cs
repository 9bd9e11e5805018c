namespace NeuroLite.Tests.Bench;

/// <summary>The bench's training workloads, which the main job and the BenchmarkDotNet suite time.</summary>
public class TrainingWorkloadTests
{
    /// <summary>The benchmark's XOR workload, whose step feeds its input and target arrays as views (Tape.InputView).</summary>
    [Test]
    public void Training_steps_on_view_inputs_allocate_nothing()
    {
        using var workload = NeuroLite.Bench.Training.TrainingWorkload.Xor();
        double first = workload.Step();
        for (int i = 0; i < 200; i++) workload.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        double last = 0;
        for (int i = 0; i < 1000; i++) last = workload.Step();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(last, Is.LessThan(first), "the loss went down");
    }
}
