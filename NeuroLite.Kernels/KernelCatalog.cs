using Ref = NeuroLite.Kernels.Reference;

namespace NeuroLite.Kernels;

/// <summary>
/// Every element-wise, row and optimizer kernel with its scalar reference, its input domain and its shape: the one
/// list the kernel tests and both benchmarks are generated from. A kernel added here gets the tests' size, offset and
/// in-place sweeps against its reference, a row in the bench's kernel table and (with a <c>TensorPrimitives</c> peer,
/// which the bench maps by name) a BenchmarkDotNet case.
/// </summary>
/// <remarks>
/// Internal (the tests and the bench see it through <c>InternalsVisibleTo</c>): its delegates, domains and sweep widths
/// are test and bench policy, not a contract a caller of the kernels should build on. GEMM is not here: its shapes
/// (m, n, k, transposes, threads) need the tests and benches of their own.
/// </remarks>
internal static class KernelCatalog
{
    /// <summary>The scalar operand of the span-scalar forms.</summary>
    public const double Scalar = 1.75;

    /// <summary>α of <see cref="Binary.Axpy"/>.</summary>
    public const double Alpha = -0.3;

    /// <summary>Learning rate of the optimizer entries.</summary>
    public const double LearningRate = 0.01;

    /// <summary>Momentum of <see cref="Optimizer.SgdMomentum"/>.</summary>
    public const double Momentum = 0.9;

    /// <summary>Adam's learning rate, β1, β2 and ε.</summary>
    public const double AdamRate = 1e-3, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    /// <summary>Unit roundoff of binary64, for the written bounds.</summary>
    public const double U = 1.0 / (1L << 53);

    /// <summary>γ_k = k·u / (1 − k·u) (Higham's rounding-error constant of k operations).</summary>
    public static double Gamma(int k) => k * U / (1 - k * U);

    private static readonly Domain Unit = Domain.Uniform(-1, 1);

