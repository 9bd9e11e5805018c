using System.Numerics.Tensors;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Quick;

/// <summary>How a kernel's error is measured.</summary>
public enum ErrorKind
{
    /// <summary>Largest distance in units in the last place from the <c>Math.*</c> function of the same input.</summary>
    UlpVsMath,

    /// <summary>Largest absolute difference from the scalar reference's output on the same input.</summary>
    AbsoluteVsReference,
}

/// <summary>One kernel at one size: its three implementations over the same buffers, and how to judge their output.</summary>
public sealed class KernelInstance
{
    /// <summary>Elements processed per call (the divisor of ns/element).</summary>
    public required long Elements { get; init; }

    /// <summary>The NeuroLite kernel (whatever SIMD path this process takes).</summary>
    public required Action Simd { get; init; }

    /// <summary>Its twin in <c>NeuroLite.Kernels.Reference</c>.</summary>
    public required Action Reference { get; init; }

    /// <summary>The same work through <c>System.Numerics.Tensors.TensorPrimitives</c>, or null when there is no counterpart.</summary>
    public Action? Tensor { get; init; }

    /// <summary>Restores the inputs of kernels that update in place, so each implementation starts from the same state.</summary>
    public Action Reset { get; init; } = static () => { };

    /// <summary>The buffers the kernel writes.</summary>
    public required double[][] Outputs { get; init; }

    /// <summary>For <see cref="ErrorKind.UlpVsMath"/>: the correctly computed value of output element i.</summary>
    public Func<int, double>? Truth { get; init; }
}

/// <summary>A kernel of the comparison table.</summary>
/// <param name="Name">Class and method, as in <c>NeuroLite.Kernels</c> (the catalog entry's name).</param>
/// <param name="Error">How its error is measured.</param>
/// <param name="TensorName">The TensorPrimitives call it is held against, or null.</param>
/// <param name="Inputs">What the inputs are, for the reader of the table.</param>
/// <param name="Create">Builds the buffers for n elements from a seeded generator.</param>
/// <param name="OverRows">True for the kernels over a matrix's rows (reductions, row broadcasts, softmax): the <c>BroadcastBenchmarks</c> suite; false for the element-wise and optimizer kernels (<c>ElementwiseBenchmarks</c>).</param>
public sealed record KernelCase(string Name, ErrorKind Error, string? TensorName, string Inputs, Func<int, Random, KernelInstance> Create, bool OverRows = false);

/// <summary>
/// The benched entries of the kernel catalog (<c>NeuroLite.Kernels.KernelCatalog</c>), each with its buffers and its
/// <see cref="TensorPrimitives"/> peer: the rows of the kernel table and the cases of the BenchmarkDotNet suites.
/// </summary>
public static class KernelCases
{
    /// <summary>The optimizer step the updates are timed at (Adam's bias corrections depend on it).</summary>
    private const int Step = 10;

    /// <summary>All cases in table order.</summary>
    public static IReadOnlyList<KernelCase> All { get; } = [.. KernelCatalog.All.Where(e => e.Benched).Select(From)];

    /// <summary>
    /// Cases the BenchmarkDotNet suites time besides <see cref="All"/>: tanh on its usual inputs with one element in 8
    /// at |x| in [400, 800] mixed in, to show the kernel has no slow path for them.
    /// </summary>
    public static IReadOnlyList<KernelCase> SuiteExtras { get; } =
    [
        new("Unary.Tanh (1 in 8 at ±U[400, 800])", ErrorKind.UlpVsMath, "TensorPrimitives.Tanh", "x ~ U[-3, 3], 1 in 8 at ±U[400, 800]",
            static (n, r) => MapInstance((MapEntry)KernelCatalog.Named("Unary.Tanh"), n, r, WithLarge)),
    ];

    /// <summary>The case named <paramref name="name"/>, from <see cref="All"/> or <see cref="SuiteExtras"/>.</summary>
    public static KernelCase Named(string name) =>
        All.Concat(SuiteExtras).FirstOrDefault(k => k.Name == name) ?? throw new ArgumentException($"No kernel case '{name}'.", nameof(name));

