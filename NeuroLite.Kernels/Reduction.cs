using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuroLite.Kernels;

/// <summary>
/// An associative, commutative fold (sum, max) in the <c>TensorPrimitives</c> operator-struct style: the identity, and
/// the pairwise step on scalars, 128-bit and 256-bit vectors. <see cref="Reduction.Aggregate{T}"/> is the one loop
/// driver that runs any of them.
/// </summary>
internal interface IAggregator
{
    /// <summary>The starting value of every accumulator.</summary>
    static abstract double Identity { get; }

    /// <summary>Folds two scalars.</summary>
    static abstract double Invoke(double x, double y);

    /// <summary>Folds two 128-bit vectors lane-wise.</summary>
    static abstract Vector128<double> Invoke(Vector128<double> x, Vector128<double> y);

    /// <summary>Folds two 256-bit vectors lane-wise.</summary>
    static abstract Vector256<double> Invoke(Vector256<double> x, Vector256<double> y);
}

/// <summary>x + y. The identity is +0 because the reference sum starts from +0 (so a sum of −0s is +0 on both).</summary>
internal readonly struct SumAggregator : IAggregator
{
    public static double Identity => 0.0;
    public static double Invoke(double x, double y) => x + y;
    public static Vector128<double> Invoke(Vector128<double> x, Vector128<double> y) => x + y;
    public static Vector256<double> Invoke(Vector256<double> x, Vector256<double> y) => x + y;
}

/// <summary>
/// IEEE 754-2019 maximum: NaN propagates and +0 &gt; −0, on every path (<see cref="Math.Max(double, double)"/> and
/// <c>Vector128/256.Max</c> share these semantics since .NET 9). Because that max is associative and commutative on
/// values, any fold order gives exactly the reference's value.
/// </summary>
internal readonly struct MaxAggregator : IAggregator
{
    public static double Identity => double.NegativeInfinity;
    public static double Invoke(double x, double y) => Math.Max(x, y);
    public static Vector128<double> Invoke(Vector128<double> x, Vector128<double> y) => Vector128.Max(x, y);
    public static Vector256<double> Invoke(Vector256<double> x, Vector256<double> y) => Vector256.Max(x, y);
}

/// <summary>
/// The reduction drivers behind <see cref="Reduce"/>, <see cref="Broadcast.SumTo"/> and <see cref="SoftmaxCrossEntropy"/>.
/// </summary>
/// <remarks>
/// <para><b>Summation order and its error bound.</b> <see cref="Sum"/> keeps 8 vector accumulators (32 lanes with AVX2,
/// 16 with Vector128/NEON; 4 scalar accumulators on the scalar path), folds leftover whole vectors into the first one,
/// combines the accumulators as a tree, then the lanes, then adds the last &lt; one-vector elements in order. The
/// reference adds left to right. Higham (Accuracy and Stability of Numerical Algorithms, §4.2): ANY order of summing
/// n terms x_i in binary64 (unit roundoff u = 2^-53) returns ŝ with |ŝ − Σx_i| ≤ γ_{n−1}·Σ|x_i|, where
/// γ_k = k·u/(1 − k·u), provided nothing overflows. Both ours and the reference are such orders, so</para>
/// <para>    |ŝ_simd − ŝ_ref| ≤ 2·γ_{n−1}·Σ|x_i|,</para>
/// <para>which is what the tests assert (with Σ|x_i| itself computed in floating point, so they use 2·γ_n). Our order is
/// also better conditioned than the reference's: with AVX2 a term passes through at most ⌈n/32⌉ (main loop) + 7 (one-vector
/// loop) + 3 (accumulator tree) + 2 (lanes) + 3 (scalar tail) ≈ n/32 + 15 additions (n/16 + 13 with Vector128/NEON,
/// n/4 + 5 scalar) where the reference's first term passes through n − 1, so our own error is at most
/// γ_{⌈n/32⌉+15}·Σ|x_i|. A result involving ±∞ or NaN is order-independent (any NaN, or
/// both infinities, give NaN; a single-signed infinity wins), except when finite partial sums overflow, where the
/// reference itself is order-dependent.</para>
/// <para><see cref="SumRows"/> adds rows into the destination in row order per column, which is exactly the
/// reference's order, so it is bitwise equal to the reference.</para>
/// </remarks>
internal static class Reduction
{
    /// <summary>Σ x_i (+0 for an empty span), within 2·γ_{n−1}·Σ|x_i| of the left-to-right reference sum.</summary>
    public static double Sum(ReadOnlySpan<double> x) => Aggregate<SumAggregator>(x);

