using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using NeuroLite.Bench.Compare;
using NeuroLite.Bench.Profile;

namespace NeuroLite.Bench.Cli;

/// <summary>
/// The bench's command line as a System.CommandLine tree: one subcommand per part, each with typed, validated options;
/// <c>--help</c> is generated from the descriptions here. Parsing only: <see cref="BenchApp"/> runs what it names.
/// </summary>
public sealed class BenchCommandLine
{
    /// <summary>The exit codes, appended to every help page.</summary>
    public const string ExitCodes = "exit codes: 0 ok, 1 a run failed, 2 bad arguments";

    /// <summary>The root: with no subcommand it runs the header, kernels, gemm and train, in that order.</summary>
    public Command Root { get; }

    /// <summary><c>--json PATH</c>.</summary>
    public Option<string> Json { get; } = PathOption("--json", "PATH", "also write every printed row as JSON: an array of objects, one per row, with units");

    /// <summary><c>--report DIR</c>.</summary>
    public Option<string> Report { get; } = PathOption("--report", "DIR",
        "also write a report to DIR: index.html (self-contained, plots inline), report.md and the plots as PNG files");

    /// <summary><c>--quick</c>.</summary>
    public Option<bool> Quick { get; } = new("--quick") { Description = "smoke-test sizes: n = 1,000 only, short timings, small GEMM, short training" };

    /// <summary><c>--filter TEXT</c>.</summary>
    public Option<string> Filter { get; } = TextOption("--filter", "TEXT", "only kernel and GEMM rows whose name contains TEXT (case-insensitive)");

    /// <summary><c>--peer-results PATH</c>.</summary>
    public Option<string> PeerResults { get; } = PathOption("--peer-results", "PATH",
        "the file peers/torch_train.py writes (default: artifacts/peers/torch_train.json in the repository); its figures are printed only when its CPU model is this machine's");

    /// <summary><c>--plain</c>.</summary>
    public Option<bool> Plain { get; } = new("--plain")
    {
        Description = "plain text even on a terminal (it is always plain when the output is redirected: logs, pipes, CI)",
    };

    /// <summary><c>bdn --paths</c>.</summary>
    public Option<bool> Paths { get; } = new("--paths")
    {
        Description = "one job per SIMD path this CPU offers: AVX-512, AVX2 (DOTNET_EnableAVX512=0), Vector128 (DOTNET_EnableAVX2=0), scalar (DOTNET_EnableHWIntrinsic=0)",
    };

    /// <summary><c>bdn --kernels</c>.</summary>
    public Option<string> Kernels { get; } = TextOption("--kernels", "TEXT",
        "only the kernel-catalog cases of ElementwiseBenchmarks and BroadcastBenchmarks whose name contains TEXT (case-insensitive), for example  --kernels Tanh");

    /// <summary><c>ab OLD</c>.</summary>
    public Argument<string> Old { get; } = BuildArgument("OLD", "the baseline's build directory (dotnet build -c Release NeuroLite.Bench -o DIR)");

    /// <summary><c>ab NEW</c>.</summary>
    public Argument<string> New { get; } = BuildArgument("NEW", "the candidate's build directory");

    /// <summary><c>ab --workload</c>.</summary>
    public Option<string> Workload { get; } = new("--workload")
    {
        Description = "the training step to time",
        DefaultValueFactory = _ => "784",
    };

    /// <summary><c>ab --rounds</c>.</summary>
    public Option<int> Rounds { get; } = Count("--rounds", 10, 1000, "rounds; the result is the median of the per-round ratios new/old");

    /// <summary><c>ab --pairs</c>.</summary>
    public Option<int> Pairs { get; } = Count("--pairs", 15, 1000, "alternating blocks per build in each round");

    /// <summary><c>ab --threads</c>.</summary>
    public Option<int> Threads { get; } = Count("--threads", 1, 2, "GEMM threads in both builds (1 times thread CPU time, 2 wall time)");

    /// <summary><c>profile --network</c>, repeatable.</summary>
    public Option<ProfileNetwork[]> Network { get; }

    /// <summary><c>soak --network</c>.</summary>
    public Option<string> SoakNetwork { get; } = new("--network")
    {
        Description = "the network to train",
        DefaultValueFactory = _ => "64-128-64-10",
    };

