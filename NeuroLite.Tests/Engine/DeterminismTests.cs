using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using NeuroLite.Kernels;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// The reproducibility promise of docs/DETERMINISM.md: the same seed on the same SIMD path gives the same bits, for any
/// GEMM thread count, with other trainers running on other threads, and in another process. Each case trains 200
/// steps of a small MLP (Adam, softmax cross-entropy) and compares every parameter bit and every step's loss bits.
/// </summary>
[NonParallelizable]
public class DeterminismTests
{
    private const int Steps = 200, Batch = 32, In = 16, Classes = 4, Seed = 11;
    private const string OutVariable = "NEUROLITE_DETERMINISM_OUT";
    private static readonly int[] InputShape = [Batch, In];

    /// <summary>Every parameter's bits after <see cref="Steps"/> steps, then every step's loss bits.</summary>
    internal static long[] Train(int seed)
    {
        var rng = new Random(seed);
        double[] x = new double[Batch * In];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() * 2 - 1;
        int[] targets = new int[Batch];
        for (int i = 0; i < targets.Length; i++) targets[i] = rng.Next(Classes);

        var model = new MLP(In, [32, 16], Classes, seed: seed);
        var opt = new Adam(model.Parameters(), lr: 1e-2);
        var losses = new long[Steps];
        using var tape = new Tape();
        for (int step = 0; step < Steps; step++)
        {
            tape.Reset();
            Tensor loss = Loss.SoftmaxCrossEntropy(model.Forward(tape.Input(x, InputShape)), targets);
            loss.Backward();
            losses[step] = BitConverter.DoubleToInt64Bits(loss.Item);
            opt.Step();
        }

        return [.. model.Parameters().SelectMany(p => p.ToArray()).Select(BitConverter.DoubleToInt64Bits), .. losses];
    }

    /// <summary>Trains with <see cref="Gemm.MaxThreads"/> = <paramref name="threads"/>; with 2, every packed product is split and waits for the worker.</summary>
    private static long[] TrainWithThreads(int threads, out long workerBlocks)
    {
        int saved = Gemm.MaxThreads;
        long before = GemmWorker.Completed;
        try
        {
            Gemm.MaxThreads = threads;
            if (threads > 1)
            {
                // This network's products are below the default two-thread threshold: lower it (for this thread's
                // calls) and make the calls wait for the worker, so the split really happens.
                Gemm.PlanForTests = GemmTuning.ForCurrentPath().Plan with { ParallelMinWork = 1, Patient = true };
            }

            return Train(Seed);
        }
        finally
        {
            Gemm.PlanForTests = null;
            Gemm.MaxThreads = saved;
            workerBlocks = GemmWorker.Completed - before;
        }
    }

    [Test]
    public void Two_runs_in_one_process_give_the_same_bits()
    {
        long[] first = Train(Seed), second = Train(Seed);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(Train(Seed + 1), Is.Not.EqualTo(first), "another seed gives another network");
        // The training did something: the last loss is below the first.
        Assert.That(BitConverter.Int64BitsToDouble(first[^1]), Is.LessThan(BitConverter.Int64BitsToDouble(first[^Steps])));
    }

    [Test]
    public void One_and_two_GEMM_threads_give_the_same_bits()
    {
        long[] one = TrainWithThreads(1, out _);
        long[] two = TrainWithThreads(2, out long blocks);
        Assert.That(two, Is.EqualTo(one));
        if (Environment.ProcessorCount > 1)
            Assert.That(blocks, Is.GreaterThan(0), "the worker thread should have computed part of the products");
    }

    [Test]
    public void Other_trainers_on_other_threads_do_not_change_the_bits()
    {
        long[] alone = Train(Seed);
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var others = Enumerable.Range(0, 2).Select(k => new Thread(() =>
        {
            try
            {
                // Different seeds and the default thread settings: they compete for the cores and the GEMM worker.
                while (!stop.IsCancellationRequested) Train(100 + k);
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        foreach (var t in others) t.Start();
        long[] together, twoThreads;
        try
        {
            together = Train(Seed);
            twoThreads = TrainWithThreads(2, out _);
        }
        finally
        {
            stop.Cancel();
            foreach (var t in others) Assert.That(t.Join(TimeSpan.FromMinutes(2)), Is.True, "a trainer hung");
        }

        Assert.That(failures, Is.Empty);
        Assert.That(together, Is.EqualTo(alone));
        Assert.That(twoThreads, Is.EqualTo(alone));
    }

    [Test]
    public void Another_process_gives_the_same_bits()
    {
        string file = Path.Combine(Path.GetTempPath(), $"neurolite-determinism-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            // Under qemu-user (the CI's arm64 pass) the runtime cannot name its own executable, so there is no host to
            // start; the x64 passes run this test.
            string? host = Environment.ProcessPath;
            if (host is null)
                Assert.Ignore("the runtime reports no process path (as under qemu-user), so a second test host cannot be started");
            var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            // Under 'dotnet exec' the host is dotnet itself, and the test assembly comes first.
            if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                start.ArgumentList.Add(typeof(DeterminismTests).Assembly.Location);
            foreach (string a in new[] { "--filter", $"FullyQualifiedName~{nameof(DeterminismTests)}.{nameof(Child_process_writes_its_training_bits)}" })
                start.ArgumentList.Add(a);
            start.Environment[OutVariable] = file;

            Process child;
            try
            {
                child = Process.Start(start) ?? throw new InvalidOperationException("the child did not start");
            }
            catch (Win32Exception e)
            {
                // An emulated run (for example linux-arm64 under qemu-user without binfmt) cannot start its own host.
                Assert.Ignore($"cannot start a second test host here: {e.Message}");
                return;
            }

            using (child)
            {
                Task<string> stdout = child.StandardOutput.ReadToEndAsync(), stderr = child.StandardError.ReadToEndAsync();
                Assert.That(child.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "the child test host hung");
                child.WaitForExit();
                Assert.That(child.ExitCode, Is.Zero, $"child output:\n{stdout.Result}\n{stderr.Result}");
            }

            string[] lines = File.ReadAllLines(file);
            Assert.That(lines[0], Is.EqualTo(Simd.Path.ToString()), "the child took another SIMD path");
            long[] theirs = lines[1].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.That(theirs, Is.EqualTo(Train(Seed)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The other process's half of <see cref="Another_process_gives_the_same_bits"/>: runs only when it set the output file.</summary>
    [Test]
    public void Child_process_writes_its_training_bits()
    {
        string? file = Environment.GetEnvironmentVariable(OutVariable);
        if (string.IsNullOrEmpty(file))
        {
            Assert.Ignore($"runs as the child of {nameof(Another_process_gives_the_same_bits)} (with {OutVariable} set)");
            return;
        }

        long[] bits = Train(Seed);
        File.WriteAllLines(file, [Simd.Path.ToString(), string.Join(',', bits.Select(b => b.ToString(CultureInfo.InvariantCulture)))]);
        Assert.That(File.Exists(file), Is.True);
    }
}
