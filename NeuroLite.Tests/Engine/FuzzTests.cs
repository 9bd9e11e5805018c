using System.Globalization;
using NeuroLite.Kernels;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// A seeded fuzzer of the public API. Each test runs a fixed number of random programs (seeds 1..N, so every run and
/// every SIMD path sees the same programs), sized to take a few seconds on the scalar path:
/// <list type="bullet">
/// <item>valid programs (ranks 0-4, broadcast pairs, size-0 and size-1 axes, every op, values reused, random
/// Backward seeds): gradients agree with <see cref="GradCheck"/>'s central differences (its default tolerances,
/// |analytic − numeric| ≤ 1e-5 + 1e-3·|numeric|, on well-conditioned values) and with a seeded Backward;</item>
/// <item>misuse: the documented exception type, the tape and every buffer unchanged, then the tape runs a valid
/// program to the bits of a tape that never saw the misuse;</item>
/// <item>NaN, ±∞, ±0 and subnormal inputs: nothing crashes and IEEE propagation holds op by op.</item>
/// </list>
/// A failure prints the seed and the program; <c>NEUROLITE_FUZZ_SEED=n</c> replays seed n in <see cref="Replay"/>,
/// and <c>NEUROLITE_FUZZ_COUNT=n</c> scales the number of programs (for longer runs by hand).
/// </summary>
public class FuzzTests
{
    private const int ValidPrograms = 600, MisusePrograms = 600, IeeePrograms = 1500;

    private static int Scaled(int n) =>
        int.TryParse(Environment.GetEnvironmentVariable("NEUROLITE_FUZZ_COUNT"), NumberStyles.None, CultureInfo.InvariantCulture, out int c) && c > 0 ? c : n;

    private static void Report(string what, int count, System.Diagnostics.Stopwatch clock) =>
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fuzz: {count} {what} programs in {clock.Elapsed.TotalSeconds:0.0} s on {Simd.Path}"));

