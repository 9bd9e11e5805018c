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
    /// <summary>Outputs of at least this many doubles (256 KiB, TensorPrimitives' threshold) take this loop.</summary>
    public const int MinLength = 256 * 1024 / sizeof(double);

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
            int i = head;
            // Unrolled only for short operators, as in ElementwiseDriver: four copies of a long one (log: ~25 constants)
            // spill registers and ran 2.7x slower.
            for (; TKernel.Unroll && i <= n - 16; i += 16)
            {
                kernel.Step256NonTemporal(i);
                kernel.Step256NonTemporal(i + 4);
                kernel.Step256NonTemporal(i + 8);
                kernel.Step256NonTemporal(i + 12);
            }

            for (; i <= n - 4; i += 4)
                kernel.Step256NonTemporal(i);
            ElementwiseDriver.Tail256(ref kernel, i, n);

            // Non-temporal stores are weakly ordered: fence them before anyone (another thread included) reads the output.
            Sse.StoreFence();
        }
    }
}
