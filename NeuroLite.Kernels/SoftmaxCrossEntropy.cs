using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NeuroLite.Kernels.Elementwise;
using E = NeuroLite.Kernels.Elementwise.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>SIMD kernels (AVX2+FMA, NEON/Vector128, scalar fallback); <see cref="Reference.SoftmaxCrossEntropy"/> holds the scalar reference of each.</summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Backward, when it must work in blocks, handles this many rows per element-wise call (their target values on the stack).</summary>
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
    /// <paramref name="probabilities"/> may be <paramref name="logits"/> itself; any other overlap among the buffers is
    /// rejected. Each target is read once per row through a bounds-checked access, so a caller that changes them during
    /// the call gets a wrong loss or an exception, never a read outside the logits.</para>
    /// <para><b>Bound vs the reference.</b> z − m is the same rounded value in both (on the across-rows path a zero
    /// maximum may carry the other sign, which changes neither exp(z − m) nor the loss). With exp within 1 ulp (≤ 2u
    /// relative, u = 2^-53) of <see cref="Math.Exp"/> and both sums of the n non-negative terms within γ_{n−1} relative
    /// of their exact sums, s/s_ref = 1 + ρ with |ρ| ≤ 2γ_{n−1} + 2u + O(u²). Each p_j then picks up one more exp error
    /// and two division roundings: |p_j − p_ref,j| ≤ (2n + 8)·u·p_ref,j (plus a few units of the smallest subnormal
    /// where exp underflows gradually). For the loss, m − z_t is the same rounded value in both and s ≥ 1, so
    /// |ln s − ln s_ref| ≤ |ρ|(1 + O(u)); adding one ulp of ln on each side (<see cref="Unary.Log"/> and <see cref="Math.Log(double)"/> are both within 1 ulp) and the final addition's
    /// rounding on each side: |L − L_ref| ≤ (2n + 8)·u + 4u·(|ln s| + |L_ref|).</para>
    /// </remarks>
    /// <exception cref="ArgumentException">A size is negative, a span has the wrong length, or buffers overlap (other than <paramref name="probabilities"/> being <paramref name="logits"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, cols).</exception>
    public static void Forward(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss)
    {
        Validate.SoftmaxCeForward(logits, rows, cols, targets, probabilities, rowLoss);
        try
        {
            if (SoftmaxAcrossRows.Applies(cols)) SoftmaxAcrossRows.Forward(logits, rows, cols, targets, probabilities, rowLoss);
            else ForwardAlongRows(logits, rows, cols, targets, probabilities, rowLoss);
        }
        catch (IndexOutOfRangeException e)
        {
            // Only a target changed after the entry check can index outside a row block (the reads are bounds-checked).
            throw new InvalidOperationException("The targets changed during the call (another thread wrote them after they were checked); the outputs are incomplete.", e);
        }
    }

    /// <summary>The forward pass along each row, for wide rows and the scalar path; arguments validated.</summary>
    private static void ForwardAlongRows(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss)
    {
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
                max[i] = ReductionDriver.Max(zi);
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
                sum[i] = ReductionDriver.Sum(pi);
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
                rowLoss[i] = SoftmaxCrossEntropy.InfiniteMaxRow(zi, m, zt[i], pi);
                continue;
            }
            E.Binary<SubtractOperator>(zi, m, pi);
            E.Unary<ExpOperator>(pi, pi);
            double s = ReductionDriver.Sum(pi);
            E.Binary<DivideOperator>(pi, s, pi);
            rowLoss[i] = Math.Log(s) + (m - zt[i]);
        }
    }

    /// <summary>gradLogits = scale · (probabilities − onehot(targets)), or += that when <paramref name="accumulate"/>.</summary>
    /// <remarks>
    /// One element-wise pass, then the target entries are rewritten with their exact value scale·(p − 1) (+ the old
    /// entry when accumulating). When the pass would destroy what those values need (the old entries when accumulating,
    /// or p itself when <paramref name="gradLogits"/> is <paramref name="probabilities"/>), the rows go in blocks whose
    /// target values are computed before the block's pass. Every target is read once into a local and checked again
    /// before the write it steers (one compare per row): a caller's thread that changes the targets after the entry
    /// check gets <see cref="InvalidOperationException"/>, never a write outside <paramref name="gradLogits"/>. Overwriting is bitwise the reference. Accumulating uses the
    /// fused <see cref="Binary.Axpy"/> (one rounding instead of the reference's two): |g − g_ref| ≤ u·|d| + 2u·|g_old + d|
    /// (d = scale·p, u = 2^-53); target entries are bitwise the reference.
    /// </remarks>
    /// <exception cref="ArgumentException">A size is negative, a span has the wrong length, or <paramref name="gradLogits"/> partially overlaps <paramref name="probabilities"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, cols).</exception>
    [SkipLocalsInit] // targetValues and targetIndex: entries [0, nr) are written before they are read
    public static void Backward(ReadOnlySpan<double> probabilities, int rows, int cols, ReadOnlySpan<int> targets, double scale, Span<double> gradLogits, bool accumulate = false)
    {
        Validate.SoftmaxCeBackward(probabilities, rows, cols, targets, gradLogits);
        int length = rows * cols;
        // Both buffers are rows·cols long (checked above), so the per-row target accesses go through refs (with bounds
        // checks on three spans they cost more than the element-wise pass); what keeps them in bounds is the check of
        // each target's one read, since the caller's memory may change after the entry check.
        ref double p0 = ref MemoryMarshal.GetReference(probabilities);
        ref double g0 = ref MemoryMarshal.GetReference(gradLogits);
        ref int t0 = ref MemoryMarshal.GetReference(targets);
        if (!accumulate && !Validate.Overlap(probabilities, gradLogits))
        {
            // The pass writes nothing the target values read: one call over all rows, then one loop over the targets.
            Binary.Multiply(probabilities[..length], scale, gradLogits[..length]);
            OverwriteTargets(ref p0, ref g0, ref t0, rows, cols, scale);
            return;
        }

        Span<double> targetValues = stackalloc double[RowBlock];
        Span<nint> targetIndex = stackalloc nint[RowBlock];
        ref double v0 = ref MemoryMarshal.GetReference(targetValues);
        ref nint x0 = ref MemoryMarshal.GetReference(targetIndex);
        for (int r0 = 0; r0 < rows; r0 += RowBlock)
        {
            int nr = Math.Min(RowBlock, rows - r0);
            nint row = (nint)r0 * cols;
            for (int i = 0; i < nr; i++, row += cols)
            {
                // One read of the target, checked, and its flat index kept for the write after the pass.
                int t = Unsafe.Add(ref t0, r0 + i);
                if ((uint)t >= (uint)cols) Validate.ThrowTargetChanged(t, r0 + i, cols);
                nint ti = row + t;
                Unsafe.Add(ref x0, i) = ti;
                double d = scale * (Unsafe.Add(ref p0, ti) - 1.0);
                Unsafe.Add(ref v0, i) = accumulate ? Unsafe.Add(ref g0, ti) + d : d;
            }
            ReadOnlySpan<double> p = probabilities.Slice(r0 * cols, nr * cols);
            Span<double> g = gradLogits.Slice(r0 * cols, nr * cols);
            if (accumulate) Binary.Axpy(scale, p, g);
            else Binary.Multiply(p, scale, g);
            for (int i = 0; i < nr; i++)
                Unsafe.Add(ref g0, Unsafe.Add(ref x0, i)) = Unsafe.Add(ref v0, i);
        }
    }

    /// <summary>g[r, t_r] = scale·(p[r, t_r] − 1) for every row: a method of its own so the loop keeps its refs in registers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OverwriteTargets(ref double p0, ref double g0, ref int t0, int rows, int cols, double scale)
    {
        nint at = 0;
        for (int r = 0; r < rows; r++, at += cols)
        {
            int t = Unsafe.Add(ref t0, r);
            if ((uint)t >= (uint)cols) Validate.ThrowTargetChanged(t, r, cols);
            nint ti = at + t;
            Unsafe.Add(ref g0, ti) = scale * (Unsafe.Add(ref p0, ti) - 1.0);
        }
    }

    /// <summary>
    /// The limit of softmax and its loss for a row whose maximum <paramref name="m"/> is ±∞ (where exp(z − m) would be
    /// NaN); writes the probabilities (p may be z) and returns the loss. <paramref name="zt"/> is the target's logit.
    /// </summary>
    internal static double InfiniteMaxRow(ReadOnlySpan<double> z, double m, double zt, Span<double> p)
    {
        if (double.IsNegativeInfinity(m))
        {
            p.Fill(1.0 / z.Length);
            return Math.Log(z.Length);
        }
        int k = 0;
        foreach (double v in z) if (double.IsPositiveInfinity(v)) k++;
        double share = 1.0 / k;
        for (int j = 0; j < z.Length; j++) p[j] = double.IsPositiveInfinity(z[j]) ? share : 0.0;
        return double.IsPositiveInfinity(zt) ? Math.Log(k) : double.PositiveInfinity;
    }
}
