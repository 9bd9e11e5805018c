using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>
/// One step of an element-wise loop over one or more streams at a position: the driver decides positions, widths
/// and the tail, a kernel only loads, computes and stores. Kernels are ref structs holding refs to the spans'
/// first elements, so after inlining the whole loop is specialized per kernel and operator.
/// </summary>
internal interface IStreamKernel
{
    /// <summary>
    /// Whether the driver unrolls 4x. Short operators (add, multiply) need it to keep loads and stores in flight;
    /// long ones (exp, tanh, log: ~40-60 vector ops) already have plenty of independent work per vector, and
    /// unrolling them makes the JIT share their ~25 constants across the copies and spill them (measured 2x slower).
    /// </summary>
    static abstract bool Unroll { get; }

    /// <summary>Processes element <paramref name="i"/>.</summary>
    void Step1(int i);

    /// <summary>Processes elements [i, i + 2).</summary>
    void Step128(int i);

    /// <summary>Processes elements [i, i + 4).</summary>
    void Step256(int i);

    /// <summary>
    /// Processes elements [i, i + 2) but stores only lanes whose <paramref name="write"/> mask is all ones; the
    /// other lanes of every output keep what memory holds now (already final, as the driver finished them).
    /// </summary>
    void Step128Masked(int i, Vector128<double> write);

    /// <summary>Processes elements [i, i + 4), storing only the lanes selected by <paramref name="write"/>.</summary>
    void Step256Masked(int i, Vector256<double> write);
}

/// <summary>
/// The one element-wise loop: 4x unrolled full vectors, then single vectors, then ONE masked vector for the tail.
/// </summary>
/// <remarks>
/// The tail re-runs the last full-width window [n - W, n) and blends: lanes the loop already finished keep what
/// memory holds (their final value), the remaining lanes get the new result. Re-reading finished lanes is
/// harmless because their recomputed values are discarded, so this is correct for in-place use (an output that is
/// exactly an input), for accumulating kernels (dx += ...), and for optimizer updates that rewrite several
/// streams; it costs one extra load and blend per output, once per call. Inputs shorter than one vector take the
/// scalar step, which computes the same IEEE operations as the vector lanes. Partial overlap between an output
/// and an input is rejected by <see cref="Guard"/> before the driver runs.
/// </remarks>
internal static class ElementwiseDriver
{
    /// <summary>
    /// Lane indices 0-3, for the tail and head masks (lanes at or past an index, lanes before one): a compare in
    /// registers. A mask table would be a static array, whose base tiered code fetched through a runtime helper call
    /// on every tail.
    /// </summary>
    private static Vector256<long> LaneIndices => Vector256.Create(0L, 1L, 2L, 3L);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TKernel>(ref TKernel kernel, int n)
        where TKernel : struct, IStreamKernel, allows ref struct
    {
        if (Simd.UseAvx2Fma && n >= Vector256<double>.Count)
        {
            Run256(ref kernel, 0, n);
        }
        // Also taken on the AVX2 path for 2 or 3 elements: the 128-bit lanes compute the same operations.
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<double>.Count)
        {
            int i = 0;
            for (; TKernel.Unroll && i <= n - 8; i += 8)
            {
                kernel.Step128(i);
                kernel.Step128(i + 2);
                kernel.Step128(i + 4);
                kernel.Step128(i + 6);
            }
            for (; i <= n - 2; i += 2)
                kernel.Step128(i);
            if (i != n)
                kernel.Step128Masked(n - 2, Vector128.Create(0L, -1L).AsDouble()); // only the last lane is new
        }
        else
        {
            for (int i = 0; i < n; i++)
                kernel.Step1(i);
        }
    }

    /// <summary>
    /// The 256-bit loop over [start, n): 4x unrolled full vectors, single vectors, one masked tail (n ≥ 4). Shared with
    /// <see cref="StreamingDriver"/>, which passes the kernel with non-temporal full steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Run256<TKernel>(ref TKernel kernel, int start, int n)
        where TKernel : struct, IStreamKernel, allows ref struct
    {
        int i = start;
        for (; TKernel.Unroll && i <= n - 16; i += 16)
        {
            kernel.Step256(i);
            kernel.Step256(i + 4);
            kernel.Step256(i + 8);
            kernel.Step256(i + 12);
        }
        for (; i <= n - 4; i += 4)
            kernel.Step256(i);
        Tail256(ref kernel, i, n);
    }

    /// <summary>
    /// After a 4-lane loop that stopped at <paramref name="i"/> (n - 4 &lt; i ≤ n, n ≥ 4): the last window [n - 4, n)
    /// with only the lanes the loop did not finish written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tail256<TKernel>(ref TKernel kernel, int i, int n)
        where TKernel : struct, IStreamKernel, allows ref struct
    {
        if (i == n) return;
        int done = i - (n - 4); // lanes of the last window the loop already finished: 1..3
        kernel.Step256Masked(n - 4, Vector256.GreaterThanOrEqual(LaneIndices, Vector256.Create((long)done)).AsDouble());
    }

    /// <summary>
    /// Elements from <paramref name="address"/> to the next 32-byte boundary (0-3), or -1 when the address is not 8-byte
    /// aligned and so never reaches one. Shared by the aligned-output loops here and in <see cref="StreamingDriver"/>.
    /// </summary>
    internal static int ElementsTo32ByteBoundary(nuint address) =>
        address % sizeof(double) != 0 ? -1 : (int)((32 - (address & 31)) & 31) / sizeof(double);

    /// <summary>
    /// As <see cref="Run{TKernel}"/>, but on the 256-bit path the stores to <paramref name="output"/> (the kernel's output
    /// at element 0) are first brought to a 32-byte boundary: a masked step writes the 1-3 elements before it, so no
    /// element is computed twice and in-place kernels stay exact. For long memory-bound runs only (bias add over rows
    /// of 256 or more): at 8-byte offsets every other 32-byte store splits a cache line, which a 1000×1000 bias add paid
    /// for against TensorPrimitives, while in short in-cache runs the head step cost more than it saved.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void RunAlignedOutput<TKernel>(ref TKernel kernel, int n, ref double output)
        where TKernel : struct, IStreamKernel, allows ref struct
    {
        // The address is a hint: if the GC moves the buffer later, the stores are unaligned again, never wrong.
        int head = ElementsTo32ByteBoundary((nuint)Unsafe.AsPointer(ref output));
        if (!Simd.UseAvx2Fma || head <= 0 || n < 16)
        {
            Run(ref kernel, n);
            return;
        }

        kernel.Step256Masked(0, Vector256.LessThan(LaneIndices, Vector256.Create((long)head)).AsDouble());
        Run256(ref kernel, head, n);
    }
}
