using System.Runtime.InteropServices;

namespace NeuroLite.Kernels;

/// <summary>
/// The packing buffers of one thread: 64-byte aligned native blocks that only ever grow, so after the first call at
/// a given size a GEMM allocates nothing (native memory, invisible to the GC, freed by the finalizer when the owning
/// thread dies). One instance per thread (the caller's and the worker's); only <see cref="Shared"/> is lent to the worker.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? current;

    private double* a, b, shared;
    private nuint aLength, bLength, sharedLength;

    /// <summary>The calling thread's buffers.</summary>
    public static GemmScratch Current => current ??= new GemmScratch();

    /// <summary>A buffer for the packed A block of at least <paramref name="length"/> doubles.</summary>
    public double* A(nuint length) => Ensure(ref a, ref aLength, length);

    /// <summary>A buffer for the packed B block of at least <paramref name="length"/> doubles.</summary>
    public double* B(nuint length) => Ensure(ref b, ref bLength, length);

    /// <summary>
    /// A buffer for the packed B blocks of a row-split two-thread call, which the worker reads and packs into as well
    /// (only while the owning thread waits in that call).
    /// </summary>
    public double* Shared(nuint length) => Ensure(ref shared, ref sharedLength, length);

    private static double* Ensure(ref double* buffer, ref nuint capacity, nuint length)
    {
        if (length > capacity)
        {
            // Grow by half again so a sequence of slightly growing shapes does not reallocate every call.
            nuint grown = Math.Max(length, capacity + capacity / 2);
            NativeMemory.AlignedFree(buffer);
            buffer = null;
            capacity = 0;
            buffer = (double*)NativeMemory.AlignedAlloc(grown * sizeof(double), 64);
            capacity = grown;
        }
        return buffer;
    }

    ~GemmScratch()
    {
        NativeMemory.AlignedFree(a);
        NativeMemory.AlignedFree(b);
        NativeMemory.AlignedFree(shared);
    }
}
