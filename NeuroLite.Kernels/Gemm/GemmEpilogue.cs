using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NeuroLite.Kernels.Elementwise;

namespace NeuroLite.Kernels;

/// <summary>The activation <see cref="Gemm.Linear"/> applies to each element of its result.</summary>
public enum GemmActivation
{
    /// <summary>None: C = op(A)·op(B) + bias.</summary>
    None,

    /// <summary>tanh, exactly as <see cref="Unary.Tanh"/> computes it.</summary>
    Tanh,

    /// <summary>max(x, 0), exactly as <see cref="Unary.Relu"/> computes it (NaN kept, −0 to +0).</summary>
    Relu,
}

/// <summary>
/// The activation of <see cref="Gemm.Linear"/>, applied by the thread that computed a tile of C right after the
/// tile's last depth block, to the tile just stored (still in L1; the micro-kernels hold up to 24 zmm accumulators,
/// which leaves no registers for tanh's temporaries and constants). The bias was added by the micro-kernel while the
/// tile was in registers. Each element goes through the element-wise operator (<see cref="TanhOperator"/>,
/// <see cref="ReluOperator"/>) that <see cref="Unary.Tanh"/> and <see cref="Unary.Relu"/> run, whose every width gives
/// the scalar reference's bits, so the result is bitwise that of the separate passes.
/// </summary>
internal static unsafe class GemmEpilogue
{
    /// <summary>Applies <paramref name="activation"/> in place to <paramref name="rows"/> rows of <paramref name="cols"/> elements, <paramref name="ldc"/> apart.</summary>
    public static void Activate(GemmActivation activation, double* c, nint ldc, int rows, int cols)
    {
        // A tile as wide as C (n = 1, or n = 10 in one column tile) is one run of rows·cols elements: whole vectors
        // instead of a short tail per row.
        if (cols == ldc)
        {
            cols *= rows;
            rows = 1;
        }
        if (activation == GemmActivation.Tanh) Apply<TanhOperator>(c, ldc, rows, cols);
        else if (activation == GemmActivation.Relu) Apply<ReluOperator>(c, ldc, rows, cols);
    }

    private static void Apply<TOp>(double* c, nint ldc, int rows, int cols) where TOp : IUnaryOperator
    {
        if (Simd.UseAvx512) Tile<TOp, V512>(c, ldc, rows, cols);
        else if (Simd.UseAvx2Fma) Tile<TOp, V256>(c, ldc, rows, cols);
        else if (Vector128.IsHardwareAccelerated) Tile<TOp, V128>(c, ldc, rows, cols);
        else Scalar<TOp>(c, ldc, rows, 0, cols);
    }

    /// <summary>
    /// Whole vectors of each row, then the rest: when a row holds at least one vector, its last window again with
    /// only the lanes not done yet written (as the element-wise driver does), else narrower vectors and single
    /// elements. Each width's loop is its own compiled method, so a long operator's body is inlined once per method.
    /// </summary>
    private static void Tile<TOp, TVec>(double* c, nint ldc, int rows, int cols)
        where TOp : IUnaryOperator
        where TVec : struct, ISimdVector<TVec>
    {
        int w = Unsafe.SizeOf<TVec>() / sizeof(double);
        int whole = cols / w * w;
        if (whole > 0)
        {
            Vectors<TOp, TVec>(c, ldc, rows, whole);
            if (whole < cols)
                LastWindow<TOp, TVec>(c + cols - w, ldc, rows, whole - (cols - w));
            return;
        }
        int done = 0;
        if (w > Vector256<double>.Count && cols >= Vector256<double>.Count)
        {
            Vectors<TOp, V256>(c, ldc, rows, Vector256<double>.Count);
            done = Vector256<double>.Count;
        }
        if (w > Vector128<double>.Count && cols - done >= Vector128<double>.Count)
        {
            Vectors<TOp, V128>(c + done, ldc, rows, Vector128<double>.Count);
            done += Vector128<double>.Count;
        }
        if (done < cols)
            Scalar<TOp>(c, ldc, rows, done, cols);
    }

    /// <summary>Columns [0, <paramref name="count"/>) of each row, <paramref name="count"/> a multiple of the width.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Vectors<TOp, TVec>(double* c, nint ldc, int rows, int count)
        where TOp : IUnaryOperator
        where TVec : struct, ISimdVector<TVec>
    {
        int w = Unsafe.SizeOf<TVec>() / sizeof(double);
        for (int r = 0; r < rows; r++, c += ldc)
            for (int j = 0; j < count; j += w)
                TOp.Invoke(TVec.Load(ref c[j], 0)).Store(ref c[j], 0);
    }

    /// <summary>One window per row at <paramref name="c"/>, writing only lanes from <paramref name="from"/> on.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void LastWindow<TOp, TVec>(double* c, nint ldc, int rows, int from)
        where TOp : IUnaryOperator
        where TVec : struct, ISimdVector<TVec>
    {
        TVec write = TVec.LanesFrom(from);
        for (int r = 0; r < rows; r++, c += ldc)
        {
            TVec x = TVec.Load(ref c[0], 0);
            TVec.ConditionalSelect(write, TOp.Invoke(x), x).Store(ref c[0], 0);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Scalar<TOp>(double* c, nint ldc, int rows, int from, int cols) where TOp : IUnaryOperator
    {
        for (int r = 0; r < rows; r++, c += ldc)
            for (int j = from; j < cols; j++)
                c[j] = TOp.Invoke(c[j]);
    }
}
