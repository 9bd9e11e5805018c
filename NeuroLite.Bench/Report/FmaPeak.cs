using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using NeuroLite.Kernels;
using NeuroLite.Kernels.Elementwise;

namespace NeuroLite.Bench.Report;

/// <summary>One measurement of the core's FP64 multiply-add throughput.</summary>
/// <param name="Gflops">Best GFLOP/s of the timed runs on one thread (a multiply-add counts two flops per lane).</param>
/// <param name="Bits">Vector width of the probe: 512, 256, 128, or 64 for scalar code.</param>
/// <param name="Fused">True when the probe issued fused multiply-adds; false when a multiply and an add (no FMA on the path).</param>
/// <param name="Chains">Independent accumulator chains in the loop.</param>
public readonly record struct FmaPeakResult(double Gflops, int Bits, bool Fused, int Chains)
{
    /// <summary>"512-bit FMA", "128-bit mul+add", "scalar FMA", ...</summary>
    public string Instruction => (Bits == 64 ? "scalar" : $"{Bits}-bit") + (Fused ? " FMA" : " mul+add");
}

/// <summary>
/// Measures the FP64 multiply-add peak of one core at the width the GEMM of <see cref="Simd.Path"/> uses: Vector512 FMA
/// on <see cref="SimdPath.Avx512"/>, Vector256 FMA on <see cref="SimdPath.Avx2Fma"/>, Vector128 FMA on NEON, Vector128
/// multiply and add on SSE-only x64 (no FMA there), scalar otherwise. The probe is 12 independent accumulator chains,
/// enough to hide a 4-5 cycle FMA latency on two pipes, each started from a distinct value so that no two chains can be
/// merged; x ← x·m + c with m just below 1 converges towards c / (1 − m) and never overflows or goes subnormal.
/// About 60 ms. Unlike a nominal clock times an assumed pipe count, this is right on cores that split 512-bit operations
/// in two (Zen 4: the same figure at 512 and 256 bits) and on cores with full-width units (Zen 5: twice).
/// </summary>
public static class FmaPeak
{
    /// <summary>Independent chains of the probe.</summary>
    public const int Chains = 12;

    /// <summary>
    /// Runs the probe for the current path: the best of <paramref name="runs"/> timed runs of about
    /// <paramref name="runSeconds"/> each. Many short runs rather than a few long ones: on a loaded host a run that the
    /// scheduler interrupts reads low, and the chance that one run escapes every interruption grows as runs shorten.
    /// </summary>
    public static FmaPeakResult Measure(int runs = 30, double runSeconds = 0.0015) => Measure(Simd.Path, runs, runSeconds);

