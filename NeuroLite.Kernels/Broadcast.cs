using System.Runtime.CompilerServices;
using NeuroLite.Kernels.Elementwise;
using E = NeuroLite.Kernels.Elementwise.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.Broadcast"/> holds the scalar reference of each.</summary>
/// <remarks>
/// Every forward op is planned the same way: drop the size-1 axes of the output, merge neighbouring axes on which each
/// operand is either contiguous or broadcast alike, and run the innermost merged axis as one call into the element-wise
/// <see cref="Binary"/> kernels (span–span, span–scalar or scalar–span). Same shape and scalar operands are a single
/// call; a row vector (bias add) is one call that loops over the rows itself; a column vector and an outer product are
/// one call per row; anything else (rank ≤ 4) is the same per-row call under up to three outer loops. Each output element is computed by the same IEEE operation
/// on the same two inputs as in the reference, so results are bitwise the reference's (up to which NaN payload wins
/// when both inputs are NaN).
/// </remarks>
public static class Broadcast
{
    /// <summary>Innermost runs shorter than this are computed inline: a kernel call per two or three elements costs more than the arithmetic.</summary>
    private const int ShortRow = 8;

    /// <summary>c = a + b with broadcasting; <paramref name="c"/> has the broadcast shape's element count.</summary>
    public static void Add(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Apply<AddOperator>(a, aShape, b, bShape, c);

    /// <summary>c = a - b with broadcasting.</summary>
    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Apply<SubtractOperator>(a, aShape, b, bShape, c);

    /// <summary>c = a · b with broadcasting.</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Apply<MultiplyOperator>(a, aShape, b, bShape, c);

    /// <summary>c = a / b with broadcasting.</summary>
    public static void Divide(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c) => Apply<DivideOperator>(a, aShape, b, bShape, c);

    /// <summary>
    /// The reverse of a broadcast: sums <paramref name="g"/> (shape <paramref name="gShape"/>) over the axes on which
    /// <paramref name="dstShape"/> was broadcast (missing leading axes and size-1 axes) into <paramref name="dst"/>;
    /// adds to <paramref name="dst"/> when <paramref name="accumulate"/>, else overwrites it.
    /// </summary>
    /// <remarks>
    /// Same shape is one element-wise <see cref="Binary"/> add. Summing over leading axes (a row vector such as a bias
    /// gradient, or any block whose innermost axis is kept) adds rows in the reference's order and is bitwise equal to it. Summing over the innermost axis (a column vector, a
    /// scalar) uses the vectorized <see cref="Reduce.Sum"/>, which reorders additions: each destination element is
    /// within 2·γ_{n−1}·Σ|terms| of the reference, n the number of terms added into it (see <see cref="Reduce.Sum"/>).
    /// </remarks>
    public static void SumTo(ReadOnlySpan<double> g, ReadOnlySpan<int> gShape, Span<double> dst, ReadOnlySpan<int> dstShape, bool accumulate = false)
    {
        Validate.SumTo(g, gShape, dst, dstShape);
        if (g.Length == 0)
        {
            if (!accumulate) dst.Clear();
            return;
        }
        // A non-empty gradient with as many elements as dst has dst's shape (every axis of dst is ≤ g's).
        if (dst.Length == g.Length)
        {
            // g + 0 rather than a copy: the reference's 0 + g turns −0 into +0, and we stay bitwise equal to it.
            if (accumulate) Binary.Add(dst, g, dst);
            else Binary.Add(g, 0.0, dst);
            return;
        }
        if (dst.Length == 1)
        {
            double s = ReductionDriver.Sum(g);
            dst[0] = accumulate ? dst[0] + s : s;
            return;
        }

        // Bias gradients and row sums, recognised from lengths (validated above) as in the forward ops.
        int inner = gShape[^1], rows = g.Length / inner;
        if (dst.Length == inner && dstShape[^1] == inner)
        {
            ReductionDriver.SumRows(g, rows, inner, dst, accumulate);
            return;
        }
        if (dst.Length == rows && dstShape[^1] == 1)
        {
            SumBlock(g, rows, inner, dst, sumInnermost: true, accumulate);
            return;
        }

        // Plan over (dst, g) with g as the output: dst's stride is 0 on the summed axes, g is contiguous.
        Dims dims = default, ds = default, gs = default;
        int k = Coalesce(dstShape, gShape, gShape, dims, ds, gs);
        // k ≥ 2 here (k ≤ 1 would make dst either g's size or a single element), and kept and summed axes alternate.
        int m = dims[k - 2], n = dims[k - 1];
        bool sumInnermost = ds[k - 1] == 0;
        if (k == 2)
        {
            SumBlock(g, m, n, dst, sumInnermost, accumulate);
            return;
        }

        // Up to two outer axes around the innermost (m × n) block; several blocks may land on one dst slice, so add.
        if (!accumulate) dst.Clear();
        int o0 = k == 4 ? dims[0] : 1, d0 = k == 4 ? ds[0] : 0;
        int o1 = dims[k - 3], d1 = ds[k - 3];
        int block = m * n, dstBlock = sumInnermost ? m : n, gi = 0;
        for (int i0 = 0; i0 < o0; i0++)
            for (int i1 = 0; i1 < o1; i1++, gi += block)
                SumBlock(g.Slice(gi, block), m, n, dst.Slice(i0 * d0 + i1 * d1, dstBlock), sumInnermost, accumulate: true);
    }

    /// <summary>Sums the row-major (m × n) <paramref name="g"/> over its rows (dst has n elements) or, when <paramref name="sumInnermost"/>, over its columns (dst has m).</summary>
    private static void SumBlock(ReadOnlySpan<double> g, int m, int n, Span<double> dst, bool sumInnermost, bool accumulate)
    {
        if (!sumInnermost)
        {
            ReductionDriver.SumRows(g, m, n, dst, accumulate);
            return;
        }
        for (int r = 0; r < m; r++)
        {
            double s = ReductionDriver.Sum(g.Slice(r * n, n));
            dst[r] = accumulate ? dst[r] + s : s;
        }
    }

    private static void Apply<TOp>(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c)
        where TOp : struct, IBinaryOperator
    {
        Dims outShape = default;
        int rank = Validate.Binary(a, aShape, b, bShape, c, outShape);
        int count = c.Length;
        if (count == 0) return;
        // With a non-empty output, an operand with the output's element count has the output's shape.
        if (a.Length == count && b.Length == count) { E.Binary<TOp>(a, b, c); return; }
        if (b.Length == 1) { E.Binary<TOp>(a, b[0], c); return; }
        if (a.Length == 1) { E.Binary<TOp>(a[0], b, c); return; }

        // The shapes that dominate training, recognised from lengths alone (the shapes were validated above): an operand
        // of `inner` elements ending in the output's last axis is a row vector (its other axes are all 1); one ending in
        // a 1 with an element per row is a column vector (its other axes are then the output's).
        int inner = outShape[rank - 1], rows = count / inner;
        if (a.Length == count)
        {
            if (b.Length == inner && bShape[^1] == inner)
            {
                if (inner >= ShortRow) E.RowBroadcast<TOp>(a, b, c);
                else for (int r = 0, i = 0; r < rows; r++, i += inner) Row<TOp>(a.Slice(i, inner), b, c.Slice(i, inner));
                return;
            }
            if (b.Length == rows && bShape[^1] == 1)
            {
                for (int r = 0, i = 0; r < rows; r++, i += inner) Row<TOp>(a.Slice(i, inner), b[r], c.Slice(i, inner));
                return;
            }
        }
        else if (b.Length == count)
        {
            if (a.Length == inner && aShape[^1] == inner)
            {
                if (inner >= ShortRow) E.RowBroadcast<TOp>(a, b, c);
                else for (int r = 0, i = 0; r < rows; r++, i += inner) Row<TOp>(a, b.Slice(i, inner), c.Slice(i, inner));
                return;
            }
            if (a.Length == rows && aShape[^1] == 1)
            {
                for (int r = 0, i = 0; r < rows; r++, i += inner) Row<TOp>(a[r], b.Slice(i, inner), c.Slice(i, inner));
                return;
            }
        }
        Strided<TOp>(a, aShape, b, bShape, outShape[..rank], c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TOp>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c) where TOp : struct, IBinaryOperator
    {
        if (c.Length >= ShortRow) E.Binary<TOp>(a, b, c);
        else for (int j = 0; j < c.Length; j++) c[j] = TOp.Invoke(a[j], b[j]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TOp>(ReadOnlySpan<double> a, double b, Span<double> c) where TOp : struct, IBinaryOperator
    {
        if (c.Length >= ShortRow) E.Binary<TOp>(a, b, c);
        else for (int j = 0; j < c.Length; j++) c[j] = TOp.Invoke(a[j], b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TOp>(double a, ReadOnlySpan<double> b, Span<double> c) where TOp : struct, IBinaryOperator
    {
        if (c.Length >= ShortRow) E.Binary<TOp>(a, b, c);
        else for (int j = 0; j < c.Length; j++) c[j] = TOp.Invoke(a, b[j]);
    }

    /// <summary>Rows (row vector, column vector, outer product) and the general case: per-row calls under up to three outer loops.</summary>
    private static void Strided<TOp>(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, ReadOnlySpan<int> outShape, Span<double> c)
        where TOp : struct, IBinaryOperator
    {
        Dims dims = default, sa = default, sb = default;
        int k = Coalesce(aShape, bShape, outShape, dims, sa, sb);
        int len = dims[k - 1];
        bool aRow = sa[k - 1] != 0, bRow = sb[k - 1] != 0;
        // Right-align the outer axes (k - 1 ≤ 3 of them) into three loops.
        Dims od = default, oa = default, ob = default;
        od[0] = od[1] = od[2] = 1;
        for (int j = 0; j < k - 1; j++)
        {
            od[j + 4 - k] = dims[j];
            oa[j + 4 - k] = sa[j];
            ob[j + 4 - k] = sb[j];
        }
        int ci = 0;
        for (int i0 = 0; i0 < od[0]; i0++)
            for (int i1 = 0; i1 < od[1]; i1++)
                for (int i2 = 0; i2 < od[2]; i2++, ci += len)
                {
                    int ai = i0 * oa[0] + i1 * oa[1] + i2 * oa[2];
                    int bi = i0 * ob[0] + i1 * ob[1] + i2 * ob[2];
                    Span<double> cr = c.Slice(ci, len);
                    if (aRow && bRow) Row<TOp>(a.Slice(ai, len), b.Slice(bi, len), cr);
                    else if (aRow) Row<TOp>(a.Slice(ai, len), b[bi], cr);
                    else Row<TOp>(a[ai], b.Slice(bi, len), cr);
                }
    }

    /// <summary>
    /// Plans a broadcast of <paramref name="aShape"/> and <paramref name="bShape"/> to <paramref name="outShape"/> (already
    /// validated, non-empty): drops the output's size-1 axes and merges neighbours on which each operand is full or
    /// broadcast alike. Writes the merged sizes and each operand's element strides (0 where it is broadcast) and returns
    /// how many merged axes there are (0 to 4). Neighbouring merged axes differ in how at least one operand is broadcast.
    /// </summary>
    internal static int Coalesce(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, ReadOnlySpan<int> outShape, Span<int> dims, Span<int> aStrides, Span<int> bStrides)
    {
        Dims o = default, ad = default, bd = default, full = default;
        Shapes.Pad4(outShape, o);
        Shapes.Pad4(aShape, ad);
        Shapes.Pad4(bShape, bd);
        int k = 0, previous = -1;
        for (int i = 0; i < Shapes.MaxRank; i++)
        {
            if (o[i] == 1) continue;
            int mask = (ad[i] == o[i] ? 1 : 0) | (bd[i] == o[i] ? 2 : 0);
            if (mask == previous)
            {
                dims[k - 1] *= o[i];
                continue;
            }
            dims[k] = o[i];
            full[k] = mask;
            previous = mask;
            k++;
        }
        int strideA = 1, strideB = 1;
        for (int j = k - 1; j >= 0; j--)
        {
            aStrides[j] = (full[j] & 1) != 0 ? strideA : 0;
            bStrides[j] = (full[j] & 2) != 0 ? strideB : 0;
            if ((full[j] & 1) != 0) strideA *= dims[j];
            if ((full[j] & 2) != 0) strideB *= dims[j];
        }
        return k;
    }
}