    private static KernelCase From(KernelEntry entry)
    {
        TensorPeers.Peers.TryGetValue(entry.Name, out var peer);
        return entry switch
        {
            MapEntry m => new(m.Name, m.Oracle is null ? ErrorKind.AbsoluteVsReference : ErrorKind.UlpVsMath, peer?.Name, m.Description, (n, r) => MapInstance(m, n, r)),
            UpdateEntry u => new(u.Name, ErrorKind.AbsoluteVsReference, peer?.Name, u.Description, (n, r) => UpdateInstance(u, n, r)),
            RowsEntry w => new(w.Name, ErrorKind.AbsoluteVsReference, peer?.Name, w.Description, (n, r) => RowsInstance(w, n, r), OverRows: true),
            _ => throw new ArgumentException($"No bench builder for {entry.GetType().Name}.", nameof(entry)),
        };
    }

    private static double[] WithLarge(int n, Random r)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++)
            x[i] = r.Next(8) == 0 ? Domain.SignedUniform(400, 800).Draw(r) : Domain.Uniform(-3, 3).Draw(r);
        return x;
    }

    private static KernelInstance MapInstance(MapEntry e, int n, Random r, Func<int, Random, double[]>? first = null)
    {
        double[] a = first?.Invoke(n, r) ?? e.Inputs[0].Fill(n, r);
        double[] b = e.Arity == 2 ? e.Inputs[1].Fill(n, r) : [];
        double[] c0 = e.Output?.Fill(n, r) ?? new double[n], c = (double[])c0.Clone();
        TensorPeers.Peers.TryGetValue(e.Name, out var peer);
        var oracle = e.Oracle;
        return new KernelInstance
        {
            Elements = n, Outputs = [c],
            Reset = e.Accumulates ? () => c0.CopyTo(c, 0) : static () => { },
            Truth = oracle is null ? null : i => oracle(a[i]),
            Simd = () => e.Fast(a, b, c),
            Reference = () => e.Reference(a, b, c),
            Tensor = peer?.Map is { } map ? () => map(a, b, c) : null,
        };
    }

    private static KernelInstance UpdateInstance(UpdateEntry e, int n, Random r)
    {
        double[] p0 = e.Values.Fill(n, r), g = e.Values.Fill(n, r);
        double[] m0 = e.States >= 1 ? e.FirstState.Fill(n, r) : [], v0 = e.States >= 2 ? e.SecondState.Fill(n, r) : [];
        double[] p = (double[])p0.Clone(), m = (double[])m0.Clone(), v = (double[])v0.Clone();
        TensorPeers.Peers.TryGetValue(e.Name, out var peer);
        return new KernelInstance
        {
            Elements = n, Outputs = [p, m, v],
            Reset = () => { p0.CopyTo(p, 0); m0.CopyTo(m, 0); v0.CopyTo(v, 0); },
            Simd = () => e.Fast(p, g, m, v, Step),
            Reference = () => e.Reference(p, g, m, v, Step),
            Tensor = peer?.Update is { } update ? () => update(p, g, m, v, Step) : null,
        };
    }

    private static KernelInstance RowsInstance(RowsEntry e, int n, Random r)
    {
        var (rows, cols) = e.Shape(n);
        double[] x = e.X.Fill(rows * cols, r), y = e.X.Fill(RowsEntry.Length(e.Y, rows, cols), r);
        int[] t = e.Targets ? Targets(rows, cols, r) : [];
        double[][] outputs = [.. e.Outputs.Select(o => new double[RowsEntry.Length(o, rows, cols)])];
        double[] first = outputs[0], second = outputs.Length > 1 ? outputs[1] : [];
        TensorPeers.Peers.TryGetValue(e.Name, out var peer);
        return new KernelInstance
        {
            Elements = rows * cols, Outputs = outputs,
            Simd = () => e.Fast(x, y, rows, cols, t, first, second),
            Reference = () => e.Reference(x, y, rows, cols, t, first, second),
            Tensor = peer?.Rows is { } call ? () => call(x, y, rows, cols, t, first, second) : null,
        };
    }

    private static int[] Targets(int rows, int cols, Random r)
    {
        var t = new int[rows];
        for (int i = 0; i < rows; i++) t[i] = r.Next(cols);
        return t;
    }
}