    /// <summary>max x_i (−∞ for an empty span; NaN if any element is NaN; +0 above −0). Exact.</summary>
    public static double Max(ReadOnlySpan<double> x) => Aggregate<MaxAggregator>(x);

    /// <summary>The one fold driver: 8-way unrolled vector accumulators, a vector tail, a tree combine, a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Aggregate<T>(ReadOnlySpan<double> x) where T : struct, IAggregator
    {
        ref double p = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        double r;
        if (Simd.UseAvx2Fma && n >= (nuint)Vector256<double>.Count)
        {
            Vector256<double> id = Vector256.Create(T.Identity);
            Vector256<double> a0 = id, a1 = id, a2 = id, a3 = id, a4 = id, a5 = id, a6 = id, a7 = id;
            for (; i + 32 <= n; i += 32)
            {
                a0 = T.Invoke(a0, Vector256.LoadUnsafe(ref p, i));
                a1 = T.Invoke(a1, Vector256.LoadUnsafe(ref p, i + 4));
                a2 = T.Invoke(a2, Vector256.LoadUnsafe(ref p, i + 8));
                a3 = T.Invoke(a3, Vector256.LoadUnsafe(ref p, i + 12));
                a4 = T.Invoke(a4, Vector256.LoadUnsafe(ref p, i + 16));
                a5 = T.Invoke(a5, Vector256.LoadUnsafe(ref p, i + 20));
                a6 = T.Invoke(a6, Vector256.LoadUnsafe(ref p, i + 24));
                a7 = T.Invoke(a7, Vector256.LoadUnsafe(ref p, i + 28));
            }
            for (; i + 4 <= n; i += 4)
                a0 = T.Invoke(a0, Vector256.LoadUnsafe(ref p, i));
            a0 = T.Invoke(T.Invoke(T.Invoke(a0, a1), T.Invoke(a2, a3)), T.Invoke(T.Invoke(a4, a5), T.Invoke(a6, a7)));
            Vector128<double> h = T.Invoke(a0.GetLower(), a0.GetUpper());
            r = T.Invoke(h.GetElement(0), h.GetElement(1));
        }
        else if (Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<double>.Count)
        {
            Vector128<double> id = Vector128.Create(T.Identity);
            Vector128<double> a0 = id, a1 = id, a2 = id, a3 = id, a4 = id, a5 = id, a6 = id, a7 = id;
            for (; i + 16 <= n; i += 16)
            {
                a0 = T.Invoke(a0, Vector128.LoadUnsafe(ref p, i));
                a1 = T.Invoke(a1, Vector128.LoadUnsafe(ref p, i + 2));
                a2 = T.Invoke(a2, Vector128.LoadUnsafe(ref p, i + 4));
                a3 = T.Invoke(a3, Vector128.LoadUnsafe(ref p, i + 6));
                a4 = T.Invoke(a4, Vector128.LoadUnsafe(ref p, i + 8));
                a5 = T.Invoke(a5, Vector128.LoadUnsafe(ref p, i + 10));
                a6 = T.Invoke(a6, Vector128.LoadUnsafe(ref p, i + 12));
                a7 = T.Invoke(a7, Vector128.LoadUnsafe(ref p, i + 14));
            }
            for (; i + 2 <= n; i += 2)
                a0 = T.Invoke(a0, Vector128.LoadUnsafe(ref p, i));
            a0 = T.Invoke(T.Invoke(T.Invoke(a0, a1), T.Invoke(a2, a3)), T.Invoke(T.Invoke(a4, a5), T.Invoke(a6, a7)));
            r = T.Invoke(a0.GetElement(0), a0.GetElement(1));
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
            AddFourRows(ref Unsafe.AsRef(in g[r * cols]), cols, dst);
        for (; r < rows; r++)
            Binary.Add(dst, g.Slice(r * cols, cols), dst);
    }

    /// <summary>dst[j] = (((dst[j] + g0[j]) + g1[j]) + g2[j]) + g3[j] for the four consecutive rows starting at <paramref name="g0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddFourRows(ref double g0, int cols, Span<double> dst)
    {
        ref double d = ref MemoryMarshal.GetReference(dst);
        nuint n = (nuint)cols, j = 0;
        ref double g1 = ref Unsafe.Add(ref g0, n);
        ref double g2 = ref Unsafe.Add(ref g1, n);
        ref double g3 = ref Unsafe.Add(ref g2, n);
        if (Simd.UseAvx2Fma)
        {
            for (; j + 8 <= n; j += 8)
            {
                Vector256<double> x = Vector256.LoadUnsafe(ref d, j), y = Vector256.LoadUnsafe(ref d, j + 4);
                x += Vector256.LoadUnsafe(ref g0, j); y += Vector256.LoadUnsafe(ref g0, j + 4);
                x += Vector256.LoadUnsafe(ref g1, j); y += Vector256.LoadUnsafe(ref g1, j + 4);
                x += Vector256.LoadUnsafe(ref g2, j); y += Vector256.LoadUnsafe(ref g2, j + 4);
                x += Vector256.LoadUnsafe(ref g3, j); y += Vector256.LoadUnsafe(ref g3, j + 4);
                x.StoreUnsafe(ref d, j);
                y.StoreUnsafe(ref d, j + 4);
            }
            for (; j + 4 <= n; j += 4)
            {
                Vector256<double> x = Vector256.LoadUnsafe(ref d, j);
                x += Vector256.LoadUnsafe(ref g0, j);
                x += Vector256.LoadUnsafe(ref g1, j);
                x += Vector256.LoadUnsafe(ref g2, j);
                x += Vector256.LoadUnsafe(ref g3, j);
                x.StoreUnsafe(ref d, j);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; j + 4 <= n; j += 4)
            {
                Vector128<double> x = Vector128.LoadUnsafe(ref d, j), y = Vector128.LoadUnsafe(ref d, j + 2);
                x += Vector128.LoadUnsafe(ref g0, j); y += Vector128.LoadUnsafe(ref g0, j + 2);
                x += Vector128.LoadUnsafe(ref g1, j); y += Vector128.LoadUnsafe(ref g1, j + 2);
                x += Vector128.LoadUnsafe(ref g2, j); y += Vector128.LoadUnsafe(ref g2, j + 2);
                x += Vector128.LoadUnsafe(ref g3, j); y += Vector128.LoadUnsafe(ref g3, j + 2);
                x.StoreUnsafe(ref d, j);
                y.StoreUnsafe(ref d, j + 2);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int IndexOfFirst(ReadOnlySpan<double> x, double value)
    {
        ref double p = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        bool nan = double.IsNaN(value);
        if (Simd.UseAvx2Fma)
        {
            Vector256<double> v = Vector256.Create(value);
            for (; i + 4 <= n; i += 4)
            {
                Vector256<double> e = Vector256.LoadUnsafe(ref p, i);
                // NaN is the only value unequal to itself.
                uint bits = (nan ? ~Vector256.Equals(e, e) : Vector256.Equals(e, v)).ExtractMostSignificantBits();
                if (bits != 0) return (int)i + System.Numerics.BitOperations.TrailingZeroCount(bits);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<double> v = Vector128.Create(value);
            for (; i + 2 <= n; i += 2)
            {
                Vector128<double> e = Vector128.LoadUnsafe(ref p, i);
                uint bits = (nan ? ~Vector128.Equals(e, e) : Vector128.Equals(e, v)).ExtractMostSignificantBits();
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
