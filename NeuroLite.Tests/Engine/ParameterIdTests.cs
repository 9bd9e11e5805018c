using System.Runtime.CompilerServices;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// Parameter ids are reused once a parameter is collected, so a tape's id-indexed leaf map stays as small as the
/// number of parameters alive at once: an app that builds models again and again does not grow every new tape.
/// </summary>
[NonParallelizable] // counts this thread's allocations and forces collections
public class ParameterIdTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MakeAndDrop(int count)
    {
        for (int k = 0; k < count; k++) _ = Tensor.Parameter([1.0], [1]);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Test]
    public void A_fresh_tape_stays_small_after_many_parameters_were_made_and_dropped()
    {
        MakeAndDrop(100_000);
        Collect();
        Tensor p = Tensor.Parameter([3.0], [1]);
        using var tape = new Tape();
        Tensor x = tape.Input([2.0], [1]);
        _ = x * 1.0; // warm the tape's own paths
        long before = GC.GetAllocatedBytesForCurrentThread();
        Tensor y = x * p;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(y.Item, Is.EqualTo(6.0));
        // Ids below a few thousand (other fixtures may hold parameters) map through arrays of a few KB; 100,000 stale
        // ids would take two arrays of 100,000 ints (800 KB).
        Assert.That(allocated, Is.LessThan(64 * 1024), $"first use of a parameter allocated {allocated} bytes (its id is {p.ParameterOrNull!.Id})");
    }

    [Test]
    public void Reused_ids_never_confuse_two_live_parameters_on_one_tape()
    {
        using var tape = new Tape();
        using TapeScope scope = tape.Activate(); // b * b, an op on parameters alone, lands on this tape too
        for (int round = 0; round < 20; round++)
        {
            tape.Reset();
            MakeAndDrop(500);
            Collect();
            Tensor a = Tensor.Parameter([2.0], [1]);
            Tensor b = Tensor.Parameter([5.0], [1]);
            Assert.That(a.ParameterOrNull!.Id, Is.Not.EqualTo(b.ParameterOrNull!.Id));
            Tensor loss = (a * tape.Input([3.0], [1]) + b * b).Sum();
            loss.Backward();
            Assert.That(loss.Item, Is.EqualTo(31.0));
            Assert.That(a.GradItem, Is.EqualTo(3.0));
            Assert.That(b.GradItem, Is.EqualTo(10.0));
        }
    }
}
