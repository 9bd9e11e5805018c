using System.Globalization;

namespace NeuroLite.Bench.Cli;

/// <summary>What one invocation of the bench program runs.</summary>
public enum BenchCommand
{
    /// <summary>No command: header, kernels, GEMM and training, the README's main run.</summary>
    All,

    /// <summary>The kernel comparison table only.</summary>
    Kernels,

    /// <summary>GEMM GFLOP/s only.</summary>
    Gemm,

    /// <summary>Training-step timings, the XOR example and the digits MLP.</summary>
    Train,

    /// <summary>BenchmarkDotNet; the remaining arguments go to <c>BenchmarkSwitcher</c>.</summary>
    Bdn,

    /// <summary>Print the usage text.</summary>
    Help,

    /// <summary>Two builds' training steps timed alternately in this process (<see cref="Compare.BuildComparison"/>).</summary>
    Ab,

    /// <summary>Where the microseconds of a training step go (<see cref="Profile.StepProfile"/>).</summary>
    Profile,
}

/// <summary>The parsed command line. <see cref="Parse"/> never throws: bad input comes back as <see cref="Error"/>.</summary>
public sealed class BenchOptions
{
    /// <summary>One line naming the commands and options, printed after an argument error.</summary>
    public const string UsageLine =
        "usage: NeuroLite.Bench [kernels|gemm|train|bdn [BenchmarkDotNet args] [--paths] [--peer-results PATH]|ab OLD NEW [--workload xor|64|784] [--rounds N] [--pairs N] [--threads N]|profile [--network NET]...|--help] [--json PATH] [--quick] [--filter TEXT] [--peer-results PATH]";

    /// <summary>The command to run.</summary>
    public BenchCommand Command { get; private set; } = BenchCommand.All;

    /// <summary>Where to write every printed row as JSON, or null.</summary>
    public string? JsonPath { get; private set; }

    /// <summary>
    /// The results file of <c>peers/torch_train.py</c> to print beside the training rows, or null for its default place
    /// (<c>artifacts/peers/torch_train.json</c> under the repository).
    /// </summary>
    public string? PeerResultsPath { get; private set; }

    /// <summary>Smoke-test sizes: n = 1,000 only, short timings, small GEMM, short training.</summary>
    public bool Quick { get; private set; }

    /// <summary>Only kernel and GEMM rows whose name contains this text (ordinal, case-insensitive), or null for all.</summary>
    public string? Filter { get; private set; }

    /// <summary>For <see cref="BenchCommand.Bdn"/>: run every suite once per SIMD path the CPU offers.</summary>
    public bool AllPaths { get; private set; }

    /// <summary>For <see cref="BenchCommand.Bdn"/>: the arguments passed through to BenchmarkDotNet.</summary>
    public IReadOnlyList<string> PassThrough { get; private set; } = [];

    /// <summary>For <see cref="BenchCommand.Ab"/>: the baseline's and the candidate's build directories.</summary>
    public (string Old, string New) Builds { get; private set; } = ("", "");

    /// <summary>For <see cref="BenchCommand.Ab"/>: the training step to time (xor, 64 or 784).</summary>
    public string Workload { get; private set; } = "784";

    /// <summary>For <see cref="BenchCommand.Ab"/>: rounds, and alternating blocks per build in each.</summary>
    public (int Rounds, int Pairs) AbRounds { get; private set; } = (10, 15);

    /// <summary>For <see cref="BenchCommand.Ab"/>: GEMM threads in both builds.</summary>
    public int Threads { get; private set; } = 1;

    /// <summary>For <see cref="BenchCommand.Profile"/>: the networks to profile (names or width lists); empty for the defaults.</summary>
    public IReadOnlyList<Profile.ProfileNetwork> Networks => _networks;

    private readonly List<Profile.ProfileNetwork> _networks = [];

    /// <summary>Why the arguments were rejected, or null when they parsed.</summary>
    public string? Error { get; private set; }

