using NeuroLite.Kernels;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// The GEMM fixtures' common setup: two-thread calls always wait for the worker (no take-over, no back-off), so the
/// tests that check the worker took its half hold on a loaded machine too (the tests of the take-over turn this off
/// themselves), and every test gets the process-wide thread setting and this thread's test plan back afterwards.
/// </summary>
public abstract class PatientGemmFixture
{
    private int savedMaxThreads;

    [SetUp]
    public void WaitForTheWorker()
    {
        savedMaxThreads = Gemm.MaxThreads;
        TestGemm.Patient = true;
    }

    [TearDown]
    public void RestoreTheWorkerRules()
    {
        Gemm.MaxThreads = savedMaxThreads;
        TestGemm.ResetAll();
        GemmWorker.ResetBackoffForTests();
    }
}
