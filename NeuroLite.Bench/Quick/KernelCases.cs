using System.Numerics.Tensors;
using NeuroLite.Kernels;
using Ref = NeuroLite.Kernels.Reference;

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
/// <param name="Name">Class and method, as in <c>NeuroLite.Kernels</c>.</param>
/// <param name="Error">How its error is measured.</param>
/// <param name="TensorName">The TensorPrimitives call it is held against, or null.</param>
/// <param name="Inputs">What the inputs are, for the reader of the table.</param>
/// <param name="Create">Builds the buffers for n elements from a seeded generator.</param>
public sealed record KernelCase(string Name, ErrorKind Error, string? TensorName, string Inputs, Func<int, Random, KernelInstance> Create);

/// <summary>Every kernel of <c>NeuroLite.Kernels</c> with its reference and TensorPrimitives counterpart.</summary>
public static class KernelCases
{
    /// <summary>Rows × columns of the matrix kernels at n elements: 10×100 at 1,000, 1000×1000 at 1,000,000.</summary>
    public static (int Rows, int Cols) MatrixShape(int n)
    {
        int cols = n >= 1_000_000 ? 1000 : Math.Min(100, n);
        return (Math.Max(1, n / cols), cols);
    }

    /// <summary>Classes of the softmax cross-entropy rows (a digits-sized output layer).</summary>
    public const int Classes = 10;

