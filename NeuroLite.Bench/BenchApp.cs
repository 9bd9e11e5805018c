using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Running;
using NeuroLite.Bench.Cli;
using NeuroLite.Bench.Compare;
using NeuroLite.Bench.Quick;
using NeuroLite.Bench.Report;
using NeuroLite.Bench.Suites;
using NeuroLite.Bench.Training;
using Spectre.Console;

namespace NeuroLite.Bench;

/// <summary>The bench program: parses the command line and runs the parts it names.</summary>
public static class BenchApp
{
    /// <summary>Exit code of a run that completed.</summary>
    public const int Ok = 0;

    /// <summary>Exit code of a run that failed (an exception, a missing data file, a training run below its target).</summary>
    public const int Failed = 1;

    /// <summary>Exit code for arguments that did not parse; a usage line goes to the error writer.</summary>
    public const int BadArguments = 2;

    /// <summary>
    /// Runs the program with <paramref name="args"/>, printing to <paramref name="output"/> and <paramref name="error"/>:
    /// tables and live progress when <paramref name="output"/> is this process's interactive terminal, else plain text.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, console: null);

    /// <summary>
    /// Runs the program with <paramref name="args"/>; <paramref name="console"/>, when given, is the terminal to draw
    /// tables and progress on (unless <c>--plain</c>); when null the choice is made as in <see cref="Run(string[], TextWriter, TextWriter)"/>.
    /// </summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, IAnsiConsole? console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var options = BenchOptions.Parse(args);
        if (options.Error is not null)
        {
            // One line: what is wrong, and how to ask for the command's options.
            error.WriteLine($"error: {options.Error}  ({options.UsageLine}; --help lists them)");
            return BadArguments;
        }

        switch (options.Command)
        {
            case BenchCommand.Help:
                if (options.Parsed?.Name == "help" || options.Result?.Action is System.CommandLine.Help.HelpAction)
                    options.CommandLine.WriteHelp(options.Parsed?.Name == "help" ? null : options.Parsed, output);
                else
                    options.Result?.Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
                return Ok;
            case BenchCommand.Bdn:
                return RunBenchmarkDotNet(options, output);
            case BenchCommand.Ab:
                return RunBuildComparison(options, output, error);
            case BenchCommand.Soak:
                return RunSoak(options, output, error);
        }

        IRunDisplay display = options.Plain ? new PlainDisplay(output)
            : console is not null ? new TerminalDisplay(console)
            : ReferenceEquals(output, Console.Out) && TerminalDisplay.IsInteractiveTerminal ? new TerminalDisplay(AnsiConsole.Console)
            : new PlainDisplay(output);
        var clock = Stopwatch.StartNew();
        var log = new ResultLog(output, display);
        MachineInfo? machine = null;
        int status = Ok;
        try
        {
            if (options.PeerResultsPath is not null) PeerResults.DefaultPath = options.PeerResultsPath;
            machine = display.Status("Measuring the clock and the FMA peak", MachineInfo.Detect);
            machine.Print(log);
            log.Line();
            var plan = options.Quick ? TimingPlan.Quick : TimingPlan.Default;
            bool Match(string name) => options.Filter is null || name.Contains(options.Filter, StringComparison.OrdinalIgnoreCase);
            if (options.Command is BenchCommand.All or BenchCommand.Kernels)
            {
                int[] sizes = options.Quick ? [1_000] : [1_000, 1_000_000];
                display.Part("kernels", KernelCases.All.Count(k => Match(k.Name)) * sizes.Length, r => r.Section == "kernel",
                    () => KernelComparison.Run(log, sizes, plan, options.Filter));
                log.Line();
            }

            if (options.Command is BenchCommand.All or BenchCommand.Gemm)
            {
                var shapes = options.Quick ? GemmComparison.QuickShapes : GemmComparison.DefaultShapes;
                display.Part("GEMM sizes", shapes.Count(s => Match(s.Name)), r => r.Section == "gemm",
                    () => GemmComparison.Run(log, machine, shapes, plan, options.Filter));
                log.Line();
            }

            if (options.Command is BenchCommand.Profile)
            {
                var networks = options.Networks.Count > 0 ? options.Networks : Profile.ProfileNetwork.Known.Take(3).ToList();
                foreach (var network in networks)
                {
                    display.Part($"profile {network.Name}", 0, r => r.Section == "profile", () => Profile.StepProfile.Run(log, network, plan));
                    log.Line();
                }
            }

            if (options.Command is BenchCommand.All or BenchCommand.Train)
            {
                bool ok = true;
                display.Part("training", TrainingDemo.ExpectedRows(options.Quick), r => r.Section is "train-step" or "epoch",
                    () => ok = TrainingDemo.Run(log, options.Quick, machine.CpuKey));
                if (!ok) status = Failed;
                log.Line();
            }

            log.Line(string.Create(CultureInfo.InvariantCulture, $"done in {clock.Elapsed.TotalSeconds:0.0} s"));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or FormatException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            status = Failed;
        }

