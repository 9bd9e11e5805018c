using System.Globalization;
using System.Text;

namespace NeuroLite.Tests.Engine;

/// <summary>The operations a fuzz program is made of: the public surface of the engine, one entry per call form.</summary>
internal enum FuzzOp
{
    /// <summary>An input that receives a gradient (a parameter or a tape variable): what the gradient checks perturb.</summary>
    Leaf,

    /// <summary>A data input without gradient: <c>Tape.Default.Input(values, shape)</c>.</summary>
    Const,

    Add,
    Sub,
    Mul,
    Div,
    AddScalar,
    ScalarAdd,
    SubScalar,
    ScalarSub,
    MulScalar,
    ScalarMul,
    DivScalar,
    ScalarDiv,
    Neg,
    MatMul,
    Tanh,
    Relu,
    Exp,
    Log,
    Pow,
    SumAll,
    SumAxis,
    MeanAll,
    MeanAxis,
    Reshape,
    Transpose,
    Mse,
    SoftmaxCe,
    Layer,
}

/// <summary>One line of a fuzz program: <c>v{index} = op(operands)</c>, with whatever the op needs.</summary>
internal sealed class FuzzStep
{
    public FuzzOp Op { get; init; }

    public int A { get; init; } = -1;

    public int B { get; init; } = -1;

    /// <summary>The scalar constant or the exponent.</summary>
    public double C { get; init; }

    public int Axis { get; init; }

    public bool KeepDims { get; init; }

    /// <summary>The named static form (<c>Tensor.Add</c>, <c>Tensor.MatMul</c>, the int[] Reshape) rather than the operator.</summary>
    public bool Named { get; init; }

    /// <summary>A leaf's shape, or the shape argument of Reshape (may hold one -1).</summary>
    public int[] Shape { get; init; } = [];

    public double[] Values { get; init; } = [];

    public int[] Targets { get; init; } = [];

    public Layer? Layer { get; init; }

    /// <summary>For a leaf in the seeded-backward check: a parameter rather than a tape variable.</summary>
    public bool AsParameter { get; init; }

    /// <summary>The result's shape when the program was generated (for the listing).</summary>
    public int[] ResultShape { get; set; } = [];

    public static string Fmt(ReadOnlySpan<int> shape) => "(" + string.Join(", ", shape.ToArray()) + (shape.Length == 1 ? ",)" : ")");

    public static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public string Render(int index)
    {
        string a = $"v{A}", b = $"v{B}", c = Num(C);
        string rhs = Op switch
        {
            FuzzOp.Leaf => $"{(AsParameter ? "Tensor.Parameter" : "tape.Variable")}([{string.Join(", ", Values.Select(Num))}], {Fmt(Shape)})",
            FuzzOp.Const => $"Tape.Default.Input([{string.Join(", ", Values.Select(Num))}], {Fmt(Shape)})",
            FuzzOp.Add => Named ? $"Tensor.Add({a}, {b})" : $"{a} + {b}",
            FuzzOp.Sub => Named ? $"Tensor.Subtract({a}, {b})" : $"{a} - {b}",
            FuzzOp.Mul => Named ? $"Tensor.Multiply({a}, {b})" : $"{a} * {b}",
            FuzzOp.Div => Named ? $"Tensor.Divide({a}, {b})" : $"{a} / {b}",
            FuzzOp.AddScalar => $"{a} + {c}",
            FuzzOp.ScalarAdd => $"{c} + {a}",
            FuzzOp.SubScalar => $"{a} - {c}",
            FuzzOp.ScalarSub => $"{c} - {a}",
            FuzzOp.MulScalar => $"{a} * {c}",
            FuzzOp.ScalarMul => $"{c} * {a}",
            FuzzOp.DivScalar => $"{a} / {c}",
            FuzzOp.ScalarDiv => $"{c} / {a}",
            FuzzOp.Neg => Named ? $"Tensor.Negate({a})" : $"-{a}",
            FuzzOp.MatMul => Named ? $"Tensor.MatMul({a}, {b})" : $"{a}.MatMul({b})",
            FuzzOp.Tanh => $"{a}.Tanh()",
            FuzzOp.Relu => $"{a}.Relu()",
            FuzzOp.Exp => $"{a}.Exp()",
            FuzzOp.Log => $"{a}.Log()",
            FuzzOp.Pow => $"{a}.Pow({c})",
            FuzzOp.SumAll => $"{a}.Sum()",
            FuzzOp.SumAxis => $"{a}.Sum({Axis}, keepDims: {KeepDims})",
            FuzzOp.MeanAll => $"{a}.Mean()",
            FuzzOp.MeanAxis => $"{a}.Mean({Axis}, keepDims: {KeepDims})",
            FuzzOp.Reshape => $"{a}.Reshape({string.Join(", ", Shape)}){(Named ? " /* int[] */" : "")}",
            FuzzOp.Transpose => $"{a}.Transpose()",
            FuzzOp.Mse => $"Loss.Mse({a}, {b})",
            FuzzOp.SoftmaxCe => $"Loss.SoftmaxCrossEntropy({a}, [{string.Join(", ", Targets)}])",
            FuzzOp.Layer => $"new Layer({Layer!.InFeatures}, {Layer.OutFeatures}, Activation.{Layer.Activation}, seed: {C}).Forward({a})",
            _ => Op.ToString(),
        };
        return $"v{index} = {rhs}    // {Fmt(ResultShape)}";
    }
}

