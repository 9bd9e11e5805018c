using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NeuroLite.Kernels.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>
/// An associative, commutative fold (sum, max) in the <c>TensorPrimitives</c> operator-struct style: the identity, and
/// the pairwise step on scalars and on vectors of any width. <see cref="ReductionDriver.Aggregate{T}"/> is the one loop
/// driver that runs any of them.
/// </summary>
internal interface IAggregator
{
    /// <summary>The starting value of every accumulator.</summary>
    static abstract double Identity { get; }

    /// <summary>Folds two scalars.</summary>
    static abstract double Invoke(double x, double y);

    /// <summary>Folds two vectors lane-wise.</summary>
    static abstract TVec Invoke<TVec>(TVec x, TVec y) where TVec : struct, ISimdVector<TVec>;
}

/// <summary>x + y. The identity is +0 because the reference sum starts from +0 (so a sum of −0s is +0 on both).</summary>
internal readonly struct SumAggregator : IAggregator
{
    public static double Identity => 0.0;
    public static double Invoke(double x, double y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec y) where TVec : struct, ISimdVector<TVec> => x + y;
}

/// <summary>
/// IEEE 754-2019 maximum: NaN propagates and +0 &gt; −0, on every path (<see cref="Math.Max(double, double)"/> and
/// <c>Vector128/256/512.Max</c> share these semantics since .NET 9). Because that max is associative and commutative on
/// values, any fold order gives exactly the reference's value.
/// </summary>
internal readonly struct MaxAggregator : IAggregator
{
    public static double Identity => double.NegativeInfinity;
    public static double Invoke(double x, double y) => Math.Max(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec y) where TVec : struct, ISimdVector<TVec> => TVec.Max(x, y);
}

/// <summary>The lanes of one vector, to fold across them in a fixed order.</summary>
[InlineArray(8)]
internal struct Lanes
{
    private double _element;
}

/// <summary>
/// The reduction drivers behind <see cref="Reduce"/>, <see cref="Broadcast.SumTo"/> and <see cref="SoftmaxCrossEntropy"/>.
/// </summary>
/// <remarks>
/// <para><b>Summation order and its error bound.</b> <see cref="Sum"/> keeps 8 vector accumulators (64 lanes with
/// AVX-512, 32 with AVX2, 16 with Vector128/NEON; 4 scalar accumulators on the scalar path), folds leftover whole vectors
/// into the first one, combines the accumulators as a tree, then the lanes by halves, then adds the last &lt; one-vector
/// elements in order. The reference adds left to right. Higham (Accuracy and Stability of Numerical Algorithms, §4.2):
/// ANY order of summing n terms x_i in binary64 (unit roundoff u = 2^-53) returns ŝ with |ŝ − Σx_i| ≤ γ_{n−1}·Σ|x_i|,
/// where γ_k = k·u/(1 − k·u), provided nothing overflows. Both ours and the reference are such orders, so</para>
/// <para>    |ŝ_simd − ŝ_ref| ≤ 2·γ_{n−1}·Σ|x_i|,</para>
/// <para>which is what the tests assert (with Σ|x_i| itself computed in floating point, so they use 2·γ_n). Our order is
/// also better conditioned than the reference's: with W lanes a term passes through at most ⌈n/8W⌉ (main loop) + 7
/// (one-vector loop) + 3 (accumulator tree) + log2 W (lanes) + W − 1 (scalar tail) additions (n/64 + 20 with AVX-512,
/// n/32 + 15 with AVX2, n/16 + 12 with Vector128/NEON, n/4 + 5 scalar) where the reference's first term passes through
/// n − 1. A result involving ±∞ or NaN is order-independent (any NaN, or both infinities, give NaN; a single-signed
/// infinity wins), except when finite partial sums overflow, where the reference itself is order-dependent.</para>
/// <para><see cref="SumRows"/> adds rows into the destination in row order per column, which is exactly the
/// reference's order, so it is bitwise equal to the reference.</para>
/// </remarks>
internal static class ReductionDriver
{
    /// <summary>Σ x_i (+0 for an empty span), within 2·γ_{n−1}·Σ|x_i| of the left-to-right reference sum.</summary>
    public static double Sum(ReadOnlySpan<double> x) => Aggregate<SumAggregator>(x);