    /// <summary>Parses <paramref name="args"/>; check <see cref="Error"/> before using the result.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var o = new BenchOptions();
        int i = 0;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            switch (args[0])
            {
                case "kernels": o.Command = BenchCommand.Kernels; break;
                case "gemm": o.Command = BenchCommand.Gemm; break;
                case "train": o.Command = BenchCommand.Train; break;
                case "bdn": o.Command = BenchCommand.Bdn; break;
                case "ab": o.Command = BenchCommand.Ab; break;
                case "profile": o.Command = BenchCommand.Profile; break;
                case "help": o.Command = BenchCommand.Help; break;
                default: return o.Fail($"unknown command '{args[0]}'");
            }
            i = 1;
        }

        if (o.Command == BenchCommand.Bdn)
        {
            // Everything after 'bdn' belongs to BenchmarkDotNet, except our own --paths and --peer-results.
            var rest = new List<string>();
            for (; i < args.Count; i++)
            {
                if (args[i] == "--paths")
                {
                    o.AllPaths = true;
                }
                else if (args[i] == "--peer-results")
                {
                    if (!TryValue(args, ref i, out string? peers) || peers.Length == 0) return o.Fail("--peer-results needs a file path");
                    o.PeerResultsPath = peers;
                }
                else
                {
                    rest.Add(args[i]);
                }
            }
            o.PassThrough = rest;
            return o;
        }

        if (o.Command == BenchCommand.Ab)
        {
            if (i + 2 > args.Count || args[i].StartsWith('-') || args[i + 1].StartsWith('-'))
                return o.Fail("ab needs two build directories: ab OLD NEW");
            o.Builds = (args[i], args[i + 1]);
            i += 2;
        }

        for (; i < args.Count; i++)
        {
            string a = args[i];
            if (o.Command == BenchCommand.Ab && a is "--workload" or "--rounds" or "--pairs" or "--threads")
            {
                if (!TryValue(args, ref i, out string? value)) return o.Fail($"{a} needs a value");
                if (a == "--workload")
                {
                    if (!Compare.BuildComparison.Workloads.ContainsKey(value)) return o.Fail($"--workload must be one of {string.Join(", ", Compare.BuildComparison.Workloads.Keys)}, not '{value}'");
                    o.Workload = value;
                    continue;
                }

                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > (a == "--threads" ? 2 : 1000))
                    return o.Fail(a == "--threads" ? "--threads must be 1 or 2" : $"{a} needs a whole number from 1 to 1000");
                if (a == "--rounds") o.AbRounds = (count, o.AbRounds.Pairs);
                else if (a == "--pairs") o.AbRounds = (o.AbRounds.Rounds, count);
                else o.Threads = count;
                continue;
            }

            if (o.Command == BenchCommand.Ab && a is "--json" or "--quick" or "--filter" or "--peer-results")
                return o.Fail($"{a} is not an option of ab (ab takes --workload, --rounds, --pairs, --threads)");

            if (o.Command == BenchCommand.Profile && a == "--network")
            {
                if (!TryValue(args, ref i, out string? spec)) return o.Fail("--network needs a network");
                var network = Profile.ProfileNetwork.Parse(spec);
                if (network is null)
                    return o.Fail($"--network must be one of {string.Join(", ", Profile.ProfileNetwork.Known.Select(n => n.Name))} or widths like 48-96-3[:batch][:relu][:mse], not '{spec}'");
                o._networks.Add(network);
                continue;
            }

            switch (a)
            {
                case "-h" or "--help" or "-?":
                    o.Command = BenchCommand.Help;
                    break;
                case "--quick":
                    o.Quick = true;
                    break;
                case "--json":
                    if (!TryValue(args, ref i, out string? path) || path.Length == 0) return o.Fail("--json needs a file path");
                    o.JsonPath = path;
                    break;
                case "--filter":
                    if (!TryValue(args, ref i, out string? filter) || filter.Length == 0) return o.Fail("--filter needs a text");
                    o.Filter = filter;
                    break;
                case "--peer-results":
                    if (!TryValue(args, ref i, out string? peers) || peers.Length == 0) return o.Fail("--peer-results needs a file path");
                    o.PeerResultsPath = peers;
                    break;
                default:
                    return o.Fail(a.StartsWith('-') ? $"unknown option '{a}'" : $"unexpected argument '{a}' (the command must come first)");
            }
        }

        return o;
    }

    /// <summary>The full help text: commands, options, exit codes.</summary>
    public static string HelpText =>
        """
        NeuroLite.Bench: NeuroLite's kernels against their scalar references and TensorPrimitives, GEMM against the
        core's FMA peak (measured in the run) and OpenBLAS, and training steps beside PyTorch's. With no command it runs everything in under a minute.

        usage: dotnet run -c Release --project NeuroLite.Bench -- [command] [options]

        commands:
          (none)       header, kernels, gemm and train, in that order
          kernels      every kernel at n = 1,000 and 1,000,000: SIMD path vs scalar reference vs TensorPrimitives,
                       ns/element (median), speedup, largest error (ULP for tanh/exp/log vs Math.*, else absolute)
          gemm         GEMM GFLOP/s at square sizes and at the shapes of a 784-256-256-10 MLP step, % of the FMA peak
                       measured at the GEMM's width, and OpenBLAS (its best kernel for this CPU) side by side
          train        training-step time and bytes allocated for the three benchmark networks, beside PyTorch's
                       figures when peers/torch_train.py has been run on this machine, then the seed's XOR example
                       and an MLP on the digits data set, one progress line per epoch
          bdn [args]   BenchmarkDotNet: args pass through to BenchmarkSwitcher, for example
                         bdn --filter '*Training*'       (the training-step suite, with MemoryDiagnoser)
                         bdn --filter '*' --paths        (every suite on each SIMD path this CPU offers)
                         bdn --list flat                 (list the suites)
                       --paths: one job per SIMD path: AVX-512, AVX2 (DOTNET_EnableAVX512=0), Vector128
                       (DOTNET_EnableAVX2=0), scalar (DOTNET_EnableHWIntrinsic=0); paths the CPU lacks are left out
                       --peer-results PATH: as below, for the training suite's PyTorch columns
          ab OLD NEW   two builds (each: dotnet build -c Release NeuroLite.Bench -o DIR, at some commit) timed side
                       by side in this process, blocks of training steps alternating, thread CPU time (wall time
                       with --threads 2); prints the
                       median of the per-round ratios new/old. Run it in both orders: the first-loaded build tends
                       to be 0-10% faster. --workload xor|64|784 (default 784), --rounds N (10), --pairs N (15:
                       blocks per build per round), --threads 1|2 (GEMM threads, default 1)
          profile      where the microseconds of a training step go: the whole step, then each GEMM by shape
                       (GFLOP/s), bias adds and activations, the loss, the optimizer, and the rest (the tape);
                       --network NAME|WIDTHS (repeatable; default: the three benchmark networks), for example
                       --network mlp-64 --network 100-512-10 --network 48-96-3:32:relu:mse
          help         this text

        options (not for bdn or ab):
          --json PATH    also write every printed row as JSON: an array of objects, one per row, with units
          --peer-results PATH  the file peers/torch_train.py writes (default: artifacts/peers/torch_train.json
                         in the repository); its figures are printed only when its CPU model is this machine's
          --quick        smoke-test sizes: n = 1,000 only, short timings, small GEMM, short training
          --filter TEXT  only kernel and GEMM rows whose name contains TEXT
          -h, --help     this text

        exit codes: 0 ok, 1 a run failed, 2 bad arguments
        """;

    private static bool TryValue(IReadOnlyList<string> args, ref int i, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        if (i + 1 >= args.Count)
        {
            value = null;
            return false;
        }

        value = args[++i];
        return true;
    }

    private BenchOptions Fail(string message)
    {
        Error = message;
        return this;
    }
}