    [Test]
    public void Valid_programs_have_the_gradients_of_central_differences()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int n = Scaled(ValidPrograms);
        for (int seed = 1; seed <= n; seed++) CheckValid(seed);
        Report("valid", n, clock);
    }

    [Test]
    public void Misuse_throws_the_documented_type_before_writing_and_leaves_a_usable_tape()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int n = Scaled(MisusePrograms);
        for (int seed = 1; seed <= n; seed++) CheckMisuse(seed);
        Report("misuse", n, clock);
    }

    [Test]
    public void Special_values_propagate_as_IEEE_says_and_crash_nothing()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int n = Scaled(IeeePrograms);
        for (int seed = 1; seed <= n; seed++) CheckIeee(seed);
        Report("special-value", n, clock);
    }

    /// <summary>Replays one seed of each kind: <c>NEUROLITE_FUZZ_SEED=n dotnet test -- --filter "FullyQualifiedName~FuzzTests.Replay"</c>.</summary>
    [Test]
    public void Replay()
    {
        string? text = Environment.GetEnvironmentVariable("NEUROLITE_FUZZ_SEED");
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed))
        {
            Assert.Ignore("set NEUROLITE_FUZZ_SEED to replay one seed");
            return;
        }

        TestContext.Out.WriteLine(FuzzGenerator.Valid(seed).Listing());
        CheckValid(seed);
        CheckMisuse(seed);
        CheckIeee(seed);
    }

    [Test]
    public void Programs_are_the_same_for_the_same_seed_and_differ_between_seeds()
    {
        string a = FuzzGenerator.Valid(7).Listing(), b = FuzzGenerator.Valid(7).Listing(), c = FuzzGenerator.Valid(8).Listing();
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
    }

    [Test]
    public void The_generator_covers_every_op_ranks_0_to_4_and_size_0_axes()
    {
        var ops = new HashSet<FuzzOp>();
        var ranks = new HashSet<int>();
        bool zero = false;
        for (int seed = 1; seed <= ValidPrograms; seed++)
            foreach (FuzzStep s in FuzzGenerator.Valid(seed).Steps)
            {
                ops.Add(s.Op);
                ranks.Add(s.ResultShape.Length);
                zero |= s.ResultShape.Contains(0);
            }

        Assert.That(ops, Is.EquivalentTo(Enum.GetValues<FuzzOp>()));
        Assert.That(ranks, Is.EquivalentTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(zero, Is.True);
    }

    // ------------------------------------------------------------------------------------------ valid programs

    private static void CheckValid(int seed)
    {
        FuzzProgram p = FuzzGenerator.Valid(seed);
        try
        {
            int[] leafSteps = p.LeafSteps;
            var inputs = leafSteps.Select(i => Tensor.Parameter(p.Steps[i].Values, p.Steps[i].Shape)).ToArray();
            if (!GradCheck.Check(ps => p.Execute(ps)[p.Output], inputs, raiseException: false))
            {
                // Run again to get the first mismatch's message.
                GradCheck.Check(ps => p.Execute(ps)[p.Output], inputs);
            }

            CheckSeededBackward(p, seed);
        }
        catch (Exception e) when (e is not AssertionException)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message}\n{p.Listing()}");
        }
    }

    /// <summary>
    /// Backward with a random seed (or none, for a 1-element output), on leaves that are parameters or tape variables
    /// as the program says, against the seed-weighted central differences; the forward bits must not depend on which.
    /// </summary>
    private static void CheckSeededBackward(FuzzProgram p, int seed)
    {
        var rng = new Random(seed ^ 0x5EED);
        int[] leafSteps = p.LeafSteps;
        using var tape = new Tape();
        using var scope = tape.Activate();
        var leaves = leafSteps.Select(i => p.Steps[i].AsParameter ? Tensor.Parameter(p.Steps[i].Values, p.Steps[i].Shape) : tape.Variable(p.Steps[i].Values, p.Steps[i].Shape)).ToArray();
        Tensor y = p.Execute(leaves)[p.Output];
        double[] forward = y.ToArray();
        double[] reference = p.Evaluate(leafSteps.Select(i => p.Steps[i].Values).ToArray());
        Assert.That(Bits(forward), Is.EqualTo(Bits(reference)), $"parameters and tape variables as leaves give different forward bits\n{p.Listing()}");

        double[] backwardSeed = new double[y.Length];
        for (int j = 0; j < backwardSeed.Length; j++) backwardSeed[j] = Math.Round(2 * rng.NextDouble() - 1, 3);
        bool implicitSeed = y.Length == 1 && rng.Next(3) == 0;
        if (implicitSeed)
        {
            backwardSeed[0] = 1;
            y.Backward();
        }
        else
        {
            y.Backward(backwardSeed);
        }

        const double Eps = 1e-6, Atol = 1e-5, Rtol = 1e-3;
        double seedNorm = Math.Max(1, backwardSeed.Sum(Math.Abs));
        var point = leafSteps.Select(i => (double[])p.Steps[i].Values.Clone()).ToArray();
        for (int k = 0; k < leaves.Length; k++)
        {
            double[] analytic = leaves[k].GradToArray();
            for (int e = 0; e < point[k].Length; e++)
            {
                double original = point[k][e];
                point[k][e] = original + Eps;
                double[] plus = p.Evaluate(point);
                point[k][e] = original - Eps;
                double[] minus = p.Evaluate(point);
                point[k][e] = original;
                double numeric = 0;
                for (int j = 0; j < plus.Length; j++) numeric += backwardSeed[j] * (plus[j] - minus[j]) / (2 * Eps);
                if (!(Math.Abs(analytic[e] - numeric) <= Atol * seedNorm + Rtol * Math.Abs(numeric)))
                    Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                        $"seeded Backward{(implicitSeed ? "()" : $"([{string.Join(", ", backwardSeed)}])")}: leaf {k} (v{leafSteps[k]}) [{e}] gradient {analytic[e]:R}, central differences {numeric:R}\n{p.Listing()}"));
            }
        }
    }

    // ------------------------------------------------------------------------------------------ misuse

    private static void CheckMisuse(int seed)
    {
        FuzzProgram p = FuzzGenerator.Valid(seed);
        var rng = new Random(seed ^ 0xBAD);
        string listing = p.Listing();
        Misuse? misuse = null;
        try
        {
            using var tape = new Tape();
            using var other = new Tape();
            double[] withMisuse, clean;
            using (tape.Activate())
            {
                Tensor[] leaves = Leaves(p, tape);
                Tensor[] v = p.Execute(leaves);
                misuse = FuzzMisuse.Make(rng, v, tape, other);
                listing += $"  misuse: {misuse.Listing}\n";
                var before = Snapshot(tape, v);
                Exception? thrown = null;
                try
                {
                    misuse.Act();
                }
                catch (Exception e)
                {
                    thrown = e;
                }

                Assert.That(thrown, Is.Not.Null, $"no exception\n{listing}");
                if (misuse.ExactType) Assert.That(thrown, Is.TypeOf(misuse.Expected), $"{thrown!.GetType().Name}: {thrown.Message}\n{listing}");
                else Assert.That(thrown, Is.InstanceOf(misuse.Expected), $"{thrown!.GetType().Name}: {thrown.Message}\n{listing}");
                Assert.That(thrown!.Message, Is.Not.Empty);
                Assert.That(Snapshot(tape, v), Is.EqualTo(before), $"the rejected call changed the tape or a buffer\n{listing}");
                withMisuse = Continue(v[p.Output], leaves);
            }

            using var fresh = new Tape();
            using (fresh.Activate())
            {
                Tensor[] leaves = Leaves(p, fresh);
                clean = Continue(p.Execute(leaves)[p.Output], leaves);
            }

            Assert.That(Bits(withMisuse), Is.EqualTo(Bits(clean)), $"after the rejected call the tape computed other bits than a fresh one\n{listing}");
        }
        catch (Exception e) when (e is not AssertionException)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message}\n{listing}");
        }
    }

    private static Tensor[] Leaves(FuzzProgram p, Tape tape) =>
        p.LeafSteps.Select(i => p.Steps[i].AsParameter ? Tensor.Parameter(p.Steps[i].Values, p.Steps[i].Shape) : tape.Variable(p.Steps[i].Values, p.Steps[i].Shape)).ToArray();

    /// <summary>A valid program continuing after the misuse: tanh of the output, summed, Backward; returns its value and every leaf gradient.</summary>
    private static double[] Continue(Tensor y, Tensor[] leaves)
    {
        Tensor s = (y.Tanh() * 0.5).Sum();
        s.Backward();
        return [s.Item, .. leaves.SelectMany(l => l.GradToArray()), .. y.ToArray()];
    }

    /// <summary>The tape's counters and the bits of every value (and of every parameter's gradient) of the program.</summary>
    private static List<long> Snapshot(Tape tape, Tensor[] v)
    {
        var s = new List<long> { tape.NodeCount, tape.ArenaUsed, tape.ArenaCapacity, tape.Generation };
        foreach (Tensor t in v)
        {
            s.AddRange(Bits(t.Data));
            // A tape value's gradient is allocated on first read, so only parameters' gradients are read here.
            if (t.IsParameter) s.AddRange(Bits(t.Grad));
        }

        s.Add(tape.NodeCount);
        s.Add(tape.ArenaUsed);
        return s;
    }

    // ------------------------------------------------------------------------------------------ special values

    private static readonly double[] Specials =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -double.Epsilon, 2.5e-310, -1e-320,
        2.2250738585072014E-308, 1e-300, 1e150, -1e150, 1.0, -2.5, 0.75, 3.0, -0.5,
    ];

    private static double Special(Random rng) => rng.Next(3) == 0 ? Specials[rng.Next(3)] : Specials[rng.Next(Specials.Length)];

    private enum IeeeOp
    {
        Add, Sub, Mul, Div, AddScalar, SubScalar, ScalarSub, MulScalar, DivScalar, ScalarDiv, Neg,
        Tanh, Relu, Exp, Log, Pow, SumAll, MeanAll, SumAxis, MeanAxis, MatMul, Mse, SoftmaxCe, Layer,
    }

    private static readonly double[] IeeeExponents = [2, 1, 0.5, -1, 3, 1.5, 0, -2];

    private static void CheckIeee(int seed)
    {
        var rng = new Random(seed ^ 0x1EEE);
        var gen = new FuzzGeneratorShapes(rng);
        var op = (IeeeOp)rng.Next(Enum.GetValues<IeeeOp>().Length);
        using var tape = new Tape();
        using var scope = tape.Activate();
        int[] sa = op is IeeeOp.MatMul or IeeeOp.SoftmaxCe or IeeeOp.Layer ? [rng.Next(4), 1 + rng.Next(3)] : gen.Shape();
        double[] xa = gen.Values(sa, Special);
        Tensor a = tape.Variable(xa, sa);
        string listing = $"special-value program, seed {seed} (replay: NEUROLITE_FUZZ_SEED={seed})\n  a = tape.Variable([{string.Join(", ", xa.Select(FuzzStep.Num))}], {FuzzStep.Fmt(sa)})\n";
        double c = Special(rng);
        try
        {
            Tensor y;
            double[] expected;
            switch (op)
            {
                case IeeeOp.Add or IeeeOp.Sub or IeeeOp.Mul or IeeeOp.Div:
                {
                    int[] sb = gen.Partner(sa);
                    double[] xb = gen.Values(sb, Special);
                    Tensor b = tape.Variable(xb, sb);
                    listing += $"  b = tape.Variable([{string.Join(", ", xb.Select(FuzzStep.Num))}], {FuzzStep.Fmt(sb)})\n  y = a {"+-*/"[(int)op]} b\n";
                    y = op switch { IeeeOp.Add => a + b, IeeeOp.Sub => a - b, IeeeOp.Mul => a * b, _ => a / b };
                    expected = BroadcastReference(xa, sa, xb, sb, op switch
                    {
                        IeeeOp.Add => (p, q) => p + q,
                        IeeeOp.Sub => (p, q) => p - q,
                        IeeeOp.Mul => (p, q) => p * q,
                        _ => (p, q) => p / q,
                    });
                    ExpectBits(y, expected, listing);
                    break;
                }

                case IeeeOp.AddScalar or IeeeOp.SubScalar or IeeeOp.ScalarSub or IeeeOp.MulScalar or IeeeOp.DivScalar or IeeeOp.ScalarDiv or IeeeOp.Neg:
                {
                    listing += $"  y = {op}(a, {FuzzStep.Num(c)})\n";
                    (y, Func<double, double> f) = op switch
                    {
                        IeeeOp.AddScalar => (a + c, x => x + c),
                        IeeeOp.SubScalar => (a - c, x => x - c),
                        IeeeOp.ScalarSub => (c - a, x => c - x),
                        IeeeOp.MulScalar => (c * a, x => x * c),
                        IeeeOp.DivScalar => (a / c, x => x / c),
                        IeeeOp.ScalarDiv => (c / a, x => c / x),
                        _ => (-a, new Func<double, double>(x => -x)),
                    };
                    ExpectBits(y, xa.Select(f).ToArray(), listing);
                    break;
                }

                case IeeeOp.Tanh or IeeeOp.Relu or IeeeOp.Exp:
                {
                    listing += $"  y = a.{op}()\n";
                    y = op switch { IeeeOp.Tanh => a.Tanh(), IeeeOp.Relu => a.Relu(), _ => a.Exp() };
                    expected = new double[xa.Length];
                    if (op == IeeeOp.Tanh) NeuroLite.Kernels.Reference.Unary.Tanh(xa, expected);
                    else if (op == IeeeOp.Relu) NeuroLite.Kernels.Reference.Unary.Relu(xa, expected);
                    else NeuroLite.Kernels.Reference.Unary.Exp(xa, expected);
                    ExpectBits(y, expected, listing);
                    // The exact rules IEEE and the functions' definitions give, checked beside the reference.
                    for (int k = 0; k < xa.Length; k++)
                    {
                        double x = xa[k], r = y.Data[k];
                        double? want = op switch
                        {
                            _ when double.IsNaN(x) => double.NaN,
                            IeeeOp.Tanh when double.IsInfinity(x) => Math.Sign(x),
                            IeeeOp.Tanh when x == 0 => x,
                            IeeeOp.Relu => x > 0 ? x : 0.0,
                            IeeeOp.Exp when double.IsPositiveInfinity(x) => double.PositiveInfinity,
                            IeeeOp.Exp when double.IsNegativeInfinity(x) => 0.0,
                            IeeeOp.Exp when x == 0 || double.IsSubnormal(x) => 1.0,
                            _ => null,
                        };
                        if (want is double w && !(double.IsNaN(w) ? double.IsNaN(r) : BitConverter.DoubleToInt64Bits(r) == BitConverter.DoubleToInt64Bits(w)))
                            Assert.Fail($"{op}({FuzzStep.Num(x)}) gave {FuzzStep.Num(r)}, expected {FuzzStep.Num(w)}\n{listing}");
                        if (op == IeeeOp.Tanh && double.IsSubnormal(x))
                            Assert.That(Math.Abs(r - x), Is.LessThanOrEqualTo(double.Epsilon), $"tanh of a subnormal is itself to the last bit\n{listing}");
                    }

                    break;
                }

                case IeeeOp.Log:
                {
                    listing += "  y = a.Log()\n";
                    if (xa.Any(x => x <= 0))
                    {
                        Assert.That(() => a.Log(), Throws.TypeOf<ArgumentException>(), $"Log of a non-positive element\n{listing}");
                        y = a.Tanh();
                        break;
                    }

                    y = a.Log();
                    expected = new double[xa.Length];
                    NeuroLite.Kernels.Reference.Unary.Log(xa, expected);
                    ExpectBits(y, expected, listing);
                    for (int k = 0; k < xa.Length; k++)
                    {
                        if (double.IsNaN(xa[k])) Assert.That(y.Data[k], Is.NaN, listing);
                        if (xa[k] == double.PositiveInfinity) Assert.That(y.Data[k], Is.EqualTo(double.PositiveInfinity), listing);
                        if (double.IsSubnormal(xa[k])) Assert.That(y.Data[k], Is.EqualTo(Math.Log(xa[k])).Within(1e-12), listing);
                    }

                    break;
                }

                case IeeeOp.Pow:
                {
                    double p = IeeeExponents[rng.Next(IeeeExponents.Length)];
                    listing += $"  y = a.Pow({FuzzStep.Num(p)})\n";
                    y = a.Pow(p);
                    // The documented special cases: x·x, x, √x and 1/x for 2, 1, 0.5 and −1; Math.Pow otherwise.
                    Func<double, double> f = p switch { 2 => x => x * x, 1 => x => x, 0.5 => Math.Sqrt, -1 => x => 1 / x, _ => x => Math.Pow(x, p) };
                    ExpectBits(y, xa.Select(f).ToArray(), listing);
                    for (int k = 0; k < xa.Length; k++)
                        if (double.IsNaN(xa[k]) && p != 0) Assert.That(y.Data[k], Is.NaN, listing);
                    break;
                }

                case IeeeOp.SumAll or IeeeOp.MeanAll:
                {
                    listing += $"  y = a.{(op == IeeeOp.SumAll ? "Sum" : "Mean")}()\n";
                    y = op == IeeeOp.SumAll ? a.Sum() : a.Mean();
                    double want = ClassOfSum(xa);
                    if (op == IeeeOp.MeanAll && xa.Length == 0) want = double.NaN;
                    ExpectClass(y.Item, want, NaiveSum(xa) / (op == IeeeOp.MeanAll ? xa.Length : 1), xa.Sum(Math.Abs), listing);
                    break;
                }

                case IeeeOp.SumAxis or IeeeOp.MeanAxis:
                {
                    if (sa.Length == 0)
                    {
                        y = a.Sum();
                        break;
                    }

                    int axis = rng.Next(sa.Length);
                    listing += $"  y = a.{(op == IeeeOp.SumAxis ? "Sum" : "Mean")}({axis})\n";
                    y = op == IeeeOp.SumAxis ? a.Sum(axis) : a.Mean(axis);
                    int outer = FuzzGenerator.Count(sa.AsSpan(0, axis)), count = sa[axis], inner = FuzzGenerator.Count(sa.AsSpan(axis + 1));
                    for (int o = 0; o < outer; o++)
                        for (int i = 0; i < inner; i++)
                        {
                            var column = new double[count];
                            for (int k = 0; k < count; k++) column[k] = xa[(o * count + k) * inner + i];
                            double want = ClassOfSum(column);
                            if (op == IeeeOp.MeanAxis && count == 0) want = double.NaN;
                            ExpectClass(y.Data[o * inner + i], want, NaiveSum(column) / (op == IeeeOp.MeanAxis ? count : 1), column.Sum(Math.Abs), listing);
                        }

                    break;
                }

                case IeeeOp.MatMul:
                {
                    int[] sb = [sa[1], rng.Next(4)];
                    double[] xb = gen.Values(sb, Special);
                    Tensor b = tape.Variable(xb, sb);
                    listing += $"  b = tape.Variable([{string.Join(", ", xb.Select(FuzzStep.Num))}], {FuzzStep.Fmt(sb)})\n  y = a.MatMul(b)\n";
                    y = a.MatMul(b);
                    int m = sa[0], k = sa[1], n = sb[1];
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                        {
                            var terms = new double[k];
                            for (int q = 0; q < k; q++) terms[q] = xa[i * k + q] * xb[q * n + j];
                            ExpectClass(y.Data[i * n + j], ClassOfSum(terms), NaiveSum(terms), terms.Sum(Math.Abs), listing);
                        }

                    break;
                }

                case IeeeOp.Mse:
                {
                    double[] xb = gen.Values(sa, Special);
                    Tensor b = tape.Variable(xb, sa);
                    listing += $"  b = tape.Variable([{string.Join(", ", xb.Select(FuzzStep.Num))}], {FuzzStep.Fmt(sa)})\n  y = Loss.Mse(a, b)\n";
                    y = Loss.Mse(a, b);
                    var squares = xa.Zip(xb, (p, q) => (p - q) * (p - q)).ToArray();
                    double want = xa.Length == 0 ? double.NaN : ClassOfSum(squares);
                    ExpectClass(y.Item, want, NaiveSum(squares) / xa.Length, squares.Sum(Math.Abs), listing);
                    break;
                }

                case IeeeOp.SoftmaxCe:
                {
                    var targets = Enumerable.Range(0, sa[0]).Select(_ => rng.Next(sa[1])).ToArray();
                    listing += $"  y = Loss.SoftmaxCrossEntropy(a, [{string.Join(", ", targets)}])\n";
                    y = Loss.SoftmaxCrossEntropy(a, targets);
                    // A NaN logit makes its row's loss NaN, and the mean with it. (A +∞ logit has no single answer: the
                    // limit is 0 for its own class and +∞ for the others, while the max-subtracted form gives ∞ − ∞.)
                    bool nanRow = Enumerable.Range(0, sa[0]).Any(r => Enumerable.Range(0, sa[1]).Any(q => double.IsNaN(xa[r * sa[1] + q])));
                    if (nanRow || sa[0] == 0) Assert.That(y.Item, Is.NaN, listing);
                    break;
                }

                default:
                {
                    var activation = (Activation)rng.Next(3);
                    var layer = new Layer(sa[1], 1 + rng.Next(3), activation, seed: rng.Next(100));
                    listing += $"  y = new Layer({sa[1]}, {layer.OutFeatures}, Activation.{activation}).Forward(a)\n";
                    y = layer.Forward(a);
                    for (int r = 0; r < sa[0]; r++)
                        if (Enumerable.Range(0, sa[1]).Any(q => double.IsNaN(xa[r * sa[1] + q])))
                            for (int q = 0; q < layer.OutFeatures; q++) Assert.That(y.Data[r * layer.OutFeatures + q], Is.NaN, $"row {r} holds a NaN\n{listing}");
                    break;
                }
            }

            // Backward through special values: no crash, and the gradient has the input's shape.
            var backwardSeed = new double[y.Length];
            for (int j = 0; j < backwardSeed.Length; j++) backwardSeed[j] = rng.Next(4) == 0 ? Special(rng) : 1.0;
            y.Backward(backwardSeed);
            Assert.That(a.Grad.Length, Is.EqualTo(xa.Length), listing);
        }
        catch (Exception e) when (e is not AssertionException)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message}\n{listing}");
        }
    }

    /// <summary>NaN when any term is NaN or both infinities occur, ±∞ when one does, else 0 (finite): the same in any summation order.</summary>
    private static double ClassOfSum(double[] terms)
    {
        bool nan = terms.Any(double.IsNaN), pos = terms.Any(double.IsPositiveInfinity), neg = terms.Any(double.IsNegativeInfinity);
        return nan || (pos && neg) ? double.NaN : pos ? double.PositiveInfinity : neg ? double.NegativeInfinity : 0;
    }

    private static double NaiveSum(double[] terms)
    {
        double s = 0;
        foreach (double t in terms) s += t;
        return s;
    }

    /// <summary>The value's class is <paramref name="want"/>'s (NaN, ±∞, finite); a finite value is within rounding of the naive sum.</summary>
    private static void ExpectClass(double got, double want, double naive, double magnitude, string listing)
    {
        if (double.IsNaN(want)) Assert.That(got, Is.NaN, listing);
        else if (double.IsInfinity(want)) Assert.That(got, Is.EqualTo(want), listing);
        else
        {
            Assert.That(double.IsFinite(got), Is.True, $"{FuzzStep.Num(got)} where a finite value was due\n{listing}");
            Assert.That(got, Is.EqualTo(naive).Within(1e-12 * magnitude + 1e-300), listing);
        }
    }

    private static void ExpectBits(Tensor y, double[] expected, string listing)
    {
        ReadOnlySpan<double> got = y.Data;
        Assert.That(got.Length, Is.EqualTo(expected.Length), listing);
        for (int k = 0; k < expected.Length; k++)
        {
            bool same = double.IsNaN(expected[k]) ? double.IsNaN(got[k]) : BitConverter.DoubleToInt64Bits(got[k]) == BitConverter.DoubleToInt64Bits(expected[k]);
            if (!same) Assert.Fail($"element {k}: {FuzzStep.Num(got[k])}, expected {FuzzStep.Num(expected[k])} (bitwise)\n{listing}");
        }
    }

    /// <summary>c = f(a, b) with NumPy broadcasting, element by element.</summary>
    private static double[] BroadcastReference(double[] a, int[] sa, double[] b, int[] sb, Func<double, double, double> f)
    {
        int[] sc = FuzzGenerator.Broadcast(sa, sb)!;
        int rank = sc.Length, n = FuzzGenerator.Count(sc);
        var c = new double[n];
        var index = new int[rank];
        for (int flat = 0; flat < n; flat++)
        {
            int rest = flat;
            for (int k = rank - 1; k >= 0; k--)
            {
                index[k] = rest % sc[k];
                rest /= sc[k];
            }

            c[flat] = f(a[Offset(index, sa)], b[Offset(index, sb)]);
        }

        return c;
    }

    private static int Offset(int[] index, int[] shape)
    {
        int off = 0, lead = index.Length - shape.Length;
        for (int k = 0; k < shape.Length; k++) off = off * shape[k] + (shape[k] == 1 ? 0 : index[lead + k]);
        return off;
    }

    /// <summary>Shapes and values for the special-value programs (rank 0-4, up to 24 elements, broadcast partners).</summary>
    private sealed class FuzzGeneratorShapes(Random rng)
    {
        public int[] Shape()
        {
            while (true)
            {
                var s = new int[rng.Next(5)];
                for (int k = 0; k < s.Length; k++) s[k] = rng.Next(10) == 0 ? 0 : 1 + rng.Next(3);
                if (FuzzGenerator.Count(s) <= 24) return s;
            }
        }

        public int[] Partner(int[] a)
        {
            int rank = Math.Min(4, Math.Max(0, a.Length + rng.Next(-1, 2)));
            var s = new int[rank];
            for (int k = 0; k < rank; k++)
            {
                int ak = a.Length - rank + k;
                s[k] = ak >= 0 ? (rng.Next(3) == 0 ? 1 : a[ak]) : 1 + rng.Next(2);
            }

            return s;
        }

        public double[] Values(int[] shape, Func<Random, double> value)
        {
            var v = new double[FuzzGenerator.Count(shape)];
            for (int k = 0; k < v.Length; k++) v[k] = value(rng);
            return v;
        }
    }
}