    /// <summary>max x_i (−∞ for an empty span; NaN if any element is NaN; +0 above −0). Exact.</summary>
    public static double Max(ReadOnlySpan<double> x) => Aggregate<MaxAggregator>(x);

    /// <summary>The one fold driver: 8-way unrolled vector accumulators, a vector tail, a tree combine, a scalar tail.</summary>
    public static double Aggregate<T>(ReadOnlySpan<double> x) where T : struct, IAggregator
    {
        if (Simd.UseAvx512) return Aggregate<T, V512>(x);
        if (Simd.UseAvx2Fma) return Aggregate<T, V256>(x);
        return Aggregate<T, V128>(x);
    }

    /// <summary><see cref="Aggregate{T}"/> with vectors of <typeparamref name="TVec"/> (<see cref="V128"/> also on the scalar path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Aggregate<T, TVec>(ReadOnlySpan<double> x) where T : struct, IAggregator where TVec : struct, ISimdVector<TVec>
    {
        ref double p = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0, w = (nuint)TVec.Count;
        double r;
        if (Vector128.IsHardwareAccelerated && n >= w)
        {
            TVec id = TVec.Create(T.Identity);
            TVec a0 = id, a1 = id, a2 = id, a3 = id, a4 = id, a5 = id, a6 = id, a7 = id;
            for (; i + 8 * w <= n; i += 8 * w)
            {
                a0 = T.Invoke(a0, TVec.Load(in p, i));
                a1 = T.Invoke(a1, TVec.Load(in p, i + w));
                a2 = T.Invoke(a2, TVec.Load(in p, i + 2 * w));
                a3 = T.Invoke(a3, TVec.Load(in p, i + 3 * w));
                a4 = T.Invoke(a4, TVec.Load(in p, i + 4 * w));
                a5 = T.Invoke(a5, TVec.Load(in p, i + 5 * w));
                a6 = T.Invoke(a6, TVec.Load(in p, i + 6 * w));
                a7 = T.Invoke(a7, TVec.Load(in p, i + 7 * w));
            }
            for (; i + w <= n; i += w)
                a0 = T.Invoke(a0, TVec.Load(in p, i));
            a0 = T.Invoke(T.Invoke(T.Invoke(a0, a1), T.Invoke(a2, a3)), T.Invoke(T.Invoke(a4, a5), T.Invoke(a6, a7)));
            // Across the lanes by halves: lane k with lane k + w/2, then k + w/4, ... (for 4 lanes: (l0∘l2)∘(l1∘l3)).
            Lanes lanes = default;
            a0.Store(ref lanes[0], 0);
            for (int half = TVec.Count / 2; half >= 1; half /= 2)
                for (int k = 0; k < half; k++)
                    lanes[k] = T.Invoke(lanes[k], lanes[k + half]);
            r = lanes[0];
        }
        else
        {
            // Four independent chains so the scalar path is not bound by the add latency.
            double s0 = T.Identity, s1 = s0, s2 = s0, s3 = s0;
            for (; i + 4 <= n; i += 4)
            {
                s0 = T.Invoke(s0, Unsafe.Add(ref p, i));
                s1 = T.Invoke(s1, Unsafe.Add(ref p, i + 1));
                s2 = T.Invoke(s2, Unsafe.Add(ref p, i + 2));
                s3 = T.Invoke(s3, Unsafe.Add(ref p, i + 3));
            }
            r = T.Invoke(T.Invoke(s0, s1), T.Invoke(s2, s3));
        }
        for (; i < n; i++)
            r = T.Invoke(r, Unsafe.Add(ref p, i));
        return r;
    }