    /// <summary>All entries: those with <see cref="KernelEntry.Benched"/> in the bench table's order, each followed by its variants.</summary>
    public static IReadOnlyList<KernelEntry> All { get; } =
    [
        UnaryMap("Unary.Tanh", Unary.Tanh, Ref.Unary.Tanh, Domain.Uniform(-3, 3), sweep: 25, Math.Tanh),
        UnaryMap("Unary.Relu", Unary.Relu, Ref.Unary.Relu, Unit),
        UnaryMap("Unary.Exp", Unary.Exp, Ref.Unary.Exp, Domain.Uniform(-50, 50), sweep: 750, Math.Exp),
        UnaryMap("Unary.Log", Unary.Log, Ref.Unary.Log, Domain.ExpOfUniform(-30, 30), sweep: 1e6, Math.Log),
        new MapEntry("Unary.TanhBackward", static (t, g, d) => Unary.TanhBackward(t, g, d), static (t, g, d) => Ref.Unary.TanhBackward(t, g, d), [Unit, Unit]) { Description = "t, g ~ U[-1, 1]" },
        new MapEntry("Unary.TanhBackward (accumulate)", static (t, g, d) => Unary.TanhBackward(t, g, d, true), static (t, g, d) => Ref.Unary.TanhBackward(t, g, d, true), [Unit, Unit], Unit) { Benched = false },
        new MapEntry("Unary.ReluBackward", static (x, g, d) => Unary.ReluBackward(x, g, d), static (x, g, d) => Ref.Unary.ReluBackward(x, g, d), [Unit, Unit]) { Description = "x, g ~ U[-1, 1]" },
        new MapEntry("Unary.ReluBackward (accumulate)", static (x, g, d) => Unary.ReluBackward(x, g, d, true), static (x, g, d) => Ref.Unary.ReluBackward(x, g, d, true), [Unit, Unit], Unit) { Benched = false },
        BinaryMap("Binary.Add", Binary.Add, Ref.Binary.Add, Unit),
        BinaryMap("Binary.Subtract", Binary.Subtract, Ref.Binary.Subtract, Unit),
        BinaryMap("Binary.Multiply", Binary.Multiply, Ref.Binary.Multiply, Unit),
        BinaryMap("Binary.Divide", Binary.Divide, Ref.Binary.Divide, Domain.SignedUniform(0.5, 2)),
        ScalarMap("Binary.Add (span, scalar)", static (a, c) => Binary.Add(a, Scalar, c), static (a, c) => Ref.Binary.Add(a, Scalar, c)),
        ScalarMap("Binary.Subtract (span, scalar)", static (a, c) => Binary.Subtract(a, Scalar, c), static (a, c) => Ref.Binary.Subtract(a, Scalar, c)),
        ScalarMap("Binary.Subtract (scalar, span)", static (a, c) => Binary.Subtract(Scalar, a, c), static (a, c) => Ref.Binary.Subtract(Scalar, a, c)),
        ScalarMap("Binary.Multiply (span, scalar)", static (a, c) => Binary.Multiply(a, Scalar, c), static (a, c) => Ref.Binary.Multiply(a, Scalar, c)),
        ScalarMap("Binary.Divide (span, scalar)", static (a, c) => Binary.Divide(a, Scalar, c), static (a, c) => Ref.Binary.Divide(a, Scalar, c)),
        ScalarMap("Binary.Divide (scalar, span)", static (a, c) => Binary.Divide(Scalar, a, c), static (a, c) => Ref.Binary.Divide(Scalar, a, c)),
        new MapEntry("Binary.MultiplyAdd", static (a, b, c) => Binary.MultiplyAdd(a, b, c), static (a, b, c) => Ref.Binary.MultiplyAdd(a, b, c), [Unit, Unit], Unit) { Description = "c += a·b, U[-1, 1]" },
        new MapEntry("Binary.Axpy", static (x, _, y) => Binary.Axpy(Alpha, x, y), static (x, _, y) => Ref.Binary.Axpy(Alpha, x, y), [Unit], Unit) { Description = "y += α·x, U[-1, 1]" },
        new RowsEntry("Broadcast.Add (row, bias add)", RowsLayout.Matrix, static (x, y, rows, cols, _, c, _) => Broadcast.Add(x, [rows, cols], y, [cols], c),
            static (x, y, rows, cols, _, c, _) => Ref.Broadcast.Add(x, [rows, cols], y, [cols], c), Unit, [Extent.Matrix], Extent.Cols)
        { Description = "(rows×cols) + (cols)" },
        new RowsEntry("Broadcast.SumTo (row)", RowsLayout.Matrix, static (x, _, rows, cols, _, d, _) => Broadcast.SumTo(x, [rows, cols], d, [cols]),
            static (x, _, rows, cols, _, d, _) => Ref.Broadcast.SumTo(x, [rows, cols], d, [cols]), Unit, [Extent.Cols])
        { Description = "(rows×cols) -> (cols)" },
        new RowsEntry("Reduce.Sum", RowsLayout.OneRow, static (x, _, _, _, _, s, _) => s[0] = Reduce.Sum(x), static (x, _, _, _, _, s, _) => s[0] = Ref.Reduce.Sum(x), Unit, [Extent.One])
        { Description = "x ~ U[-1, 1]", Bound = SumBound },
        new RowsEntry("Reduce.MaxRows", RowsLayout.Matrix, static (x, _, rows, cols, _, m, _) => Reduce.MaxRows(x, rows, cols, m),
            static (x, _, rows, cols, _, m, _) => Ref.Reduce.MaxRows(x, rows, cols, m), Unit, [Extent.Rows])
        { Description = "(rows×cols) -> (rows)" },
        new RowsEntry("SoftmaxCrossEntropy.Forward", RowsLayout.Classes, static (z, _, rows, cols, t, p, loss) => SoftmaxCrossEntropy.Forward(z, rows, cols, t, p, loss),
            static (z, _, rows, cols, t, p, loss) => Ref.SoftmaxCrossEntropy.Forward(z, rows, cols, t, p, loss), Domain.Uniform(-5, 5), [Extent.Matrix, Extent.Rows])
        { Description = $"(n/{RowsEntry.Classes})×{RowsEntry.Classes} logits ~ U[-5, 5]", Targets = true, Bound = SoftmaxForwardBound },
        new RowsEntry("SoftmaxCrossEntropy.Backward", RowsLayout.Classes, static (p, _, rows, cols, t, g, _) => SoftmaxCrossEntropy.Backward(p, rows, cols, t, 1.0 / rows, g),
            static (p, _, rows, cols, t, g, _) => Ref.SoftmaxCrossEntropy.Backward(p, rows, cols, t, 1.0 / rows, g), Domain.Uniform(0, 0.2), [Extent.Matrix])
        { Description = $"(n/{RowsEntry.Classes})×{RowsEntry.Classes}, scale 1/rows", Targets = true },
        .. Optimizers(),
    ];