        if (!WriteJson(log, options.JsonPath, log.Line, error))
            status = Failed;

        if (options.ReportDirectory is not null)
        {
            try
            {
                var written = BenchReport.Write(options.ReportDirectory, log.Rows.ToList(), BenchReport.CommandLineOf(args));
                log.Line($"wrote the report to {written.Html} ({written.Plots.Count} plots)");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                error.WriteLine($"error: could not write the report to {options.ReportDirectory}: {e.Message}");
                status = Failed;
            }
        }

        return status;
    }

    private static int RunBuildComparison(BenchOptions options, TextWriter output, TextWriter error)
    {
        if (BuildComparison.CheckBuilds(options.Builds.Old, options.Builds.New) is { } problem)
        {
            error.WriteLine($"error: {problem}  ({options.UsageLine}; --help lists them)");
            return BadArguments;
        }

        try
        {
            BuildComparison.Run(output, options.Builds.Old, options.Builds.New, options.Workload, options.AbRounds.Rounds, options.AbRounds.Pairs, options.Threads);
            return Ok;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or TypeLoadException or MissingMethodException or TargetInvocationException or InvalidOperationException or ArgumentException)
        {
            error.WriteLine($"error: {e.Message}");
            return Failed;
        }
    }

    private static int RunSoak(BenchOptions options, TextWriter output, TextWriter error)
    {
        // The soak prints its progress live and records it in the log afterwards, muting this writer meanwhile.
        using var soakOutput = new Soak.SoakWriter(output);
        var log = new ResultLog(soakOutput);
        int status;
        try
        {
            MachineInfo.Detect().Print(log);
            log.Line();
            var verdict = Soak.SoakRun.Run(log, new Soak.SoakSettings(options.SoakNetwork, options.SoakSteps, options.SoakSeconds, WarmupSeconds: options.SoakWarmupSeconds));
            status = verdict.Passed ? Ok : Failed;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            status = Failed;
        }

        if (!WriteJson(log, options.JsonPath, output.WriteLine, error))
            status = Failed;

        return status;
    }

    private static int RunBenchmarkDotNet(BenchOptions options, TextWriter output)
    {
        if (options.AllPaths)
        {
            output.WriteLine($"SIMD path jobs: {string.Join(", ", SimdPathsConfig.Jobs.Select(j => j.Id))}");
            foreach (string note in SimdPathsConfig.Omitted) output.WriteLine(note);
        }

        if (options.PeerResultsPath is not null) PeerResults.DefaultPath = options.PeerResultsPath;
        var config = SimdPathsConfig.Create(options.AllPaths);
        KernelCatalogBenchmarks.Filter = options.KernelFilter;
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchApp).Assembly).Run([.. options.PassThrough], config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? Failed : Ok;
    }

    /// <summary>Writes the log's rows to <paramref name="path"/> as JSON when one was given; false, with the error printed, when it could not be written.</summary>
    private static bool WriteJson(ResultLog log, string? path, Action<string> say, TextWriter error)
    {
        if (path is null) return true;
        try
        {
            log.WriteJson(path);
            say($"wrote {log.Count} rows to {path}");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: could not write {path}: {e.Message}");
            return false;
        }
    }
}