    /// <summary><c>soak --steps</c>: measured steps after warm-up (null: run for <see cref="SoakSeconds"/>).</summary>
    public Option<long?> SoakSteps { get; } = new("--steps")
    {
        Description = "measured steps after warm-up (instead of --seconds)",
        HelpName = "N",
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long steps) && steps >= 1) return steps;
            r.AddError($"--steps needs a whole number of at least 1, not '{text}'");
            return null;
        },
    };

    /// <summary><c>soak --seconds</c>.</summary>
    public Option<double> SoakSeconds { get; } = Seconds("--seconds", 60, s => s > 0 && s <= 1e6, "a duration in seconds above 0, for example --seconds 60", "measured seconds after warm-up when no --steps is given");

    /// <summary><c>soak --warmup</c>.</summary>
    public Option<double> SoakWarmup { get; } = Seconds("--warmup", 5, s => s >= 0 && s <= 3600, "a time in seconds from 0 to 3600, for example --warmup 5",
        "least warm-up time in seconds before the baseline (tiered JIT settles; also at least 2000 steps)");

    /// <summary>The subcommands, by name.</summary>
    public IReadOnlyDictionary<string, Command> Commands => _commands;

    private readonly Dictionary<string, Command> _commands = new(StringComparer.Ordinal);

    /// <summary>The commands that later parts of the program add (for example <c>soak</c>), each with its own options.</summary>
    private readonly Dictionary<Command, BenchCommand> _kinds = [];

    /// <summary>Builds the tree.</summary>
    public BenchCommandLine()
    {
        Workload.AcceptOnlyFromAmong([.. BuildComparison.Workloads.Keys]);
        SoakNetwork.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, [.. Soak.SoakRun.Networks.Keys]);
        Network = new Option<ProfileNetwork[]>("--network")
        {
            Description = $"a network to profile, repeatable: one of {string.Join(", ", ProfileNetwork.Known.Select(n => n.Name))}, or widths like 48-96-3[:batch][:relu][:mse] (default: the three benchmark networks)",
            HelpName = "NAME|WIDTHS",
            AllowMultipleArgumentsPerToken = false,
            CustomParser = ParseNetworks,
        };

        // A root named for the program (a RootCommand takes the host's name: "dotnet" or a test runner's), with the
        // options a RootCommand has: --help on every command, and --version.
        Root = new Command("NeuroLite.Bench",
            "NeuroLite.Bench: NeuroLite's kernels against their scalar references and TensorPrimitives, GEMM against the core's " +
            "FMA peak (measured in the run) and OpenBLAS, and training steps beside PyTorch's. With no command it runs the header, " +
            "kernels, gemm and train, in under a minute.");
        Root.Add(new System.CommandLine.Help.HelpOption { Recursive = true });
        Root.Add(new VersionOption());
        AddRunOptions(Root);
        _kinds[Root] = BenchCommand.All;

        Add(BenchCommand.Kernels, "kernels",
            "every kernel at n = 1,000 and 1,000,000: SIMD path vs scalar reference vs TensorPrimitives, ns/element (median), speedup, largest error (ULP for tanh/exp/log vs Math.*, else absolute)",
            AddRunOptions);
        Add(BenchCommand.Gemm, "gemm",
            "GEMM GFLOP/s at square sizes and at the shapes of a 784-256-256-10 MLP step, % of the FMA peak measured at the GEMM's width, and OpenBLAS (its best kernel for this CPU) side by side",
            AddRunOptions);
        Add(BenchCommand.Train, "train",
            "training-step time and bytes allocated for the three benchmark networks, beside PyTorch's figures when peers/torch_train.py has been run on this machine, then the seed's XOR example and an MLP on the digits data set, one row per epoch",
            AddRunOptions);
        Add(BenchCommand.Profile, "profile",
            "where the microseconds of a training step go: the whole step, then each GEMM by shape (GFLOP/s), bias adds and activations, the loss, the optimizer, and the rest (the tape)",
            c =>
            {
                c.Add(Network);
                AddRunOptions(c);
            });
        Add(BenchCommand.Bdn, "bdn",
            "BenchmarkDotNet: every other argument passes through to BenchmarkSwitcher, for example  bdn --filter '*Training*'  (the training-step suite, with MemoryDiagnoser),  bdn --filter '*' --paths  (every suite on each SIMD path),  bdn --list flat  (the suites)",
            c =>
            {
                c.Add(Paths);
                c.Add(Kernels);
                c.Add(PeerResults);
                // BenchmarkDotNet's own options (--filter, --job, --list, ...) are not ours to validate: they are kept, in order.
                c.TreatUnmatchedTokensAsErrors = false;
            });
        Add(BenchCommand.Ab, "ab",
            "two builds (each: dotnet build -c Release NeuroLite.Bench -o DIR, at some commit) timed side by side in this process, blocks of training steps alternating, thread CPU time (wall time with --threads 2); prints the median of the per-round ratios new/old. Run it in both orders: the first-loaded build tends to be 0-10% faster",
            c =>
            {
                c.Add(Old);
                c.Add(New);
                c.Add(Workload);
                c.Add(Rounds);
                c.Add(Pairs);
                c.Add(Threads);
            });
        Add(BenchCommand.Soak, "soak",
            "a long training run that watches memory: steps, µs/step, bytes allocated, GC counts by generation, managed heap and resident set every 10 s, then a verdict (after warm-up: 0 B allocated, no gen-0 collection, resident set growth <= 1 MiB; exit code 1 when it fails). Its progress is a plain line every 10 s even on a terminal: a live display would allocate and collect while it measures",
            c =>
            {
                c.Add(SoakNetwork);
                c.Add(SoakSteps);
                c.Add(SoakSeconds);
                c.Add(SoakWarmup);
                c.Add(Json);
            });
        Add(BenchCommand.Help, "help", "this text", _ => { });

        // The program runs what the parse names itself (BenchApp); these actions only tell the parser that every
        // command, the root included, is complete on its own.
        Root.SetAction(_ => BenchApp.Ok);
    }

    /// <summary>Adds a subcommand of kind <paramref name="kind"/>; <paramref name="configure"/> adds its options.</summary>
    public Command Add(BenchCommand kind, string name, string description, Action<Command> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var command = new Command(name, description);
        configure(command);
        command.SetAction(_ => BenchApp.Ok);
        Root.Add(command);
        _commands[name] = command;
        _kinds[command] = kind;
        return command;
    }

    /// <summary>The kind of the command a parse landed on.</summary>
    public BenchCommand KindOf(Command command) => _kinds.TryGetValue(command, out var kind) ? kind : BenchCommand.All;

    /// <summary>Parses <paramref name="args"/> (never throws on bad input: see <see cref="ParseResult.Errors"/>).</summary>
    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    /// <summary>
    /// Writes the generated help page of <paramref name="command"/> (the root when null) to <paramref name="output"/>,
    /// followed by the exit codes.
    /// </summary>
    public void WriteHelp(Command? command, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var names = new List<string>();
        for (var c = command; c is not null && c != Root; c = c.Parents.OfType<Command>().FirstOrDefault()) names.Insert(0, c.Name);
        names.Add("--help");
        Parse(names).Invoke(new InvocationConfiguration { Output = output, Error = output });
        output.WriteLine(ExitCodes);
    }

    /// <summary>"NeuroLite.Bench ab OLD NEW [options]": the usage line of <paramref name="command"/>.</summary>
    public string UsageOf(Command? command)
    {
        var names = new List<string>();
        for (var c = command; c is not null && c != Root; c = c.Parents.OfType<Command>().FirstOrDefault()) names.Insert(0, c.Name);
        var target = command ?? Root;
        string args = string.Concat(target.Arguments.Select(a => $" {a.HelpName ?? a.Name}"));
        string commands = target == Root ? " [command]" : "";
        return $"usage: NeuroLite.Bench{commands}{(names.Count > 0 ? " " + string.Join(' ', names) : "")}{args} [options]";
    }

    private void AddRunOptions(Command command)
    {
        command.Add(Json);
        command.Add(Report);
        command.Add(Quick);
        command.Add(Filter);
        command.Add(PeerResults);
        command.Add(Plain);
    }

    private static ProfileNetwork[] ParseNetworks(ArgumentResult result)
    {
        var networks = new List<ProfileNetwork>();
        foreach (var token in result.Tokens)
        {
            if (ProfileNetwork.Parse(token.Value) is { } network)
            {
                networks.Add(network);
                continue;
            }

            result.AddError($"--network must be one of {string.Join(", ", ProfileNetwork.Known.Select(n => n.Name))} or widths like 48-96-3[:batch][:relu][:mse], not '{token.Value}'");
            return [];
        }

        return [.. networks];
    }

    private static Option<string> PathOption(string name, string helpName, string description)
    {
        var option = TextOption(name, helpName, description);
        option.AcceptLegalFilePathsOnly();
        return option;
    }

    private static Option<string> TextOption(string name, string helpName, string description)
    {
        var option = new Option<string>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && r.Tokens[^1].Value.Length == 0) r.AddError($"{name} needs a non-empty {helpName}");
        });
        return option;
    }

    private static Option<int> Count(string name, int defaultValue, int max, string description)
    {
        var option = new Option<int>(name)
        {
            Description = $"{description} (1 to {max.ToString(CultureInfo.InvariantCulture)})",
            DefaultValueFactory = _ => defaultValue,
            HelpName = "N",
            CustomParser = r =>
            {
                string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1 && value <= max) return value;
                r.AddError(max == 2 ? $"{name} must be 1 or 2, not '{text}'" : $"{name} needs a whole number from 1 to {max}, not '{text}'");
                return defaultValue;
            },
        };
        return option;
    }

    private static Option<double> Seconds(string name, double defaultValue, Func<double, bool> valid, string wanted, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        HelpName = "S",
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && double.IsFinite(s) && valid(s)) return s;
            r.AddError($"{name} needs {wanted}, not '{text}'");
            return defaultValue;
        },
    };

    private static Argument<string> BuildArgument(string name, string description) => new(name) { Description = description, HelpName = name };
}