/// <summary>
/// A random program over the engine's public API: leaves, then ops whose operands are any earlier value (so values
/// are reused), and the index of the value whose gradient is taken. <see cref="Execute"/> replays it on given leaves.
/// </summary>
internal sealed class FuzzProgram
{
    public required int Seed { get; init; }

    public required string Kind { get; init; }

    public List<FuzzStep> Steps { get; } = [];

    public int Output { get; set; }

    /// <summary>The indices of the <see cref="FuzzOp.Leaf"/> steps, in order.</summary>
    public int[] LeafSteps => Steps.Select((s, i) => (s, i)).Where(p => p.s.Op == FuzzOp.Leaf).Select(p => p.i).ToArray();

    public string Listing()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Kind} program, seed {Seed} (replay: NEUROLITE_FUZZ_SEED={Seed} dotnet test -- --filter \"FullyQualifiedName~FuzzTests.Replay\")\n");
        for (int i = 0; i < Steps.Count; i++) sb.Append("  ").Append(Steps[i].Render(i)).Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"  output: v{Output}\n");
        return sb.ToString();
    }

    /// <summary>Runs every step; <paramref name="leaves"/> supplies the leaf tensors in order. Ops on parameters alone land on Tape.Default.</summary>
    public Tensor[] Execute(Tensor[] leaves, int upTo = int.MaxValue)
    {
        var v = new Tensor[Steps.Count];
        int leaf = 0;
        for (int i = 0; i < Steps.Count && i < upTo; i++)
        {
            FuzzStep s = Steps[i];
            v[i] = s.Op switch
            {
                FuzzOp.Leaf => leaves[leaf++],
                _ => Apply(s, v),
            };
        }

        return v;
    }

    /// <summary>One step on already computed operands.</summary>
    public static Tensor Apply(FuzzStep s, Tensor[] v)
    {
        Tensor a = s.A >= 0 ? v[s.A] : default, b = s.B >= 0 ? v[s.B] : default;
        return s.Op switch
        {
            FuzzOp.Const => Tape.Default.Input(s.Values, s.Shape),
            FuzzOp.Add => s.Named ? Tensor.Add(a, b) : a + b,
            FuzzOp.Sub => s.Named ? Tensor.Subtract(a, b) : a - b,
            FuzzOp.Mul => s.Named ? Tensor.Multiply(a, b) : a * b,
            FuzzOp.Div => s.Named ? Tensor.Divide(a, b) : a / b,
            FuzzOp.AddScalar => a + s.C,
            FuzzOp.ScalarAdd => s.C + a,
            FuzzOp.SubScalar => a - s.C,
            FuzzOp.ScalarSub => s.C - a,
            FuzzOp.MulScalar => a * s.C,
            FuzzOp.ScalarMul => s.C * a,
            FuzzOp.DivScalar => a / s.C,
            FuzzOp.ScalarDiv => s.C / a,
            FuzzOp.Neg => s.Named ? Tensor.Negate(a) : -a,
            FuzzOp.MatMul => s.Named ? Tensor.MatMul(a, b) : a.MatMul(b),
            FuzzOp.Tanh => a.Tanh(),
            FuzzOp.Relu => a.Relu(),
            FuzzOp.Exp => a.Exp(),
            FuzzOp.Log => a.Log(),
            FuzzOp.Pow => a.Pow(s.C),
            FuzzOp.SumAll => a.Sum(),
            FuzzOp.SumAxis => a.Sum(s.Axis, s.KeepDims),
            FuzzOp.MeanAll => a.Mean(),
            FuzzOp.MeanAxis => a.Mean(s.Axis, s.KeepDims),
            FuzzOp.Reshape => s.Named ? a.Reshape(s.Shape) : a.Reshape((ReadOnlySpan<int>)s.Shape),
            FuzzOp.Transpose => a.Transpose(),
            FuzzOp.Mse => Loss.Mse(a, b),
            FuzzOp.SoftmaxCe => Loss.SoftmaxCrossEntropy(a, s.Targets),
            FuzzOp.Layer => s.Layer!.Forward(a),
            _ => throw new InvalidOperationException($"no apply for {s.Op}"),
        };
    }

    /// <summary>The output's values for the given leaf values, on a fresh tape (parameters as leaves).</summary>
    public double[] Evaluate(IReadOnlyList<double[]> leafValues)
    {
        int[] leafSteps = LeafSteps;
        var leaves = new Tensor[leafSteps.Length];
        for (int k = 0; k < leaves.Length; k++) leaves[k] = Tensor.Parameter(leafValues[k], Steps[leafSteps[k]].Shape);
        using var tape = new Tape();
        using var scope = tape.Activate();
        return Execute(leaves)[Output].ToArray();
    }
}
