using System.Runtime.CompilerServices;

namespace NeuroLite.Kernels;

/// <summary>
/// Dense double-precision matrix multiply, BLIS/GotoBLAS style (see the files under <c>Gemm/</c>): operands packed
/// into cache-blocked slivers (where the transposes are absorbed), a register-blocked FMA micro-kernel per
/// instruction set (AVX-512 8×24, AVX2 6×8, NEON 8×4, Vector128 4×4, scalar 4×4), two threads on large products, and a direct
/// path for tiny ones; <see cref="Linear"/> adds a bias and an activation to each tile as it is finished.
/// <see cref="Reference.Gemm"/> holds the scalar reference.
/// </summary>
public static class Gemm
{
    private static int maxThreads = Math.Clamp(Environment.ProcessorCount, 1, 2);

    // The plan the public entry points pass on this thread; null (always, outside tests) for the dispatched kernel's
    // own. Only for tests whose products are made deep inside the engine, where no plan can be passed by hand.
    [ThreadStatic] private static GemmPlan? planForTests;

    /// <summary>
    /// For tests that reach GEMM only through the engine: the plan (made for the dispatched kernel, see
    /// <see cref="GemmTuning.ForCurrentPath"/>) the public entry points use on this thread; null restores the kernel's own.
    /// </summary>
    internal static GemmPlan? PlanForTests
    {
        get => planForTests;
        set => planForTests = value;
    }

