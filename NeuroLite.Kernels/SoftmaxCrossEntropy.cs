using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeuroLite.Kernels.Elementwise;
using E = NeuroLite.Kernels.Elementwise.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.SoftmaxCrossEntropy"/> holds the scalar reference of each.</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Backward handles this many rows per element-wise call, remembering their target entries on the stack.</summary>
    private const int RowBlock = 64;

    /// <summary>
    /// For each row r of the (rows × cols) <paramref name="logits"/>: <paramref name="probabilities"/> row r = softmax(row r) and
    /// <paramref name="rowLoss"/>[r] = log Σ exp(row r) − row r[targets[r]].
    /// </summary>
    /// <remarks>
    /// <para>Per row: m = max, p = exp(z − m) (the function <see cref="Unary.Exp"/> applies), s = Σ p, p /= s,
    /// loss = ln s (<see cref="Unary.Log"/>'s function) + (m − z_t) (bracketed so ln s is not absorbed by huge logits).
    /// Rows of up to 32 columns are vectorized across rows: blocks of 64 rows are transposed on the stack so that each
    /// vector lane holds one row, and s adds j = 0, 1, …, n − 1 in order, as the reference does. Wider rows are
    /// vectorized along each row (s by <see cref="Reduce.Sum"/>), with exp and ln called once per block of 64 rows.
    /// Huge logits (±1e300) cannot overflow since z − m ≤ 0; rows with an infinite maximum take the reference's limit
    /// (no NaN where the math is finite); a NaN makes its row's outputs NaN, as in the reference.
    /// <paramref name="probabilities"/> may be <paramref name="logits"/> itself.</para>
    /// <para><b>Bound vs the reference.</b> z − m is the same rounded value in both (on the across-rows path a zero
    /// maximum may carry the other sign, which changes neither exp(z − m) nor the loss). With exp within 1 ulp (≤ 2u
    /// relative, u = 2^-53) of <see cref="Math.Exp"/> and both sums of the n non-negative terms within γ_{n−1} relative
    /// of their exact sums, s/s_ref = 1 + ρ with |ρ| ≤ 2γ_{n−1} + 2u + O(u²). Each p_j then picks up one more exp error
    /// and two division roundings: |p_j − p_ref,j| ≤ (2n + 8)·u·p_ref,j (plus a few units of the smallest subnormal
    /// where exp underflows gradually). For the loss, m − z_t is the same rounded value in both and s ≥ 1, so
    /// |ln s − ln s_ref| ≤ |ρ|(1 + O(u)); adding one ulp of ln on each side (<see cref="Unary.Log"/> and <see cref="Math.Log(double)"/> are both within 1 ulp) and the final addition's
    /// rounding on each side: |L − L_ref| ≤ (2n + 8)·u + 4u·(|ln s| + |L_ref|).</para>
    /// </remarks>
    public static void Forward(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss)
    {
        Validate.SoftmaxCe(logits, rows, cols, targets, probabilities, rowLoss.Length);
        if (SoftmaxAcrossRows.Applies(cols))
        {
            SoftmaxAcrossRows.Forward(logits, rows, cols, targets, probabilities, rowLoss);
            return;
        }
        // Wide rows (and the scalar path): a block of rows at a time, so exp and ln run as single calls over many short rows (a 10-class row is only
        // 2.5 vectors: per-row calls were mostly call overhead). Row statistics live on the stack.
        Span<double> max = stackalloc double[RowBlock];
        Span<double> sum = stackalloc double[RowBlock];
        Span<double> zt = stackalloc double[RowBlock];
        for (int r0 = 0; r0 < rows; r0 += RowBlock)
        {
            int nr = Math.Min(RowBlock, rows - r0);
            ReadOnlySpan<double> z = logits.Slice(r0 * cols, nr * cols);
            Span<double> p = probabilities.Slice(r0 * cols, nr * cols);
            bool infinite = false;
            for (int i = 0; i < nr; i++)
            {
                ReadOnlySpan<double> zi = z.Slice(i * cols, cols);
                zt[i] = zi[targets[r0 + i]];
                max[i] = Reduction.Max(zi);
                infinite |= double.IsInfinity(max[i]);
            }
            if (infinite)
            {
                RowByRow(z, nr, cols, max, zt, p, rowLoss.Slice(r0, nr));
                continue;
            }
            // p may be z itself: everything read from z (its targets' logits, maxima) is on the stack by now.
            for (int i = 0; i < nr; i++)
                E.Binary<SubtractOperator>(z.Slice(i * cols, cols), max[i], p.Slice(i * cols, cols));
            E.Unary<ExpOperator>(p, p);
            for (int i = 0; i < nr; i++)
            {
                Span<double> pi = p.Slice(i * cols, cols);
                sum[i] = Reduction.Sum(pi);
                E.Binary<DivideOperator>(pi, sum[i], pi);
            }
            Span<double> logSum = sum[..nr];
            E.Unary<LogOperator>(logSum, logSum);
            for (int i = 0; i < nr; i++)
                rowLoss[r0 + i] = logSum[i] + (max[i] - zt[i]);
        }
    }

    /// <summary>The same rows one at a time, for a block holding a row whose maximum is infinite (or a row of no columns).</summary>
    private static void RowByRow(ReadOnlySpan<double> z, int rows, int cols, ReadOnlySpan<double> max, ReadOnlySpan<double> zt, Span<double> p, Span<double> rowLoss)
    {
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<double> zi = z.Slice(i * cols, cols);
            Span<double> pi = p.Slice(i * cols, cols);
            double m = max[i];
            if (double.IsInfinity(m))
            {
                rowLoss[i] = Reference.SoftmaxCrossEntropy.InfiniteMaxRow(zi, m, zt[i], pi);
                continue;
            }
            E.Binary<SubtractOperator>(zi, m, pi);
            E.Unary<ExpOperator>(pi, pi);
            double s = Reduction.Sum(pi);
            E.Binary<DivideOperator>(pi, s, pi);
            rowLoss[i] = Math.Log(s) + (m - zt[i]);
        }
    }

    /// <summary>gradLogits = scale · (probabilities − onehot(targets)), or += that when <paramref name="accumulate"/>.</summary>
    /// <remarks>
    /// One element-wise call per block of rows, then the target entries are redone from values saved before the call
    /// (so <paramref name="gradLogits"/> may be <paramref name="probabilities"/>). Overwriting is bitwise the reference.
    /// Accumulating uses the fused <see cref="Binary.Axpy"/> (one rounding instead of the reference's two):
    /// |g − g_ref| ≤ u·|d| + 2u·|g_old + d| (d = scale·p, u = 2^-53); target entries are bitwise the reference.
    /// </remarks>
    [SkipLocalsInit] // pt and gt: entries [0, nr) are written before they are read
    public static void Backward(ReadOnlySpan<double> probabilities, int rows, int cols, ReadOnlySpan<int> targets, double scale, Span<double> gradLogits, bool accumulate = false)
    {
        Validate.SoftmaxCe(probabilities, rows, cols, targets, gradLogits, rows);
        Span<double> pt = stackalloc double[RowBlock];
        Span<double> gt = stackalloc double[RowBlock];
        // Validated above (every target in [0, cols), both buffers rows·cols long), so the per-row target accesses go
        // through refs: with bounds checks on four spans they cost more than the element-wise pass over the block.
        ref double p0 = ref MemoryMarshal.GetReference(probabilities);
        ref double g0 = ref MemoryMarshal.GetReference(gradLogits);
        ref int t0 = ref MemoryMarshal.GetReference(targets);
        ref double pt0 = ref MemoryMarshal.GetReference(pt);
        ref double gt0 = ref MemoryMarshal.GetReference(gt);
        for (int r0 = 0; r0 < rows; r0 += RowBlock)
        {
            int nr = Math.Min(RowBlock, rows - r0);
            for (int i = 0; i < nr; i++)
            {
                nint at = (nint)(r0 + i) * cols + Unsafe.Add(ref t0, r0 + i);
                Unsafe.Add(ref pt0, i) = Unsafe.Add(ref p0, at);
                Unsafe.Add(ref gt0, i) = Unsafe.Add(ref g0, at);
            }
            ReadOnlySpan<double> p = probabilities.Slice(r0 * cols, nr * cols);
            Span<double> g = gradLogits.Slice(r0 * cols, nr * cols);
            if (accumulate) Binary.Axpy(scale, p, g);
            else Binary.Multiply(p, scale, g);
            for (int i = 0; i < nr; i++)
            {
                double d = scale * (Unsafe.Add(ref pt0, i) - 1.0);
                Unsafe.Add(ref g0, (nint)(r0 + i) * cols + Unsafe.Add(ref t0, r0 + i)) = accumulate ? Unsafe.Add(ref gt0, i) + d : d;
            }
        }
    }
}