    /// <summary>
    /// Column sums of the row-major (rows × cols) <paramref name="g"/>: dst[j] = (accumulate ? dst[j] : 0) + g[0, j] +
    /// g[1, j] + … added in row order, which is the reference's order, so the result is bitwise the reference's.
    /// </summary>
    /// <remarks>
    /// Rows are taken four at a time so <paramref name="dst"/> is loaded and stored once per four rows while the four
    /// rows stream in sequentially (prefetch-friendly); a column-blocked walk down all rows would stride through memory.
    /// </remarks>
    public static void SumRows(ReadOnlySpan<double> g, int rows, int cols, Span<double> dst, bool accumulate)
    {
        if (!accumulate) dst.Clear();
        if (cols == 0) return;
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            if (Simd.UseAvx512) AddFourRows<V512>(ref Unsafe.AsRef(in g[r * cols]), cols, dst);
            else if (Simd.UseAvx2Fma) AddFourRows<V256>(ref Unsafe.AsRef(in g[r * cols]), cols, dst);
            else AddFourRows<V128>(ref Unsafe.AsRef(in g[r * cols]), cols, dst);
        }
        for (; r < rows; r++)
            Binary.Add(dst, g.Slice(r * cols, cols), dst);
    }

    /// <summary>dst[j] = (((dst[j] + g0[j]) + g1[j]) + g2[j]) + g3[j] for the four consecutive rows starting at <paramref name="g0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddFourRows<TVec>(ref double g0, int cols, Span<double> dst) where TVec : struct, ISimdVector<TVec>
    {
        ref double d = ref MemoryMarshal.GetReference(dst);
        nuint n = (nuint)cols, j = 0, w = (nuint)TVec.Count;
        ref double g1 = ref Unsafe.Add(ref g0, n);
        ref double g2 = ref Unsafe.Add(ref g1, n);
        ref double g3 = ref Unsafe.Add(ref g2, n);
        if (Vector128.IsHardwareAccelerated)
        {
            for (; j + 2 * w <= n; j += 2 * w)
            {
                TVec x = TVec.Load(in d, j), y = TVec.Load(in d, j + w);
                x += TVec.Load(in g0, j); y += TVec.Load(in g0, j + w);
                x += TVec.Load(in g1, j); y += TVec.Load(in g1, j + w);
                x += TVec.Load(in g2, j); y += TVec.Load(in g2, j + w);
                x += TVec.Load(in g3, j); y += TVec.Load(in g3, j + w);
                x.Store(ref d, j);
                y.Store(ref d, j + w);
            }
            for (; j + w <= n; j += w)
            {
                TVec x = TVec.Load(in d, j);
                x += TVec.Load(in g0, j);
                x += TVec.Load(in g1, j);
                x += TVec.Load(in g2, j);
                x += TVec.Load(in g3, j);
                x.Store(ref d, j);
            }
        }
        // Columns left over after the vectors (and every column on the scalar path), same order per column.
        for (; j < n; j++)
            Unsafe.Add(ref d, j) = Unsafe.Add(ref d, j) + Unsafe.Add(ref g0, j) + Unsafe.Add(ref g1, j) + Unsafe.Add(ref g2, j) + Unsafe.Add(ref g3, j);
    }

    /// <summary>
    /// The first index i with x[i] equal to <paramref name="value"/> (IEEE equality, so −0 matches +0), or with x[i] NaN
    /// when <paramref name="value"/> is NaN; −1 if none.
    /// </summary>
    public static int IndexOfFirst(ReadOnlySpan<double> x, double value)
    {
        if (Simd.UseAvx512) return IndexOfFirst<V512>(x, value);
        if (Simd.UseAvx2Fma) return IndexOfFirst<V256>(x, value);
        return IndexOfFirst<V128>(x, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int IndexOfFirst<TVec>(ReadOnlySpan<double> x, double value) where TVec : struct, ISimdVector<TVec>
    {
        ref double p = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0, w = (nuint)TVec.Count;
        bool nan = double.IsNaN(value);
        if (Vector128.IsHardwareAccelerated)
        {
            TVec v = TVec.Create(value);
            uint all = (1u << TVec.Count) - 1;
            for (; i + w <= n; i += w)
            {
                TVec e = TVec.Load(in p, i);
                // NaN is the only value unequal to itself.
                uint bits = nan ? TVec.MaskBits(TVec.Equals(e, e)) ^ all : TVec.MaskBits(TVec.Equals(e, v));
                if (bits != 0) return (int)i + System.Numerics.BitOperations.TrailingZeroCount(bits);
            }
        }
        for (; i < n; i++)
        {
            double e = Unsafe.Add(ref p, i);
            if (nan ? double.IsNaN(e) : e == value) return (int)i;
        }
        return -1;
    }
}
