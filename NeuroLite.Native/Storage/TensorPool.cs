namespace NeuroLite;

/// <summary>
/// The process-wide pool of 64-byte-aligned double buffers behind tapes and parameters. A disposed
/// <see cref="Tape"/> returns its arena (value slab, gradient slab, backward scratch) here and a new tape rents one;
/// a parameter rents its value and gradient buffers here and returns them when its module is disposed
/// (<see cref="Layer.Dispose"/>, <see cref="MLP.Dispose"/>), an optimizer its state (<see cref="Sgd.Dispose"/>,
/// <see cref="Adam.Dispose"/>). Buffers that are never returned are simply collected by the GC.
/// </summary>
/// <remarks>
/// <para>
/// The pool is thread-safe (one lock, taken only when a tape, parameter or optimizer is created or disposed, never
/// by an op) and bounded: it keeps at most <see cref="MaxRetainedBytes"/> bytes in at most
/// <see cref="MaxRetainedBuffers"/> buffers, and a buffer returned beyond either bound is left to the GC.
/// <see cref="Trim"/> drops everything it keeps.
/// </para>
/// <para>
/// Every buffer is a pinned array on the pinned object heap, used from its first 64-byte-aligned element, so the
/// kernels' aligned loads stay aligned. Neither <c>ArrayPool&lt;double&gt;</c> nor the toolkit's
/// <c>MemoryOwner&lt;double&gt;</c> (which rents from it) can give that: their arrays are ordinary movable arrays,
/// whose start the GC may shift to any 8-byte boundary at the next compaction.
/// </para>
/// </remarks>
public static class TensorPool
{
    private static readonly Lock s_lock = new();
    // Retained buffers, sorted by usable capacity (ascending), so a rent is a binary search.
    private static Entry[] s_entries = new Entry[16];
    private static int s_count;
    private static long s_bytes;
    private static long s_maxBytes = 256L << 20;
    private static int s_maxBuffers = 64;
    private static long s_hits;
    private static long s_misses;

    private readonly record struct Entry(double[] Array, int Start, int Capacity);

    /// <summary>The most bytes the pool keeps (default 256 MiB). Lowering it trims at once what exceeds it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public static long MaxRetainedBytes
    {
        get => Volatile.Read(ref s_maxBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            lock (s_lock)
            {
                s_maxBytes = value;
                TrimToBounds();
            }
        }
    }

