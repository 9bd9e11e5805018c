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

    /// <summary>A long training run watching allocation, GC and resident set, ending with a verdict (<see cref="Soak.SoakRun"/>).</summary>
    Soak,
}

/// <summary>
/// The parsed command line (<see cref="BenchCommandLine"/> does the parsing). <see cref="Parse"/> never throws: bad input
/// comes back as <see cref="Error"/>, one line.
/// </summary>
public sealed class BenchOptions
{
    /// <summary>The command to run.</summary>
    public BenchCommand Command { get; private set; } = BenchCommand.All;

    /// <summary>The parsed command (the root for <see cref="BenchCommand.All"/>): its help page and usage line.</summary>
    public System.CommandLine.Command? Parsed { get; private set; }

    /// <summary>The parse itself (the help and version actions).</summary>
    public System.CommandLine.ParseResult? Result { get; private set; }

    /// <summary>The usage line of the command that was parsed, printed after an argument error.</summary>
    public string UsageLine { get; private set; } = "usage: NeuroLite.Bench [command] [options]";

    /// <summary>Where to write every printed row as JSON, or null.</summary>
    public string? JsonPath { get; private set; }

    /// <summary>Where to write the HTML report with plots, or null.</summary>
    public string? ReportDirectory { get; private set; }

    /// <summary>Plain text even on a terminal.</summary>
    public bool Plain { get; private set; }

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

    /// <summary>For <see cref="BenchCommand.Bdn"/>: only the kernel-catalog cases whose name contains this text, or null for all.</summary>
    public string? KernelFilter { get; private set; }

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
    public IReadOnlyList<Profile.ProfileNetwork> Networks { get; private set; } = [];

    /// <summary>For <see cref="BenchCommand.Soak"/>: the network.</summary>
    public string SoakNetwork { get; private set; } = "64-128-64-10";

    /// <summary>For <see cref="BenchCommand.Soak"/>: measured steps after warm-up, or null to run for <see cref="SoakSeconds"/>.</summary>
    public long? SoakSteps { get; private set; }

    /// <summary>For <see cref="BenchCommand.Soak"/>: measured seconds after warm-up when no step count is given.</summary>
    public double SoakSeconds { get; private set; } = 60;

    /// <summary>For <see cref="BenchCommand.Soak"/>: the least warm-up time in seconds before the baseline.</summary>
    public double SoakWarmupSeconds { get; private set; } = 5;

    /// <summary>Why the arguments were rejected (one line), or null when they parsed.</summary>
    public string? Error { get; private set; }

    /// <summary>The command tree the options were parsed with (its help pages).</summary>
    public BenchCommandLine CommandLine { get; private init; } = null!;

    /// <summary>Parses <paramref name="args"/>; check <see cref="Error"/> before using the result.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var cli = new BenchCommandLine();
        var result = cli.Parse(args);
        var o = new BenchOptions { CommandLine = cli, Parsed = result.CommandResult.Command };
        o.UsageLine = cli.UsageOf(o.Parsed);
        o.Command = cli.KindOf(o.Parsed);
        if (result.Errors.Count > 0)
        {
            o.Error = OneLine(result.Errors[0].Message);
            return o;
        }

        // --help, and the parser's own --version: actions other than the command's, run by BenchApp with its writers.
        o.Result = result;
        if (result.Action is not null && result.Action != result.CommandResult.Command.Action) o.Command = BenchCommand.Help;
        if (o.Command == BenchCommand.Help) return o;

        string? Text(System.CommandLine.Option<string> option) => result.GetResult(option) is null ? null : result.GetValue(option);
        o.JsonPath = Text(cli.Json);
        o.ReportDirectory = Text(cli.Report);
        o.PeerResultsPath = Text(cli.PeerResults);
        o.Filter = Text(cli.Filter);
        o.Quick = result.GetResult(cli.Quick) is not null && result.GetValue(cli.Quick);
        o.Plain = result.GetResult(cli.Plain) is not null && result.GetValue(cli.Plain);
        switch (o.Command)
        {
            case BenchCommand.Bdn:
                o.AllPaths = result.GetValue(cli.Paths);
                o.KernelFilter = Text(cli.Kernels);
                o.PassThrough = [.. result.UnmatchedTokens];
                break;
            case BenchCommand.Ab:
                o.Builds = (result.GetValue(cli.Old) ?? "", result.GetValue(cli.New) ?? "");
                o.Workload = result.GetValue(cli.Workload) ?? "784";
                o.AbRounds = (result.GetValue(cli.Rounds), result.GetValue(cli.Pairs));
                o.Threads = result.GetValue(cli.Threads);
                break;
            case BenchCommand.Profile:
                o.Networks = result.GetValue(cli.Network) ?? [];
                break;
            case BenchCommand.Soak:
                o.SoakNetwork = result.GetValue(cli.SoakNetwork) ?? o.SoakNetwork;
                o.SoakSteps = result.GetValue(cli.SoakSteps);
                o.SoakSeconds = result.GetValue(cli.SoakSeconds);
                o.SoakWarmupSeconds = result.GetValue(cli.SoakWarmup);
                break;
        }

        return o;
    }

    /// <summary>The parser's message on one line (it may wrap a suggestion onto the next).</summary>
    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
