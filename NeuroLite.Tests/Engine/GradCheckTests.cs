namespace NeuroLite.Tests.Engine;

/// <summary>
/// Backward() against central finite differences (GradCheck, the engine's torch.autograd.gradcheck) on every op
/// and on randomly shaped random compositions of them, broadcasting included.
/// </summary>
public class GradCheckTests
{
    private static Tensor Rand(Random r, int[] shape, bool positive = false)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = positive ? 0.5 + 1.5 * r.NextDouble() : 2 * r.NextDouble() - 1;
        return Tensor.Parameter(v, shape);
    }

    /// <summary>A random output shape of rank 1..4 and two shapes that broadcast to it (size-1 axes, dropped leading axes).</summary>
    private static (int[] A, int[] B) BroadcastPair(Random r)
    {
        int rank = r.Next(1, 5);
        int[] outShape = new int[rank];
        for (int i = 0; i < rank; i++) outShape[i] = r.Next(1, 4);
        return (Thin(r, outShape), Thin(r, outShape));
    }

    private static int[] Thin(Random r, int[] shape)
    {
        int drop = r.Next(0, shape.Length + 1) / 2;
        int[] s = shape[drop..];
        for (int i = 0; i < s.Length; i++) if (r.Next(3) == 0) s[i] = 1;
        return s;
    }

    [Test]
    public void Broadcasting_binary_ops([Values(0, 1, 2, 3)] int op, [Range(0, 9)] int seed)
    {
        var r = new Random(seed * 4 + op);
        (int[] sa, int[] sb) = BroadcastPair(r);
        Tensor a = Rand(r, sa), b = Rand(r, sb, positive: op == 3);
        Func<Tensor[], Tensor> f = op switch
        {
            0 => x => (x[0] + x[1]).Tanh(),
            1 => x => (x[0] - x[1]).Tanh(),
            2 => x => x[0] * x[1],
            _ => x => x[0] / x[1],
        };
        Assert.That(GradCheck.Check(f, [a, b]), Is.True, $"{Fmt(sa)} op{op} {Fmt(sb)}");
    }

    [Test]
    public void A_value_used_on_both_sides_of_a_binary_op()
    {
        var r = new Random(5);
        Tensor a = Rand(r, [2, 3], positive: true);
        Assert.That(GradCheck.Check(x => x[0] * x[0] + x[0] / x[0] - x[0], [a]), Is.True);
    }

    [Test]
    public void Scalar_operands_on_either_side()
    {
        var r = new Random(6);
        Tensor a = Rand(r, [3, 2], positive: true);
        Assert.That(GradCheck.Check(x => (x[0] + 2.0) * (3.0 - x[0]) + 1.5 * x[0] / 4.0 - 2.0 / x[0] - (1.0 + x[0]) * 0.5 + (-x[0]) * (x[0] - 0.25), [a]), Is.True);
    }

    [Test]
    public void Unary_ops([Values("tanh", "relu", "exp", "log", "pow2", "pow3", "pow0.5", "pow-1", "pow1.7")] string op, [Range(0, 2)] int seed)
    {
        var r = new Random(seed);
        int[] shape = RandomShape(r);
        Tensor a = Rand(r, shape, positive: op is "log" || op.StartsWith("pow", StringComparison.Ordinal));
        Func<Tensor[], Tensor> f = op switch
        {
            "tanh" => x => x[0].Tanh(),
            "relu" => x => x[0].Relu() * x[0],
            "exp" => x => x[0].Exp(),
            "log" => x => x[0].Log(),
            _ => x => x[0].Pow(double.Parse(op[3..], System.Globalization.CultureInfo.InvariantCulture)),
        };
        Assert.That(GradCheck.Check(f, [a]), Is.True, Fmt(shape));
    }

    [Test]
    public void MatMul_and_transpose([Range(0, 5)] int seed)
    {
        var r = new Random(seed);
        int m = r.Next(1, 5), k = r.Next(1, 5), n = r.Next(1, 5);
        Tensor a = Rand(r, [m, k]), b = Rand(r, [k, n]), c = Rand(r, [m, n]);
        Assert.That(GradCheck.Check(x => x[0].MatMul(x[1]).Tanh() + Tensor.MatMul(x[1].Transpose(), x[0].Transpose()).Transpose() * x[2], [a, b, c]), Is.True);
    }

    [Test]
    public void Reductions([Range(0, 7)] int seed)
    {
        var r = new Random(seed);
        int[] shape = RandomShape(r);
        int axis = r.Next(-shape.Length, shape.Length);
        bool keep = r.Next(2) == 0;
        Tensor a = Rand(r, shape);
        Assert.That(GradCheck.Check(x => x[0].Tanh().Sum(axis, keep), [a]), Is.True, $"{Fmt(shape)} sum axis {axis} keep {keep}");
        Assert.That(GradCheck.Check(x => x[0].Tanh().Mean(axis, keep), [a]), Is.True, $"{Fmt(shape)} mean axis {axis} keep {keep}");
        Assert.That(GradCheck.Check(x => (x[0] * x[0]).Sum() + x[0].Mean(), [a]), Is.True);
    }

    [Test]
    public void Reshape_to_random_shapes([Range(0, 4)] int seed)
    {
        var r = new Random(seed);
        int[] shape = RandomShape(r);
        int n = shape.Aggregate(1, (p, d) => p * d);
        int[] target = n % 2 == 0 ? [2, -1] : [n, 1, 1];
        Tensor a = Rand(r, shape);
        Tensor w = Rand(r, n % 2 == 0 ? [2, n / 2] : [n, 1, 1]);
        Assert.That(GradCheck.Check(x => (x[0].Reshape(target) * x[1]).Tanh(), [a, w]), Is.True);
    }

    [Test]
    public void Losses([Range(0, 3)] int seed)
    {
        var r = new Random(seed);
        int rows = r.Next(1, 5), cols = r.Next(2, 5);
        Tensor p = Rand(r, [rows, cols]), t = Rand(r, [rows, cols]);
        int[] targets = Enumerable.Range(0, rows).Select(_ => r.Next(cols)).ToArray();
        Assert.That(GradCheck.Check(x => Loss.Mse(x[0].Tanh(), x[1]), [p, t]), Is.True);
        Assert.That(GradCheck.Check(x => Loss.SoftmaxCrossEntropy(x[0] * 3.0, targets), [p]), Is.True);
    }

    [Test]
    public void A_two_layer_network()
    {
        var r = new Random(11);
        Tensor x = Rand(r, [4, 3]), w1 = Rand(r, [3, 5]), b1 = Rand(r, [5]), w2 = Rand(r, [5, 2]), b2 = Rand(r, [2]), y = Rand(r, [4, 2]);
        Assert.That(GradCheck.Check(v => Loss.Mse((v[0].MatMul(v[1]) + v[2]).Tanh().MatMul(v[3]) + v[4], v[5]), [x, w1, b1, w2, b2, y]), Is.True);
    }

    /// <summary>Random programs: a chain of randomly chosen ops on a random rank-1..4 shape, with broadcast partners.</summary>
    [Test]
    public void Random_compositions([Range(0, 24)] int seed)
    {
        var r = new Random(1000 + seed);
        (int[] sa, int[] sb) = BroadcastPair(r);
        Tensor a = Rand(r, sa), b = Rand(r, sb);
        int[] program = Enumerable.Range(0, 6).Select(_ => r.Next(12)).ToArray();
        Tensor F(Tensor[] x)
        {
            Tensor h = x[0] + x[1];
            foreach (int op in program)
            {
                h = op switch
                {
                    0 => h.Tanh(),
                    1 => h * x[1],
                    2 => h - x[0],
                    3 => h / (x[1] * x[1] + 1.0),
                    4 => (h * h + 0.5).Log(),
                    5 => (h * 0.5).Exp(),
                    6 => (h * h + 0.1).Pow(0.75),
                    7 => -h + 1.0,
                    8 => 2.0 / (h * h + 1.0),
                    9 => h.Relu() + h * 0.1,
                    10 => h.Reshape(-1).Reshape(h.Shape),
                    _ => h + h.Mean(),
                };
            }
            return h.Rank == 2 ? h.Transpose().Sum(0) : h.Sum(-1, keepDims: true);
        }
        Assert.That(GradCheck.Check(F, [a, b]), Is.True, $"{Fmt(sa)} with {Fmt(sb)}, program {string.Join(",", program)}");
    }

    [Test]
    public void A_wrong_gradient_is_caught()
    {
        var r = new Random(3);
        Tensor a = Rand(r, [3]);
        // Relu's kink at 0 breaks finite differences: a point on the kink must be reported, not passed.
        Tensor atKink = Tensor.Parameter([0.0, 1.0], [2]);
        Assert.That(GradCheck.Check(x => x[0].Relu(), [atKink], raiseException: false), Is.False);
        var ex = Assert.Throws<InvalidOperationException>(() => GradCheck.Check(x => x[0].Relu(), [atKink]));
        Assert.That(ex!.Message, Does.Contain("central differences"));
        Assert.That(GradCheck.Check(x => x[0].Tanh(), [a]), Is.True);
    }

    private static int[] RandomShape(Random r)
    {
        int rank = r.Next(1, 5);
        return Enumerable.Range(0, rank).Select(_ => r.Next(1, 4)).ToArray();
    }

    private static string Fmt(int[] s) => "(" + string.Join(", ", s) + ")";
}
