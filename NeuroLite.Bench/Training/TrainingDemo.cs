using NeuroLite.Bench.Report;

namespace NeuroLite.Bench.Training;

/// <summary>Training demos; they need the engine (NeuroLite.Native), which has not landed on this branch yet.</summary>
public static class TrainingDemo
{
    /// <summary>Prints that training is pending; true (nothing failed).</summary>
    public static bool Run(ResultLog log, bool quick)
    {
        ArgumentNullException.ThrowIfNull(log);
        _ = quick;
        log.Line("Training: pending (the engine has not landed on this branch yet).");
        return true;
    }
}