    private static IEnumerable<KernelEntry> Optimizers()
    {
        const double lr = LearningRate;
        foreach (bool zero in new[] { false, true })
        {
            string z = zero ? " (zero gradients)" : "";
            yield return new UpdateEntry("Optimizer.Sgd" + z, (p, g, _, _, _) => Optimizer.Sgd(p, g, lr, zero), (p, g, _, _, _) => Ref.Optimizer.Sgd(p, g, lr, zero), States: 0)
            { Benched = !zero, Description = "p -= 0.01·g" };
            yield return new UpdateEntry("Optimizer.SgdMomentum" + z, (p, g, m, _, _) => Optimizer.SgdMomentum(p, g, m, lr, Momentum, zero), (p, g, m, _, _) => Ref.Optimizer.SgdMomentum(p, g, m, lr, Momentum, zero), States: 1)
            { Benched = !zero, Description = "v = 0.9·v + g; p -= 0.01·v" };
            yield return new UpdateEntry("Optimizer.Adam" + z, (p, g, m, v, t) => Optimizer.Adam(p, g, m, v, AdamRate, Beta1, Beta2, Epsilon, t, zero), (p, g, m, v, t) => Ref.Optimizer.Adam(p, g, m, v, AdamRate, Beta1, Beta2, Epsilon, t, zero), States: 2)
            { Benched = !zero, Description = "one fused step (t = 10)" };
        }
    }

    /// <summary>The catalog entry named <paramref name="name"/>.</summary>
    public static KernelEntry Named(string name) =>
        All.FirstOrDefault(e => e.Name == name) ?? throw new ArgumentException($"No kernel '{name}' in the catalog.", nameof(name));

    private static MapEntry UnaryMap(string name, UnaryCall fast, UnaryCall reference, Domain x, double sweep = 4, Func<double, double>? oracle = null) =>
        new(name, (a, _, c) => fast(a, c), (a, _, c) => reference(a, c), [x]) { Sweep = sweep, Oracle = oracle, Description = "x ~ " + x };

    private static MapEntry ScalarMap(string name, UnaryCall fast, UnaryCall reference) =>
        new(name, (a, _, c) => fast(a, c), (a, _, c) => reference(a, c), [Unit]) { Benched = false };

    private static MapEntry BinaryMap(string name, MapCall fast, MapCall reference, Domain b) =>
        new(name, fast, reference, [Unit, b]) { Description = b == Unit ? "a, b ~ U[-1, 1]" : $"a ~ U[-1, 1], b ~ {b}" };

    /// <summary>
    /// |Sum − Reference.Sum| ≤ 2·γ_(n+1)·Σ|x_i| (γ_k = k·u/(1 − k·u), u = 2^-53): each is within γ_(n−1)·Σ|x_i| of the exact
    /// sum in any order (Higham §4.2); γ_(n+1) absorbs the rounding of the computed Σ|x_i|.
    /// </summary>
    private static double SumBound(ReadOnlySpan<double> x, int rows, int cols, ReadOnlySpan<int> targets, int output, int index, double reference)
    {
        double abs = 0;
        foreach (double v in x) abs += Math.Abs(v);
        return 2 * Gamma(x.Length + 1) * abs;
    }

    /// <summary>
    /// The bounds derived in <see cref="SoftmaxCrossEntropy.Forward"/>'s remarks, n = cols:
    /// |p − p_ref| ≤ (2n + 8)·u·p_ref + 4·2^-1074 and |L − L_ref| ≤ (2n + 8)·u + 4u·(|ln s| + |L_ref|).
    /// </summary>
    private static double SoftmaxForwardBound(ReadOnlySpan<double> z, int rows, int cols, ReadOnlySpan<int> targets, int output, int index, double reference)
    {
        double rel = (2.0 * cols + 8) * U;
        if (output == 0) return rel * reference + 4 * double.Epsilon;
        ReadOnlySpan<double> row = z.Slice(index * cols, cols);
        double max = double.NegativeInfinity;
        foreach (double v in row) max = Math.Max(max, v);
        double lns = reference - (max - row[targets[index]]);
        return rel + 4 * U * (Math.Abs(lns) + Math.Abs(reference));
    }
}

