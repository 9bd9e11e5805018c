using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using NeuroLite.Kernels.Elementwise;
using E = NeuroLite.Kernels.Elementwise.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>
/// Softmax cross-entropy forward for short rows (few classes), vectorized across rows: one lane per row.
/// </summary>
/// <remarks>
/// A 10-class row is 2.5 vectors, so working along each row spends most of its time on per-row calls, horizontal
/// reductions and masked tails. Here a block of up to 64 rows is transposed into a stack buffer, group by group of
/// W rows (W = 8 for Vector512, 4 for Vector256, 2 for Vector128): buf[g][j][lane] = z[W·g + lane, j]; every step is then a plain
/// vertical operation on W rows at once, in three passes over the block: (1) transpose in (4×4 or 2×2 register
/// transposes) while taking the row maxima; (2) exp(z − m) by <see cref="ExpOperator"/> (the function
/// <see cref="Unary.Exp"/> applies) and the row sums, adding j = 0, 1, …, cols − 1 in order as the reference does;
/// (3) divide by the sums and transpose out. One <see cref="LogOperator"/> call covers the block's sums. A short last
/// group is padded with zero rows whose results are never stored. Rows with an infinite maximum compute NaN here,
/// are skipped when the block is written back, and then take the reference's limit from their intact logits.
/// <para>The maxima use the native maximum (one instruction; <c>Vector256.Max</c>'s IEEE semantics cost nine on x86),
/// which on x86 may skip a NaN and may return −0 for max(+0, −0), unlike <see cref="Math.Max(double, double)"/>.
/// The outputs are still the reference's: a NaN in a row whose maximum comes out finite makes its exp, the row sum
/// and so every output of the row NaN, as in the reference; a row whose maximum comes out infinite is checked for a
/// NaN before it takes the limit; and the sign of a zero maximum m only shows in z − m = ±0 (exp gives 1 either
/// way) and in m − z_t = ±0, which ln s absorbs: the row holds both zeros, so s ≥ 2 and ln s ≠ 0.</para>
/// </remarks>
internal static class SoftmaxAcrossRows
{
    /// <summary>Rows of at most this many columns take this path; wider rows have enough vectors per row.</summary>
    public const int MaxCols = 32;

    /// <summary>Rows per block: the transposed block (≤ 64 × 32 doubles, 16 KB) stays in L1.</summary>
    private const int RowBlock = 64;

    /// <summary>True when this path applies: a SIMD path is available and rows are short.</summary>
    public static bool Applies(int cols) => cols <= MaxCols && (Simd.UseAvx2Fma || Vector128.IsHardwareAccelerated);

