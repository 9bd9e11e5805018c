using NeuroLite.Kernels;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// <see cref="Gemm.Multiply"/> against the naive triple loop (<see cref="NeuroLite.Kernels.Reference.Gemm"/>) on
/// whatever SIMD path this process takes: edge tiles of every residue, every transpose combination, accumulate,
/// block edges, thread-count independence of the bits, argument errors, and allocation on a warm call.
/// Not parallelisable: the tests share scratch arrays and flip the process-wide <see cref="Gemm.MaxThreads"/>.
/// </summary>
[NonParallelizable]
public class GemmTests : PatientGemmFixture
{
    private static readonly int[] Sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64, 65, 127, 129];

    /// <summary>
    /// A seeded sample of (m, n, k) over <see cref="Sizes"/>: every size appears as m, as n and as k (so every edge
    /// tile shape of every kernel occurs), plus random triples; the total work is capped so qemu stays quick.
    /// </summary>
    private static IEnumerable<TestCaseData> Shapes()
    {
        var rng = new Random(20261127);
        int Pick() => Sizes[rng.Next(Sizes.Length)];
        var shapes = new List<(int M, int N, int K)>();
        foreach (int s in Sizes)
        {
            shapes.Add((s, Pick(), Pick()));
            shapes.Add((Pick(), s, Pick()));
            shapes.Add((Pick(), Pick(), s));
        }
        for (int i = 0; i < 12; i++)
            shapes.Add((Pick(), Pick(), Pick()));
        shapes.Add((4, 4, 2)); // the seed's XOR net: 4×2 · 2×4
        foreach (var (m, n, k) in shapes)
        {
            // Keep each case under ~1/4 M multiply-adds (×8 variants) by shrinking the largest side when needed.
            int mm = m, nn = n, kk = k;
            while ((long)mm * nn * kk > 250_000)
            {
                if (mm >= nn && mm >= kk) mm = Shrink(mm);
                else if (nn >= kk) nn = Shrink(nn);
                else kk = Shrink(kk);
            }
            yield return new TestCaseData(mm, nn, kk).SetArgDisplayNames($"{mm}x{nn}x{kk}");
        }
    }

    private static int Shrink(int s) => Sizes[Math.Max(0, Array.IndexOf(Sizes, s) - 1)];

    [TestCaseSource(nameof(Shapes))]
    public void Matches_the_naive_loop_for_every_transpose_and_accumulate(int m, int n, int k)
    {
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                    CheckAgainstReference(m, n, k, transA, transB, accumulate, seed: m * 10007 + n * 101 + k);
    }

    [Test]
    public void Crosses_small_block_edges()
    {
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        int mc = 2 * mr, kc = 8, nc = 2 * nr;
        TestGemm.Override(mc, kc, nc, parallelMinWork: 0);
        try
        {
            // Just past each block (MC+1, KC+1, NC+1), a few blocks and a bit, and exact multiples.
            (int, int, int)[] shapes = [(mc + 1, nr, 5), (mr, nc + 1, 5), (mr, nr, kc + 1), (mc + 1, nc + 1, kc + 1),
                (2 * mc + 3, 3 * nc + 1, 3 * kc + 5), (2 * mc, 2 * nc, 2 * kc), (mc - 1, nc - 1, kc - 1)];
            foreach (var (m, n, k) in shapes)
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                        foreach (bool accumulate in new[] { false, true })
                            CheckAgainstReference(m, n, k, transA, transB, accumulate, seed: m + n + k);
        }
        finally
        {
            TestGemm.Reset();
        }
    }

    [Test]
    public void Crosses_the_default_block_edges()
    {
        var (mr, nr, defaults) = GemmTuning.ForCurrentPath();
        GemmBlockSizes blocks = defaults.Blocks;
        // Thin shapes keep these cheap: MC+1 rows, KC+1 deep, NC+1 columns with the defaults in force.
        (int, int, int)[] shapes = [(blocks.Mc + 1, nr + 1, 7), (mr + 1, nr + 1, blocks.Kc + 1), (mr - 1, blocks.Nc + 1, 3)];
        foreach (var (m, n, k) in shapes)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    CheckAgainstReference(m, n, k, transA, transB, accumulate: transA ^ transB, seed: m * n + k);
    }

    [Test]
    public void One_and_two_threads_give_identical_bits()
    {
        TestGemm.Override(0, 16, 0, parallelMinWork: 1);
        int saved = Gemm.MaxThreads;
        try
        {
            foreach (var (m, n, k) in new[] { (65, 33, 40), (17, 129, 33), (127, 9, 70) })
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                    {
                        var rng = new Random(m + 3 * n + 7 * k);
                        double[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
                        double[] one = (double[])c0.Clone(), two = (double[])c0.Clone();
                        Gemm.MaxThreads = 1;
                        TestGemm.Multiply(a, b, one, m, n, k, transA, transB, accumulate: transA);
                        Gemm.MaxThreads = 2;
                        long before = GemmWorker.Completed;
                        TestGemm.Multiply(a, b, two, m, n, k, transA, transB, accumulate: transA);
                        Assert.That(Bits(two), Is.EqualTo(Bits(one)), $"{m}x{n}x{k} transA={transA} transB={transB}");
                        if (Environment.ProcessorCount >= 2)
                            Assert.That(GemmWorker.Completed, Is.GreaterThan(before), "the worker thread should have taken half");
                    }
        }
        finally
        {
            Gemm.MaxThreads = saved;
            TestGemm.Reset();
        }
    }

    [Test]
    public void Two_threads_sharing_packed_B_cross_every_block_edge()
    {
        // Row splits share each packed B block (each thread packs half its slivers); small blocks force many depth and
        // column blocks, odd sliver counts, a column block of one sliver (the worker packs nothing) and uneven row halves.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        int saved = Gemm.MaxThreads;
        try
        {
            (int, int, int)[] shapes = [(4 * mr + 1, 3 * nr + 1, 37), (9 * mr - 1, 5 * nr, 8), (4 * mr, nr + 1, 17), (8 * mr + 3, 3 * nr - 1, 1)];
            foreach (var (m, n, k) in shapes)
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                    {
                        bool accumulate = transA ^ transB;
                        TestGemm.Override(2 * mr, 8, 2 * nr, parallelMinWork: 1);
                        var rng = new Random(m * 7 + n * 3 + k);
                        double[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
                        double[] one = (double[])c0.Clone(), two = (double[])c0.Clone();
                        Gemm.MaxThreads = 1;
                        TestGemm.Multiply(a, b, one, m, n, k, transA, transB, accumulate);
                        Gemm.MaxThreads = 2;
                        long before = GemmWorker.Completed;
                        TestGemm.Multiply(a, b, two, m, n, k, transA, transB, accumulate);
                        string label = $"{m}x{n}x{k} transA={transA} transB={transB}";
                        Assert.That(Bits(two), Is.EqualTo(Bits(one)), label);
                        if (Environment.ProcessorCount >= 2)
                            Assert.That(GemmWorker.Completed, Is.GreaterThan(before), "the worker thread should have taken half");
                        CheckAgainstReference(m, n, k, transA, transB, accumulate, seed: m + n + k);
                    }
        }
        finally
        {
            Gemm.MaxThreads = saved;
            TestGemm.Reset();
        }
    }

    [TestCase(65, 33, 40)] // row split: the two threads share each packed B block
    [TestCase(3, 129, 33)] // column split (fewer rows than a tile on every path): independent halves
    public void A_worker_that_never_starts_is_taken_over_with_the_same_bits_and_no_allocation(int m, int n, int k)
    {
        TestGemm.Override(0, 16, 0, parallelMinWork: 1);
        var rng = new Random(m * n + k);
        double[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
        double[] one = (double[])c0.Clone(), taken = (double[])c0.Clone();
        Gemm.MaxThreads = 1;
        TestGemm.Multiply(a, b, one, m, n, k, transposeB: true, accumulate: true);
        Gemm.MaxThreads = 2;
        TestGemm.Patient = false;
        TestGemm.HoldWorker = true; // the worker wakes but does not claim its half: the caller must take it
        for (int call = 0; call < 3; call++)
        {
            GemmWorker.ResetBackoffForTests();
            c0.CopyTo(taken, 0);
            long completed = GemmWorker.Completed, slow = GemmWorker.SlowCalls;
            long before = GC.GetAllocatedBytesForCurrentThread();
            TestGemm.Multiply(a, b, taken, m, n, k, transposeB: true, accumulate: true);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(Bits(taken), Is.EqualTo(Bits(one)), $"call {call}");
            Assert.That(GemmWorker.Completed, Is.EqualTo(completed), "the held worker ran a part");
            Assert.That(GemmWorker.SlowCalls, Is.EqualTo(slow + 1), "a taken-over call starts a back-off");
            if (call > 0)
                Assert.That(allocated, Is.Zero, $"call {call} allocated");
        }

        // Released, the worker skips the parts it lost and takes the next one it is given.
        TestGemm.HoldWorker = false;
        TestGemm.Patient = true;
        long done = GemmWorker.Completed;
        double[] two = (double[])c0.Clone();
        TestGemm.Multiply(a, b, two, m, n, k, transposeB: true, accumulate: true);
        Assert.That(Bits(two), Is.EqualTo(Bits(one)));
        Assert.That(GemmWorker.Completed, Is.EqualTo(done + 1), "the released worker should have taken half");
    }

    [Test]
    public void Races_between_the_worker_claiming_and_the_caller_taking_over_never_change_the_bits()
    {
        // Tiny products give the caller a deadline of about a microsecond, close to how long the worker takes to claim
        // its part, so either side wins from call to call (the back-off is cleared so every call posts).
        TestGemm.Override(0, 16, 0, parallelMinWork: 1);
        (int M, int N, int K)[] shapes = [(65, 33, 40), (3, 129, 33)];
        var expected = new double[shapes.Length][];
        var inputs = new (double[] A, double[] B)[shapes.Length];
        Gemm.MaxThreads = 1;
        for (int s = 0; s < shapes.Length; s++)
        {
            var (m, n, k) = shapes[s];
            var rng = new Random(s + 11);
            inputs[s] = (Random(rng, m * k), Random(rng, n * k));
            expected[s] = new double[m * n];
            TestGemm.Multiply(inputs[s].A, inputs[s].B, expected[s], m, n, k, transposeB: true);
        }
        Gemm.MaxThreads = 2;
        TestGemm.Patient = false;
        long workerParts = GemmWorker.Completed, slow = GemmWorker.SlowCalls;
        const int Calls = 300;
        for (int call = 0; call < Calls; call++)
        {
            int s = call % shapes.Length;
            var (m, n, k) = shapes[s];
            var c = new double[m * n];
            GemmWorker.ResetBackoffForTests();
            TestGemm.Multiply(inputs[s].A, inputs[s].B, c, m, n, k, transposeB: true);
            Assert.That(Bits(c), Is.EqualTo(Bits(expected[s])), $"call {call}");
        }
        TestContext.Out.WriteLine($"{GemmWorker.Completed - workerParts} of {Calls} parts ran on the worker, {GemmWorker.SlowCalls - slow} calls judged slow");
    }

    [Test]
    public void Callers_on_several_threads_share_the_worker_without_changing_the_bits()
    {
        // An app with one tape per thread calls GEMM from several threads at once: one caller at a time gets the
        // worker, the others run on their own thread, and a caller may find the worker still finishing or skipping a
        // part another caller took back. Whoever computes which block, every result must keep the one-thread bits.
        (int M, int N, int K, bool TransA, bool TransB)[] shapes = [(65, 33, 40, false, false), (3, 129, 33, false, true), (47, 70, 29, true, false)];
        var inputs = new (double[] A, double[] B, double[] C)[shapes.Length];
        var expected = new long[shapes.Length][];
        Gemm.MaxThreads = 1;
        TestGemm.Override(0, 16, 0, parallelMinWork: 1);
        for (int s = 0; s < shapes.Length; s++)
        {
            var (m, n, k, transA, transB) = shapes[s];
            var rng = new Random(100 + s);
            inputs[s] = (Random(rng, m * k), Random(rng, k * n), Random(rng, m * n));
            double[] c = (double[])inputs[s].C.Clone();
            TestGemm.Multiply(inputs[s].A, inputs[s].B, c, m, n, k, transA, transB, accumulate: s == 0);
            expected[s] = Bits(c);
        }

        Gemm.MaxThreads = 2;
        const int Callers = 3, CallsEach = 60;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long workerParts = GemmWorker.Completed;
        var threads = new Thread[Callers];
        for (int t = 0; t < Callers; t++)
        {
            int caller = t;
            threads[t] = new Thread(() =>
            {
                // The small blocks, the threshold of 1 and patience are this thread's own settings (thread-static). Two
                // callers wait for the worker whenever they get it; the third takes its part back when the worker is
                // late, so take-overs race with the other callers' posts.
                TestGemm.Override(0, 16, 0, parallelMinWork: 1);
                TestGemm.Patient = caller < 2;
                try
                {
                    for (int call = 0; call < CallsEach; call++)
                    {
                        int s = (call + caller) % shapes.Length;
                        var (m, n, k, transA, transB) = shapes[s];
                        double[] c = (double[])inputs[s].C.Clone();
                        TestGemm.Multiply(inputs[s].A, inputs[s].B, c, m, n, k, transA, transB, accumulate: s == 0);
                        if (!Bits(c).AsSpan().SequenceEqual(expected[s]))
                            failures.Enqueue($"caller {caller}, call {call}: shape {m}x{n}x{k} differs from one thread");
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue($"caller {caller}: {e}");
                }
            });
        }
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.That(thread.Join(TimeSpan.FromMinutes(2)), Is.True, "a caller hung");

        Assert.That(failures, Is.Empty);
        long parts = GemmWorker.Completed - workerParts;
        TestContext.Out.WriteLine($"{parts} of {Callers * CallsEach} calls had a part on the worker");
        if (Environment.ProcessorCount >= 2)
            Assert.That(parts, Is.GreaterThan(0), "no caller ever got the worker: the test did not test sharing it");
    }

    [Test]
    public void While_backing_off_calls_run_on_one_thread()
    {
        TestGemm.Override(0, 16, 0, parallelMinWork: 1);
        const int m = 65, n = 33, k = 40;
        var rng = new Random(5);
        double[] a = Random(rng, m * k), b = Random(rng, k * n), one = new double[m * n], two = new double[m * n];
        Gemm.MaxThreads = 1;
        TestGemm.Multiply(a, b, one, m, n, k);
        Gemm.MaxThreads = 2;
        TestGemm.Patient = false;
        GemmWorker.BackOffForTests(TimeSpan.FromMinutes(1));
        long completed = GemmWorker.Completed, slow = GemmWorker.SlowCalls;
        TestGemm.Multiply(a, b, two, m, n, k);
        Assert.That(Bits(two), Is.EqualTo(Bits(one)));
        Assert.That(GemmWorker.Completed, Is.EqualTo(completed), "a call during a back-off posted to the worker");
        Assert.That(GemmWorker.SlowCalls, Is.EqualTo(slow), "a one-thread call was judged as a two-thread one");
    }

    [Test]
    public void Fewer_rows_than_a_tile_read_B_in_place_across_depth_blocks()
    {
        // m = 1…MR-1 with B not transposed reads B unpacked (AVX2): 16- and 8-column groups, a packed partial group,
        // several depth blocks (KC = 8), accumulate, both A layouts; and one vs two threads (a column split) agree bitwise.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        int saved = Gemm.MaxThreads;
        try
        {
            foreach (int m in Enumerable.Range(1, mr - 1))
                foreach (int n in new[] { nr - 1, nr, 2 * nr, 3 * nr + 3, 5 * nr + 1 })
                    foreach (int k in new[] { 3, 21 })
                        foreach (bool transA in new[] { false, true })
                        {
                            bool accumulate = (m + n + k) % 2 == 0;
                            TestGemm.Override(0, 8, 0, parallelMinWork: 0);
                            CheckAgainstReference(m, n, k, transA, transB: false, accumulate, seed: 31 * m + 7 * n + k);
                            CheckAgainstReference(m, n, k, transA, transB: true, accumulate, seed: 31 * m + 7 * n + k);
                            TestGemm.Override(0, 8, 0, parallelMinWork: 1);
                            var rng = new Random(m * 1009 + n * 17 + k);
                            double[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
                            double[] one = (double[])c0.Clone(), two = (double[])c0.Clone();
                            Gemm.MaxThreads = 1;
                            TestGemm.Multiply(a, b, one, m, n, k, transA, false, accumulate);
                            Gemm.MaxThreads = 2;
                            TestGemm.Multiply(a, b, two, m, n, k, transA, false, accumulate);
                            Assert.That(Bits(two), Is.EqualTo(Bits(one)), $"{m}x{n}x{k} transA={transA}");
                        }
        }
        finally
        {
            Gemm.MaxThreads = saved;
            TestGemm.Reset();
        }
    }

    [Test]
    public void Fewer_rows_than_a_tile_give_the_bits_of_the_same_rows_in_a_taller_product()
    {
        // The in-place-B path for m < MR keeps the packed path's depth blocks and per-element FMA chain, so the first
        // rows of a tall product (packed B) equal the same rows multiplied alone.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        int tall = 3 * mr, n = 4 * nr + 5, k = 300;
        var rng = new Random(5);
        double[] a = Random(rng, tall * k), b = Random(rng, k * n);
        double[] full = new double[tall * n];
        TestGemm.Multiply(a, b, full, tall, n, k);
        for (int m = 1; m < mr; m++)
        {
            double[] few = new double[m * n];
            TestGemm.Multiply(a.AsSpan(0, m * k), b, few, m, n, k);
            Assert.That(Bits(few), Is.EqualTo(Bits(full.AsSpan(0, m * n))), $"m = {m}");
        }
    }

    [Test]
    public void Narrow_outputs_read_A_in_place_across_depth_blocks()
    {
        // n ≤ 2·NR reads A unpacked (AVX2): every row and column edge, several depth blocks (KC = 8), all layouts.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        try
        {
            TestGemm.Override(0, 8, 0, parallelMinWork: 0);
            foreach (int n in new[] { 1, nr / 2 + 1, nr, nr + 2, 2 * nr })
                foreach (int m in new[] { 1, mr - 1, mr, mr + 1, 4 * mr + 3 })
                    foreach (int k in new[] { 5, 21 })
                        foreach (bool transA in new[] { false, true })
                            foreach (bool transB in new[] { false, true })
                                CheckAgainstReference(m, n, k, transA, transB, accumulate: (m + n + k) % 2 == 1, seed: 13 * m + 5 * n + k);
        }
        finally
        {
            TestGemm.Reset();
        }
    }

    [Test]
    public void Narrow_outputs_give_the_bits_of_the_same_columns_in_a_wider_product()
    {
        // The in-place-A path for n ≤ 2·NR keeps the packed path's depth blocks and per-element FMA chain, so its
        // columns equal the first columns of a wider product (packed A) with the same A.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        int m = 4 * mr + 1, wide = 5 * nr + 3, k = 300;
        foreach (bool transA in new[] { false, true })
        {
            var rng = new Random(transA ? 9 : 8);
            double[] a = Random(rng, m * k), bWide = Random(rng, k * wide), cWide = new double[m * wide];
            TestGemm.OverrideInPlaceA(0); // the wide product packs A
            TestGemm.Multiply(a, bWide, cWide, m, wide, k, transA);
            TestGemm.Reset();
            foreach (int n in new[] { 1, nr - 1, nr + 2, 2 * nr })
            {
                double[] b = new double[k * n], c = new double[m * n], expected = new double[m * n];
                for (int q = 0; q < k; q++)
                    Array.Copy(bWide, q * wide, b, q * n, n);
                for (int i = 0; i < m; i++)
                    Array.Copy(cWide, i * wide, expected, i * n, n);
                TestGemm.Multiply(a, b, c, m, n, k, transA);
                Assert.That(Bits(c), Is.EqualTo(Bits(expected)), $"n = {n}, transA = {transA}");
            }
        }
    }

    [Test]
    public void Tiny_products_give_the_reference_bits()
    {
        // The direct path (m·n·k ≤ 256) sums each element in k order with a separate multiply and add, as the
        // reference does, whether it takes eight columns at once, four or one: the same bits on every path. Column
        // counts 1-17 cover the 8- and 4-wide vector loops, the scalar tail and combinations of them; accumulate adds
        // to a non-zero C. Shapes above the direct path's limit are skipped.
        var rng = new Random(17);
        foreach (int m in new[] { 1, 2, 3, 4, 5 })
        foreach (int n in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17 })
        foreach (int k in new[] { 0, 1, 2, 3, 4, 5 })
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
        {
            if (m * n * k > GemmTuning.DirectMaxWork)
                continue;
            double[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
            double[] got = (double[])c0.Clone(), want = (double[])c0.Clone();
            TestGemm.Multiply(a, b, got, m, n, k, transA, transB, accumulate);
            NeuroLite.Kernels.Reference.Gemm.Multiply(a, b, want, m, n, k, transA, transB, accumulate);
            Assert.That(Bits(got), Is.EqualTo(Bits(want)), $"{m}x{n}x{k} transA={transA} transB={transB} accumulate={accumulate}");
        }
    }

    [Test]
    public void Every_row_and_column_remainder_of_the_register_tile()
    {
        // Every remainder of MR rows (1…MR, alone and after a full tile) against every remainder of NR columns (alone,
        // which reads A in place, and after two full slivers, which packs both), each transpose; a depth of 3 and of
        // 11 with KC = 8 so single and several depth blocks both occur. m < MR reads B in place.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        try
        {
            TestGemm.Override(0, 8, 0, parallelMinWork: 0);
            for (int rm = 1; rm <= mr; rm++)
                for (int rn = 1; rn <= nr; rn++)
                    foreach (int m in new[] { rm, mr + rm })
                        foreach (int n in new[] { rn, 2 * nr + rn })
                        {
                            int k = (m + n) % 2 == 0 ? 3 : 11;
                            foreach (bool transA in new[] { false, true })
                                foreach (bool transB in new[] { false, true })
                                    CheckAgainstReference(m, n, k, transA, transB, accumulate: (rm + rn + (transA ? 1 : 0)) % 2 == 0, seed: 97 * m + n);
                        }
        }
        finally
        {
            TestGemm.Reset();
        }
    }

    [Test]
    public void Just_past_each_block_of_the_current_kernel()
    {
        // With small blocks in force (MC = 2·MR, KC = 16, NC = 2·NR), sizes one short of, at and one past each block
        // and each multiple of it, with edge tiles in both directions, every transpose and accumulate.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        int mc = 2 * mr, kc = 16, nc = 2 * nr;
        try
        {
            TestGemm.Override(mc, kc, nc, parallelMinWork: 0);
            foreach (int m in new[] { mc - 1, mc + 1, 2 * mc + 1, 3 * mc - 1 })
                foreach (int n in new[] { nc - 1, nc + 1, 2 * nc + 1, 3 * nc - 1 })
                    foreach (int k in new[] { kc - 1, kc + 1, 2 * kc + 1 })
                        foreach (bool transA in new[] { false, true })
                            foreach (bool transB in new[] { false, true })
                                CheckAgainstReference(m, n, k, transA, transB, accumulate: (m + n + k) % 2 == 1, seed: m * 7 + n * 5 + k);
        }
        finally
        {
            TestGemm.Reset();
        }
    }

    [Test]
    public void A_read_in_place_gives_the_bits_of_A_packed()
    {
        // Kernels that read a small op(A) in place whatever the width of C must give the packed path's bits: wide
        // outputs with every column remainder, both A layouts, several depth blocks (KC = 8) and accumulate, once with
        // A always packed and once always read in place (where the kernel can), each also within the error bound.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        foreach (var (m, n, k) in new[] { (2 * mr + 3, 3 * nr + 1, 21), (mr, 5 * nr - 1, 9), (4 * mr + 1, 2 * nr + 10, 17) })
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                {
                    bool accumulate = transA ^ transB;
                    var rng = new Random(m * 11 + n * 3 + k);
                    double[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
                    double[] packed = (double[])c0.Clone(), inPlace = (double[])c0.Clone();
                    TestGemm.Override(0, 8, 0, parallelMinWork: 0);
                    TestGemm.OverrideInPlaceA(0);
                    TestGemm.Multiply(a, b, packed, m, n, k, transA, transB, accumulate);
                    TestGemm.OverrideInPlaceA(long.MaxValue);
                    TestGemm.Multiply(a, b, inPlace, m, n, k, transA, transB, accumulate);
                    Assert.That(Bits(inPlace), Is.EqualTo(Bits(packed)), $"{m}x{n}x{k} transA={transA} transB={transB}");
                    CheckAgainstReference(m, n, k, transA, transB, accumulate, seed: m + 5 * n + k);
                    TestGemm.Reset();
                }
    }

    [Test]
    public void Operands_at_unaligned_offsets()
    {
        // Spans that start 0…7 doubles into their arrays, so packed and in-place loads and the full and masked stores
        // of C meet every alignment; shapes for the in-place-B (m < MR), in-place-A (n ≤ 2·NR) and packed paths.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        (int, int, int)[] shapes = [(mr - 1, 3 * nr + 5, 19), (2 * mr + 3, nr + 3, 19), (3 * mr + 1, 3 * nr + 1, 21)];
        foreach (var (m, n, k) in shapes)
            for (int offset = 0; offset < 8; offset++)
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                    {
                        bool accumulate = (offset + (transB ? 1 : 0)) % 2 == 1;
                        var rng = new Random(offset * 131 + m);
                        int oa = offset, ob = (offset + 3) % 8, oc = (offset + 5) % 8;
                        double[] a = Random(rng, oa + m * k), b = Random(rng, ob + k * n), c = Random(rng, oc + m * n + 3);
                        double[] c0 = (double[])c.Clone(), want = (double[])c.Clone();
                        TestGemm.Multiply(a.AsSpan(oa, m * k), b.AsSpan(ob, k * n), c.AsSpan(oc, m * n), m, n, k, transA, transB, accumulate);
                        NeuroLite.Kernels.Reference.Gemm.Multiply(a.AsSpan(oa, m * k), b.AsSpan(ob, k * n), want.AsSpan(oc, m * n), m, n, k, transA, transB, accumulate);
                        string label = $"{m}x{n}x{k} offsets {oa}/{ob}/{oc} transA={transA} transB={transB} accumulate={accumulate}";
                        for (int i = 0; i < oc; i++)
                            Assert.That(BitConverter.DoubleToInt64Bits(c[i]), Is.EqualTo(BitConverter.DoubleToInt64Bits(want[i])), $"{label}: wrote before C");
                        for (int i = oc + m * n; i < c.Length; i++)
                            Assert.That(BitConverter.DoubleToInt64Bits(c[i]), Is.EqualTo(BitConverter.DoubleToInt64Bits(want[i])), $"{label}: wrote after C");
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++)
                            {
                                double magnitude = accumulate ? Math.Abs(c0[oc + i * n + j]) : 0;
                                for (int p = 0; p < k; p++)
                                    magnitude += Math.Abs((transA ? a[oa + p * m + i] : a[oa + i * k + p]) * (transB ? b[ob + j * k + p] : b[ob + p * n + j]));
                                double error = Math.Abs(c[oc + i * n + j] - want[oc + i * n + j]);
                                Assert.That(error, Is.LessThanOrEqualTo((k + 1) * Math.ScaleB(magnitude, -52)), $"{label}: C[{i},{j}]");
                            }
                    }
    }

    [Test]
    public void The_current_kernel_gives_the_same_bits_for_an_element_whichever_tile_computes_it()
    {
        // The same rows and columns computed as part of a big product (full tiles, packed), as a short product (m < MR:
        // B in place), as a narrow one (n ≤ 2·NR: A in place) and as edge tiles of other sizes must agree bitwise:
        // each element is one FMA chain over p in the same depth blocks, then one add of C.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        int m = 3 * mr + 2, n = 4 * nr + 3, k = 45;
        try
        {
            TestGemm.Override(0, 16, 0, parallelMinWork: 0);
            var rng = new Random(77);
            double[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n), full = (double[])c0.Clone();
            TestGemm.OverrideInPlaceA(0); // the big product packs both operands
            TestGemm.Multiply(a, b, full, m, n, k, accumulate: true);
            TestGemm.Reset();
            TestGemm.Override(0, 16, 0, parallelMinWork: 0);
            foreach (var (rows, cols) in new[] { (1, n), (mr - 1, n), (m, 1), (m, nr + 1), (m, 2 * nr), (mr + 1, nr + 5), (m, 3 * nr - 1) })
            {
                // Rows [0, rows) and columns [0, cols) of the big product, as a product of their own.
                double[] bPart = new double[k * cols], cPart = new double[rows * cols], expected = new double[rows * cols];
                for (int q = 0; q < k; q++)
                    Array.Copy(b, q * n, bPart, q * cols, cols);
                for (int i = 0; i < rows; i++)
                {
                    Array.Copy(c0, i * n, cPart, i * cols, cols);
                    Array.Copy(full, i * n, expected, i * cols, cols);
                }
                TestGemm.Multiply(a.AsSpan(0, rows * k), bPart, cPart, rows, cols, k, accumulate: true);
                Assert.That(Bits(cPart), Is.EqualTo(Bits(expected)), $"rows {rows}, cols {cols}");
            }
        }
        finally
        {
            TestGemm.Reset();
        }
    }

    [Test]
    public void One_column_products_give_the_bits_of_the_same_column_in_a_wider_product()
    {
        // n = 1 (matrix times vector) has code of its own on some paths: rows in lanes when A is stored transposed,
        // scalar FMA chains when it is stored by rows. Each element must still be the FMA chain of the wide product's
        // tiles: rows on each side of 8 and 32, several depth blocks (KC = 16), B either way round, accumulate; and
        // within the reference's bound.
        try
        {
            TestGemm.Override(0, 16, 0, parallelMinWork: 0);
            foreach (int m in new[] { 1, 7, 8, 9, 31, 32, 33, 40, 71 })
                foreach (int k in new[] { 5, 37, 70 })
                    foreach (bool transA in new[] { false, true })
                    {
                        bool transB = (m + k) % 2 == 0, accumulate = m % 2 == 1;
                        int wide = 2 * GemmTuning.ForCurrentPath().Nr + 3;
                        var rng = new Random(m * 41 + k);
                        double[] a = Random(rng, m * k), b = Random(rng, k), c0 = Random(rng, m);
                        // The wide product's B has this vector as its column 0 (stored k×wide, or wide×k when transposed).
                        double[] bWide = Random(rng, k * wide), cWide = new double[m * wide];
                        for (int q = 0; q < k; q++)
                            bWide[transB ? q : q * wide] = b[q];
                        for (int i = 0; i < m; i++)
                            cWide[i * wide] = c0[i];
                        TestGemm.OverrideInPlaceA(0);
                        TestGemm.Multiply(a, bWide, cWide, m, wide, k, transA, transB, accumulate);
                        TestGemm.Reset();
                        TestGemm.Override(0, 16, 0, parallelMinWork: 0);
                        double[] c = (double[])c0.Clone();
                        TestGemm.Multiply(a, b, c, m, 1, k, transA, transB, accumulate);
                        // (Tiny products take the direct path, which rounds as the reference does: only the bound applies.)
                        for (int i = 0; i < m && m * k > GemmTuning.DirectMaxWork; i++)
                            Assert.That(BitConverter.DoubleToInt64Bits(c[i]), Is.EqualTo(BitConverter.DoubleToInt64Bits(cWide[i * wide])), $"{m}x1x{k} transA={transA} transB={transB} accumulate={accumulate}: row {i}");
                        CheckAgainstReference(m, 1, k, transA, transB, accumulate, seed: m + k);
                    }
        }
        finally
        {
            TestGemm.Reset();
        }
    }

    [Test]
    public void MaxThreads_rejects_less_than_one()
    {
        Assert.That(() => Gemm.MaxThreads = 0, Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(Gemm.MaxThreads, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Zero_sizes_and_empty_depth()
    {
        double[] c = [1, 2, 3, 4, 5, 6];
        TestGemm.Multiply([], new double[12], c, 0, 3, 4);
        TestGemm.Multiply(new double[8], [], c, 2, 0, 4);
        Assert.That(c, Is.EqualTo(new double[] { 1, 2, 3, 4, 5, 6 }), "m = 0 or n = 0 writes nothing");
        TestGemm.Multiply([], [], c, 2, 2, 0, accumulate: true);
        Assert.That(c, Is.EqualTo(new double[] { 1, 2, 3, 4, 5, 6 }), "accumulate with k = 0 leaves C unchanged");
        TestGemm.Multiply([], [], c, 2, 2, 0);
        Assert.That(c, Is.EqualTo(new double[] { 0, 0, 0, 0, 5, 6 }), "k = 0 zeroes the m×n block only");
    }

    [Test]
    public void Writes_only_the_leading_m_by_n_elements()
    {
        // Spans longer than the sizes need: the direct path (3) and the packed path (40) leave the tail alone.
        foreach (int size in new[] { 3, 40 })
        {
            int m = size, n = size + 1, k = size + 2;
            var rng = new Random(size);
            double[] a = Random(rng, m * k + 5), b = Random(rng, k * n + 5), c = Random(rng, m * n + 7);
            double[] tail = c[(m * n)..];
            TestGemm.Multiply(a, b, c, m, n, k);
            Assert.That(c[(m * n)..], Is.EqualTo(tail), $"size {size}");
        }
    }

    [Test]
    public void Argument_errors_throw_before_anything_is_written()
    {
        double[] a = new double[6], b = new double[6], c = [7, 7, 7, 7, 7, 7, 7, 7, 7];
        Assert.Multiple(() =>
        {
            Assert.That(() => TestGemm.Multiply(a, b, c, -1, 3, 2), Throws.ArgumentException);
            Assert.That(() => TestGemm.Multiply(a, b, c, 3, -1, 2), Throws.ArgumentException);
            Assert.That(() => TestGemm.Multiply(a, b, c, 3, 3, -2), Throws.ArgumentException);
            Assert.That(() => TestGemm.Multiply(a.AsSpan(0, 5), b, c, 3, 3, 2), Throws.ArgumentException, "A too short");
            Assert.That(() => TestGemm.Multiply(a, b.AsSpan(0, 5), c, 3, 3, 2, transposeB: true), Throws.ArgumentException, "B too short");
            Assert.That(() => TestGemm.Multiply(a, b, c.AsSpan(0, 8), 3, 3, 2), Throws.ArgumentException, "C too short");
            Assert.That(() => TestGemm.Multiply(c, b, c, 3, 3, 2), Throws.ArgumentException, "C overlaps A");
            Assert.That(() => TestGemm.Multiply(new double[300 * 300], new double[300 * 300], c, 300, 300, 300), Throws.ArgumentException, "large, C too short");
        });
        Assert.That(c, Is.All.EqualTo(7));
    }

    [Test]
    public void A_warm_call_allocates_nothing()
    {
        int saved = Gemm.MaxThreads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Gemm.MaxThreads = threads;
                TestGemm.Override(0, 0, 0, parallelMinWork: threads == 2 ? 1 : 0);
                foreach (var (m, n, k) in new[] { (4, 4, 2), (33, 40, 17), (70, 9, 65) })
                {
                    var rng = new Random(m);
                    double[] a = Random(rng, m * k), b = Random(rng, k * n), c = new double[m * n];
                    TestGemm.Multiply(a, b, c, m, n, k, transposeB: true);
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    TestGemm.Multiply(a, b, c, m, n, k, transposeB: true);
                    TestGemm.Multiply(a, b, c, m, n, k, transposeA: true, accumulate: true);
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    Assert.That(allocated, Is.Zero, $"{m}x{n}x{k}, {threads} thread(s)");
                }
            }
        }
        finally
        {
            Gemm.MaxThreads = saved;
            TestGemm.Reset();
        }
    }

    /// <summary>
    /// Runs both implementations from the same C and checks every element within k·2⁻⁵²·Σ|a||b|: both sums are within
    /// half that of the exact value. Accumulating adds one more term, |c₀|, so the bound becomes (k + 1)·2⁻⁵²·(Σ|a||b| + |c₀|).
    /// </summary>
    private static void CheckAgainstReference(int m, int n, int k, bool transA, bool transB, bool accumulate, int seed)
    {
        // A, B and C₀ depend only on the seed and sizes; the buffers are reused across calls to keep the GC quiet
        // (these tests also run under qemu).
        const int Guard = 32;
        const double Sentinel = -12345.5;
        var rng = new Random(seed);
        Span<double> a = Scratch(ref scratchA, m * k), b = Scratch(ref scratchB, k * n), c0 = Scratch(ref scratchC0, m * n);
        FillRandom(rng, a);
        FillRandom(rng, b);
        FillRandom(rng, c0);
        Span<double> expected = Scratch(ref scratchExpected, m * n);
        c0.CopyTo(expected);
        NeuroLite.Kernels.Reference.Gemm.Multiply(a, b, expected, m, n, k, transA, transB, accumulate);
        // C sits inside guard bands, so a store outside the m×n block cannot go unnoticed.
        Span<double> guarded = Scratch(ref scratchGuarded, m * n + 2 * Guard);
        guarded.Fill(Sentinel);
        c0.CopyTo(guarded[Guard..]);
        TestGemm.Multiply(a, b, guarded.Slice(Guard, m * n), m, n, k, transA, transB, accumulate);
        ReadOnlySpan<double> actual = guarded.Slice(Guard, m * n);
        for (int g = 0; g < Guard; g++)
            if (guarded[g] != Sentinel || guarded[Guard + m * n + g] != Sentinel)
                Assert.Fail($"{m}x{n}x{k} transA={transA} transB={transB} accumulate={accumulate}: wrote outside C");
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double magnitude = accumulate ? Math.Abs(c0[i * n + j]) : 0;
                for (int p = 0; p < k; p++)
                    magnitude += Math.Abs((transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]));
                double bound = (accumulate ? k + 1 : k) * Math.ScaleB(magnitude, -52);
                double error = Math.Abs(actual[i * n + j] - expected[i * n + j]);
                if (!(error <= bound))
                    Assert.Fail($"{m}x{n}x{k} transA={transA} transB={transB} accumulate={accumulate}: C[{i},{j}] = {actual[i * n + j]:R}, reference {expected[i * n + j]:R}, error {error:E3} > bound {bound:E3}");
            }
    }

    private static double[] scratchA = [], scratchB = [], scratchC0 = [], scratchExpected = [], scratchGuarded = [];

    private static Span<double> Scratch(ref double[] buffer, int length)
    {
        if (buffer.Length < length)
            buffer = new double[Math.Max(length, 2 * buffer.Length)];
        return buffer.AsSpan(0, length);
    }

    private static void FillRandom(Random rng, Span<double> x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = 2 * rng.NextDouble() - 1;
    }

    private static double[] Random(Random rng, int count)
    {
        var x = new double[count];
        for (int i = 0; i < x.Length; i++) x[i] = 2 * rng.NextDouble() - 1;
        return x;
    }
}
