namespace NeuroLite.Tests.Engine;

/// <summary>
/// Builds random valid programs against concrete values: each op is tried on a scratch tape as it is chosen, so the
/// generator can keep the program well conditioned for finite differences (logarithms of values ≥ 0.25, divisors
/// and negative powers away from zero, ReLU inputs away from the kink, results bounded), and drops a step that
/// would break that. The program then replays on any leaves of the same shapes.
/// </summary>
internal sealed class FuzzGenerator
{
    /// <summary>Largest element count of a leaf, and of any value the program makes (keeps the Jacobians small).</summary>
    public const int MaxLeafElements = 18, MaxElements = 36;

    private static readonly FuzzOp[] Ops =
    [
        FuzzOp.Add, FuzzOp.Sub, FuzzOp.Mul, FuzzOp.Div, FuzzOp.AddScalar, FuzzOp.ScalarAdd, FuzzOp.SubScalar, FuzzOp.ScalarSub,
        FuzzOp.MulScalar, FuzzOp.ScalarMul, FuzzOp.DivScalar, FuzzOp.ScalarDiv, FuzzOp.Neg, FuzzOp.MatMul, FuzzOp.Tanh, FuzzOp.Relu,
        FuzzOp.Exp, FuzzOp.Log, FuzzOp.Pow, FuzzOp.SumAll, FuzzOp.SumAxis, FuzzOp.MeanAll, FuzzOp.MeanAxis, FuzzOp.Reshape,
        FuzzOp.Transpose, FuzzOp.Mse, FuzzOp.SoftmaxCe, FuzzOp.Layer,
        // The broadcasting binary ops and the products are weighted up: they carry most of the shape logic.
        FuzzOp.Add, FuzzOp.Mul, FuzzOp.Sub, FuzzOp.Div, FuzzOp.MatMul,
    ];

    private static readonly double[] Exponents = [2, 1, 0.5, -1, 3, -2, 1.5, 0, 4, -0.5];

    private readonly Random _rng;
    private readonly FuzzProgram _program;
    private readonly List<Tensor> _values = [];
    private readonly Func<Random, double> _value;

    private FuzzGenerator(int seed, string kind, Func<Random, double> value)
    {
        _rng = new Random(seed);
        _program = new FuzzProgram { Seed = seed, Kind = kind };
        _value = value;
    }

    /// <summary>Well-conditioned leaf values: magnitudes in [0.3, 1.5], either sign.</summary>
    public static double Conditioned(Random rng) => (rng.Next(2) == 0 ? -1 : 1) * (0.3 + 1.2 * rng.NextDouble());

    /// <summary>A valid, well-conditioned program of 1-8 ops for the gradient checks.</summary>
    public static FuzzProgram Valid(int seed)
    {
        var g = new FuzzGenerator(seed, "valid", Conditioned);
        using var tape = new Tape();
        using var scope = tape.Activate();
        int leaves = 1 + g._rng.Next(3);
        for (int k = 0; k < leaves; k++) g.NewLeaf(g.RandomShape(MaxLeafElements));
        int ops = 1 + g._rng.Next(8);
        for (int attempt = 0, made = 0; made < ops && attempt < 80; attempt++)
            if (g.TryOp(Ops[g._rng.Next(Ops.Length)])) made++;
        int last = g._program.Steps.Count - 1;
        g._program.Output = g._rng.Next(10) < 7 ? last : g._rng.Next(g._program.Steps.Count);
        return g._program;
    }

    public Random Rng => _rng;

    /// <summary>A random shape of rank 0-4 with at most <paramref name="maxElements"/> elements; size-1 axes are common, size-0 axes occasional.</summary>
    public int[] RandomShape(int maxElements)
    {
        while (true)
        {
            int rank = _rng.Next(5);
            var s = new int[rank];
            for (int k = 0; k < rank; k++)
            {
                int r = _rng.Next(20);
                s[k] = r == 0 ? 0 : r < 7 ? 1 : r < 13 ? 2 : r < 18 ? 3 : 4;
            }

            if (Count(s) <= maxElements) return s;
        }
    }

    public static int Count(ReadOnlySpan<int> s)
    {
        int n = 1;
        foreach (int d in s) n *= d;
        return n;
    }

    /// <summary>NumPy broadcasting of two shapes, or null when they do not broadcast.</summary>
    public static int[]? Broadcast(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int k = 0; k < rank; k++)
        {
            int da = k < rank - a.Length ? 1 : a[k - (rank - a.Length)];
            int db = k < rank - b.Length ? 1 : b[k - (rank - b.Length)];
            if (da != db && da != 1 && db != 1) return null;
            r[k] = da == 1 ? db : da;
        }