    /// <summary>
    /// The forward pass over validated arguments (see <see cref="SoftmaxCrossEntropy.Forward"/>); requires
    /// <see cref="Applies"/>. <paramref name="probabilities"/> may be <paramref name="logits"/>: a block is read
    /// completely (into the stack) before any of it is written.
    /// </summary>
    [SkipLocalsInit] // every element of the stack buffers is written before it is read
    public static void Forward(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss)
    {
        // Rows per group: one lane per row of the widest vector (8 on AVX-512, whose groups are transposed as two 4×4 halves).
        int w = Simd.UseAvx512 ? 8 : Simd.UseAvx2Fma ? 4 : 2;
        Span<double> buffer = stackalloc double[RowBlock * MaxCols];
        Span<double> max = stackalloc double[RowBlock];
        Span<double> sum = stackalloc double[RowBlock];
        Span<double> logSum = stackalloc double[RowBlock];
        Span<double> zt = stackalloc double[RowBlock];
        for (int r0 = 0; r0 < rows; r0 += RowBlock)
        {
            int nr = Math.Min(RowBlock, rows - r0);
            int groups = (nr + w - 1) / w;
            ReadOnlySpan<double> z = logits.Slice(r0 * cols, nr * cols);
            Span<double> p = probabilities.Slice(r0 * cols, nr * cols);
            Span<double> block = buffer[..(groups * w * cols)];
            for (int i = 0; i < nr; i++)
                zt[i] = z[i * cols + targets[r0 + i]];
            // Three passes over the block: transpose in (with the maxima), exp(z − m) with the sums, divide and
            // transpose out. Probabilities are divided on the way out, so the block itself holds exp(z − m).
            if (Simd.UseAvx512)
            {
                ToColumns256(z, nr, cols, 8, block, max);
                ExpSum<V512>(block, groups, cols, max, sum);
            }
            else if (Simd.UseAvx2Fma)
            {
                ToColumns256(z, nr, cols, 4, block, max);
                ExpSum<V256>(block, groups, cols, max, sum);
            }
            else
            {
                ToColumns128(z, nr, cols, block, max);
                ExpSum<V128>(block, groups, cols, max, sum);
            }
            E.Unary<LogOperator>(sum[..nr], logSum[..nr]);

            bool infinite = false;
            for (int i = 0; i < nr; i++)
                infinite |= double.IsInfinity(max[i]);
            if (!infinite)
            {
                if (Simd.UseAvx2Fma) FromColumns256(block, nr, cols, w, sum, p);
                else FromColumns128(block, nr, cols, sum, p);
                for (int i = 0; i < nr; i++)
                    rowLoss[r0 + i] = logSum[i] + (max[i] - zt[i]);
                continue;
            }
            // Rare: write back all but the infinite rows, whose logits (possibly p itself) are still intact, then
            // give those the reference's limit, or NaN if they hold a NaN the native maximum skipped.
            FromColumnsSkipping(block, nr, cols, w, max, sum, p);
            for (int i = 0; i < nr; i++)
            {
                double m = max[i];
                if (!double.IsInfinity(m))
                {
                    rowLoss[r0 + i] = logSum[i] + (m - zt[i]);
                    continue;
                }
                ReadOnlySpan<double> zi = z.Slice(i * cols, cols);
                Span<double> pi = p.Slice(i * cols, cols);
                if (HasNaN(zi))
                {
                    pi.Fill(double.NaN);
                    rowLoss[r0 + i] = double.NaN;
                }
                else rowLoss[r0 + i] = SoftmaxCrossEntropy.InfiniteMaxRow(zi, m, zt[i], pi);
            }
        }
    }

    /// <summary>
    /// Per group: buf[g][j] = exp(buf[g][j] − m) with m = max[g], and s = 0 + buf[g][0] + buf[g][1] + … in j order
    /// (the reference's sum), stored per row in <paramref name="sum"/>. Groups are TVec.Count rows.
    /// </summary>
    private static void ExpSum<TVec>(Span<double> block, int groups, int cols, ReadOnlySpan<double> max, Span<double> sum)
        where TVec : struct, ISimdVector<TVec>
    {
        int w = TVec.Count;
        ref double b = ref MemoryMarshal.GetReference(block);
        for (int g = 0; g < groups; g++)
        {
            ref double v = ref Unsafe.Add(ref b, g * w * cols);
            var m = TVec.Load(in MemoryMarshal.GetReference(max), (nuint)(w * g));
            var s = TVec.Zero;
            for (int j = 0; j < cols; j++)
            {
                var e = ExpOperator.Invoke(TVec.Load(in v, (nuint)(w * j)) - m);
                e.Store(ref v, (nuint)(w * j));
                s += e;
            }
            s.Store(ref MemoryMarshal.GetReference(sum), (nuint)(w * g));
        }
    }

