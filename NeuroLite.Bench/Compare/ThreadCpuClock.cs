using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NeuroLite.Bench.Compare;

/// <summary>
/// The calling thread's CPU time where the C library offers <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c> (Linux),
/// else wall time: on a shared host, time the thread was not scheduled is not the code's.
/// </summary>
public static unsafe class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3; // Linux <time.h>

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static readonly delegate* unmanaged<int, Timespec*, int> ClockGettime = Load();

    /// <summary>Whether <see cref="NowNanoseconds"/> reads thread CPU time (true) or wall time (false).</summary>
    public static bool IsThreadCpuTime => ClockGettime != null;

    /// <summary>A reading in nanoseconds; only differences between two readings on one thread mean anything.</summary>
    public static long NowNanoseconds()
    {
        if (ClockGettime == null) return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
        Timespec t;
        return ClockGettime(ClockThreadCpuTimeId, &t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : 0;
    }

    private static delegate* unmanaged<int, Timespec*, int> Load()
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (string name in new[] { "libc.so.6", "libc" })
            if (NativeLibrary.TryLoad(name, out nint handle) && NativeLibrary.TryGetExport(handle, "clock_gettime", out nint f))
                return (delegate* unmanaged<int, Timespec*, int>)f;
        return null;
    }
}
