using System.Globalization;
using System.Text.Json;

namespace NeuroLite.Bench.Training;

/// <summary>What became of reading a peer's results file.</summary>
public enum PeerResultsStatus
{
    /// <summary>Read, written on a CPU of this machine's model: its figures may be printed beside NeuroLite's.</summary>
    Found,

    /// <summary>No file: the peer has not been run here.</summary>
    Missing,

    /// <summary>Read, but written on another CPU model: its figures are not printed.</summary>
    OtherMachine,

    /// <summary>The file exists but is not a results file of the expected form.</summary>
    Malformed,
}

/// <summary>
/// The training-step figures <c>peers/torch_train.py steps</c> writes (<c>artifacts/peers/torch_train.json</c> by
/// default): the CPU it ran on and µs per step of each workload by <see cref="TrainingWorkload.Name"/>. The bench prints
/// them beside its own only when the file's CPU is this machine's, so no figure from another machine is shown as if it
/// were comparable.
/// </summary>
public sealed class PeerResults
{
    /// <summary>The command that writes the file, printed when there is none for this machine.</summary>
    public const string HowToGet = "/usr/bin/python3 NeuroLite.Bench/peers/torch_train.py steps";

    /// <summary>The file's place under the repository root.</summary>
    public static readonly string RelativePath = Path.Combine("artifacts", "peers", "torch_train.json");

    private PeerResults(PeerResultsStatus status, string path, string? cpu, string? peer, string? detail, IReadOnlyDictionary<string, double> usPerStep)
    {
        Status = status;
        FilePath = path;
        Cpu = cpu;
        Peer = peer;
        Detail = detail;
        MicrosecondsPerStep = usPerStep;
    }

    /// <summary>The results file the bench reads; null means <see cref="Locate"/>'s answer. <c>--peer-results</c> sets it.</summary>
    public static string? DefaultPath { get; set; }

    /// <summary>Whether the figures can be used.</summary>
    public PeerResultsStatus Status { get; }

    /// <summary>The file read.</summary>
    public string FilePath { get; }

    /// <summary>The CPU model the file was written on, when it could be read.</summary>
    public string? Cpu { get; }

    /// <summary>The peer and its setting, as the file names it ("PyTorch 1.13.1 eager, float64, 1 thread, OpenBLAS Cooperlake").</summary>
    public string? Peer { get; }

    /// <summary>Why the file is <see cref="PeerResultsStatus.Malformed"/>, or when it was written.</summary>
    public string? Detail { get; }

    /// <summary>µs per training step by workload name; empty unless <see cref="PeerResultsStatus.Found"/>.</summary>
    public IReadOnlyDictionary<string, double> MicrosecondsPerStep { get; }

    /// <summary>The peer's µs per step of <paramref name="workload"/>, or NaN when it has none (or the file is not usable).</summary>
    public double For(string workload) => MicrosecondsPerStep.TryGetValue(workload, out double us) ? us : double.NaN;

    /// <summary>
    /// The results file: <see cref="DefaultPath"/> if set, else <see cref="RelativePath"/> under the first directory
    /// above the working directory or the program that holds <c>NeuroLite.Bench/peers/torch_train.py</c> (the
    /// repository), else <see cref="RelativePath"/> under the working directory.
    /// </summary>
    public static string Locate()
    {
        if (DefaultPath is not null) return DefaultPath;
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "NeuroLite.Bench", "peers", "torch_train.py")))
                    return Path.Combine(dir.FullName, RelativePath);
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), RelativePath);
    }

    /// <summary>Reads <paramref name="path"/> and keeps its figures only when its CPU is <paramref name="cpu"/> (ordinal).</summary>
    public static PeerResults Read(string path, string cpu)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(cpu);
        var none = new Dictionary<string, double>();
        string text;
        try
        {
            if (!File.Exists(path)) return new(PeerResultsStatus.Missing, path, null, null, null, none);
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(PeerResultsStatus.Malformed, path, null, null, $"cannot be read: {e.Message}", none);
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Malformed("not a JSON object");
            if (!root.TryGetProperty("cpu", out var cpuElement) || cpuElement.ValueKind != JsonValueKind.String || cpuElement.GetString() is not { Length: > 0 } fileCpu)
                return Malformed("no \"cpu\" string");
            string? peer = root.TryGetProperty("peer", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            string? written = root.TryGetProperty("written_utc", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString() : null;
            if (!root.TryGetProperty("us_per_step", out var steps) || steps.ValueKind != JsonValueKind.Object)
                return Malformed("no \"us_per_step\" object");
            var figures = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var item in steps.EnumerateObject())
            {
                if (item.Value.ValueKind != JsonValueKind.Number || !item.Value.TryGetDouble(out double us) || !double.IsFinite(us) || us <= 0)
                    return Malformed($"\"us_per_step\".\"{item.Name}\" is not a positive number");
                figures[item.Name] = us;
            }

            if (!string.Equals(fileCpu, cpu, StringComparison.Ordinal))
                return new(PeerResultsStatus.OtherMachine, path, fileCpu, peer, written, none);
            return new(PeerResultsStatus.Found, path, fileCpu, peer, written, figures);
        }
        catch (JsonException e)
        {
            return Malformed($"not JSON: {e.Message}");
        }

        PeerResults Malformed(string why) => new(PeerResultsStatus.Malformed, path, null, null, why, none);
    }

    /// <summary>One line for the table's header: where the figures come from, or why there are none and how to get them.</summary>
    public string Note(string cpu) => Status switch
    {
        PeerResultsStatus.Found => string.Create(CultureInfo.InvariantCulture,
            $"PyTorch: {Peer ?? "torch_train.py"}, from {FilePath}{(Detail is null ? "" : $" (written {Detail})")}, on this CPU model; run again to refresh"),
        PeerResultsStatus.OtherMachine =>
            $"PyTorch: {FilePath} was written on another CPU ({Cpu}), not this one ({cpu}), so its figures are not shown; run {HowToGet} here to get them",
        PeerResultsStatus.Malformed => $"PyTorch: {FilePath} is not a torch_train.py results file ({Detail}); run {HowToGet} to rewrite it",
        _ => $"PyTorch: no figures for this machine; run {HowToGet} (it writes {RelativePath}) to print them beside NeuroLite's",
    };
}
