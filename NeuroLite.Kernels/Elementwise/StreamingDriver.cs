using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>A stream kernel with one output that can also store a full vector with a non-temporal store.</summary>
internal interface IStreamingKernel : IStreamKernel
{
    /// <summary>
    /// As <see cref="IStreamKernel.Step{TVec}"/>, storing with a non-temporal store to an output pinned and aligned to
    /// the vector's size.
    /// </summary>
    void StepNonTemporal<TVec>(int i) where TVec : struct, ISimdVector<TVec>;
}

/// <summary>
/// The element-wise loop for outputs larger than the caches: the output is written with non-temporal stores, which
/// skip reading each destination line into the cache before overwriting it. For c = a + b that is three memory streams
/// instead of four (TensorPrimitives does the same above 256 KiB). The first elements up to the vector size's alignment
/// go through <see cref="ElementwiseDriver"/>; the last partial vector reuses its masked step.
/// The values are the same IEEE operations either way, so this changes speed only, never a bit of the result.
/// </summary>
internal static class StreamingDriver
{
    /// <summary>
    /// Outputs of at least this many doubles (4 MiB) take this loop. TensorPrimitives starts at 256 KiB, but a training
    /// step reads most outputs straight back (a 784-256-256-10 step's 256 KiB activations and their gradients feed the
    /// next GEMM), and a non-temporal store sends them to memory first. Once tanh's backward overwrote its gradient
    /// instead of clearing it and adding, at 256 KiB that step got no faster (measured in one process); at 4 MiB it
    /// runs 1-2% faster than before both changes. Larger outputs do not fit the 512 KiB L2 or a fair share of L3.
    /// </summary>
    public const int MinLength = 4 * 1024 * 1024 / sizeof(double);

    /// <summary>Whether a call of <paramref name="n"/> elements should take this loop on the current path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Applies(int n) => n >= MinLength && Simd.UseAvx2Fma && Sse2.IsSupported;

    /// <summary>
    /// Runs <paramref name="kernel"/> over [0, n) with vectors of <typeparamref name="TVec"/> (<see cref="V256"/> or
    /// <see cref="V512"/>, the width of this path); <paramref name="destination"/> is its output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Run<TKernel, TVec>(ref TKernel kernel, int n, Span<double> destination)
        where TKernel : struct, IStreamingKernel, allows ref struct
        where TVec : struct, ISimdVector<TVec>
    {
        // Pinned for the whole loop: a relocation in the middle would break the alignment the stores rely on.
        fixed (double* d = &MemoryMarshal.GetReference(destination))
        {
            int head = ElementwiseDriver.ElementsToBoundary((nuint)d, Unsafe.SizeOf<TVec>());
            if (head < 0)
            {
                ElementwiseDriver.Run<TKernel, TVec>(ref kernel, n); // never aligned: ordinary stores
                return;
            }

            if (head > 0) ElementwiseDriver.Run<TKernel, TVec>(ref kernel, head);
            // The driver's own loop (unrolling rule, single vectors, masked tail), its full steps storing
            // non-temporally; the masked tail keeps ordinary stores.
            var nonTemporal = new NonTemporalSteps<TKernel>(kernel);
            ElementwiseDriver.RunVectors<NonTemporalSteps<TKernel>, TVec>(ref nonTemporal, head, n);

            // Non-temporal stores are weakly ordered: fence them before anyone (another thread included) reads the output.
            Sse.StoreFence();
        }
    }
}

/// <summary>
/// <typeparamref name="TKernel"/> with its full steps storing non-temporally: what <see cref="StreamingDriver"/>
/// hands to <see cref="ElementwiseDriver"/>'s loop. Every other step is the kernel's own.
/// </summary>
internal ref struct NonTemporalSteps<TKernel> : IStreamKernel
    where TKernel : struct, IStreamingKernel, allows ref struct
{
    // Not readonly: calls on a readonly field of an unknown struct type would copy it first.
    private TKernel _kernel;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NonTemporalSteps(TKernel kernel) => _kernel = kernel;

    public static bool Unroll => TKernel.Unroll;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i) => _kernel.Step1(i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => _kernel.StepNonTemporal<TVec>(i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec> => _kernel.StepMasked(i, write);
}
