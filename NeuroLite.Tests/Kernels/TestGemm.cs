using NeuroLite.Kernels;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// The GEMM tests' calls: <see cref="Gemm.MultiplyWith"/> and <see cref="Gemm.LinearWith"/> with a plan made from
/// this thread's test settings (smaller blocks, a lower two-thread threshold, another in-place-A limit, the worker
/// policy), so a test can cross block edges cheaply and rely on the worker without any setting inside the library.
/// </summary>
internal static class TestGemm
{
    [ThreadStatic] private static int mc, kc, nc;
    [ThreadStatic] private static long parallelMinWork;
    [ThreadStatic] private static long? inPlaceA;
    [ThreadStatic] private static bool patient, holdWorker;

    /// <summary>Calls wait for the worker (no take-over, no back-off): see <see cref="GemmPlan.Patient"/>.</summary>
    public static bool Patient
    {
        get => patient;
        set => patient = value;
    }

    /// <summary>The woken worker waits before it claims its half: see <see cref="GemmPlan.HoldWorker"/>.</summary>
    public static bool HoldWorker
    {
        get => holdWorker;
        set => holdWorker = value;
    }

    /// <summary>Block sizes (rounded up to the kernel's MR/NR; 0 keeps a default) and a parallel threshold (0 keeps the default).</summary>
    public static void Override(int mcBlock, int kcBlock, int ncBlock, long parallelMinWork) =>
        (mc, kc, nc, TestGemm.parallelMinWork) = (mcBlock, kcBlock, ncBlock, parallelMinWork);

    /// <summary>The in-place-A limit (elements of op(A)); 0 packs A unless C is narrow.</summary>
    public static void OverrideInPlaceA(long maxElements) => inPlaceA = maxElements;

    /// <summary>Back to the kernel's blocks, threshold and in-place limit (the worker policy is kept).</summary>
    public static void Reset()
    {
        (mc, kc, nc, parallelMinWork) = (0, 0, 0, 0);
        inPlaceA = null;
    }

    /// <summary>Back to everything the kernel's own plan says.</summary>
    public static void ResetAll()
    {
        Reset();
        patient = holdWorker = false;
    }

    /// <summary>The plan of the dispatched kernel with this thread's settings.</summary>
    public static GemmPlan Plan
    {
        get
        {
            var (mr, nr, plan) = GemmTuning.ForCurrentPath();
            GemmBlockSizes d = plan.Blocks;
            return plan with
            {
                Blocks = new GemmBlockSizes(
                    mc > 0 ? GemmTuning.RoundUp(mc, mr) : d.Mc,
                    kc > 0 ? kc : d.Kc,
                    nc > 0 ? GemmTuning.RoundUp(nc, nr) : d.Nc),
                ParallelMinWork = parallelMinWork > 0 ? parallelMinWork : plan.ParallelMinWork,
                InPlaceAMaxElements = inPlaceA ?? plan.InPlaceAMaxElements,
                Patient = patient,
                HoldWorker = holdWorker,
            };
        }
    }

    /// <summary><see cref="Gemm.Multiply"/> with <see cref="Plan"/>.</summary>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k, bool transposeA = false, bool transposeB = false, bool accumulate = false) =>
        Gemm.MultiplyWith(a, b, c, m, n, k, transposeA, transposeB, accumulate, Plan);

    /// <summary><see cref="Gemm.Linear"/> with <see cref="Plan"/>.</summary>
    public static void Linear(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> bias, Span<double> c, int m, int n, int k, GemmActivation activation = GemmActivation.None, bool transposeA = false, bool transposeB = false) =>
        Gemm.LinearWith(a, b, bias, c, m, n, k, activation, transposeA, transposeB, Plan);
}