    /// <summary>
    /// Transposes the (rows × cols) <paramref name="z"/> into groups of <paramref name="w"/> rows (4, or 8 as two halves of
    /// 4), buf[g][j][lane] = z[w·g + lane, j], and stores each row's maximum in <paramref name="max"/>: full groups by 4×4
    /// register transposes, the short last group lane by lane with zero rows as padding.
    /// </summary>
    private static void ToColumns256(ReadOnlySpan<double> z, int rows, int cols, int w, Span<double> block, Span<double> max)
    {
        ref double src = ref MemoryMarshal.GetReference(z);
        ref double dst = ref MemoryMarshal.GetReference(block);
        ref double mx = ref MemoryMarshal.GetReference(max);
        int full = rows / w;
        for (int g = 0; g < full; g++)
        for (int h = 0; h < w; h += 4)
        {
            // Rows w·g + h .. + 3 into lanes h .. h + 3 of the group's columns.
            ref double s = ref Unsafe.Add(ref src, (g * w + h) * cols);
            ref double d = ref Unsafe.Add(ref dst, g * w * cols + h);
            // The native maximum (one instruction; see the class remarks for NaN and signed zeros).
            var m = Vector256.Create(double.NegativeInfinity);
            int j = 0;
            for (; j <= cols - 4; j += 4)
            {
                Transpose4(
                    Vector256.LoadUnsafe(ref s, (nuint)j), Vector256.LoadUnsafe(ref s, (nuint)(cols + j)),
                    Vector256.LoadUnsafe(ref s, (nuint)(2 * cols + j)), Vector256.LoadUnsafe(ref s, (nuint)(3 * cols + j)),
                    out var c0, out var c1, out var c2, out var c3);
                c0.StoreUnsafe(ref d, (nuint)(w * j));
                c1.StoreUnsafe(ref d, (nuint)(w * (j + 1)));
                c2.StoreUnsafe(ref d, (nuint)(w * (j + 2)));
                c3.StoreUnsafe(ref d, (nuint)(w * (j + 3)));
                m = Vector256.MaxNative(Vector256.MaxNative(Vector256.MaxNative(c0, c1), Vector256.MaxNative(c2, c3)), m);
            }
            for (; j < cols; j++)
            {
                var c = Vector256.Create(s.At(j), s.At(cols + j), s.At(2 * cols + j), s.At(3 * cols + j));
                c.StoreUnsafe(ref d, (nuint)(w * j));
                m = Vector256.MaxNative(c, m);
            }
            m.StoreUnsafe(ref mx, (nuint)(w * g + h));
        }
        if (ToColumnsShortGroup(z, rows, cols, w, block))
        {
            for (int h = 0; h < w; h += 4)
            {
                ref double d = ref Unsafe.Add(ref dst, full * w * cols + h);
                var m = Vector256.Create(double.NegativeInfinity);
                for (int j = 0; j < cols; j++)
                    m = Vector256.MaxNative(Vector256.LoadUnsafe(ref d, (nuint)(w * j)), m);
                m.StoreUnsafe(ref mx, (nuint)(w * full + h));
            }
        }
    }