        return r;
    }

    /// <summary>A shape that broadcasts with <paramref name="a"/>: some axes set to 1, leading axes dropped or added.</summary>
    public int[] BroadcastPartner(int[] a)
    {
        int rank = Math.Min(4, Math.Max(0, a.Length + _rng.Next(-2, 3)));
        var s = new int[rank];
        for (int k = 0; k < rank; k++)
        {
            int fromEnd = rank - 1 - k;
            int ak = a.Length - 1 - fromEnd;
            s[k] = ak >= 0 ? (_rng.Next(10) < 4 ? 1 : a[ak]) : 1 + _rng.Next(3);
        }

        return s;
    }

    /// <summary>A shape with exactly <paramref name="n"/> elements, rank 0-4 (rank ≥ 1 for n ≠ 1), optionally with one -1.</summary>
    public int[] ShapeWithCount(int n, bool allowInfer)
    {
        int rank = n == 1 ? _rng.Next(5) : 1 + _rng.Next(4);
        var s = new int[rank];
        Array.Fill(s, 1);
        if (n == 0) s[_rng.Next(rank)] = 0;
        else
        {
            int rest = n;
            for (int p = 2; rest > 1; p++)
                while (rest % p == 0)
                {
                    s[_rng.Next(rank)] *= p;
                    rest /= p;
                }
        }

        if (allowInfer && n > 0 && rank > 0 && _rng.Next(3) == 0) s[_rng.Next(rank)] = -1;
        return s;
    }

    private double[] RandomValues(int n)
    {
        var v = new double[n];
        for (int k = 0; k < n; k++) v[k] = _value(_rng);
        return v;
    }

    public int NewLeaf(int[] shape)
    {
        var step = new FuzzStep { Op = FuzzOp.Leaf, Shape = shape, Values = RandomValues(Count(shape)), AsParameter = _rng.Next(2) == 0, ResultShape = shape };
        _program.Steps.Add(step);
        _values.Add(Tape.Default.Variable(step.Values, shape));
        return _program.Steps.Count - 1;
    }

    private int NewConst(int[] shape)
    {
        var step = new FuzzStep { Op = FuzzOp.Const, Shape = shape, Values = RandomValues(Count(shape)) };
        return Add(step) ? _program.Steps.Count - 1 : -1;
    }

    /// <summary>An existing value satisfying <paramref name="ok"/>, chosen at random, or -1.</summary>
    private int Pick(Func<Tensor, bool> ok)
    {
        var candidates = new List<int>();
        for (int i = 0; i < _values.Count; i++)
            if (ok(_values[i])) candidates.Add(i);
        return candidates.Count == 0 ? -1 : candidates[_rng.Next(candidates.Count)];
    }

    /// <summary>A fresh leaf or constant of the given shape (a leaf twice as often).</summary>
    private int Fresh(int[] shape) => _rng.Next(3) == 0 ? NewConst(shape) : NewLeaf(shape);

    private static bool All(Tensor t, Func<double, bool> p)
    {
        foreach (double x in t.Data)
            if (!p(x)) return false;
        return true;
    }

    private double Constant() => Math.Round((_rng.Next(2) == 0 ? -1 : 1) * (0.5 + 2 * _rng.NextDouble()), 2);

    private bool TryOp(FuzzOp op)
    {
        int a = Pick(_ => true);
        switch (op)
        {
            case FuzzOp.Add or FuzzOp.Sub or FuzzOp.Mul or FuzzOp.Div:
            {
                int[] sa = _values[a].Shape.ToArray();
                Func<Tensor, bool> divisorOk = t => op != FuzzOp.Div || All(t, x => Math.Abs(x) > 0.3);
                int b = _rng.Next(2) == 0
                    ? Pick(t => Broadcast(sa, t.Shape.ToArray()) is { } r && Count(r) <= MaxElements && divisorOk(t))
                    : -1;
                if (b < 0)
                {
                    int[] sb = BroadcastPartner(sa);
                    if (Count(Broadcast(sa, sb)!) > MaxElements) return false;
                    b = Fresh(sb);
                    if (b < 0 || !divisorOk(_values[b])) return false;
                }

                if (op != FuzzOp.Div && _rng.Next(2) == 0) (a, b) = (b, a);
                return Add(new FuzzStep { Op = op, A = a, B = b, Named = _rng.Next(4) == 0 });
            }

            case FuzzOp.AddScalar or FuzzOp.ScalarAdd or FuzzOp.SubScalar or FuzzOp.ScalarSub or FuzzOp.MulScalar or FuzzOp.ScalarMul or FuzzOp.DivScalar:
                return Add(new FuzzStep { Op = op, A = a, C = Constant() });
            case FuzzOp.ScalarDiv:
                a = Pick(t => All(t, x => Math.Abs(x) > 0.3));
                return a >= 0 && Add(new FuzzStep { Op = op, A = a, C = Constant() });
            case FuzzOp.Neg:
                return Add(new FuzzStep { Op = op, A = a, Named = _rng.Next(2) == 0 });
            case FuzzOp.MatMul:
            {
                a = Pick(t => t.Rank == 2);
                if (a < 0 || _rng.Next(4) == 0)
                {
                    a = Fresh([_rng.Next(4), _rng.Next(4)]);
                    if (a < 0) return false;
                }

                int k = _values[a].Shape[1];
                int b = _rng.Next(2) == 0 ? Pick(t => t.Rank == 2 && t.Shape[0] == k) : -1;
                if (b < 0) b = Fresh([k, _rng.Next(4)]);
                return b >= 0 && Add(new FuzzStep { Op = op, A = a, B = b, Named = _rng.Next(2) == 0 });
            }

            case FuzzOp.Tanh:
                return Add(new FuzzStep { Op = op, A = a });
            case FuzzOp.Relu:
                a = Pick(t => All(t, x => Math.Abs(x) > 0.05));
                return a >= 0 && Add(new FuzzStep { Op = op, A = a });
            case FuzzOp.Exp:
                a = Pick(t => All(t, x => x < 4));
                return a >= 0 && Add(new FuzzStep { Op = op, A = a });
            case FuzzOp.Log:
                a = Pick(t => All(t, x => x > 0.25));
                return a >= 0 && Add(new FuzzStep { Op = op, A = a });
            case FuzzOp.Pow:
            {
                double p = Exponents[_rng.Next(Exponents.Length)];
                bool integer = p == Math.Floor(p);
                a = Pick(t => All(t, x => (integer ? p >= 0 || Math.Abs(x) > 0.3 : x > 0.25)));
                return a >= 0 && Add(new FuzzStep { Op = op, A = a, C = p });
            }

            case FuzzOp.SumAll or FuzzOp.MeanAll:
                return Add(new FuzzStep { Op = op, A = a });
            case FuzzOp.SumAxis or FuzzOp.MeanAxis:
            {
                a = Pick(t => t.Rank > 0);
                if (a < 0) return false;
                int rank = _values[a].Rank;
                return Add(new FuzzStep { Op = op, A = a, Axis = _rng.Next(-rank, rank), KeepDims = _rng.Next(2) == 0 });
            }

            case FuzzOp.Reshape:
                return Add(new FuzzStep { Op = op, A = a, Shape = ShapeWithCount(_values[a].Length, allowInfer: true), Named = _rng.Next(2) == 0 });
            case FuzzOp.Transpose:
                a = Pick(t => t.Rank == 2);
                return a >= 0 && Add(new FuzzStep { Op = op, A = a });
            case FuzzOp.Mse:
            {
                int[] sa = _values[a].Shape.ToArray();
                int b = _rng.Next(2) == 0 ? Pick(t => t.Shape.SequenceEqual(sa)) : -1;
                if (b < 0) b = Fresh(sa);
                if (b < 0) return false;
                if (_rng.Next(2) == 0) (a, b) = (b, a);
                return Add(new FuzzStep { Op = op, A = a, B = b });
            }

            case FuzzOp.SoftmaxCe:
            {
                a = Pick(t => t.Rank == 2 && t.Shape[1] > 0 && t.Shape[0] > 0);
                if (a < 0) return false;
                int rows = _values[a].Shape[0], cols = _values[a].Shape[1];
                var targets = new int[rows];
                for (int r = 0; r < rows; r++) targets[r] = _rng.Next(cols);
                return Add(new FuzzStep { Op = op, A = a, Targets = targets });
            }

            case FuzzOp.Layer:
            {
                a = Pick(t => t.Rank == 2 && t.Shape[1] > 0);
                if (a < 0) return false;
                int inF = _values[a].Shape[1], outF = 1 + _rng.Next(3), seed = _rng.Next(1000);
                if (_values[a].Shape[0] * outF > MaxElements) return false;
                var activation = (Activation)_rng.Next(3);
                var layer = new Layer(inF, outF, activation, seed);
                if (activation == Activation.Relu && !All(_values[a].MatMul(layer.W) + layer.B, x => Math.Abs(x) > 0.05)) return false;
                return Add(new FuzzStep { Op = op, A = a, Layer = layer, C = seed });
            }

            default:
                return false;
        }
    }

    /// <summary>Applies <paramref name="step"/> to the scratch values; keeps it when its result is finite, bounded and small.</summary>
    private bool Add(FuzzStep step)
    {
        Tensor r = FuzzProgram.Apply(step, [.. _values]);
        if (r.Length > MaxElements || !All(r, x => double.IsFinite(x) && Math.Abs(x) <= 1e3)) return false;
        step.ResultShape = r.Shape.ToArray();
        _program.Steps.Add(step);
        _values.Add(r);
        return true;
    }
}
