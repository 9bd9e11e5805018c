using NeuroLite.Bench.Quick;
using NeuroLite.Bench.Suites;
using NeuroLite.Kernels;

namespace NeuroLite.Tests.Bench;

/// <summary>The bench's kernel rows and BenchmarkDotNet cases are the kernel catalog's entries, and nothing else.</summary>
public class KernelCasesTests
{
    [Test]
    public void The_kernel_table_has_a_row_per_benched_catalog_entry_in_catalog_order()
    {
        Assert.That(KernelCases.All.Select(k => k.Name), Is.EqualTo(KernelCatalog.All.Where(e => e.Benched).Select(e => e.Name)));
        Assert.That(KernelCatalog.All.Select(e => e.Name), Is.Unique);
    }

    [Test]
    public void The_suites_time_every_case_with_a_TensorPrimitives_peer_once()
    {
        string[] withPeer = [.. KernelCases.All.Concat(KernelCases.SuiteExtras).Where(k => k.TensorName is not null).Select(k => k.Name)];
        Assert.That(ElementwiseBenchmarks.Kernels.Concat(BroadcastBenchmarks.Kernels), Is.EquivalentTo(withPeer));
        Assert.That(withPeer, Does.Contain("Unary.Tanh").And.Contain("Binary.Multiply").And.Contain("Broadcast.Add (row, bias add)").And.Contain("Reduce.Sum"));
    }

    [Test]
    public void Every_case_builds_and_its_implementations_write_the_same_outputs_at_a_small_size()
    {
        foreach (var k in KernelCases.All.Concat(KernelCases.SuiteExtras))
        {
            var inst = k.Create(37, new Random(3));
            double[][] Run(Action call)
            {
                inst.Reset();
                call();
                return [.. inst.Outputs.Select(o => (double[])o.Clone())];
            }

            var reference = Run(inst.Reference);
            void Agrees(double[][] got, string who)
            {
                // The table reports the exact error; this only catches a peer or a buffer wired to the wrong thing.
                for (int o = 0; o < got.Length; o++)
                    for (int i = 0; i < got[o].Length; i++)
                        if (!(Math.Abs(got[o][i] - reference[o][i]) <= 1e-12 * Math.Max(1, Math.Abs(reference[o][i]))))
                            Assert.Fail($"{k.Name}, {who}: output {o}, element {i} is {got[o][i]:R}, reference {reference[o][i]:R}");
            }

            Agrees(Run(inst.Simd), "NeuroLite");
            if (inst.Tensor is not null) Agrees(Run(inst.Tensor), "TensorPrimitives");
        }
    }
}
