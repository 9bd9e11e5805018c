using System.Diagnostics;
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
/// <remarks>
/// <para>The second core may be busy with another program. Then the worker starts late, or is descheduled in the
/// middle of its half, and a caller that waits for it runs slower than it would alone (a 784-256-256-10 training step
/// took 8.5-36 ms on two threads against 5-9 ms on one, with a busy loop on the other core). Two rules keep that
/// bounded:</para>
/// <list type="bullet">
/// <item>The worker must claim a posted half before it starts it. A caller that reaches the point where it needs the
/// worker (<see cref="TakeOverIfLate"/>) and finds the half still unclaimed after a quarter of the product's
/// one-thread time takes the half back and runs the whole product itself; the worker, when it wakes, finds nothing to
/// do.</item>
/// <item>A call whose caller was taken over from, or spent more than half of its time waiting for the worker, makes the
/// next calls run on one thread for a while (1 ms, doubling after each such call up to 0.25 s, halving after each call
/// that went well), after which a call tries two threads again.</item>
/// </list>
/// Either way every C element is computed exactly as on one thread, so the bits never depend on what happened.
/// </remarks>
internal static unsafe class GemmWorker
{
    // The posted half's state: the worker claims it (Posted → Claimed) or the caller takes it back (Posted → TakenOver).
    private const int Idle = 0, Posted = 1, Claimed = 2, TakenOver = 3;

    private static readonly Lock Gate = new();
    private static readonly ManualResetEventSlim Start = new(false, 200);
    private static readonly long InitialBackoff = Stopwatch.Frequency / 1000, MaxBackoff = Stopwatch.Frequency / 4;
    private static volatile bool done;
    private static int state;
    private static Thread? thread;
    private static delegate*<in GemmProblem, int, void> job;
    private static GemmProblem problem;
    private static Exception? failure;
    private static long completed, slowCalls;

    // The caller's bookkeeping of the current call (written only by the thread holding Gate) and the back-off.
    private static long postedAt, deadline, waited;
    private static long backoff = InitialBackoff, oneThreadUntil;

    // The current call's plan says so (GemmPlan.Patient, GemmPlan.HoldWorker); written by the caller before it posts.
    private static bool patient;
    private static volatile bool hold;

    /// <summary>Blocks the worker has finished since the process started (lets tests see that two threads really ran).</summary>
    internal static long Completed => Volatile.Read(ref completed);

    /// <summary>Calls that were taken over or waited too long, since the process started (each one started a back-off).</summary>
    internal static long SlowCalls => Volatile.Read(ref slowCalls);

    /// <summary>For tests: the next calls run on one thread for <paramref name="time"/>, as after a slow call.</summary>
    internal static void BackOffForTests(TimeSpan time)
    {
        lock (Gate)
            oneThreadUntil = Stopwatch.GetTimestamp() + (long)(time.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>For tests: forgets past slow calls, so the next call may use two threads.</summary>
    internal static void ResetBackoffForTests()
    {
        lock (Gate)
        {
            backoff = InitialBackoff;
            oneThreadUntil = 0;
        }
    }

    /// <summary>
    /// Hands part 1 of <paramref name="p"/> to the worker (<paramref name="run"/>(p, 1); the caller runs part 0); false if
    /// it is busy or recent calls found the second core busy. After a true return the caller must call
    /// <see cref="Wait"/> (in a finally, whether its part succeeded or not) before its pinned buffers go away.
    /// <see cref="GemmTeam"/> is reset here, so the two parts may meet at its barrier. <paramref name="oneThreadTicks"/>
    /// estimates the product's time on one thread (Stopwatch ticks). A <see cref="GemmPlan.Patient"/> plan posts
    /// whatever the back-off and waits for the worker however late it is.
    /// </summary>
    public static bool TryPost(delegate*<in GemmProblem, int, void> run, in GemmProblem p, long oneThreadTicks)
    {
        bool patientCall = p.Plan.Patient;
        long now = Stopwatch.GetTimestamp();
        if (!patientCall && now < Volatile.Read(ref oneThreadUntil))
            return false;
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
        waited = 0;
        postedAt = now;
        patient = patientCall;
        hold = p.Plan.HoldWorker;
        deadline = patientCall ? long.MaxValue : now + oneThreadTicks / 4;
        Volatile.Write(ref state, Posted);
        Start.Set();
        return true;
    }

    /// <summary>
    /// Called by the caller where it first needs the worker's part: true if the worker has not claimed it by the
    /// deadline (waiting for it until then), in which case the part is the caller's now and the worker will not run it.
    /// </summary>
    public static bool TakeOverIfLate()
    {
        var spin = default(SpinWait);
        while (Volatile.Read(ref state) == Posted)
        {
            if (Stopwatch.GetTimestamp() >= deadline)
                return Interlocked.CompareExchange(ref state, TakenOver, Posted) == Posted;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return false;
    }

    /// <summary>The caller spent <paramref name="ticks"/> waiting for the worker (at the team's barrier).</summary>
    public static void CallerWaited(long ticks) => waited += ticks;

    /// <summary>
    /// Waits for the posted part unless the caller took it over, releases the worker, rethrows anything it threw, and
    /// updates the back-off from how this call went. <paramref name="failed"/>: the caller's own part threw, so a
    /// worker part that has not started yet is cancelled instead of waited for.
    /// </summary>
    public static void Wait(bool failed)
    {
        try
        {
            bool takenOver = Volatile.Read(ref state) == TakenOver || (failed && Interlocked.CompareExchange(ref state, TakenOver, Posted) == Posted);
            if (!takenOver)
            {
                long w0 = Stopwatch.GetTimestamp();
                var spin = default(SpinWait);
                while (!done)
                    spin.SpinOnce(sleep1Threshold: -1);
                waited += Stopwatch.GetTimestamp() - w0;
            }
            long now = Stopwatch.GetTimestamp();
            if (!patient)
            {
                if (takenOver || 2 * waited > now - postedAt)
                {
                    slowCalls++;
                    oneThreadUntil = now + backoff;
                    backoff = Math.Min(2 * backoff, MaxBackoff);
                }
                else
                {
                    backoff = Math.Max(backoff / 2, InitialBackoff);
                }
            }
            Volatile.Write(ref state, Idle);
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
            // Bounded, so a caller that wrongly waits for a held worker makes a test fail instead of hang; over once
            // the caller has taken the part back.
            for (int held = 0; hold && Volatile.Read(ref state) == Posted && held < 5000; held++)
                Thread.Sleep(1);
            // A part posted before the Reset above is still Posted here, so a Set that the Reset cleared is not lost.
            if (Interlocked.CompareExchange(ref state, Claimed, Posted) != Posted)
                continue;
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
        if (Volatile.Read(ref other) >= step)
            return !aborted;
        long w0 = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        while (Volatile.Read(ref other) < step && !aborted)
            spin.SpinOnce(sleep1Threshold: -1);
        if (part == 0)
            GemmWorker.CallerWaited(Stopwatch.GetTimestamp() - w0);
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
