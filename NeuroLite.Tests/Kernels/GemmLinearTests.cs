using NeuroLite.Kernels;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// <see cref="Gemm.Linear"/> against the separate passes it fuses (<see cref="Gemm.Multiply"/>, the broadcast bias
/// add, then <see cref="Unary.Tanh"/> or <see cref="Unary.Relu"/> in place), bit for bit, on whatever SIMD path this
/// process takes: every kind of tile (full, edge rows and columns, fewer rows than a tile, narrow outputs and the
/// 9-12 column tiles, the direct tiny path), several depth blocks, one and two threads, unaligned operands; plus the
/// scalar reference's error bound, argument errors and allocation.
/// Not parallelisable: it flips the process-wide <see cref="Gemm.MaxThreads"/>.
/// </summary>
[NonParallelizable]
public class GemmLinearTests : PatientGemmFixture
{
    private static readonly GemmActivation[] Activations = [GemmActivation.None, GemmActivation.Tanh, GemmActivation.Relu];

    [Test]
    public void Gives_the_bits_of_the_separate_passes_for_every_tile_shape()
    {
        // Rows around each MR (1…17, 33) against columns around each NR and the 9-12 column tiles, every transpose,
        // the activation and the depth rotating (depths 1 and 3 reach the direct path for small m·n; 40 deep with
        // KC = 16 runs three depth blocks, so the bias and activation come only after the last).
        int[] rowCounts = [1, 2, 3, 5, 7, 8, 9, 13, 17, 33];
        int[] colCounts = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 16, 17, 23, 24, 25, 47, 48, 49, 64, 70];
        int[] depths = [1, 3, 17, 40];
        TestGemm.Override(0, 16, 0, parallelMinWork: 0);
        int index = 0;
        foreach (int m in rowCounts)
            foreach (int n in colCounts)
            {
                int k = depths[index % depths.Length];
                var activation = Activations[index / 3 % Activations.Length];
                index++;
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                        CheckAgainstSeparatePasses(m, n, k, activation, transA, transB, seed: index);
            }
    }

    [Test]
    public void Gives_the_bits_of_the_separate_passes_across_small_blocks_and_the_default_ones()
    {
        var (mr, nr, defaults) = GemmTuning.ForCurrentPath();
        GemmBlockSizes blocks = defaults.Blocks;
        int mc = 2 * mr, kc = 8, nc = 2 * nr;
        TestGemm.Override(mc, kc, nc, parallelMinWork: 0);
        foreach (var (m, n, k) in new[] { (mc + 1, nc + 1, kc + 1), (2 * mc + 3, 3 * nc + 1, 3 * kc + 5), (mc - 1, nc - 1, kc - 1), (2 * mc, 2 * nc, 2 * kc) })
            foreach (var activation in Activations)
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                        CheckAgainstSeparatePasses(m, n, k, activation, transA, transB, seed: m + n + k);
        TestGemm.Reset();
        foreach (var (m, n, k) in new[] { (mr + 1, nr + 1, blocks.Kc + 1), (blocks.Mc + 1, 10, 7), (3, 2 * nr + 1, blocks.Kc + 3) })
            foreach (var activation in Activations)
                foreach (bool transA in new[] { false, true })
                    CheckAgainstSeparatePasses(m, n, k, activation, transA, transposeB: !transA, seed: m * n + k);
    }

    [Test]
    public void Gives_the_same_bits_on_one_and_two_threads_and_with_A_packed_or_in_place()
    {
        // Row splits (65 rows), column splits (3 rows, 129 columns) and the narrow tiles (10 columns), each checked against
        // the separate passes on one thread; then with A always packed and always read in place.
        foreach (var (m, n, k) in new[] { (65, 33, 40), (3, 129, 33), (127, 10, 70), (64, 64, 64) })
            foreach (var activation in Activations)
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                    {
                        var rng = new Random(m + 3 * n + 7 * k);
                        double[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Bias(rng, n);
                        TestGemm.Override(0, 16, 0, parallelMinWork: 1);
                        double[] want = Separate(a, b, bias, m, n, k, activation, transA, transB, threads: 1);
                        string label = $"{m}x{n}x{k} {activation} transA={transA} transB={transB}";
                        Gemm.MaxThreads = 2;
                        long before = GemmWorker.Completed;
                        double[] two = Random(rng, m * n);
                        TestGemm.Linear(a, b, bias, two, m, n, k, activation, transA, transB);
                        Assert.That(Bits(two), Is.EqualTo(Bits(want)), $"{label}, two threads");
                        if (Environment.ProcessorCount >= 2)
                            Assert.That(GemmWorker.Completed, Is.GreaterThan(before), $"{label}: the worker thread should have taken half");
                        Gemm.MaxThreads = 1;
                        foreach (long inPlace in new[] { 0L, long.MaxValue })
                        {
                            TestGemm.OverrideInPlaceA(inPlace);
                            double[] one = Random(rng, m * n);
                            TestGemm.Linear(a, b, bias, one, m, n, k, activation, transA, transB);
                            Assert.That(Bits(one), Is.EqualTo(Bits(want)), $"{label}, in-place A limit {inPlace}");
                        }
                        TestGemm.Reset();
                    }
    }

    [Test]
    public void Operands_at_unaligned_offsets_and_longer_spans()
    {
        // Spans 0…7 doubles into their arrays (bias included) and longer than needed: nothing outside the m×n block of C
        // is written, and the block has the separate passes' bits.
        var (mr, nr, _) = GemmTuning.ForCurrentPath();
        foreach (var (m, n, k) in new[] { (mr - 1, 3 * nr + 5, 19), (2 * mr + 3, nr + 3, 19), (3 * mr + 1, 10, 21), (2, 3, 4) })
            for (int offset = 0; offset < 8; offset++)
            {
                var activation = Activations[offset % 3];
                bool transA = offset % 2 == 1, transB = offset / 2 % 2 == 1;
                var rng = new Random(offset * 131 + m);
                int oa = offset, ob = (offset + 3) % 8, oc = (offset + 5) % 8, obias = (offset + 6) % 8;
                double[] a = Random(rng, oa + m * k + 2), b = Random(rng, ob + k * n + 2), bias = Bias(rng, obias + n + 3), c = Random(rng, oc + m * n + 3);
                double[] want = (double[])c.Clone();
                double[] block = Separate(a.AsSpan(oa, m * k).ToArray(), b.AsSpan(ob, k * n).ToArray(), bias.AsSpan(obias, n).ToArray(), m, n, k, activation, transA, transB, threads: Gemm.MaxThreads);
                block.CopyTo(want, oc);
                TestGemm.Linear(a.AsSpan(oa), b.AsSpan(ob), bias.AsSpan(obias), c.AsSpan(oc), m, n, k, activation, transA, transB);
                Assert.That(Bits(c), Is.EqualTo(Bits(want)), $"{m}x{n}x{k} offsets {oa}/{ob}/{oc}/{obias} {activation}");
            }
    }

    [Test]
    public void Stays_within_the_error_bound_of_the_reference()
    {
        // The packed GEMM may round differently from the naive loop; the bias add and the activation then see a
        // pre-activation within k·2⁻⁵²·Σ|a||b| of the reference's. tanh and relu are 1-Lipschitz and tanh is within a
        // few ulps of itself on either input, so the result is within that bound plus 4 ulps of the reference.
        var rng = new Random(5);
        foreach (var (m, n, k) in new[] { (33, 10, 64), (17, 48, 9), (9, 1, 70) })
            foreach (var activation in Activations)
            {
                double[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Bias(rng, n);
                double[] got = new double[m * n], want = new double[m * n];
                TestGemm.Linear(a, b, bias, got, m, n, k, activation);
                NeuroLite.Kernels.Reference.Gemm.Linear(a, b, bias, want, m, n, k, activation);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        double magnitude = 0;
                        for (int p = 0; p < k; p++)
                            magnitude += Math.Abs(a[i * k + p] * b[p * n + j]);
                        double bound = k * Math.ScaleB(magnitude, -52) + 4 * Math.ScaleB(1.0, -52) * Math.Max(1, Math.Abs(want[i * n + j]));
                        Assert.That(Math.Abs(got[i * n + j] - want[i * n + j]), Is.LessThanOrEqualTo(bound), $"{m}x{n}x{k} {activation} C[{i},{j}]");
                    }
            }
    }

    [Test]
    public void Zero_sizes_and_empty_depth()
    {
        double[] c = [1, 2, 3, 4, 5, 6];
        TestGemm.Linear([], new double[12], new double[3], c, 0, 3, 4);
        TestGemm.Linear(new double[8], [], [], c, 2, 0, 4);
        Assert.That(c, Is.EqualTo(new double[] { 1, 2, 3, 4, 5, 6 }), "m = 0 or n = 0 writes nothing");
        // k = 0: the product is +0, so C is 0 + bias (−0 becomes +0), then the activation.
        TestGemm.Linear([], [], [-0.0, -2.0], c, 2, 2, 0, GemmActivation.Tanh);
        double[] expected = [0.0, Math.Tanh(-2.0), 0.0, Math.Tanh(-2.0)];
        for (int i = 0; i < 4; i++)
            Assert.That(c[i], Is.EqualTo(expected[i]).Within(1e-15), $"C[{i}]");
        Assert.That(BitConverter.DoubleToInt64Bits(c[0]), Is.Zero, "0 + (−0) is +0");
        Assert.That(c[4..], Is.EqualTo(new double[] { 5, 6 }));
    }

    [Test]
    public void Argument_errors_throw_before_anything_is_written()
    {
        double[] a = new double[6], b = new double[6], bias = new double[3], c = [7, 7, 7, 7, 7, 7, 7, 7, 7];
        Assert.Multiple(() =>
        {
            Assert.That(() => TestGemm.Linear(a, b, bias, c, -1, 3, 2), Throws.ArgumentException);
            Assert.That(() => TestGemm.Linear(a, b, bias, c, 3, 3, -2), Throws.ArgumentException);
            Assert.That(() => TestGemm.Linear(a.AsSpan(0, 5), b, bias, c, 3, 3, 2), Throws.ArgumentException, "A too short");
            Assert.That(() => TestGemm.Linear(a, b, bias, c.AsSpan(0, 8), 3, 3, 2), Throws.ArgumentException, "C too short");
            Assert.That(() => TestGemm.Linear(a, b, bias.AsSpan(0, 2), c, 3, 3, 2), Throws.ArgumentException.With.Message.Contains("bias"), "bias too short");
            Assert.That(() => TestGemm.Linear(a, b, c.AsSpan(6, 3), c.AsSpan(0, 9), 3, 3, 2), Throws.ArgumentException, "C overlaps the bias");
            Assert.That(() => TestGemm.Linear(c, b, bias, c, 3, 3, 2), Throws.ArgumentException, "C overlaps A");
            Assert.That(() => TestGemm.Linear(a, b, bias, c, 3, 3, 2, (GemmActivation)3), Throws.InstanceOf<ArgumentOutOfRangeException>(), "undefined activation");
            Assert.That(() => TestGemm.Linear(new double[300 * 300], new double[300 * 300], new double[300], c, 300, 300, 300), Throws.ArgumentException, "large, C too short");
        });
        Assert.That(c, Is.All.EqualTo(7));
    }

    [Test]
    public void A_warm_call_allocates_nothing()
    {
        foreach (int threads in new[] { 1, 2 })
        {
            Gemm.MaxThreads = threads;
            TestGemm.Override(0, 0, 0, parallelMinWork: threads == 2 ? 1 : 0);
            foreach (var (m, n, k) in new[] { (4, 4, 2), (33, 40, 17), (70, 10, 65) })
            {
                var rng = new Random(m);
                double[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Bias(rng, n), c = new double[m * n];
                TestGemm.Linear(a, b, bias, c, m, n, k, GemmActivation.Tanh);
                long before = GC.GetAllocatedBytesForCurrentThread();
                TestGemm.Linear(a, b, bias, c, m, n, k, GemmActivation.Tanh);
                TestGemm.Linear(a, b, bias, c, m, n, k, GemmActivation.Relu, transposeA: true, transposeB: true);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.That(allocated, Is.Zero, $"{m}x{n}x{k}, {threads} thread(s)");
            }
        }
    }

    private static void CheckAgainstSeparatePasses(int m, int n, int k, GemmActivation activation, bool transposeA, bool transposeB, int seed)
    {
        var rng = new Random(seed * 31 + m * 7 + n);
        double[] a = Random(rng, m * k), b = Random(rng, k * n), bias = Bias(rng, n);
        double[] want = Separate(a, b, bias, m, n, k, activation, transposeA, transposeB, Gemm.MaxThreads);
        double[] got = Random(rng, m * n);
        TestGemm.Linear(a, b, bias, got, m, n, k, activation, transposeA, transposeB);
        Assert.That(Bits(got), Is.EqualTo(Bits(want)), $"{m}x{n}x{k} {activation} transA={transposeA} transB={transposeB}");
    }

    /// <summary>The sequence <see cref="Gemm.Linear"/> fuses, on <paramref name="threads"/> threads.</summary>
    private static double[] Separate(double[] a, double[] b, double[] bias, int m, int n, int k, GemmActivation activation, bool transposeA, bool transposeB, int threads)
    {
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            double[] y = new double[m * n];
            TestGemm.Multiply(a, b, y, m, n, k, transposeA, transposeB);
            Broadcast.Add(y, [m, n], bias, [n], y);
            if (activation == GemmActivation.Tanh) Unary.Tanh(y, y);
            else if (activation == GemmActivation.Relu) Unary.Relu(y, y);
            return y;
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    private static double[] Random(Random rng, int length)
    {
        double[] x = new double[length];
        for (int i = 0; i < length; i++)
            x[i] = rng.NextDouble() * 2 - 1;
        return x;
    }

    /// <summary>A bias spread wide enough for tanh to saturate on some elements and relu to clear about half, with a −0 among them.</summary>
    private static double[] Bias(Random rng, int length)
    {
        double[] x = new double[length];
        for (int i = 0; i < length; i++)
            x[i] = i % 7 == 3 ? -0.0 : (rng.NextDouble() * 2 - 1) * (i % 5 == 1 ? 30 : 2);
        return x;
    }

    private static long[] Bits(double[] x) => Array.ConvertAll(x, BitConverter.DoubleToInt64Bits);
}