/// <summary>(a, b, c) of an element-wise kernel: a and b are inputs (b unused by one-input kernels), c the output (also an input when the kernel accumulates).</summary>
internal delegate void MapCall(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c);

/// <summary>(x, y) of a one-input element-wise kernel.</summary>
internal delegate void UnaryCall(ReadOnlySpan<double> x, Span<double> y);

/// <summary>One optimizer update of parameters <c>p</c> with gradients <c>g</c> and up to two state buffers, at step <c>step</c> (from 1).</summary>
internal delegate void UpdateCall(Span<double> p, Span<double> g, Span<double> m, Span<double> v, int step);

/// <summary>A kernel over a (rows × cols) matrix <c>x</c>, with an optional (cols) vector <c>y</c>, a target class per row, and one or two outputs.</summary>
internal delegate void RowsCall(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int rows, int cols, ReadOnlySpan<int> targets, Span<double> first, Span<double> second);

/// <summary>The largest difference allowed between element <c>index</c> of output <c>output</c> and its reference value (the arguments are the call's).</summary>
internal delegate double RowsBound(ReadOnlySpan<double> x, int rows, int cols, ReadOnlySpan<int> targets, int output, int index, double reference);

/// <summary>A kernel of the catalog.</summary>
/// <param name="Name">Class and method as in <c>NeuroLite.Kernels</c>, with the variant in parentheses.</param>
internal abstract record KernelEntry(string Name)
{
    /// <summary>
    /// True for a row of the bench table and the BenchmarkDotNet suites; false for a variant (an overload or a flag) of
    /// the entry before it, which the tests sweep but the bench does not time separately.
    /// </summary>
    public bool Benched { get; init; } = true;

    /// <summary>The inputs the bench draws, for the reader of its table.</summary>
    public string Description { get; init; } = "";

    /// <inheritdoc/>
    public sealed override string ToString() => Name;
}

/// <summary>
/// An element-wise kernel: every input and the output have one length. Inputs are drawn from <see cref="Inputs"/>,
/// the accumulated output (when <see cref="Accumulates"/>) from <see cref="Output"/>.
/// </summary>
internal sealed record MapEntry(string Name, MapCall Fast, MapCall Reference, Domain[] Inputs, Domain? Output = null) : KernelEntry(Name)
{
    /// <summary>Inputs read besides the output: 1 (a) or 2 (a, b).</summary>
    public int Arity => Inputs.Length;

    /// <summary>True when the output is also read (c += …).</summary>
    public bool Accumulates => Output is not null;

    /// <summary>
    /// Half-width of the ordinary values of the tests' bitwise sweep (special values are mixed in besides): past every
    /// threshold of a transcendental kernel (tanh's clamp at 19.1, exp's overflow at 709.8), far outside <see cref="Inputs"/>.
    /// </summary>
    public double Sweep { get; init; } = 4;

    /// <summary>For a function of one value: the <c>Math</c> function it approximates, which the bench measures ULPs from.</summary>
    public Func<double, double>? Oracle { get; init; }
}

/// <summary>An optimizer update: parameters, gradients and <see cref="States"/> state buffers (velocity; or m and v) of one length.</summary>
internal sealed record UpdateEntry(string Name, UpdateCall Fast, UpdateCall Reference, int States) : KernelEntry(Name)
{
    /// <summary>Parameters and gradients.</summary>
    public Domain Values { get; init; } = Domain.Uniform(-1, 1);

    /// <summary>The first state (velocity, or Adam's m).</summary>
    public Domain FirstState { get; init; } = Domain.Uniform(-0.1, 0.1);

    /// <summary>Adam's v, a second moment: non-negative.</summary>
    public Domain SecondState { get; init; } = Domain.Uniform(0, 0.01);
}

/// <summary>How the bench lays out n elements for a <see cref="RowsEntry"/>.</summary>
internal enum RowsLayout
{
    /// <summary>One row of n.</summary>
    OneRow,

    /// <summary>10 × 100 at n = 1,000, 1000 × 1000 at 10⁶ (see <see cref="RowsEntry.MatrixShape"/>).</summary>
    Matrix,

    /// <summary>n / 10 rows of <see cref="RowsEntry.Classes"/> classes (a digits-sized output layer).</summary>
    Classes,
}

/// <summary>The length of a <see cref="RowsEntry"/> buffer.</summary>
internal enum Extent
{
    /// <summary>Not used.</summary>
    None,

