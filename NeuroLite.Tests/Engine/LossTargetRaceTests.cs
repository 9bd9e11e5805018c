namespace NeuroLite.Tests.Engine;

/// <summary>
/// Loss.SoftmaxCrossEntropy copies the caller's targets into the tape and checks the copy, so a thread that changes
/// the caller's array during the call gets either a clean rejection (the tape as it was) or a loss of the copied
/// targets, whose Backward() then runs on the same checked values.
/// </summary>
[NonParallelizable] // a spinning writer thread
public class LossTargetRaceTests
{
    [Test]
    public void A_target_changed_during_the_call_is_rejected_cleanly_or_used_as_checked()
    {
        const int Rows = 2048, Cols = 10;
        using var tape = new Tape();
        var targets = new int[Rows];
        var stop = 0;
        var writer = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                Volatile.Write(ref targets[Rows - 1], 3);
                Volatile.Write(ref targets[Rows - 1], Cols + 5);
            }
        });
        int rejected = 0, accepted = 0;
        writer.Start();
        try
        {
            for (int call = 0; call < 300; call++)
            {
                tape.Reset();
                Tensor logits = tape.Full([Rows, Cols], 0.0);
                var before = new TapeSnapshot(tape, logits);
                Tensor loss;
                try
                {
                    loss = Loss.SoftmaxCrossEntropy(logits, targets);
                }
                catch (ArgumentOutOfRangeException)
                {
                    rejected++;
                    before.AssertUnchanged($"call {call}: rejected");
                    continue;
                }
                accepted++;
                // Uniform logits: every row's loss is ln 10 whatever its target, and Backward must not throw.
                Assert.That(loss.Item, Is.EqualTo(Math.Log(Cols)).Within(1e-12));
                loss.Backward();
                double[] g = logits.GradToArray();
                Assert.That(g.Count(v => v < 0), Is.EqualTo(Rows), $"call {call}: one target entry per row");
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            writer.Join();
        }
        TestContext.Out.WriteLine($"rejected {rejected}, accepted {accepted}");
    }
}