    /// <summary>All cases in table order.</summary>
    public static IReadOnlyList<KernelCase> All { get; } =
    [
        UnaryUlp("Unary.Tanh", "TensorPrimitives.Tanh", "x ~ U[-3, 3]", (r) => U(r, -3, 3), Unary.Tanh, Ref.Unary.Tanh, TensorPrimitives.Tanh, Math.Tanh),
        UnaryAbs("Unary.Relu", "TensorPrimitives.Max(x, 0)", "x ~ U[-1, 1]", Unary.Relu, Ref.Unary.Relu, static (x, y) => TensorPrimitives.Max(x, 0.0, y)),
        UnaryUlp("Unary.Exp", "TensorPrimitives.Exp", "x ~ U[-50, 50]", (r) => U(r, -50, 50), Unary.Exp, Ref.Unary.Exp, TensorPrimitives.Exp, Math.Exp),
        UnaryUlp("Unary.Log", "TensorPrimitives.Log", "x = e^U[-30, 30]", (r) => Math.Exp(U(r, -30, 30)), Unary.Log, Ref.Unary.Log, TensorPrimitives.Log, Math.Log),
        BackwardCase("Unary.TanhBackward", "t, g ~ U[-1, 1]", static (t, g, d) => Unary.TanhBackward(t, g, d), static (t, g, d) => Ref.Unary.TanhBackward(t, g, d)),
        BackwardCase("Unary.ReluBackward", "x, g ~ U[-1, 1]", static (t, g, d) => Unary.ReluBackward(t, g, d), static (t, g, d) => Ref.Unary.ReluBackward(t, g, d)),
        BinaryCase("Binary.Add", "TensorPrimitives.Add", Binary.Add, Ref.Binary.Add, TensorPrimitives.Add, positiveB: false),
        BinaryCase("Binary.Subtract", "TensorPrimitives.Subtract", Binary.Subtract, Ref.Binary.Subtract, TensorPrimitives.Subtract, positiveB: false),
        BinaryCase("Binary.Multiply", "TensorPrimitives.Multiply", Binary.Multiply, Ref.Binary.Multiply, TensorPrimitives.Multiply, positiveB: false),
        BinaryCase("Binary.Divide", "TensorPrimitives.Divide", Binary.Divide, Ref.Binary.Divide, TensorPrimitives.Divide, positiveB: true),
        new("Binary.MultiplyAdd", ErrorKind.AbsoluteVsReference, "TensorPrimitives.FusedMultiplyAdd(a, b, c, c)", "c += a·b, U[-1, 1]", static (n, r) =>
        {
            double[] a = Fill(n, r, -1, 1), b = Fill(n, r, -1, 1), c0 = Fill(n, r, -1, 1), c = (double[])c0.Clone();
            return new KernelInstance
            {
                Elements = n, Outputs = [c], Reset = () => c0.CopyTo(c, 0),
                Simd = () => Binary.MultiplyAdd(a, b, c),
                Reference = () => Ref.Binary.MultiplyAdd(a, b, c),
                Tensor = () => TensorPrimitives.FusedMultiplyAdd(a, b, c, c),
            };
        }),
        new("Binary.Axpy", ErrorKind.AbsoluteVsReference, "TensorPrimitives.FusedMultiplyAdd(x, α, y, y)", "y += α·x, U[-1, 1]", static (n, r) =>
        {
            const double alpha = 0.37;
            double[] x = Fill(n, r, -1, 1), y0 = Fill(n, r, -1, 1), y = (double[])y0.Clone();
            return new KernelInstance
            {
                Elements = n, Outputs = [y], Reset = () => y0.CopyTo(y, 0),
                Simd = () => Binary.Axpy(alpha, x, y),
                Reference = () => Ref.Binary.Axpy(alpha, x, y),
                Tensor = () => TensorPrimitives.FusedMultiplyAdd(x, alpha, y, y),
            };
        }),
        new("Broadcast.Add (row, bias add)", ErrorKind.AbsoluteVsReference, "TensorPrimitives.Add per row", "(rows×cols) + (cols)", static (n, r) =>
        {
            var (rows, cols) = MatrixShape(n);
            double[] a = Fill(rows * cols, r, -1, 1), b = Fill(cols, r, -1, 1), c = new double[rows * cols];
            int[] aShape = [rows, cols], bShape = [cols];
            return new KernelInstance
            {
                Elements = rows * cols, Outputs = [c],
                Simd = () => Broadcast.Add(a, aShape, b, bShape, c),
                Reference = () => Ref.Broadcast.Add(a, aShape, b, bShape, c),
                Tensor = () =>
                {
                    for (int i = 0; i < rows; i++) TensorPrimitives.Add(a.AsSpan(i * cols, cols), b, c.AsSpan(i * cols, cols));
                },
            };
        }),
        new("Broadcast.SumTo (row)", ErrorKind.AbsoluteVsReference, "TensorPrimitives.Add per row", "(rows×cols) -> (cols)", static (n, r) =>
        {
            var (rows, cols) = MatrixShape(n);
            double[] g = Fill(rows * cols, r, -1, 1), dst = new double[cols];
            int[] gShape = [rows, cols], dShape = [cols];
            return new KernelInstance
            {
                Elements = rows * cols, Outputs = [dst],
                Simd = () => Broadcast.SumTo(g, gShape, dst, dShape),
                Reference = () => Ref.Broadcast.SumTo(g, gShape, dst, dShape),
                Tensor = () =>
                {
                    dst.AsSpan().Clear();
                    for (int i = 0; i < rows; i++) TensorPrimitives.Add(dst, g.AsSpan(i * cols, cols), dst);
                },
            };
        }),
        new("Reduce.Sum", ErrorKind.AbsoluteVsReference, "TensorPrimitives.Sum", "x ~ U[-1, 1]", static (n, r) =>
        {
            double[] x = Fill(n, r, -1, 1), s = new double[1];
            return new KernelInstance
            {
                Elements = n, Outputs = [s],
                Simd = () => s[0] = Reduce.Sum(x),
                Reference = () => s[0] = Ref.Reduce.Sum(x),
                Tensor = () => s[0] = TensorPrimitives.Sum<double>(x),
            };
        }),
        new("Reduce.MaxRows", ErrorKind.AbsoluteVsReference, "TensorPrimitives.Max per row", "(rows×cols) -> (rows)", static (n, r) =>
        {
            var (rows, cols) = MatrixShape(n);
            double[] x = Fill(rows * cols, r, -1, 1), m = new double[rows];
            return new KernelInstance
            {
                Elements = rows * cols, Outputs = [m],
                Simd = () => Reduce.MaxRows(x, rows, cols, m),
                Reference = () => Ref.Reduce.MaxRows(x, rows, cols, m),
                Tensor = () =>
                {
                    for (int i = 0; i < rows; i++) m[i] = TensorPrimitives.Max<double>(x.AsSpan(i * cols, cols));
                },
            };
        }),
        new("SoftmaxCrossEntropy.Forward", ErrorKind.AbsoluteVsReference, "TensorPrimitives.SoftMax per row", $"(n/{Classes})×{Classes} logits ~ U[-5, 5]", static (n, r) =>
        {
            int rows = Math.Max(1, n / Classes);
            double[] z = Fill(rows * Classes, r, -5, 5), p = new double[rows * Classes], loss = new double[rows];
            int[] t = Targets(rows, r);
            return new KernelInstance
            {
                Elements = rows * Classes, Outputs = [p, loss],
                Simd = () => SoftmaxCrossEntropy.Forward(z, rows, Classes, t, p, loss),
                Reference = () => Ref.SoftmaxCrossEntropy.Forward(z, rows, Classes, t, p, loss),
                Tensor = () =>
                {
                    for (int i = 0; i < rows; i++)
                    {
                        var pr = p.AsSpan(i * Classes, Classes);
                        TensorPrimitives.SoftMax(z.AsSpan(i * Classes, Classes), pr);
                        loss[i] = -Math.Log(pr[t[i]]);
                    }
                },
            };
        }),
        new("SoftmaxCrossEntropy.Backward", ErrorKind.AbsoluteVsReference, "TensorPrimitives.Multiply, then -scale at the target", $"(n/{Classes})×{Classes}, scale 1/rows", static (n, r) =>
        {
            int rows = Math.Max(1, n / Classes);
            double[] p = Fill(rows * Classes, r, 0, 0.2), g = new double[rows * Classes];
            int[] t = Targets(rows, r);
            double scale = 1.0 / rows;
            return new KernelInstance
            {
                Elements = rows * Classes, Outputs = [g],
                Simd = () => SoftmaxCrossEntropy.Backward(p, rows, Classes, t, scale, g),
                Reference = () => Ref.SoftmaxCrossEntropy.Backward(p, rows, Classes, t, scale, g),
                Tensor = () =>
                {
                    TensorPrimitives.Multiply(p, scale, g);
                    for (int i = 0; i < rows; i++) g[i * Classes + t[i]] -= scale;
                },
            };
        }),
        new("Optimizer.Sgd", ErrorKind.AbsoluteVsReference, "TensorPrimitives.FusedMultiplyAdd(g, -lr, p, p)", "p -= 0.01·g", static (n, r) =>
        {
            const double lr = 0.01;
            double[] p0 = Fill(n, r, -1, 1), p = (double[])p0.Clone(), g = Fill(n, r, -1, 1);
            return new KernelInstance
            {
                Elements = n, Outputs = [p], Reset = () => p0.CopyTo(p, 0),
                Simd = () => Optimizer.Sgd(p, g, lr),
                Reference = () => Ref.Optimizer.Sgd(p, g, lr),
                Tensor = () => TensorPrimitives.FusedMultiplyAdd(g, -lr, p, p),
            };
        }),
        new("Optimizer.Adam", ErrorKind.AbsoluteVsReference, null, "one fused step (t = 10)", static (n, r) =>
        {
            double[] p0 = Fill(n, r, -1, 1), m0 = Fill(n, r, -0.1, 0.1), v0 = Fill(n, r, 0, 0.01), g = Fill(n, r, -1, 1);
            double[] p = (double[])p0.Clone(), m = (double[])m0.Clone(), v = (double[])v0.Clone();
            return new KernelInstance
            {
                Elements = n, Outputs = [p, m, v],
                Reset = () => { p0.CopyTo(p, 0); m0.CopyTo(m, 0); v0.CopyTo(v, 0); },
                Simd = () => Optimizer.Adam(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 10),
                Reference = () => Ref.Optimizer.Adam(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 10),
            };
        }),
    ];