    /// <summary>
    /// The most threads one <see cref="Multiply"/> call may use: 1 forces single-threaded GEMMs, 2 (the default on
    /// machines with two or more cores) lets products of at least about 2²¹ multiply-adds use one persistent worker
    /// thread as well. Values above 2 are treated as 2. Results are bitwise identical whatever this is set to.
    /// The second thread is an offer, not a dependency: when another program keeps the second core busy, a call whose
    /// worker has not started in time runs entirely on the calling thread, and after a call that waited for the worker
    /// more than it gained, the following calls use one thread for a while (1 ms, doubling up to 0.25 s) before trying
    /// two again. So a busy machine costs at most a little over the one-thread time, never the worker's time slice.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref maxThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref maxThreads, value);
        }
    }

    /// <summary>
    /// C (m×n) = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>; row-major, dense.
    /// op(A) is m×k, stored k×m when <paramref name="transposeA"/>; op(B) is k×n, stored n×k when <paramref name="transposeB"/>.
    /// </summary>
    /// <remarks>
    /// Each element of C is within k·2⁻⁵²·Σₚ|a||b| of the exact sum. With k = 0, C is zeroed (or left unchanged
    /// when accumulating). A warm call allocates nothing. Spans may be longer than needed; only the leading
    /// m·k, k·n and m·n elements are used.
    /// </remarks>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or C overlaps A or B; nothing is written.</exception>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k, bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        if (!MultiplySmall(a, b, c, m, n, k, transposeA, transposeB, accumulate))
            MultiplyPacked(a, b, c, m, n, k, transposeA, transposeB, accumulate, planForTests);
    }

    /// <summary><see cref="Multiply"/> with <paramref name="plan"/> (one made for the dispatched kernel) on the packed path.</summary>
    internal static void MultiplyWith(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k, bool transposeA, bool transposeB, bool accumulate, GemmPlan plan)
    {
        if (!MultiplySmall(a, b, c, m, n, k, transposeA, transposeB, accumulate))
            MultiplyPacked(a, b, c, m, n, k, transposeA, transposeB, accumulate, plan);
    }

    // The checks and the products that need no plan, inlined into each entry; the packed path is a call of its own, so
    // a tiny product's frame carries none of the plan's locals.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MultiplySmall(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k, bool transposeA, bool transposeB, bool accumulate)
    {
        Validate.Gemm(a, b, c, m, n, k);
        if (m == 0 || n == 0)
            return true;
        if (k == 0)
        {
            if (!accumulate)
                c[..(m * n)].Clear();
            return true;
        }
        if ((long)m * n * k <= GemmTuning.DirectMaxWork)
        {
            GemmDirect.Multiply(a, b, c, m, n, k, transposeA, transposeB, accumulate);
            return true;
        }
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void MultiplyPacked(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k, bool transposeA, bool transposeB, bool accumulate, GemmPlan? plan)
    {
        fixed (double* pa = a, pb = b, pc = c)
        {
            switch (Simd.Path)
            {
                case SimdPath.Avx512: GemmDriver<GemmAvx512Kernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, accumulate, plan ?? GemmPlan.For<GemmAvx512Kernel>()); break;
                case SimdPath.Avx2Fma: GemmDriver<GemmAvx2Kernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, accumulate, plan ?? GemmPlan.For<GemmAvx2Kernel>()); break;
                case SimdPath.Neon: GemmDriver<GemmNeonKernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, accumulate, plan ?? GemmPlan.For<GemmNeonKernel>()); break;
                case SimdPath.Vector128: GemmDriver<GemmVector128Kernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, accumulate, plan ?? GemmPlan.For<GemmVector128Kernel>()); break;
                default: GemmDriver<GemmScalarKernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, accumulate, plan ?? GemmPlan.For<GemmScalarKernel>()); break;
            }
        }
    }

    /// <summary>
    /// C (m×n) = activation(op(A)·op(B) + bias), with <paramref name="bias"/> a row vector of n values added to every
    /// row of C: a dense layer's forward pass. op(A) and op(B) are as in <see cref="Multiply"/>.
    /// </summary>
    /// <remarks>
    /// Bitwise what <see cref="Multiply"/>, then <see cref="Broadcast.Add"/> of the bias (shape [n]) to C (shape
    /// [m, n]) in place, then <see cref="Unary.Tanh"/> or <see cref="Unary.Relu"/> in place give, on every SIMD path and
    /// for any <see cref="MaxThreads"/>: the same products summed in the same order, the same add, the same activation
    /// code. But instead of two more passes over C, the thread that computes a tile of C adds the bias while the tile
    /// is still in registers, after its last depth block, and applies the activation to the tile it has just stored,
    /// while it is in L1. Spans may be longer than needed; only the leading m·k, k·n, n and m·n elements are used.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// A size is negative, a span is too short (the bias needs n values), or C overlaps A, B or the bias; nothing is written.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is not a defined <see cref="GemmActivation"/>; nothing is written.</exception>
    public static void Linear(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> bias, Span<double> c, int m, int n, int k, GemmActivation activation = GemmActivation.None, bool transposeA = false, bool transposeB = false)
    {
        if (!LinearSmall(a, b, bias, c, m, n, k, activation, transposeA, transposeB))
            LinearPacked(a, b, bias, c, m, n, k, activation, transposeA, transposeB, planForTests);
    }

    /// <summary><see cref="Linear"/> with <paramref name="plan"/> (one made for the dispatched kernel) on the packed path.</summary>
    internal static void LinearWith(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> bias, Span<double> c, int m, int n, int k, GemmActivation activation, bool transposeA, bool transposeB, GemmPlan plan)
    {
        if (!LinearSmall(a, b, bias, c, m, n, k, activation, transposeA, transposeB))
            LinearPacked(a, b, bias, c, m, n, k, activation, transposeA, transposeB, plan);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool LinearSmall(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> bias, Span<double> c, int m, int n, int k, GemmActivation activation, bool transposeA, bool transposeB)
    {
        Validate.GemmLinear(a, b, bias, c, m, n, k, activation);
        if (m == 0 || n == 0)
            return true;
        if (k != 0 && (long)m * n * k > GemmTuning.DirectMaxWork)
            return false;
        // Tiny products (and k = 0, where C is +0 + bias): the direct path adds the bias as it stores each sum, then the
        // activation runs over the whole of C, all in L1.
        GemmDirect.Multiply(a, b, c, m, n, k, transposeA, transposeB, accumulate: false, bias[..n]);
        fixed (double* pc = c)
            GemmEpilogue.Activate(activation, pc, n, m, n);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void LinearPacked(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> bias, Span<double> c, int m, int n, int k, GemmActivation activation, bool transposeA, bool transposeB, GemmPlan? plan)
    {
        fixed (double* pa = a, pb = b, pc = c, pbias = bias)
        {
            switch (Simd.Path)
            {
                case SimdPath.Avx512: GemmDriver<GemmAvx512Kernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, false, plan ?? GemmPlan.For<GemmAvx512Kernel>(), pbias, activation); break;
                case SimdPath.Avx2Fma: GemmDriver<GemmAvx2Kernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, false, plan ?? GemmPlan.For<GemmAvx2Kernel>(), pbias, activation); break;
                case SimdPath.Neon: GemmDriver<GemmNeonKernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, false, plan ?? GemmPlan.For<GemmNeonKernel>(), pbias, activation); break;
                case SimdPath.Vector128: GemmDriver<GemmVector128Kernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, false, plan ?? GemmPlan.For<GemmVector128Kernel>(), pbias, activation); break;
                default: GemmDriver<GemmScalarKernel>.Multiply(pa, pb, pc, m, n, k, transposeA, transposeB, false, plan ?? GemmPlan.For<GemmScalarKernel>(), pbias, activation); break;
            }
        }
    }
}
