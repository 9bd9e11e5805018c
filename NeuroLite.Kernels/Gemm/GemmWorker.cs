using System.Runtime.ExceptionServices;

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
    private static delegate*<in GemmProblem, int, int, int, int, void> job;
    private static GemmProblem problem;
    private static int jobRow0, jobRow1, jobCol0, jobCol1;
    private static Exception? failure;
    private static long completed;

    /// <summary>Blocks the worker has finished since the process started (lets tests see that two threads really ran).</summary>
    internal static long Completed => Volatile.Read(ref completed);

    /// <summary>
    /// Hands the C block [row0, row1) × [col0, col1) of <paramref name="p"/> to the worker; false if it is busy. After a
    /// true return the caller must call <see cref="Wait"/> (in a finally) before its pinned buffers go away.
    /// </summary>
    public static bool TryPost(delegate*<in GemmProblem, int, int, int, int, void> run, in GemmProblem p, int row0, int row1, int col0, int col1)
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
        (jobRow0, jobRow1, jobCol0, jobCol1) = (row0, row1, col0, col1);
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
                job(problem, jobRow0, jobRow1, jobCol0, jobCol1);
            }
#pragma warning disable CA1031 // Whatever the worker throws is handed back to the calling thread by Wait.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
            completed++;
            done = true;
        }
    }
}
