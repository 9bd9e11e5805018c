using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace NeuroLite.Kernels;

/// <summary>
/// One persistent background thread that computes the second half of large GEMMs. The worker sleeps on a
/// <see cref="ManualResetEventSlim"/> (spinning briefly first); the caller, which has just done the other, equal half,
/// spin-waits on a flag for the worker to finish, so the caller's thread never blocks and never allocates (the
/// event's lazily created lock object would otherwise be one stray allocation on the first blocking wait).
/// No per-call allocation, unlike Parallel.For or Task.Run.
/// A call that finds the worker busy (another thread's GEMM) simply runs on one thread; the bits are the same.
/// </summary>
internal static unsafe class GemmWorker
{
    private static readonly Lock Gate = new();
    private static readonly ManualResetEventSlim Start = new(false, 200);
    private static volatile bool done;
    private static Thread? thread;
    private static delegate*<in GemmProblem, int, void> job;
    private static GemmProblem problem;
    private static Exception? failure;
    private static long completed;

    /// <summary>Blocks the worker has finished since the process started (lets tests see that two threads really ran).</summary>
    internal static long Completed => Volatile.Read(ref completed);

    /// <summary>
    /// Hands part 1 of <paramref name="p"/> to the worker (<paramref name="run"/>(p, 1); the caller runs part 0); false if
    /// it is busy. After a true return the caller must call <see cref="Wait"/> (in a finally) before its pinned buffers
    /// go away. <see cref="GemmTeam"/> is reset here, so the two parts may meet at its barrier.
    /// </summary>
    public static bool TryPost(delegate*<in GemmProblem, int, void> run, in GemmProblem p)
    {
        if (!Gate.TryEnter())
            return false;
        try
        {
            if (thread is null)
            {
                thread = new Thread(Loop) { IsBackground = true, Name = "NeuroLite GEMM worker" };
                thread.Start();
            }
        }
        catch
        {
            Gate.Exit();
            throw;
        }
        job = run;
        problem = p;
        GemmTeam.Reset();
        failure = null;
        done = false;
        Start.Set();
        return true;
    }

    /// <summary>Waits for the posted block, releases the worker, and rethrows anything it threw.</summary>
    public static void Wait()
    {
        try
        {
            var spin = default(SpinWait);
            while (!done)
                spin.SpinOnce(sleep1Threshold: -1);
            Exception? f = failure;
            failure = null;
            problem = default;
            if (f is not null)
                ExceptionDispatchInfo.Throw(f);
        }
        finally
        {
            Gate.Exit();
        }
    }

    private static void Loop()
    {
        while (true)
        {
            Start.Wait();
            Start.Reset();
            try
            {
                job(problem, 1);
            }
#pragma warning disable CA1031 // Whatever the worker throws is handed back to the calling thread by Wait.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
                GemmTeam.Abort();
            }
            completed++;
            done = true;
        }
    }
}

/// <summary>
/// The meeting point of the two parts of a row-split GEMM (caller = part 0, worker = part 1): each part publishes how
/// many steps it has reached, on its own cache line, and waits for the other to reach the same step. Spinning (with
/// yields, never a sleep) is right here: the other part is at most one packing step behind. A part that fails sets
/// <see cref="Abort"/> so the other stops waiting instead of hanging.
/// </summary>
internal static class GemmTeam
{
    private static Steps steps;
    private static volatile bool aborted;

    /// <summary>Before a team starts (called by <see cref="GemmWorker.TryPost"/> before the worker wakes).</summary>
    public static void Reset()
    {
        Volatile.Write(ref steps.Part0, 0);
        Volatile.Write(ref steps.Part1, 0);
        aborted = false;
    }

    /// <summary>Makes every current and later <see cref="Arrive"/> return false.</summary>
    public static void Abort() => aborted = true;

    /// <summary>
    /// Part <paramref name="part"/> has finished everything before step <paramref name="step"/> (1, 2, 3, … per call);
    /// returns when the other part has too (everything it wrote before is then visible), or false if a part aborted.
    /// </summary>
    public static bool Arrive(int part, int step)
    {
        ref int mine = ref part == 0 ? ref steps.Part0 : ref steps.Part1;
        ref int other = ref part == 0 ? ref steps.Part1 : ref steps.Part0;
        Volatile.Write(ref mine, step);
        var spin = default(SpinWait);
        while (Volatile.Read(ref other) < step)
        {
            if (aborted)
                return false;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return !aborted;
    }

    /// <summary>The two step counters, a cache line apart (and away from other statics) so each part writes its own line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Steps
    {
        [FieldOffset(64)] public int Part0;
        [FieldOffset(128)] public int Part1;
    }
}
