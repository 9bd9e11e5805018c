using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuroLite.Kernels;

/// <summary>
/// AVX2+FMA micro-kernel, 6×8 doubles: 12 ymm accumulators + 2 B vectors + 1 broadcast of A = 15 of the 16 ymm
/// registers. Per k step: 2 loads, 6 broadcasts (load-port ops on Zen 3, 3 ports) for 12 FMAs, so the two FMA pipes
/// stay the bottleneck. Blocking for Zen 3: a kc×8 B sliver (KC=256: 16 KiB) in the 32 KiB L1d, the MC×KC A block
/// (MC=144: 288 KiB) in the 512 KiB L2, the KC×NC B block in the shared L3. Edge tiles, and the thin products that
/// skip packing one operand (m &lt; 6: B in place; n ≤ 16: A in place), run cut-down copies of the same loop with
/// the same per-element FMA chain, so every path gives the same bits for the same element.
/// </summary>
internal readonly unsafe struct GemmAvx2Kernel : IGemmMicroKernel
{
    public static int Mr => 6;
    public static int Nr => 8;
    public static int Mc => 144;
    public static int Kc => 256;
    public static int Nc => 4080;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias)
    {
        // The C tile is only touched after the kc loop; start its 6 rows (up to 2 lines each) on their way now so the
        // final load-add-store does not wait on L2/L3 misses (C rows are a whole row of C apart).
        for (int r = 0; r < 6; r++)
        {
            Sse.Prefetch0(c + r * ldc);
            Sse.Prefetch0(c + r * ldc + 7);
        }
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<double> b0 = Avx.LoadAlignedVector256(b);
            Vector256<double> b1 = Avx.LoadAlignedVector256(b + 4);
            Vector256<double> x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00);
            c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x, b0, c10);
            c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(x, b0, c20);
            c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(x, b0, c30);
            c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(x, b0, c40);
            c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(x, b0, c50);
            c51 = Fma.MultiplyAdd(x, b1, c51);
            a += 6;
            b += 8;
        }
        Store(c, c00, c01, add, bias);
        Store(c + ldc, c10, c11, add, bias);
        Store(c + 2 * ldc, c20, c21, add, bias);
        Store(c + 3 * ldc, c30, c31, add, bias);
        Store(c + 4 * ldc, c40, c41, add, bias);
        Store(c + 5 * ldc, c50, c51, add, bias);
    }

    /// <summary>
    /// Edge tiles run only the rows and column vectors they need: a 6×2 edge (n = 10) costs 6 FMAs per k instead of 12,
    /// a 4×8 edge (m = 64) 8. Partial rows are written with masked stores, so no spare tile or copy is needed.
    /// </summary>
    public static bool RunEdge(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias, int rows, int cols)
    {
        if (cols <= 4)
        {
            switch (rows)
            {
                case 1: Edge<Rows1, Narrow, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                case 2: Edge<Rows2, Narrow, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                case 3: Edge<Rows3, Narrow, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                case 4: Edge<Rows4, Narrow, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                case 5: Edge<Rows5, Narrow, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                default: Edge<Rows6, Narrow, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
            }
        }
        else
        {
            switch (rows)
            {
                case 1: Edge<Rows1, Wide, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                case 2: Edge<Rows2, Wide, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                case 3: Edge<Rows3, Wide, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                case 4: Edge<Rows4, Wide, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                case 5: Edge<Rows5, Wide, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
                default: Edge<Rows6, Wide, PackedA>(kc, a, 0, 0, b, 8, c, ldc, add, bias, cols); break;
            }
        }
        return true;
    }

    public static bool HasDirectB => true;

    /// <summary>
    /// Fewer than six rows (GEMV-like products, m = 1…5) read B where it lies: each B value is used only once per
    /// call there, so packing it would cost a copy of B for nothing.
    /// </summary>
    public static int RunRowsDirectB(int kc, double* a, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int rows, int cols)
    {
        if (rows <= 3 && cols >= 16)
        {
            // 2-6 accumulators are too few FMA chains for two pipes of four cycles' latency: take 16 columns at once.
            switch (rows)
            {
                case 1: Direct16<Rows1>(kc, a, b, ldb, c, ldc, add, bias); break;
                case 2: Direct16<Rows2>(kc, a, b, ldb, c, ldc, add, bias); break;
                default: Direct16<Rows3>(kc, a, b, ldb, c, ldc, add, bias); break;
            }
            return 16;
        }
        switch (rows)
        {
            case 1: Edge<Rows1, Wide, PackedA>(kc, a, 0, 0, b, ldb, c, ldc, add, bias, 8); break;
            case 2: Edge<Rows2, Wide, PackedA>(kc, a, 0, 0, b, ldb, c, ldc, add, bias, 8); break;
            case 3: Edge<Rows3, Wide, PackedA>(kc, a, 0, 0, b, ldb, c, ldc, add, bias, 8); break;
            case 4: Edge<Rows4, Wide, PackedA>(kc, a, 0, 0, b, ldb, c, ldc, add, bias, 8); break;
            case 5: Edge<Rows5, Wide, PackedA>(kc, a, 0, 0, b, ldb, c, ldc, add, bias, 8); break;
            default: Edge<Rows6, Wide, PackedA>(kc, a, 0, 0, b, ldb, c, ldc, add, bias, 8); break;
        }
        return 8;
    }

    /// <summary>Up to three rows by 16 columns of B read in place (four vectors per row, up to 12 FMA chains).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Direct16<TRows>(int kc, double* a, double* b, nint ldb, double* c, nint ldc, bool add, double* bias)
        where TRows : struct, IGemmConstant
    {
        int rows = TRows.Value;
        Vector256<double> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<double> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<double> c20 = default, c21 = default, c22 = default, c23 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<double> b0 = Avx.LoadVector256(b), b1 = Avx.LoadVector256(b + 4);
            Vector256<double> b2 = Avx.LoadVector256(b + 8), b3 = Avx.LoadVector256(b + 12);
            Vector256<double> x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00);
            c01 = Fma.MultiplyAdd(x, b1, c01);
            c02 = Fma.MultiplyAdd(x, b2, c02);
            c03 = Fma.MultiplyAdd(x, b3, c03);
            if (rows > 1)
            {
                x = Vector256.Create(a[1]);
                c10 = Fma.MultiplyAdd(x, b0, c10);
                c11 = Fma.MultiplyAdd(x, b1, c11);
                c12 = Fma.MultiplyAdd(x, b2, c12);
                c13 = Fma.MultiplyAdd(x, b3, c13);
            }
            if (rows > 2)
            {
                x = Vector256.Create(a[2]);
                c20 = Fma.MultiplyAdd(x, b0, c20);
                c21 = Fma.MultiplyAdd(x, b1, c21);
                c22 = Fma.MultiplyAdd(x, b2, c22);
                c23 = Fma.MultiplyAdd(x, b3, c23);
            }
            a += 6;
            b += ldb;
        }
        double* bias8 = bias == null ? null : bias + 8;
        Store(c, c00, c01, add, bias);
        Store(c + 8, c02, c03, add, bias8);
        if (rows > 1)
        {
            Store(c + ldc, c10, c11, add, bias);
            Store(c + ldc + 8, c12, c13, add, bias8);
        }
        if (rows > 2)
        {
            Store(c + 2 * ldc, c20, c21, add, bias);
            Store(c + 2 * ldc + 8, c22, c23, add, bias8);
        }
    }

    public static bool HasDirectA => true;

    /// <summary>
    /// Outputs at most 16 wide (n = 10: the last layer of a classifier) read A where it lies: each A value is used by
    /// only one or two column groups, so packing A would cost about as much as the multiply.
    /// </summary>
    public static void RunDirectA(int kc, double* a, nint ars, nint aps, double* b, double* c, nint ldc, bool add, double* bias, int rows, int cols)
    {
        if (cols <= 4)
        {
            switch (rows)
            {
                case 1: Edge<Rows1, Narrow, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                case 2: Edge<Rows2, Narrow, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                case 3: Edge<Rows3, Narrow, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                case 4: Edge<Rows4, Narrow, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                case 5: Edge<Rows5, Narrow, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                default: Edge<Rows6, Narrow, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
            }
        }
        else
        {
            switch (rows)
            {
                case 1: Edge<Rows1, Wide, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                case 2: Edge<Rows2, Wide, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                case 3: Edge<Rows3, Wide, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                case 4: Edge<Rows4, Wide, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                case 5: Edge<Rows5, Wide, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
                default: Edge<Rows6, Wide, InPlaceA>(kc, a, ars, aps, b, 8, c, ldc, add, bias, cols); break;
            }
        }
    }

    /// <summary>
    /// <see cref="Run"/> cut down to <typeparamref name="TRows"/> rows and one or two column vectors (JIT-time constants,
    /// so the unused accumulators and FMAs vanish); the same FMA chain per element, so the same bits. B rows are
    /// <paramref name="ldb"/> apart: 8 in a packed sliver, the row length of B when read in place. A is a packed sliver,
    /// or (<typeparamref name="TA"/> = <see cref="InPlaceA"/>) read in place with rows <paramref name="ars"/> and depths
    /// <paramref name="aps"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Edge<TRows, TWidth, TA>(int kc, double* a, nint ars, nint aps, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int cols)
        where TRows : struct, IGemmConstant
        where TWidth : struct, IGemmConstant
        where TA : struct, IGemmConstant
    {
        int rows = TRows.Value;
        bool wide = TWidth.Value == 8;
        // A packed: row r at a[r], next depth 6 further. A in place: row r ars further, next depth aps further.
        bool inPlace = TA.Value == 1;
        nint o1 = inPlace ? ars : 1, o2 = inPlace ? 2 * ars : 2, o3 = inPlace ? 3 * ars : 3;
        nint o4 = inPlace ? 4 * ars : 4, o5 = inPlace ? 5 * ars : 5, aStep = inPlace ? aps : 6;
        for (int r = 0; r < rows; r++)
            Sse.Prefetch0(c + r * ldc);
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<double> b0 = Avx.LoadVector256(b);
            Vector256<double> b1 = wide ? Avx.LoadVector256(b + 4) : default;
            Vector256<double> x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00);
            if (wide) c01 = Fma.MultiplyAdd(x, b1, c01);
            if (rows > 1)
            {
                x = Vector256.Create(a[o1]);
                c10 = Fma.MultiplyAdd(x, b0, c10);
                if (wide) c11 = Fma.MultiplyAdd(x, b1, c11);
            }
            if (rows > 2)
            {
                x = Vector256.Create(a[o2]);
                c20 = Fma.MultiplyAdd(x, b0, c20);
                if (wide) c21 = Fma.MultiplyAdd(x, b1, c21);
            }
            if (rows > 3)
            {
                x = Vector256.Create(a[o3]);
                c30 = Fma.MultiplyAdd(x, b0, c30);
                if (wide) c31 = Fma.MultiplyAdd(x, b1, c31);
            }
            if (rows > 4)
            {
                x = Vector256.Create(a[o4]);
                c40 = Fma.MultiplyAdd(x, b0, c40);
                if (wide) c41 = Fma.MultiplyAdd(x, b1, c41);
            }
            if (rows > 5)
            {
                x = Vector256.Create(a[o5]);
                c50 = Fma.MultiplyAdd(x, b0, c50);
                if (wide) c51 = Fma.MultiplyAdd(x, b1, c51);
            }
            a += aStep;
            b += ldb;
        }
        StorePartial(c, c00, c01, add, bias, cols);
        if (rows > 1) StorePartial(c + ldc, c10, c11, add, bias, cols);
        if (rows > 2) StorePartial(c + 2 * ldc, c20, c21, add, bias, cols);
        if (rows > 3) StorePartial(c + 3 * ldc, c30, c31, add, bias, cols);
        if (rows > 4) StorePartial(c + 4 * ldc, c40, c41, add, bias, cols);
        if (rows > 5) StorePartial(c + 5 * ldc, c50, c51, add, bias, cols);
    }

    /// <summary>The first <paramref name="cols"/> (1…8) lanes of lo:hi into C (or added to it), plus the bias when there is one; the rest of C untouched.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePartial(double* c, Vector256<double> lo, Vector256<double> hi, bool add, double* bias, int cols)
    {
        if (cols == 8)
        {
            Store(c, lo, hi, add, bias);
            return;
        }
        if (cols >= 4)
        {
            if (add)
                lo += Vector256.Load(c);
            if (bias != null)
            {
                lo += Vector256.Load(bias);
                bias += 4;
            }
            Vector256.Store(lo, c);
            if (cols == 4)
                return;
            c += 4;
            lo = hi;
            cols -= 4;
        }
        // Masked lanes are neither read nor written (no fault past the end of C or of the bias either).
        Vector256<double> mask = Vector256.LessThan(Vector256.Create(0.0, 1.0, 2.0, 3.0), Vector256.Create((double)cols));
        if (add)
            lo += Avx.MaskLoad(c, mask);
        if (bias != null)
            lo += Avx.MaskLoad(bias, mask);
        Avx.MaskStore(c, mask, lo);
    }

    /// <summary>Eight values into C: lo:hi, plus C when <paramref name="add"/>, plus the bias when there is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector256<double> lo, Vector256<double> hi, bool add, double* bias)
    {
        if (add)
        {
            lo += Vector256.Load(c);
            hi += Vector256.Load(c + 4);
        }
        if (bias != null)
        {
            lo += Vector256.Load(bias);
            hi += Vector256.Load(bias + 4);
        }
        Vector256.Store(lo, c);
        Vector256.Store(hi, c + 4);
    }
}

