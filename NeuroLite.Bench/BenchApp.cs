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

    /// <summary>Runs the program with <paramref name="args"/>, printing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var options = BenchOptions.Parse(args);
        if (options.Error is not null)
        {
            error.WriteLine($"error: {options.Error}");
            error.WriteLine(BenchOptions.UsageLine);
            error.WriteLine("(--help lists the commands)");
            return BadArguments;
        }

        switch (options.Command)
        {
            case BenchCommand.Help:
                output.WriteLine(BenchOptions.HelpText);
                return Ok;
            case BenchCommand.Bdn:
                return RunBenchmarkDotNet(options, output);
            case BenchCommand.Ab:
                return RunBuildComparison(options, output, error);
        }

        var clock = Stopwatch.StartNew();
        var log = new ResultLog(output);
        int status = Ok;
        try
        {
            if (options.PeerResultsPath is not null) PeerResults.DefaultPath = options.PeerResultsPath;
            var machine = MachineInfo.Detect();
            machine.Print(log);
            log.Line();
            var plan = options.Quick ? TimingPlan.Quick : TimingPlan.Default;
            if (options.Command is BenchCommand.All or BenchCommand.Kernels)
            {
                KernelComparison.Run(log, options.Quick ? [1_000] : [1_000, 1_000_000], plan, options.Filter);
                log.Line();
            }

            if (options.Command is BenchCommand.All or BenchCommand.Gemm)
            {
                GemmComparison.Run(log, machine, options.Quick ? GemmComparison.QuickShapes : GemmComparison.DefaultShapes, plan, options.Filter);
                log.Line();
            }

            if (options.Command is BenchCommand.Profile)
            {
                var networks = options.Networks.Count > 0 ? options.Networks : Profile.ProfileNetwork.Known.Take(3).ToList();
                foreach (var network in networks)
                {
                    Profile.StepProfile.Run(log, network, plan);
                    log.Line();
                }
            }

            if (options.Command is BenchCommand.All or BenchCommand.Train)
            {
                if (!TrainingDemo.Run(log, options.Quick, machine.CpuKey)) status = Failed;
                log.Line();
            }

            log.Line(string.Create(CultureInfo.InvariantCulture, $"done in {clock.Elapsed.TotalSeconds:0.0} s"));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or FormatException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            status = Failed;
        }

        if (options.JsonPath is not null)
        {
            try
            {
                log.WriteJson(options.JsonPath);
                output.WriteLine($"wrote {log.Count} rows to {options.JsonPath}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: could not write {options.JsonPath}: {e.Message}");
                status = Failed;
            }
        }

        return status;
    }

    private static int RunBuildComparison(BenchOptions options, TextWriter output, TextWriter error)
    {
        if (BuildComparison.CheckBuilds(options.Builds.Old, options.Builds.New) is { } problem)
        {
            error.WriteLine($"error: {problem}");
            error.WriteLine(BenchOptions.UsageLine);
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

    private static int RunBenchmarkDotNet(BenchOptions options, TextWriter output)
    {
        if (options.AllPaths)
        {
            output.WriteLine($"SIMD path jobs: {string.Join(", ", SimdPathsConfig.Jobs.Select(j => j.Id))}");
            foreach (string note in SimdPathsConfig.Omitted) output.WriteLine(note);
        }

        if (options.PeerResultsPath is not null) PeerResults.DefaultPath = options.PeerResultsPath;
        var config = SimdPathsConfig.Create(options.AllPaths);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchApp).Assembly).Run([.. options.PassThrough], config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? Failed : Ok;
    }
}
