using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuroLite.Kernels;

/// <summary>
/// Tiny products (m·n·k ≤ <see cref="GemmTuning.DirectMaxWork"/>, such as the seed's XOR net, 4×2·2×4): a dot
/// product per element straight from the operands, no packing or buffers. It sums in k order with a separate multiply
/// and add, exactly as the reference does, so it gives the reference's bits; the blocked path may round differently,
/// within the same error bound. For <see cref="Gemm.Linear"/> it adds the bias to each sum as it stores it (the sum,
/// then one add, as a separate bias add would do).
/// </summary>
internal static class GemmDirect
{
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k, bool transA, bool transB, bool accumulate, ReadOnlySpan<double> bias = default)
    {
        bool hasBias = !bias.IsEmpty;
        ref double bias0 = ref MemoryMarshal.GetReference(bias);
        ref double a0 = ref MemoryMarshal.GetReference(a);
        ref double b0 = ref MemoryMarshal.GetReference(b);
        ref double c0 = ref MemoryMarshal.GetReference(c);
        // Element strides of op(A) (row i, depth p) and op(B) (depth p, column j) in their stored layouts.
        nint aRow = transA ? 1 : k, aDepth = transA ? m : 1;
        nint bDepth = transB ? 1 : n, bCol = transB ? k : 1;
        for (int i = 0; i < m; i++)
        {
            ref double ai = ref Unsafe.Add(ref a0, i * aRow);
            ref double ci = ref Unsafe.Add(ref c0, (nint)i * n);
            int j = 0;
            if (Simd.UseAvx512 && bCol == 1)
            {
                // Eight columns at once on the 512-bit path, with the same per-lane arithmetic as below.
                for (; j + 8 <= n; j += 8)
                {
                    ref double bj = ref Unsafe.Add(ref b0, j);
                    var s = Vector512<double>.Zero;
                    for (int p = 0; p < k; p++)
                        s += Vector512.Create(Unsafe.Add(ref ai, p * aDepth)) * Vector512.LoadUnsafe(ref bj, (nuint)(p * bDepth));
                    if (accumulate) s = Vector512.LoadUnsafe(ref ci, (nuint)j) + s;
                    if (hasBias) s += Vector512.LoadUnsafe(ref bias0, (nuint)j);
                    s.StoreUnsafe(ref ci, (nuint)j);
                }
            }
            if (Vector256.IsHardwareAccelerated && bCol == 1)
            {
                // Four columns at once where a depth's columns of op(B) lie side by side: the same multiply and add
                // per element in the same order, one lane each, so the bits do not change; the XOR net's loops are
                // this short, and the scalar loop spent more on its own overhead than on the 2-4 products per element.
                for (; j + 4 <= n; j += 4)
                {
                    ref double bj = ref Unsafe.Add(ref b0, j);
                    var s = Vector256<double>.Zero;
                    for (int p = 0; p < k; p++)
                        s += Vector256.Create(Unsafe.Add(ref ai, p * aDepth)) * Vector256.LoadUnsafe(ref bj, (nuint)(p * bDepth));
                    if (accumulate) s = Vector256.LoadUnsafe(ref ci, (nuint)j) + s;
                    if (hasBias) s += Vector256.LoadUnsafe(ref bias0, (nuint)j);
                    s.StoreUnsafe(ref ci, (nuint)j);
                }
            }
            for (; j < n; j++)
            {
                ref double bj = ref Unsafe.Add(ref b0, j * bCol);
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += Unsafe.Add(ref ai, p * aDepth) * Unsafe.Add(ref bj, p * bDepth);
                ref double cij = ref Unsafe.Add(ref ci, j);
                if (accumulate) s = cij + s;
                cij = hasBias ? s + Unsafe.Add(ref bias0, j) : s;
            }
        }
    }
}
