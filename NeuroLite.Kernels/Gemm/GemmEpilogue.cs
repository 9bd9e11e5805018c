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

    // Each row through the element-wise driver that Unary.Tanh and Unary.Relu run (its widths, its tail), in place.
    private static void Apply<TOp>(double* c, nint ldc, int rows, int cols) where TOp : IUnaryOperator
    {
        for (int r = 0; r < rows; r++, c += ldc)
        {
            var row = new Span<double>(c, cols);
            Elementwise.Elementwise.Unary<TOp>(row, row);
        }
    }
}