    /// <summary>Runs the probe at the width of <paramref name="path"/> (which must be a path this process can take).</summary>
    public static FmaPeakResult Measure(SimdPath path, int runs = 30, double runSeconds = 0.0015)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runSeconds);
        (int bits, bool fused, Func<long, double> loop) = path switch
        {
            SimdPath.Avx512 when Vector512.IsHardwareAccelerated && Avx512F.IsSupported => (512, true, (Func<long, double>)FmaChains<V512>),
            SimdPath.Avx2Fma or SimdPath.Avx512 when Vector256.IsHardwareAccelerated && Fma.IsSupported => (256, true, FmaChains<V256>),
            SimdPath.Neon when AdvSimd.Arm64.IsSupported => (128, true, FmaChains<V128>),
            SimdPath.Vector128 when Vector128.IsHardwareAccelerated => (128, false, MulAdd128),
            _ => (64, false, Scalar),
        };
        int lanes = bits / 64;
        double flopsPerIteration = 2.0 * Chains * lanes;
        loop(1000);
        // Calibrate on a short run, then time runs of about runSeconds and keep the fastest (the least disturbed).
        long iterations = 1 << 14;
        double seconds;
        while ((seconds = Time(loop, iterations)) < runSeconds / 8 && iterations < 1L << 40) iterations *= 4;
        iterations = Math.Max(1, (long)(iterations * runSeconds / Math.Max(seconds, 1e-9)));
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            double s = Time(loop, iterations);
            if (s > 0) best = Math.Max(best, flopsPerIteration * iterations / s / 1e9);
        }

        return new FmaPeakResult(best, bits, fused, Chains);
    }

    private static double Time(Func<long, double> loop, long iterations)
    {
        long t0 = Stopwatch.GetTimestamp();
        double sink = loop(iterations);
        double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        GC.KeepAlive(sink);
        return s;
    }

    // Each chain starts at its own value, so no two chains compute the same thing and none can be merged.
    private const double M = 0.999_999_9, C = 1e-7;

    /// <summary>The twelve fused chains at one width, written once for the kernels' vector wrappers (V512, V256, V128).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double FmaChains<TVec>(long iterations) where TVec : struct, ISimdVector<TVec>
    {
        var m = TVec.Create(M);
        var c = TVec.Create(C);
        TVec x0 = TVec.Create(0.01), x1 = TVec.Create(0.02), x2 = TVec.Create(0.03), x3 = TVec.Create(0.04),
            x4 = TVec.Create(0.05), x5 = TVec.Create(0.06), x6 = TVec.Create(0.07), x7 = TVec.Create(0.08),
            x8 = TVec.Create(0.09), x9 = TVec.Create(0.10), x10 = TVec.Create(0.11), x11 = TVec.Create(0.12);
        for (long i = 0; i < iterations; i++)
        {
            x0 = TVec.FusedMultiplyAdd(x0, m, c); x1 = TVec.FusedMultiplyAdd(x1, m, c);
            x2 = TVec.FusedMultiplyAdd(x2, m, c); x3 = TVec.FusedMultiplyAdd(x3, m, c);
            x4 = TVec.FusedMultiplyAdd(x4, m, c); x5 = TVec.FusedMultiplyAdd(x5, m, c);
            x6 = TVec.FusedMultiplyAdd(x6, m, c); x7 = TVec.FusedMultiplyAdd(x7, m, c);
            x8 = TVec.FusedMultiplyAdd(x8, m, c); x9 = TVec.FusedMultiplyAdd(x9, m, c);
            x10 = TVec.FusedMultiplyAdd(x10, m, c); x11 = TVec.FusedMultiplyAdd(x11, m, c);
        }

        return LaneSum(((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11)));
    }

    // Out of the loop's method, so its buffer does not take the accumulators' registers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double LaneSum<TVec>(TVec x) where TVec : struct, ISimdVector<TVec>
    {
        Span<double> lanes = stackalloc double[TVec.Count];
        x.Store(ref lanes[0], 0);
        double sum = 0;
        foreach (double lane in lanes) sum += lane;
        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double MulAdd128(long iterations)
    {
        var m = Vector128.Create(M);
        var c = Vector128.Create(C);
        Vector128<double> x0 = Vector128.Create(0.01), x1 = Vector128.Create(0.02), x2 = Vector128.Create(0.03), x3 = Vector128.Create(0.04),
            x4 = Vector128.Create(0.05), x5 = Vector128.Create(0.06), x6 = Vector128.Create(0.07), x7 = Vector128.Create(0.08),
            x8 = Vector128.Create(0.09), x9 = Vector128.Create(0.10), x10 = Vector128.Create(0.11), x11 = Vector128.Create(0.12);
        for (long i = 0; i < iterations; i++)
        {
            x0 = x0 * m + c; x1 = x1 * m + c; x2 = x2 * m + c; x3 = x3 * m + c;
            x4 = x4 * m + c; x5 = x5 * m + c; x6 = x6 * m + c; x7 = x7 * m + c;
            x8 = x8 * m + c; x9 = x9 * m + c; x10 = x10 * m + c; x11 = x11 * m + c;
        }

        return Vector128.Sum(((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Scalar(long iterations)
    {
        double m = M, c = C;
        double x0 = 0.01, x1 = 0.02, x2 = 0.03, x3 = 0.04, x4 = 0.05, x5 = 0.06, x6 = 0.07, x7 = 0.08, x8 = 0.09, x9 = 0.10, x10 = 0.11, x11 = 0.12;
        for (long i = 0; i < iterations; i++)
        {
            // A multiply and an add, as the scalar reference GEMM's compiled code does (the JIT never contracts them).
            x0 = x0 * m + c; x1 = x1 * m + c; x2 = x2 * m + c; x3 = x3 * m + c;
            x4 = x4 * m + c; x5 = x5 * m + c; x6 = x6 * m + c; x7 = x7 * m + c;
            x8 = x8 * m + c; x9 = x9 * m + c; x10 = x10 * m + c; x11 = x11 * m + c;
        }

        return ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11));
    }
}