    /// <summary>
    /// p[w·g + lane, j] = buf[g][j][lane] / sum[w·g + lane] for the first <paramref name="rows"/> rows: the inverse
    /// transpose of <see cref="ToColumns256"/>, dividing on the way.
    /// </summary>
    private static void FromColumns256(ReadOnlySpan<double> block, int rows, int cols, int w, ReadOnlySpan<double> sum, Span<double> p)
    {
        ref double src = ref MemoryMarshal.GetReference(block);
        ref double dst = ref MemoryMarshal.GetReference(p);
        int full = rows / w;
        for (int g = 0; g < full; g++)
        for (int h = 0; h < w; h += 4)
        {
            ref double s = ref Unsafe.Add(ref src, g * w * cols + h);
            ref double d = ref Unsafe.Add(ref dst, (g * w + h) * cols);
            var sg = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(sum), (nuint)(w * g + h));
            int j = 0;
            for (; j <= cols - 4; j += 4)
            {
                Transpose4(
                    Vector256.LoadUnsafe(ref s, (nuint)(w * j)) / sg, Vector256.LoadUnsafe(ref s, (nuint)(w * (j + 1))) / sg,
                    Vector256.LoadUnsafe(ref s, (nuint)(w * (j + 2))) / sg, Vector256.LoadUnsafe(ref s, (nuint)(w * (j + 3))) / sg,
                    out var r0, out var r1, out var r2, out var r3);
                r0.StoreUnsafe(ref d, (nuint)j);
                r1.StoreUnsafe(ref d, (nuint)(cols + j));
                r2.StoreUnsafe(ref d, (nuint)(2 * cols + j));
                r3.StoreUnsafe(ref d, (nuint)(3 * cols + j));
            }
            for (; j < cols; j++)
            {
                var c = Vector256.LoadUnsafe(ref s, (nuint)(w * j)) / sg;
                d.At(j) = c.GetElement(0);
                d.At(cols + j) = c.GetElement(1);
                d.At(2 * cols + j) = c.GetElement(2);
                d.At(3 * cols + j) = c.GetElement(3);
            }
        }
        FromColumnsShortGroup(block, rows, cols, w, sum, p);
    }

    /// <summary>(a, b, c, d) rows of a 4×4 tile to its columns (the same shuffle is its own inverse).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(Vector256<double> a, Vector256<double> b, Vector256<double> c, Vector256<double> d,
        out Vector256<double> c0, out Vector256<double> c1, out Vector256<double> c2, out Vector256<double> c3)
    {
        // Only reached on the AVX2 path; the 128-bit lane shuffles have no cross-platform Vector256 form.
        var t0 = Avx.UnpackLow(a, b);  // a0 b0 a2 b2
        var t1 = Avx.UnpackHigh(a, b); // a1 b1 a3 b3
        var t2 = Avx.UnpackLow(c, d);  // c0 d0 c2 d2
        var t3 = Avx.UnpackHigh(c, d); // c1 d1 c3 d3
        c0 = Avx.Permute2x128(t0, t2, 0x20);
        c1 = Avx.Permute2x128(t1, t3, 0x20);
        c2 = Avx.Permute2x128(t0, t2, 0x31);
        c3 = Avx.Permute2x128(t1, t3, 0x31);
    }

    /// <summary>As <see cref="ToColumns256"/> with groups of 2 rows and 2×2 register transposes.</summary>
    private static void ToColumns128(ReadOnlySpan<double> z, int rows, int cols, Span<double> block, Span<double> max)
    {
        ref double src = ref MemoryMarshal.GetReference(z);
        ref double dst = ref MemoryMarshal.GetReference(block);
        ref double mx = ref MemoryMarshal.GetReference(max);
        int full = rows / 2;
        for (int g = 0; g < full; g++)
        {
            ref double s = ref Unsafe.Add(ref src, g * 2 * cols);
            ref double d = ref Unsafe.Add(ref dst, g * 2 * cols);
            var m = Vector128.Create(double.NegativeInfinity);
            int j = 0;
            for (; j <= cols - 2; j += 2)
            {
                var a = Vector128.LoadUnsafe(ref s, (nuint)j);
                var b = Vector128.LoadUnsafe(ref s, (nuint)(cols + j));
                var c0 = ZipLow(a, b);
                var c1 = ZipHigh(a, b);
                c0.StoreUnsafe(ref d, (nuint)(2 * j));
                c1.StoreUnsafe(ref d, (nuint)(2 * j + 2));
                m = Vector128.MaxNative(Vector128.MaxNative(c0, c1), m);
            }
            if (j < cols)
            {
                var c = Vector128.Create(s.At(j), s.At(cols + j));
                c.StoreUnsafe(ref d, (nuint)(2 * j));
                m = Vector128.MaxNative(c, m);
            }
            m.StoreUnsafe(ref mx, (nuint)(2 * g));
        }
        if (ToColumnsShortGroup(z, rows, cols, 2, block))
        {
            ref double d = ref Unsafe.Add(ref dst, full * 2 * cols);
            var m = Vector128.Create(double.NegativeInfinity);
            for (int j = 0; j < cols; j++)
                m = Vector128.MaxNative(Vector128.LoadUnsafe(ref d, (nuint)(2 * j)), m);
            m.StoreUnsafe(ref mx, (nuint)(2 * full));
        }
    }

    /// <summary>As <see cref="FromColumns256"/> with groups of 2 rows.</summary>
    private static void FromColumns128(ReadOnlySpan<double> block, int rows, int cols, ReadOnlySpan<double> sum, Span<double> p)
    {
        ref double src = ref MemoryMarshal.GetReference(block);
        ref double dst = ref MemoryMarshal.GetReference(p);
        int full = rows / 2;
        for (int g = 0; g < full; g++)
        {
            ref double s = ref Unsafe.Add(ref src, g * 2 * cols);
            ref double d = ref Unsafe.Add(ref dst, g * 2 * cols);
            var sg = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(sum), (nuint)(2 * g));
            int j = 0;
            for (; j <= cols - 2; j += 2)
            {
                var c0 = Vector128.LoadUnsafe(ref s, (nuint)(2 * j)) / sg;
                var c1 = Vector128.LoadUnsafe(ref s, (nuint)(2 * j + 2)) / sg;
                ZipLow(c0, c1).StoreUnsafe(ref d, (nuint)j);
                ZipHigh(c0, c1).StoreUnsafe(ref d, (nuint)(cols + j));
            }
            if (j < cols)
            {
                var c = Vector128.LoadUnsafe(ref s, (nuint)(2 * j)) / sg;
                d.At(j) = c.GetElement(0);
                d.At(cols + j) = c.GetElement(1);
            }
        }
        FromColumnsShortGroup(block, rows, cols, 2, sum, p);
    }

    /// <summary>(a0, b0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> ZipLow(Vector128<double> a, Vector128<double> b) =>
        Sse2.IsSupported ? Sse2.UnpackLow(a, b)
        : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.ZipLow(a, b)
        : Vector128.Create(a.GetElement(0), b.GetElement(0));

    /// <summary>(a1, b1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> ZipHigh(Vector128<double> a, Vector128<double> b) =>
        Sse2.IsSupported ? Sse2.UnpackHigh(a, b)
        : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.ZipHigh(a, b)
        : Vector128.Create(a.GetElement(1), b.GetElement(1));

    /// <summary>
    /// The last group when <paramref name="rows"/> is not a multiple of <paramref name="w"/>: its rows lane by lane,
    /// zero rows after them (harmless: exp(0 − 0) = 1, never stored). False if there is no such group.
    /// </summary>
    private static bool ToColumnsShortGroup(ReadOnlySpan<double> z, int rows, int cols, int w, Span<double> block)
    {
        int first = rows / w * w;
        if (first == rows) return false;
        Span<double> d = block.Slice(first * cols, w * cols);
        for (int lane = 0; lane < w; lane++)
        {
            int i = first + lane;
            for (int j = 0; j < cols; j++)
                d[j * w + lane] = i < rows ? z[i * cols + j] : 0.0;
        }
        return true;
    }

    /// <summary>The inverse of <see cref="ToColumnsShortGroup"/> for its real rows, dividing by their sums (the same IEEE division as a vector lane).</summary>
    private static void FromColumnsShortGroup(ReadOnlySpan<double> block, int rows, int cols, int w, ReadOnlySpan<double> sum, Span<double> p)
    {
        int first = rows / w * w;
        ReadOnlySpan<double> s = block[(first * cols)..];
        for (int i = first; i < rows; i++)
            for (int j = 0; j < cols; j++)
                p[i * cols + j] = s[j * w + (i - first)] / sum[i];
    }

    /// <summary>Writes back (divided by the sums) every row whose maximum is finite, lane by lane; only for blocks holding an infinite row.</summary>
    private static void FromColumnsSkipping(ReadOnlySpan<double> block, int rows, int cols, int w, ReadOnlySpan<double> max, ReadOnlySpan<double> sum, Span<double> p)
    {
        for (int i = 0; i < rows; i++)
        {
            if (double.IsInfinity(max[i])) continue;
            int g = i / w, lane = i % w;
            for (int j = 0; j < cols; j++)
                p[i * cols + j] = block[(g * cols + j) * w + lane] / sum[i];
        }
    }

    /// <summary>True if <paramref name="x"/> holds a NaN.</summary>
    private static bool HasNaN(ReadOnlySpan<double> x)
    {
        foreach (double v in x)
            if (double.IsNaN(v)) return true;
        return false;
    }

    /// <summary>The element <paramref name="i"/> places after <paramref name="r"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref double At(this ref double r, int i) => ref Unsafe.Add(ref r, i);
}
