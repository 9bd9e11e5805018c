using System.Collections.Concurrent;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// The embedding promise "one tape per thread": several threads train their own networks at the same time, sharing
/// the process-wide pieces (the GEMM worker, the buffer pools), and each ends with the bits it gets when the
/// trainings run one after another.
/// </summary>
public class ConcurrencyTests
{
    // Batch 256 makes the first layer's products (256·64·160 multiply-adds) larger than the default two-thread
    // threshold, so the callers also compete for the GEMM worker.
    private const int Batch = 256, In = 64, Classes = 10, Steps = 8;
    private static readonly int[] InputShape = [Batch, In];

    [Test]
    public void Tapes_on_separate_threads_train_to_the_bits_of_one_after_another()
    {
        const int Trainers = 3;
        var alone = new long[Trainers][];
        for (int s = 0; s < Trainers; s++) alone[s] = Train(seed: s);

        var together = new long[Trainers][];
        var failures = new ConcurrentQueue<Exception>();
        var threads = new Thread[Trainers];
        for (int s = 0; s < Trainers; s++)
        {
            int seed = s;
            threads[s] = new Thread(() =>
            {
                try { together[seed] = Train(seed); }
                catch (Exception e) { failures.Enqueue(e); }
            });
        }
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.That(thread.Join(TimeSpan.FromMinutes(5)), Is.True, "a trainer hung");

        Assert.That(failures, Is.Empty);
        for (int s = 0; s < Trainers; s++)
            Assert.That(together[s], Is.EqualTo(alone[s]), $"trainer {s}'s parameters differ from its run alone");
        Assert.That(alone[1], Is.Not.EqualTo(alone[0]), "different seeds should give different networks");
    }

    /// <summary>A 64-160-96-10 tanh MLP, softmax CE, Adam, on its own tape; returns every parameter's bits.</summary>
    private static long[] Train(int seed)
    {
        var rng = new Random(seed);
        double[] x = new double[Batch * In];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() * 2 - 1;
        int[] targets = new int[Batch];
        for (int i = 0; i < targets.Length; i++) targets[i] = rng.Next(Classes);

        var model = new MLP(In, [160, 96], Classes, seed: seed);
        var opt = new Adam(model.Parameters(), lr: 1e-3);
        using var tape = new Tape();
        for (int step = 0; step < Steps; step++)
        {
            tape.Reset();
            Tensor loss = Loss.SoftmaxCrossEntropy(model.Forward(tape.Input(x, InputShape)), targets);
            loss.Backward();
            opt.Step();
        }
        return model.Parameters().SelectMany(p => p.ToArray()).Select(BitConverter.DoubleToInt64Bits).ToArray();
    }
}