    /// <summary>One element.</summary>
    One,

    /// <summary>One element per row.</summary>
    Rows,

    /// <summary>One element per column.</summary>
    Cols,

    /// <summary>rows × cols.</summary>
    Matrix,
}

/// <summary>
/// A kernel over a (rows × cols) matrix drawn from <see cref="X"/>: reductions, row broadcasts, softmax cross-entropy.
/// Its outputs are written (not accumulated). Null <see cref="Bound"/> means the kernel equals its reference bitwise.
/// </summary>
internal sealed record RowsEntry(string Name, RowsLayout Layout, RowsCall Fast, RowsCall Reference, Domain X, Extent[] Outputs, Extent Y = Extent.None) : KernelEntry(Name)
{
    /// <summary>Columns of the <see cref="RowsLayout.Classes"/> layout.</summary>
    public const int Classes = 10;

    /// <summary>True when the kernel reads a target class per row.</summary>
    public bool Targets { get; init; }

    /// <summary>The written bound on the distance from the reference, for kernels that reorder rounding; null for bitwise.</summary>
    public RowsBound? Bound { get; init; }

    /// <summary>Rows × columns of the <see cref="RowsLayout.Matrix"/> layout at n elements: 10×100 at 1,000, 1000×1000 at 1,000,000.</summary>
    public static (int Rows, int Cols) MatrixShape(int n)
    {
        int cols = n >= 1_000_000 ? 1000 : Math.Min(100, n);
        return (Math.Max(1, n / Math.Max(1, cols)), cols);
    }

    /// <summary>The bench's shape for about n elements.</summary>
    public (int Rows, int Cols) Shape(int n) => Layout switch
    {
        RowsLayout.OneRow => (1, n),
        RowsLayout.Classes => (Math.Max(1, n / Classes), Classes),
        _ => MatrixShape(n),
    };

    /// <summary>The length of a buffer of extent <paramref name="extent"/> for a (rows × cols) call.</summary>
    public static int Length(Extent extent, int rows, int cols) => extent switch
    {
        Extent.None => 0,
        Extent.One => 1,
        Extent.Rows => rows,
        Extent.Cols => cols,
        _ => rows * cols,
    };
}

/// <summary>The values that make sense as a kernel's input.</summary>
/// <param name="Low">Lower end (of the magnitude for <see cref="DomainKind.SignedUniform"/>, of the exponent for <see cref="DomainKind.ExpOfUniform"/>).</param>
/// <param name="High">Upper end, likewise.</param>
/// <param name="Kind">How values are drawn between them.</param>
internal readonly record struct Domain(double Low, double High, DomainKind Kind)
{
    /// <summary>Uniform in [low, high).</summary>
    public static Domain Uniform(double low, double high) => new(low, high, DomainKind.Uniform);

    /// <summary>Magnitude uniform in [low, high), either sign (away from zero, as a divisor).</summary>
    public static Domain SignedUniform(double low, double high) => new(low, high, DomainKind.SignedUniform);

    /// <summary>e^u with u uniform in [low, high): positive, over many binades (as log's argument).</summary>
    public static Domain ExpOfUniform(double low, double high) => new(low, high, DomainKind.ExpOfUniform);

    /// <summary>One value from <paramref name="random"/>.</summary>
    public double Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u = Low + (High - Low) * random.NextDouble();
        return Kind switch
        {
            DomainKind.SignedUniform => random.Next(2) == 0 ? -u : u,
            DomainKind.ExpOfUniform => Math.Exp(u),
            _ => u,
        };
    }

    /// <summary>n values from <paramref name="random"/>.</summary>
    public double[] Fill(int n, Random random)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = Draw(random);
        return x;
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        DomainKind.SignedUniform => FormattableString.Invariant($"±U[{Low}, {High}]"),
        DomainKind.ExpOfUniform => FormattableString.Invariant($"e^U[{Low}, {High}]"),
        _ => FormattableString.Invariant($"U[{Low}, {High}]"),
    };
}

/// <summary>How a <see cref="Domain"/> draws.</summary>
internal enum DomainKind
{
    /// <summary>Uniform between the ends.</summary>
    Uniform,

    /// <summary>Magnitude uniform between the ends, random sign.</summary>
    SignedUniform,

    /// <summary>Exponential of a uniform value between the ends.</summary>
    ExpOfUniform,
}
