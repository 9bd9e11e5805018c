using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>
/// One step of an element-wise loop over one or more streams at a position: the driver decides positions, widths
/// and the tail, a kernel only loads, computes and stores. Kernels are ref structs holding refs to the spans'
/// first elements, so after inlining the whole loop is specialized per kernel, operator and width.
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

    /// <summary>Processes elements [i, i + TVec.Count).</summary>
    void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec>;

    /// <summary>
    /// Processes elements [i, i + TVec.Count) but stores only lanes whose <paramref name="write"/> mask is all ones;
    /// the other lanes of every output keep what memory holds now (already final, as the driver finished them).
    /// </summary>
    void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec>;
}

/// <summary>
/// The one element-wise loop: 4x unrolled full vectors of the path's width, then single vectors, then ONE masked
/// vector for the tail; the width is a type argument, picked by the callers from <see cref="Simd"/>.
/// </summary>
/// <remarks>
/// The tail re-runs the last full-width window [n - W, n) and blends: lanes the loop already finished keep what
/// memory holds (their final value), the remaining lanes get the new result. Re-reading finished lanes is
/// harmless because their recomputed values are discarded, so this is correct for in-place use (an output that is
/// exactly an input), for accumulating kernels (dx += ...), and for optimizer updates that rewrite several
/// streams; it costs one extra load and blend per output, once per call (on the 512-bit path the blend is one
/// opmask move). Inputs shorter than one vector take the next narrower width, and inputs shorter than two elements
/// the scalar step, which computes the same IEEE operations as the vector lanes. Partial overlap between an output
/// and an input is rejected by <see cref="Validate"/> before the driver runs.
/// </remarks>
internal static class ElementwiseDriver
{
    /// <summary>
    /// Runs <paramref name="kernel"/> over [0, n) with vectors of <typeparamref name="TVec"/> (the width of this path,
    /// or <see cref="V128"/> on the 128-bit and scalar paths); inputs shorter than one vector take the narrower widths,
    /// then the scalar step. Callers pick the width once per JIT root (see <see cref="Elementwise"/>): inlining all
    /// three widths into one method exhausted the JIT's inlining budget, after which even the path tests stayed calls
    /// and dead widths were compiled in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TKernel, TVec>(ref TKernel kernel, int n)
        where TKernel : struct, IStreamKernel, allows ref struct
        where TVec : struct, ISimdVector<TVec>
    {
        // Lane counts from the struct's size: an intrinsic the JIT folds while importing, where the Count property needs
        // an inline that, late in a long operator's root, the JIT may no longer grant.
        int w = Unsafe.SizeOf<TVec>() / sizeof(double);
        bool unroll = TKernel.Unroll;
        // V256 and V512 are only passed on their paths; V128 also stands for the scalar path.
        if (n >= w && (w > Vector128<double>.Count || Vector128.IsHardwareAccelerated))
            RunVectors<TKernel, TVec>(ref kernel, 0, n);
        // Short operators take their short-input steps inline (a call per short call cost add and bias add at n = 1,000
        // up to 20%); this test comes first in the method so the JIT folds it before a long operator's body uses up
        // what it will inline.
        else if (unroll && w > Vector256<double>.Count && n >= Vector256<double>.Count)
        {
            kernel.Step<V256>(0);
            if (n != 4) kernel.StepMasked(n - 4, V256.LanesFrom(8 - n));
        }
        else if (unroll && w > Vector128<double>.Count && n >= Vector128<double>.Count)
        {
            kernel.Step<V128>(0);
            if (n != 2) kernel.StepMasked(n - 2, V128.LanesFrom(4 - n));
        }
        else if (unroll && n == 1)
            kernel.Step1(0);
        else if (w > Vector256<double>.Count && n >= Vector256<double>.Count)
        {
            // 512-bit path, 4-7 elements: one 256-bit vector and a masked one over the last window.
            StepApart<TKernel, V256>(kernel, 0);
            if (n != 4) StepMaskedApart(kernel, n - 4, V256.LanesFrom(8 - n));
        }
        // Also taken on the wider paths for 2 or 3 elements: the 128-bit lanes compute the same operations.
        else if (w > Vector128<double>.Count && n >= Vector128<double>.Count)
        {
            StepApart<TKernel, V128>(kernel, 0);
            if (n != 2) StepMaskedApart(kernel, n - 2, V128.LanesFrom(4 - n));
        }
        // One element on a vector path. These short-input steps are calls, the kernel passed by value: inlined into a
        // long operator's root they outgrew the JIT's limits (see StepMaskedOnce), and an instance call it then declined
        // to inline took the kernel's address, which kept its refs on the stack for the whole loop.
        else if (w > Vector128<double>.Count || Vector128.IsHardwareAccelerated)
        {
            if (n == 1) Step1Apart(kernel, 0);
        }
        else
            for (int i = 0; i < n; i++)
                kernel.Step1(i);
    }