    private delegate void UnaryKernel(ReadOnlySpan<double> x, Span<double> y);

    private delegate void BinaryKernel(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c);

    private delegate void BackwardKernel(ReadOnlySpan<double> t, ReadOnlySpan<double> g, Span<double> dx);

    private static KernelCase UnaryUlp(string name, string tensorName, string inputs, Func<Random, double> draw, UnaryKernel simd, UnaryKernel reference, UnaryKernel tensor, Func<double, double> math) =>
        new(name, ErrorKind.UlpVsMath, tensorName, inputs, (n, r) =>
        {
            double[] x = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) x[i] = draw(r);
            return new KernelInstance
            {
                Elements = n, Outputs = [y], Truth = i => math(x[i]),
                Simd = () => simd(x, y), Reference = () => reference(x, y), Tensor = () => tensor(x, y),
            };
        });

    private static KernelCase UnaryAbs(string name, string tensorName, string inputs, UnaryKernel simd, UnaryKernel reference, UnaryKernel tensor) =>
        new(name, ErrorKind.AbsoluteVsReference, tensorName, inputs, (n, r) =>
        {
            double[] x = Fill(n, r, -1, 1), y = new double[n];
            return new KernelInstance { Elements = n, Outputs = [y], Simd = () => simd(x, y), Reference = () => reference(x, y), Tensor = () => tensor(x, y) };
        });

    private static KernelCase BackwardCase(string name, string inputs, BackwardKernel simd, BackwardKernel reference) =>
        new(name, ErrorKind.AbsoluteVsReference, null, inputs, (n, r) =>
        {
            double[] t = Fill(n, r, -1, 1), g = Fill(n, r, -1, 1), d = new double[n];
            return new KernelInstance { Elements = n, Outputs = [d], Simd = () => simd(t, g, d), Reference = () => reference(t, g, d) };
        });

    private static KernelCase BinaryCase(string name, string tensorName, BinaryKernel simd, BinaryKernel reference, BinaryKernel tensor, bool positiveB) =>
        new(name, ErrorKind.AbsoluteVsReference, tensorName, positiveB ? "a ~ U[-1, 1], |b| ~ U[0.5, 2]" : "a, b ~ U[-1, 1]", (n, r) =>
        {
            double[] a = Fill(n, r, -1, 1), b = Fill(n, r, -1, 1), c = new double[n];
            if (positiveB)
                for (int i = 0; i < n; i++) b[i] = (b[i] < 0 ? -1 : 1) * (0.5 + 1.5 * Math.Abs(b[i]));
            return new KernelInstance { Elements = n, Outputs = [c], Simd = () => simd(a, b, c), Reference = () => reference(a, b, c), Tensor = () => tensor(a, b, c) };
        });

    private static double U(Random r, double lo, double hi) => lo + (hi - lo) * r.NextDouble();

    private static double[] Fill(int n, Random r, double lo, double hi)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = U(r, lo, hi);
        return x;
    }

    private static int[] Targets(int rows, Random r)
    {
        var t = new int[rows];
        for (int i = 0; i < rows; i++) t[i] = r.Next(Classes);
        return t;
    }
}
