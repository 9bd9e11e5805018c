using System.Runtime.InteropServices;

namespace NeuroLite.Bench.Quick;

/// <summary>One environment variable: its name and value.</summary>
/// <param name="Name">The variable.</param>
/// <param name="Value">Its value.</param>
public readonly record struct EnvironmentSetting(string Name, string Value)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name}={Value}";
}

/// <summary>What was done about the variables that force OpenBLAS onto a core of someone's choosing.</summary>
/// <param name="Undone">Variables that were set and are now unset in the process's C environment, before OpenBLAS loaded.</param>
/// <param name="StillForcing">Variables that are set and could not be undone (see <paramref name="Reason"/>).</param>
/// <param name="Reason">Why <paramref name="StillForcing"/> stayed, or null.</param>
public sealed record OpenBlasEnvironmentOutcome(IReadOnlyList<EnvironmentSetting> Undone, IReadOnlyList<EnvironmentSetting> StillForcing, string? Reason)
{
    /// <summary>Nothing was set: OpenBLAS chooses its own core.</summary>
    public static OpenBlasEnvironmentOutcome Clean { get; } = new([], [], null);

    /// <summary>
    /// The core description printed with the OpenBLAS column: "SkylakeX (OpenBLAS's own choice for this CPU; ...)", or
    /// "Haswell, FORCED by OPENBLAS_CORETYPE=Haswell (...)" when the environment still decides it.
    /// </summary>
    public string Describe(string? core)
    {
        string name = string.IsNullOrEmpty(core) ? "unknown (no openblas_get_corename)" : core;
        if (StillForcing.Count > 0)
            return $"{name}, FORCED by {string.Join(' ', StillForcing)} ({Reason}); OpenBLAS's best kernel for this CPU may be faster: run with env -u {string.Join(" -u ", StillForcing.Select(s => s.Name))}";
        if (Undone.Count > 0)
            return $"{name} (OpenBLAS's own choice for this CPU; {string.Join(' ', Undone)} from the environment was unset before the library loaded)";
        return $"{name} (OpenBLAS's own choice for this CPU)";
    }

    /// <summary>True when the environment, not OpenBLAS, chose the core.</summary>
    public bool Forced => StillForcing.Count > 0;
}

/// <summary>
/// Undoes <c>OPENBLAS_CORETYPE</c> and <c>OPENBLAS_L2_SIZE</c> before OpenBLAS loads, so that the GEMM table's OpenBLAS
/// column is OpenBLAS at its best kernel for this CPU and not at one an environment forced (a Haswell kernel on an
/// AVX-512 CPU runs at about half speed). OpenBLAS reads them with C <c>getenv</c> when the library is loaded, and
/// .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes only the runtime's own copy on Unix,
/// so they are removed with libc's <c>unsetenv</c>. If OpenBLAS is already in the process, or there is no libc, they
/// cannot be undone and the outcome says so.
/// </summary>
public static unsafe class OpenBlasEnvironment
{
    /// <summary>The variables that override OpenBLAS's own choice of kernel and blocking.</summary>
    public static IReadOnlyList<string> ForcingVariables { get; } = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

    private static readonly Lazy<(nint Getenv, nint Unsetenv, nint Setenv)> Libc = new(LoadLibc);

    /// <summary>Which of <see cref="ForcingVariables"/> are set, read through <paramref name="getenv"/>.</summary>
    public static IReadOnlyList<EnvironmentSetting> Forcing(Func<string, string?> getenv)
    {
        ArgumentNullException.ThrowIfNull(getenv);
        return [.. ForcingVariables.Select(v => (v, getenv(v))).Where(p => p.Item2 is not null).Select(p => new EnvironmentSetting(p.v, p.Item2!))];
    }

    /// <summary>
    /// Decides and does: when <paramref name="alreadyLoaded"/> nothing can be undone; otherwise each forcing variable is
    /// passed to <paramref name="unset"/> and counts as undone when <paramref name="getenv"/> no longer sees it.
    /// </summary>
    public static OpenBlasEnvironmentOutcome Undo(Func<string, string?> getenv, Func<string, bool> unset, bool alreadyLoaded)
    {
        ArgumentNullException.ThrowIfNull(getenv);
        ArgumentNullException.ThrowIfNull(unset);
        var forcing = Forcing(getenv);
        if (forcing.Count == 0) return OpenBlasEnvironmentOutcome.Clean;
        if (alreadyLoaded) return new([], forcing, "OpenBLAS was loaded into this process before the bench could unset it");
        var undone = new List<EnvironmentSetting>();
        var kept = new List<EnvironmentSetting>();
        foreach (var setting in forcing)
        {
            if (unset(setting.Name) && getenv(setting.Name) is null) undone.Add(setting);
            else kept.Add(setting);
        }

        return new(undone, kept, kept.Count > 0 ? "libc unsetenv is not available here" : null);
    }

    /// <summary>Undoes the forcing variables in this process's C environment; call before OpenBLAS loads.</summary>
    public static OpenBlasEnvironmentOutcome UndoInProcess() => Undo(NativeGetenv, NativeUnsetenv, IsOpenBlasLoaded());

    /// <summary>The value of <paramref name="name"/> in the C environment (libc <c>getenv</c>), which OpenBLAS reads; .NET's view where there is no libc.</summary>
    public static string? NativeGetenv(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Libc.Value.Getenv == 0) return Environment.GetEnvironmentVariable(name);
        nint s = Marshal.StringToCoTaskMemUTF8(name);
        try
        {
            byte* value = ((delegate* unmanaged<nint, byte*>)Libc.Value.Getenv)(s);
            return value is null ? null : Marshal.PtrToStringUTF8((nint)value);
        }
        finally
        {
            Marshal.FreeCoTaskMem(s);
        }
    }

    /// <summary>Removes <paramref name="name"/> from the C environment (libc <c>unsetenv</c>); false where there is no libc or it failed.</summary>
    public static bool NativeUnsetenv(string name) => CallLibc(Libc.Value.Unsetenv, name, null);

    /// <summary>Sets <paramref name="name"/> in the C environment (libc <c>setenv</c>, overwriting); false where there is no libc.</summary>
    public static bool NativeSetenv(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return CallLibc(Libc.Value.Setenv, name, value);
    }

    /// <summary>True when a libopenblas is mapped into this process already (Linux: /proc/self/maps).</summary>
    public static bool IsOpenBlasLoaded()
    {
        try
        {
            return File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(l => l.Contains("libopenblas", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool CallLibc(nint function, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (function == 0) return false;
        nint n = Marshal.StringToCoTaskMemUTF8(name);
        nint v = value is null ? 0 : Marshal.StringToCoTaskMemUTF8(value);
        try
        {
            return value is null
                ? ((delegate* unmanaged<nint, int>)function)(n) == 0
                : ((delegate* unmanaged<nint, nint, int, int>)function)(n, v, 1) == 0;
        }
        finally
        {
            Marshal.FreeCoTaskMem(n);
            if (v != 0) Marshal.FreeCoTaskMem(v);
        }
    }

    private static (nint, nint, nint) LoadLibc()
    {
        foreach (string name in (string[])["libc.so.6", "libc.so", "libSystem.dylib"])
        {
            if (!NativeLibrary.TryLoad(name, out nint handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "getenv", out nint getenv) && NativeLibrary.TryGetExport(handle, "unsetenv", out nint unsetenv)
                && NativeLibrary.TryGetExport(handle, "setenv", out nint setenv))
                return (getenv, unsetenv, setenv);
        }

        return (0, 0, 0);
    }
}
