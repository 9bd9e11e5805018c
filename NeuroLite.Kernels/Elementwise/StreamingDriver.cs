using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>A stream kernel with one output that can also store its 4-lane result with a non-temporal store.</summary>
internal interface IStreamingKernel : IStreamKernel
{
    /// <summary>As <see cref="IStreamKernel.Step256"/>, storing with a non-temporal store to a 32-byte aligned, pinned output.</summary>
    void Step256NonTemporal(int i);
}

/// <summary>
/// The element-wise loop for outputs larger than the caches: the output is written with non-temporal stores, which
/// skip reading each destination line into the cache before overwriting it. For c = a + b that is three memory streams
/// instead of four (TensorPrimitives does the same above 256 KiB). The first elements up to 32-byte alignment go
/// through <see cref="ElementwiseDriver"/>; the last partial vector reuses its masked step.
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

    /// <summary>Runs <paramref name="kernel"/> over [0, n); <paramref name="destination"/> is its output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Run<TKernel>(ref TKernel kernel, int n, Span<double> destination)
        where TKernel : struct, IStreamingKernel, allows ref struct
    {
        // Pinned for the whole loop: a relocation in the middle would break the alignment the stores rely on.
        fixed (double* d = &MemoryMarshal.GetReference(destination))
        {
            int head = ElementwiseDriver.ElementsTo32ByteBoundary((nuint)d);
            if (head < 0)
            {
                ElementwiseDriver.Run(ref kernel, n); // never 32-byte aligned: ordinary stores
                return;
            }

            if (head > 0) ElementwiseDriver.Run(ref kernel, head);
            // The driver's own 256-bit loop (unrolling rule, single vectors, masked tail), its full steps storing
            // non-temporally; the masked tail keeps ordinary stores.
            var nonTemporal = new NonTemporalSteps<TKernel>(kernel);
            ElementwiseDriver.Run256(ref nonTemporal, head, n);

            // Non-temporal stores are weakly ordered: fence them before anyone (another thread included) reads the output.
            Sse.StoreFence();
        }
    }
}

/// <summary>
/// <typeparamref name="TKernel"/> with its full 4-lane steps storing non-temporally: what <see cref="StreamingDriver"/>
/// hands to <see cref="ElementwiseDriver"/>'s 256-bit loop. Every other step is the kernel's own.
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
    public void Step128(int i) => _kernel.Step128(i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step256(int i) => _kernel.Step256NonTemporal(i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step128Masked(int i, Vector128<double> write) => _kernel.Step128Masked(i, write);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step256Masked(int i, Vector256<double> write) => _kernel.Step256Masked(i, write);
}