/// <summary>A JIT-time integer constant carried by a struct type argument (specialises kernels per edge shape).</summary>
internal interface IGemmConstant
{
    /// <summary>The constant.</summary>
    static abstract int Value { get; }
}

internal readonly struct Rows1 : IGemmConstant { public static int Value => 1; }
internal readonly struct Rows2 : IGemmConstant { public static int Value => 2; }
internal readonly struct Rows3 : IGemmConstant { public static int Value => 3; }
internal readonly struct Rows4 : IGemmConstant { public static int Value => 4; }
internal readonly struct Rows5 : IGemmConstant { public static int Value => 5; }
internal readonly struct Rows6 : IGemmConstant { public static int Value => 6; }

/// <summary>One column vector (≤ 4 columns) per row.</summary>
internal readonly struct Narrow : IGemmConstant { public static int Value => 4; }

/// <summary>Two column vectors (5…8 columns) per row.</summary>
internal readonly struct Wide : IGemmConstant { public static int Value => 8; }

/// <summary>A read from a packed sliver (MR values per depth).</summary>
internal readonly struct PackedA : IGemmConstant { public static int Value => 0; }

/// <summary>A read in place, with a row stride and a depth stride.</summary>
internal readonly struct InPlaceA : IGemmConstant { public static int Value => 1; }
