// TorchSharp peer of `NeuroLite.Bench train` and peers/torch_train.py `steps`: the same three training-step workloads,
// float64, one thread, the same timing method, printing the same columns plus the managed bytes allocated per step.
//
//   dotnet run -c Release --project NeuroLite.Bench/peers/torchsharp [-- [--repeats R] [--json PATH]]

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

int repeats = 7;
string? jsonPath = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--repeats" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int r) && r > 0:
            repeats = r;
            i++;
            break;
        case "--json" when i + 1 < args.Length:
            jsonPath = args[++i];
            break;
        case "-h" or "--help" or "help":
            Console.WriteLine("usage: TorchSharpPeer [--repeats R] [--json PATH]");
            Console.WriteLine("  --repeats R  timed repeats of ~0.15 s per network; the median is printed (default 7)");
            Console.WriteLine("  --json PATH  also write the rows as a JSON array");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}' (try --help)");
            return 2;
    }
}

// Interop threads first: libtorch refuses to change that pool once it has started.
torch.set_num_interop_threads(1);
torch.set_num_threads(1);
torch.set_default_dtype(ScalarType.Float64);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Training steps (TorchSharp {typeof(torch).Assembly.GetName().Version} on LibTorch {torch.__version__}, float64, {torch.get_num_threads()} intra-op / {torch.get_num_interop_threads()} interop thread; .NET {Environment.Version})"));
Console.WriteLine("one step = zero_grad + forward + loss + backward + optimizer step inside torch.NewDisposeScope(), so every tensor a step makes is disposed at its end");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median µs/step of {repeats} repeats of ~0.15 s after 20 warm-up steps (wall clock, as torch_train.py; cpu: this thread's CPU time, which a busy machine inflates less); B/step = managed bytes allocated per timed step (GC.GetAllocatedBytesForCurrentThread)"));
Console.WriteLine("loss: at the first warm-up step -> after the last timed step (a check that the steps train)");
const string Columns = "{0,-50} {1,12} {2,12} {3,10} {4,8} {5,8}  {6}";
Console.WriteLine(string.Format(CultureInfo.InvariantCulture, Columns, "network", "µs/step", "cpu µs/step", "B/step", "steps", "gen0 GCs", "loss"));

ThreadClock.Seconds(); // first call outside the measured window: its one-time setup allocates
var rows = new List<Dictionary<string, object>>();
foreach (var w in Workload.All())
{
    using (w)
    {
        double firstLoss = w.Step(readLoss: true);
        for (int i = 1; i < 20; i++) w.Step();
        long per = Math.Max(1, (long)(0.15 / Math.Max(w.Time(1), 1e-7)));
        var samples = new double[repeats];
        var cpuSamples = new double[repeats];
        long total = 0;
        int gen0 = GC.CollectionCount(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < repeats; r++)
        {
            double cpu0 = ThreadClock.Seconds();
            samples[r] = w.Time(per) / per;
            cpuSamples[r] = (ThreadClock.Seconds() - cpu0) / per;
            total += per;
        }

        double bytesPerStep = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / total;
        gen0 = GC.CollectionCount(0) - gen0;
        double lastLoss = w.Step(readLoss: true);
        double us = Median(samples) * 1e6, cpuUs = Median(cpuSamples) * 1e6;
        string text = string.Format(CultureInfo.InvariantCulture, Columns, w.Description, us.ToString("0.00", CultureInfo.InvariantCulture),
            cpuUs.ToString("0.00", CultureInfo.InvariantCulture),
            bytesPerStep.ToString("0.#", CultureInfo.InvariantCulture), total, gen0,
            string.Create(CultureInfo.InvariantCulture, $"{firstLoss:0.0000} -> {lastLoss:0.0000}"));
        Console.WriteLine(text);
        rows.Add(new()
        {
            ["section"] = "train-step",
            ["peer"] = "TorchSharp",
            ["network"] = w.Description,
            ["batch"] = w.Batch,
            ["us_per_step"] = us,
            ["cpu_us_per_step"] = cpuUs,
            ["bytes_per_step"] = bytesPerStep,
            ["steps"] = total,
            ["gen0_collections"] = gen0,
            ["loss_first"] = firstLoss,
            ["loss_last"] = lastLoss,
            ["text"] = text,
        });
    }
}

if (jsonPath is not null)
{
    File.WriteAllText(jsonPath, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {jsonPath}");
}

return 0;

static double Median(double[] values)
{
    Array.Sort(values);
    int h = values.Length / 2;
    return values.Length % 2 == 1 ? values[h] : 0.5 * (values[h - 1] + values[h]);
}

/// <summary>The calling thread's CPU time (Linux CLOCK_THREAD_CPUTIME_ID); LibTorch with one intra-op thread runs each op on it.</summary>
internal static partial class ThreadClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Seconds() =>
        OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

/// <summary>
/// One benchmark network with its data, parameters, optimizer and loss, built exactly as peers/torch_train.py builds it:
/// Xavier-uniform W (in×out) and zero b from a seeded torch generator, h @ W + b with tanh between layers.
/// </summary>
internal sealed class Workload : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly optim.Optimizer _optimizer;
    private readonly Tensor _x;
    private readonly Tensor _target;
    private readonly bool _classify;

    private Workload(string description, int batch, Parameter[] parameters, optim.Optimizer optimizer, Tensor x, Tensor target, bool classify)
    {
        Description = description;
        Batch = batch;
        _parameters = parameters;
        _optimizer = optimizer;
        _x = x;
        _target = target;
        _classify = classify;
    }

    public string Description { get; }

    public int Batch { get; }

    /// <summary>The three benchmark networks in order, with torch_train.py's seeds.</summary>
    public static Workload[] All()
    {
        using var data = new Generator(0);
        var xorX = tensor(new double[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
        var xorY = tensor(new double[,] { { 0 }, { 1 }, { 1 }, { 0 } });
        var xor = Mlp([2, 4, 1], 0);
        var list = new List<Workload> { new("XOR 2-4-1 tanh, MSE, SGD, batch 4", 4, xor, optim.SGD(xor, 0.1), xorX, xorY, classify: false) };
        foreach (var (description, sizes, batch) in new[]
        {
            ("64-128-64-10 tanh, softmax CE, Adam, batch 64", new long[] { 64, 128, 64, 10 }, 64),
            ("784-256-256-10 tanh, softmax CE, Adam, batch 128", new long[] { 784, 256, 256, 10 }, 128),
        })
        {
            var p = Mlp(sizes, 1);
            Tensor x;
            using (NewDisposeScope())
                x = (rand([batch, sizes[0]], generator: data) * 2 - 1).MoveToOuterDisposeScope();
            var t = randint(0, 10, [batch], dtype: ScalarType.Int64, generator: data);
            list.Add(new(description, batch, p, optim.Adam(p, 1e-3), x, t, classify: true));
        }

        return [.. list];
    }

    /// <summary>Seconds for <paramref name="steps"/> consecutive training steps.</summary>
    public double Time(long steps)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (long i = 0; i < steps; i++) Step();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    /// <summary>
    /// zero_grad, forward, loss, backward, optimizer step; every tensor made here is disposed at the scope's end. Returns the
    /// loss before the update when <paramref name="readLoss"/> is set (untimed steps only: it syncs a value back), else NaN.
    /// </summary>
    public double Step(bool readLoss = false)
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var prediction = Forward(_x);
        var loss = _classify ? nn.functional.cross_entropy(prediction, _target) : nn.functional.mse_loss(prediction, _target);
        loss.backward();
        _optimizer.step();
        return readLoss ? loss.item<double>() : double.NaN;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        foreach (var p in _parameters) p.Dispose();
        _x.Dispose();
        _target.Dispose();
    }

    private Tensor Forward(Tensor x)
    {
        var h = x;
        for (int i = 0; i < _parameters.Length; i += 2)
        {
            h = h.matmul(_parameters[i]) + _parameters[i + 1];
            if (i + 2 < _parameters.Length) h = tanh(h);
        }

        return h;
    }

    /// <summary>W ~ U(−√(6/(in+out)), +√(6/(in+out))) as (rand·2 − 1)·bound from a generator seeded with <paramref name="seed"/>, b = 0.</summary>
    private static Parameter[] Mlp(long[] sizes, ulong seed)
    {
        using var g = new Generator(seed);
        var parameters = new List<Parameter>();
        for (int l = 0; l + 1 < sizes.Length; l++)
        {
            double bound = Math.Sqrt(6.0 / (sizes[l] + sizes[l + 1]));
            using (NewDisposeScope())
            {
                var w = ((rand([sizes[l], sizes[l + 1]], generator: g) * 2 - 1) * bound).MoveToOuterDisposeScope();
                parameters.Add(new Parameter(w, requires_grad: true));
            }

            parameters.Add(new Parameter(zeros(sizes[l + 1]), requires_grad: true));
        }

        return [.. parameters];
    }
}
