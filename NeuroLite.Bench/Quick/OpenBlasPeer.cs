using System.Runtime.InteropServices;

namespace NeuroLite.Bench.Quick;

/// <summary>
/// OpenBLAS's <c>cblas_dgemm</c>, called in this process when the library is installed (Debian: <c>libopenblas0-pthread</c>),
/// so the GEMM table can time NeuroLite and OpenBLAS alternately in one run, on one thread each: the host's load then
/// moves both sides alike. The quick run only reads it; nothing in NeuroLite depends on it. Before the library loads,
/// <see cref="OpenBlasEnvironment.UndoInProcess"/> removes variables that would force a lesser kernel, so the column is
/// OpenBLAS at its best for this CPU, and <see cref="Core"/> names the kernel it picked.
/// </summary>
public static unsafe class OpenBlasPeer
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    // Debian's pthread build first (the one NumPy loads there), then whatever the loader finds.
    private static readonly string[] Candidates =
    [
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "libopenblas.so.0",
        "libopenblas.so",
    ];

    private static readonly Lazy<Api?> Loaded = new(Load);

    /// <summary>Where OpenBLAS was loaded from, or null when it is not installed (then the table has no OpenBLAS column).</summary>
    public static string? Path => Loaded.Value?.Path;

    /// <summary>The kernel family OpenBLAS runs (<c>openblas_get_corename</c>: "SkylakeX", "Cooperlake", "Haswell", "Zen", ...), or null.</summary>
    public static string? Core => Loaded.Value?.Core;

    /// <summary>OpenBLAS's build description (<c>openblas_get_config</c>: version and options), or null.</summary>
    public static string? Config => Loaded.Value?.Config;

    /// <summary>What was done about <c>OPENBLAS_CORETYPE</c> and <c>OPENBLAS_L2_SIZE</c> before loading (null when not loaded).</summary>
    public static OpenBlasEnvironmentOutcome? Environment => Loaded.Value?.Environment;

    /// <summary>The core and whether OpenBLAS chose it, for the table's header and rows.</summary>
    public static string? Describe() => Loaded.Value is { } api ? api.Environment.Describe(api.Core) : null;

    /// <summary>C = op(A)·op(B), row-major and dense, as <see cref="Kernels.Gemm.Multiply"/> with accumulate off; false without OpenBLAS.</summary>
    public static bool TryMultiply(double[] a, double[] b, double[] c, int m, int n, int k, bool transposeA, bool transposeB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        if (Loaded.Value is not { } api) return false;
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"Buffers too short for {m}x{k} @ {k}x{n}.");
        fixed (double* pa = a, pb = b, pc = c)
            api.Dgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, m, n, k, 1.0,
                pa, transposeA ? m : k, pb, transposeB ? k : n, 0.0, pc, n);
        return true;
    }

    private static Api? Load()
    {
        var environment = OpenBlasEnvironment.UndoInProcess();
        foreach (string candidate in Candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out nint handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "cblas_dgemm", out nint dgemm) && NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint threads))
            {
                // One thread, as the NumPy peer (OPENBLAS_NUM_THREADS=1): the table compares single cores.
                ((delegate* unmanaged<int, void>)threads)(1);
                string? core = NativeLibrary.TryGetExport(handle, "openblas_get_corename", out nint corename)
                    ? Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)corename)()) : null;
                string? config = NativeLibrary.TryGetExport(handle, "openblas_get_config", out nint getConfig)
                    ? Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)getConfig)())?.Trim() : null;
                return new Api(candidate, (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)dgemm)
                {
                    Core = core,
                    Config = config,
                    Environment = environment,
                };
            }

            NativeLibrary.Free(handle);
        }

        return null;
    }

    private sealed class Api(string path, delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> dgemm)
    {
        public string Path { get; } = path;

        public string? Core { get; init; }

        public string? Config { get; init; }

        public required OpenBlasEnvironmentOutcome Environment { get; init; }

        public delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> Dgemm { get; } = dgemm;
    }
}