    /// <summary>The most buffers the pool keeps (default 64). Lowering it trims at once what exceeds it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public static int MaxRetainedBuffers
    {
        get => Volatile.Read(ref s_maxBuffers);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            lock (s_lock)
            {
                s_maxBuffers = value;
                TrimToBounds();
            }
        }
    }

    /// <summary>The bytes the pool keeps now (whole arrays, alignment padding included).</summary>
    public static long RetainedBytes
    {
        get
        {
            lock (s_lock) return s_bytes;
        }
    }

    /// <summary>The number of buffers the pool keeps now.</summary>
    public static int RetainedBuffers
    {
        get
        {
            lock (s_lock) return s_count;
        }
    }

    /// <summary>Rents served from the pool since the process started.</summary>
    public static long Hits => Interlocked.Read(ref s_hits);

    /// <summary>Rents that had to allocate since the process started.</summary>
    public static long Misses => Interlocked.Read(ref s_misses);

    /// <summary>Drops every buffer the pool keeps (the GC reclaims them); buffers in use are not affected.</summary>
    public static void Trim()
    {
        lock (s_lock)
        {
            System.Array.Clear(s_entries, 0, s_count);
            s_count = 0;
            s_bytes = 0;
        }
    }

    /// <summary>
    /// Rents an aligned buffer of exactly <paramref name="length"/> usable doubles (its <see cref="AlignedBuffer.Capacity"/>
    /// may be larger). A retained buffer is taken if its capacity is at least <paramref name="length"/> and, unless
    /// <paramref name="anyLarger"/> (a tape's arena, which uses all it gets), at most an eighth more; otherwise a new
    /// pinned array is allocated. Contents are undefined unless <paramref name="zeroed"/>.
    /// </summary>
    internal static AlignedBuffer Rent(int length, bool zeroed, bool anyLarger = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        // An empty buffer still gets an array: a parameter of zero elements hands it to its tape records.
        if (length == 0) return new AlignedBuffer(0, zeroed);
        long limit = anyLarger ? long.MaxValue : length + Math.Max(AlignedBuffer.Doubles, (long)length / 8);
        lock (s_lock)
        {
            int k = FirstAtLeast(length);
            if (k < s_count && s_entries[k].Capacity <= limit)
            {
                Entry e = s_entries[k];
                s_count--;
                System.Array.Copy(s_entries, k + 1, s_entries, k, s_count - k);
                s_entries[s_count] = default;
                s_bytes -= (long)e.Array.Length * sizeof(double);
                s_hits++;
                var buffer = new AlignedBuffer(e.Array, e.Start, anyLarger ? e.Capacity : length);
                if (zeroed) buffer.Span.Clear();
                return buffer;
            }
        }
        Interlocked.Increment(ref s_misses);
        return new AlignedBuffer(length, zeroed);
    }

    /// <summary>
    /// As <see cref="Rent"/>, with the first element <paramref name="phase"/> bytes past a 4 KiB boundary (a multiple
    /// of 64 below 4096), for the streams one kernel reads and writes together: a parameter slab's values and
    /// gradients, an optimizer's moments. When two such streams start at the same place within a 4 KiB page, or within
    /// a few cache lines of it, a load that follows a store to the other stream is falsely taken to depend on it (4K
    /// aliasing): Adam's kernel ran up to 1.7x slower (about 1.5 instead of 0.9 ns per parameter on this engine's Zen 4
    /// host) with its four streams 64 bytes apart modulo 4 KiB, the layout two buffers of one size rented one after the
    /// other tend to get. Phases 1 KiB apart avoid it whatever the pool hands out. The buffer goes back with
    /// <see cref="Return"/> as any other.
    /// </summary>
    internal static AlignedBuffer RentPhased(int length, int phase, bool zeroed)
    {
        const int Page = 4096 / sizeof(double);
        AlignedBuffer rented = Rent(length + Page - AlignedBuffer.Doubles, zeroed);
        int at = (int)(AddressOf(rented) % 4096) / sizeof(double);
        int shift = ((phase / sizeof(double)) - at + Page) % Page;
        return new AlignedBuffer(rented.Array, rented.Start + shift, length);
    }

    private static unsafe long AddressOf(AlignedBuffer buffer) =>
        (long)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(buffer.Array)) + (long)buffer.Start * sizeof(double);

    /// <summary>
    /// Gives a buffer back (a default or empty buffer is ignored); it is filed under the capacity its array has from
    /// its first aligned element, so a buffer that started further in (<see cref="RentPhased"/>) comes back whole. The caller must hold no span of it any more: the next rent
    /// may hand it to another tape or parameter, on another thread.
    /// </summary>
    internal static void Return(AlignedBuffer buffer)
    {
        double[]? array = buffer.Array;
        if (array is null || buffer.Length == 0) return;
        long bytes = (long)array.Length * sizeof(double);
        int start = AlignedBuffer.StartOf(array);
        int capacity = array.Length - start;
        lock (s_lock)
        {
            if (s_count >= s_maxBuffers || s_bytes + bytes > s_maxBytes) return;
            int k = FirstAtLeast(capacity);
            if (s_count == s_entries.Length) System.Array.Resize(ref s_entries, s_entries.Length * 2);
            System.Array.Copy(s_entries, k, s_entries, k + 1, s_count - k);
            s_entries[k] = new Entry(array, start, capacity);
            s_count++;
            s_bytes += bytes;
        }
    }

    // Under the lock: the index of the first entry whose capacity is at least n (s_count if none).
    private static int FirstAtLeast(int n)
    {
        int lo = 0, hi = s_count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (s_entries[mid].Capacity < n) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    // Under the lock: drops the largest buffers first until both bounds hold.
    private static void TrimToBounds()
    {
        while (s_count > 0 && (s_count > s_maxBuffers || s_bytes > s_maxBytes))
        {
            s_count--;
            s_bytes -= (long)s_entries[s_count].Array.Length * sizeof(double);
            s_entries[s_count] = default;
        }
    }
}