    /// <summary>
    /// The loop over [start, n) at one width (n - start ≥ TVec.Count): 4x unrolled full vectors, single vectors, one
    /// masked tail. Shared with <see cref="StreamingDriver"/>, which passes the kernel with non-temporal full steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RunVectors<TKernel, TVec>(ref TKernel kernel, int start, int n)
        where TKernel : struct, IStreamKernel, allows ref struct
        where TVec : struct, ISimdVector<TVec>
    {
        int w = Unsafe.SizeOf<TVec>() / sizeof(double);
        int i = start;
        for (; TKernel.Unroll && i <= n - 4 * w; i += 4 * w)
        {
            kernel.Step<TVec>(i);
            kernel.Step<TVec>(i + w);
            kernel.Step<TVec>(i + 2 * w);
            kernel.Step<TVec>(i + 3 * w);
        }
        for (; i <= n - w; i += w)
            kernel.Step<TVec>(i);
        // The last window [n - w, n) with only the lanes the loop did not finish (1 to w - 1 of them) written.
        if (i != n)
            StepMaskedOnce(ref kernel, n - w, TVec.LanesFrom(i - (n - w)));
    }

    /// <summary>
    /// A masked step taken at most once per call (the tail, or the head of an aligned run): inlined for short operators,
    /// a call for long ones (<see cref="IStreamKernel.Unroll"/> false). Every inlined copy of a long operator's body
    /// (~45 vector operations, each an inlined wrapper with its temporaries) counts against the JIT's limits for one
    /// method; with the loop's copy, the tail's and two narrower widths' inlined into one root, the JIT stopped inlining
    /// and tanh's loop made a call per vector operation. Out of line, each copy is its own root.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepMaskedOnce<TKernel, TVec>(ref TKernel kernel, int i, TVec write)
        where TKernel : struct, IStreamKernel, allows ref struct
        where TVec : struct, ISimdVector<TVec>
    {
        if (TKernel.Unroll) kernel.StepMasked(i, write);
        else StepMaskedApart(kernel, i, write);
    }

    // The kernel goes by value to these calls (a few refs and scalars): passed by reference to a call, the caller's copy
    // is address-exposed and its refs are reloaded from the stack on every vector of the loop.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Step1Apart<TKernel>(TKernel kernel, int i)
        where TKernel : struct, IStreamKernel, allows ref struct => kernel.Step1(i);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepApart<TKernel, TVec>(TKernel kernel, int i)
        where TKernel : struct, IStreamKernel, allows ref struct
        where TVec : struct, ISimdVector<TVec> => kernel.Step<TVec>(i);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepMaskedApart<TKernel, TVec>(TKernel kernel, int i, TVec write)
        where TKernel : struct, IStreamKernel, allows ref struct
        where TVec : struct, ISimdVector<TVec> => kernel.StepMasked(i, write);

    /// <summary>
    /// Elements from <paramref name="address"/> to the next <paramref name="bytes"/>-byte boundary, or -1 when the address
    /// is not 8-byte aligned and so never reaches one. Shared by the aligned-output loops here and in <see cref="StreamingDriver"/>.
    /// </summary>
    internal static int ElementsToBoundary(nuint address, int bytes) =>
        address % sizeof(double) != 0 ? -1 : (int)(((nuint)bytes - (address & (nuint)(bytes - 1))) & (nuint)(bytes - 1)) / sizeof(double);

    /// <summary>
    /// As <see cref="Run{TKernel, TVec}"/>, but for 256- and 512-bit vectors the stores to <paramref name="output"/> (the
    /// kernel's output at element 0) are first brought to a vector-size boundary: a masked step writes the elements
    /// before it, so no element is computed twice and in-place kernels stay exact. For long memory-bound runs only (bias
    /// add over rows of 256 or more): at 8-byte offsets every other 32-byte store splits a cache line (every 64-byte
    /// one does), which a 1000×1000 bias add paid for against TensorPrimitives, while in short in-cache runs the head
    /// step cost more than it saved.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void RunAlignedOutput<TKernel, TVec>(ref TKernel kernel, int n, ref double output)
        where TKernel : struct, IStreamKernel, allows ref struct
        where TVec : struct, ISimdVector<TVec>
    {
        // The address is a hint: if the GC moves the buffer later, the stores are unaligned again, never wrong.
        int head = ElementsToBoundary((nuint)Unsafe.AsPointer(ref output), Unsafe.SizeOf<TVec>());
        if (Unsafe.SizeOf<TVec>() < Vector256<double>.Count * sizeof(double) || head <= 0 || n < 4 * Unsafe.SizeOf<TVec>() / sizeof(double))
        {
            Run<TKernel, TVec>(ref kernel, n);
            return;
        }

        StepMaskedOnce(ref kernel, 0, TVec.LanesBefore(head));
        RunVectors<TKernel, TVec>(ref kernel, head, n);
    }
}
