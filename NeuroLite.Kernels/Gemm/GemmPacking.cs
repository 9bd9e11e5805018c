using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuroLite.Kernels;

/// <summary>
/// Packs blocks of op(A) and op(B) into the sliver layout the micro-kernel streams: an A block becomes slivers of
/// MR rows stored depth-major (MR values per k), a B block slivers of NR columns (NR values per k). The transposes
/// are absorbed here: a non-transposed A and a transposed B are read along rows (strided pack), a transposed A and a
/// non-transposed B are copied MR/NR values at a time (contiguous pack); no transposed copy is ever made. Slivers
/// at the edges are padded with zeros to full MR/NR, so every tile runs the same register kernel.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [i0, i0+mc) and depth [p0, p0+kc) of op(A) into ⌈mc/MR⌉ slivers of MR×kc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<TKernel>(double* dst, in GemmProblem p, int i0, int mc, int p0, int kc)
        where TKernel : struct, IGemmMicroKernel
    {
        int mr = TKernel.Mr;
        int ir = 0;
        if (p.TransA)
            for (; ir + 4 * mr <= mc; ir += 4 * mr, dst += 4 * (nint)mr * kc)
                ContiguousGroup<TKernel>(dst, p.A + (nint)p0 * p.M + i0 + ir, p.M, mr, kc);
        for (; ir < mc; ir += mr, dst += (nint)mr * kc)
        {
            int rows = Math.Min(mr, mc - ir);
            if (p.TransA)
                Contiguous<TKernel>(dst, p.A + (nint)p0 * p.M + i0 + ir, p.M, rows, mr, kc);
            else
                Strided<TKernel>(dst, p.A + (nint)(i0 + ir) * p.K + p0, p.K, rows, mr, kc);
        }
    }

    /// <summary>Packs depth [p0, p0+kc) and columns [j0, j0+nc) of op(B) into ⌈nc/NR⌉ slivers of kc×NR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<TKernel>(double* dst, in GemmProblem p, int p0, int kc, int j0, int nc)
        where TKernel : struct, IGemmMicroKernel
    {
        int nr = TKernel.Nr;
        int jr = 0;
        if (!p.TransB)
            for (; jr + 4 * nr <= nc; jr += 4 * nr, dst += 4 * (nint)nr * kc)
                ContiguousGroup<TKernel>(dst, p.B + (nint)p0 * p.N + j0 + jr, p.N, nr, kc);
        for (; jr < nc; jr += nr, dst += (nint)nr * kc)
        {
            int cols = Math.Min(nr, nc - jr);
            if (p.TransB)
                Strided<TKernel>(dst, p.B + (nint)(j0 + jr) * p.K + p0, p.K, cols, nr, kc);
            else
                Contiguous<TKernel>(dst, p.B + (nint)p0 * p.N + j0 + jr, p.N, cols, nr, kc);
        }
    }

    /// <summary>
    /// Four full slivers side by side (lanes contiguous, 4·width per depth): each source row is read once as one
    /// contiguous run of 4·width values (whole cache lines, in order) and dealt to the four slivers. Packing sliver by
    /// sliver instead reads width values per row a whole row apart, so a cache line straddling two slivers is fetched
    /// twice, and with power-of-two row strides all those lines fight over one or two L1 sets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ContiguousGroup<TKernel>(double* dst, double* src, nint ld, int width, int kc)
        where TKernel : struct, IGemmMicroKernel
    {
        // width is NR (B) or MR (A); passing the kernel's constant lets each copy unroll into a few vector moves.
        if (width == TKernel.Nr) CopyGroup(dst, src, ld, TKernel.Nr, kc);
        else CopyGroup(dst, src, ld, TKernel.Mr, kc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyGroup(double* dst, double* src, nint ld, int width, int kc)
    {
        nint stride = (nint)width * kc;
        double* d0 = dst, d1 = d0 + stride, d2 = d1 + stride, d3 = d2 + stride;
        uint bytes = (uint)(width * sizeof(double));
        for (int q = 0; q < kc; q++, src += ld, d0 += width, d1 += width, d2 += width, d3 += width)
        {
            Unsafe.CopyBlockUnaligned(d0, src, bytes);
            Unsafe.CopyBlockUnaligned(d1, src + width, bytes);
            Unsafe.CopyBlockUnaligned(d2, src + 2 * width, bytes);
            Unsafe.CopyBlockUnaligned(d3, src + 3 * width, bytes);
        }
    }

    /// <summary>Lane r at depth q is src[q·ld + r] (lanes contiguous): copy <paramref name="count"/> lanes per depth, zero the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Contiguous<TKernel>(double* dst, double* src, nint ld, int count, int width, int kc)
        where TKernel : struct, IGemmMicroKernel
    {
        if (count == width)
        {
            // width is MR or NR: JIT-time constants of the kernel, so these copies unroll into a few vector moves.
            uint bytes = (uint)(width * sizeof(double));
            if (width == TKernel.Mr)
                for (int q = 0; q < kc; q++, src += ld, dst += TKernel.Mr)
                    Unsafe.CopyBlockUnaligned(dst, src, (uint)(TKernel.Mr * sizeof(double)));
            else if (width == TKernel.Nr)
                for (int q = 0; q < kc; q++, src += ld, dst += TKernel.Nr)
                    Unsafe.CopyBlockUnaligned(dst, src, (uint)(TKernel.Nr * sizeof(double)));
            else
                for (int q = 0; q < kc; q++, src += ld, dst += width)
                    Unsafe.CopyBlockUnaligned(dst, src, bytes);
            return;
        }
        if (Simd.UseAvx512 && width % 8 == 0)
        {
            // A partial sliver a vector of lanes at a time: the lanes past count are neither read (the source may end
            // there) nor left unset (the masked load gives zeros).
            for (int v = 0; v < width; v += 8)
            {
                Vector512<double> mask = Vector512.LessThan(Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((long)(count - v))).AsDouble();
                double* s = src + v, d = dst + v;
                for (int q = 0; q < kc; q++, s += ld, d += width)
                    Vector512.Store(Avx512F.MaskLoad(s, mask, Vector512<double>.Zero), d);
            }
            return;
        }
        for (int q = 0; q < kc; q++, src += ld, dst += width)
        {
            int r = 0;
            for (; r < count; r++) dst[r] = src[r];
            for (; r < width; r++) dst[r] = 0;
        }
    }

    /// <summary>Lane r at depth q is src[r·ld + q] (depth contiguous): read each lane's run, scatter with stride width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strided<TKernel>(double* dst, double* src, nint ld, int count, int width, int kc)
        where TKernel : struct, IGemmMicroKernel
    {
        int r = 0;
        if (Avx.IsSupported && count == width && width % 2 == 0)
        {
            // A full sliver in one pass: each depth's whole run of lanes (a 64-byte line for NR = 8, three for 24) is
            // written at once, instead of a part of it now and the rest a whole sliver later.
            // Inlined with the kernel's MR or NR as a constant, so the lane loops have a known trip count.
            if (width == TKernel.Mr)
                TransposeFull(dst, src, ld, TKernel.Mr, kc);
            else
                TransposeFull(dst, src, ld, TKernel.Nr, kc);
            return;
        }
        if (Avx.IsSupported)
        {
            // 4×4 (and 2×4) register transposes: whole vectors in and out instead of one double per load and store.
            for (; r + 4 <= count; r += 4)
                Transpose4(dst + r, src + r * ld, ld, width, kc);
            for (; r + 2 <= count; r += 2)
                Transpose2(dst + r, src + r * ld, ld, width, kc);
        }
        // Four lanes at a time: four sequential read streams, and each depth's four values land side by side.
        for (; r + 4 <= count; r += 4)
        {
            double* s0 = src + r * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
            double* d = dst + r;
            for (int q = 0; q < kc; q++, d += width)
            {
                d[0] = s0[q];
                d[1] = s1[q];
                d[2] = s2[q];
                d[3] = s3[q];
            }
        }
        for (; r < count; r++)
        {
            double* s = src + r * ld;
            double* d = dst + r;
            for (int q = 0; q < kc; q++, d += width) *d = s[q];
        }
        for (; r < width; r++)
        {
            double* d = dst + r;
            for (int q = 0; q < kc; q++, d += width) *d = 0;
        }
    }

    /// <summary>Four lanes, four depths at a time: a 4×4 transpose through unpack and 128-bit lane permutes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose4(double* d, double* s0, nint ld, int width, int kc)
    {
        double* s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
        int q = 0;
        for (; q + 4 <= kc; q += 4, d += 4 * width)
        {
            Vector256<double> r0 = Avx.LoadVector256(s0 + q), r1 = Avx.LoadVector256(s1 + q);
            Vector256<double> r2 = Avx.LoadVector256(s2 + q), r3 = Avx.LoadVector256(s3 + q);
            Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Avx.Store(d, Avx.Permute2x128(t0, t2, 0x20));
            Avx.Store(d + width, Avx.Permute2x128(t1, t3, 0x20));
            Avx.Store(d + 2 * width, Avx.Permute2x128(t0, t2, 0x31));
            Avx.Store(d + 3 * width, Avx.Permute2x128(t1, t3, 0x31));
        }
        for (; q < kc; q++, d += width)
        {
            d[0] = s0[q];
            d[1] = s1[q];
            d[2] = s2[q];
            d[3] = s3[q];
        }
    }

    /// <summary>
    /// A whole sliver of any even width (MR or NR), four depths at a time: 4×4 transposes of four lanes (plus a 2×4 for
    /// a width of 4j + 2) per step, so each depth's whole run of lanes is written at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeFull(double* d, double* s0, nint ld, int width, int kc)
    {
        int q = 0;
        double* next = s0 + width * ld;
        for (; q + 4 <= kc; q += 4, d += 4 * width)
        {
            if ((q & 7) == 0)
            {
                // One line per row of the next sliver (the next call's source): runs of kc values a whole row apart
                // are too short for the hardware prefetchers to ramp up on. Worth 4-12% on square products whenever
                // L3 was contended (timed in one process against the version without it); neutral when it was not.
                double* f = next + q;
                for (int r = 0; r < width; r++)
                    Sse.Prefetch0(f + r * ld);
            }
            int lane = 0;
            for (; lane + 4 <= width; lane += 4)
            {
                double* s = s0 + lane * ld + q;
                Vector256<double> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ld);
                Vector256<double> r2 = Avx.LoadVector256(s + 2 * ld), r3 = Avx.LoadVector256(s + 3 * ld);
                Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
                Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
                Avx.Store(d + lane, Avx.Permute2x128(t0, t2, 0x20));
                Avx.Store(d + width + lane, Avx.Permute2x128(t1, t3, 0x20));
                Avx.Store(d + 2 * width + lane, Avx.Permute2x128(t0, t2, 0x31));
                Avx.Store(d + 3 * width + lane, Avx.Permute2x128(t1, t3, 0x31));
            }
            if (lane < width)
            {
                double* s = s0 + lane * ld + q;
                Vector256<double> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ld);
                Vector256<double> lo = Avx.UnpackLow(r0, r1), hi = Avx.UnpackHigh(r0, r1);
                Sse2.Store(d + lane, lo.GetLower());
                Sse2.Store(d + width + lane, hi.GetLower());
                Sse2.Store(d + 2 * width + lane, lo.GetUpper());
                Sse2.Store(d + 3 * width + lane, hi.GetUpper());
            }
        }
        for (; q < kc; q++, d += width)
        {
            double* s = s0 + q;
            for (int lane = 0; lane < width; lane++, s += ld)
                d[lane] = *s;
        }
    }

    /// <summary>Two lanes, four depths at a time: unpack, then the 128-bit halves are the depth pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose2(double* d, double* s0, nint ld, int width, int kc)
    {
        double* s1 = s0 + ld;
        int q = 0;
        for (; q + 4 <= kc; q += 4, d += 4 * width)
        {
            Vector256<double> r0 = Avx.LoadVector256(s0 + q), r1 = Avx.LoadVector256(s1 + q);
            Vector256<double> lo = Avx.UnpackLow(r0, r1), hi = Avx.UnpackHigh(r0, r1);
            Sse2.Store(d, lo.GetLower());
            Sse2.Store(d + width, hi.GetLower());
            Sse2.Store(d + 2 * width, lo.GetUpper());
            Sse2.Store(d + 3 * width, hi.GetUpper());
        }
        for (; q < kc; q++, d += width)
        {
            d[0] = s0[q];
            d[1] = s1[q];
        }
    }
}
