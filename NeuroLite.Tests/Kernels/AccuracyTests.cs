using System.Globalization;
using NeuroLite.Kernels;
using static NeuroLite.Tests.Kernels.KernelTestData;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// tanh / exp / log against oracles: correctly rounded tanh values (mpmath, Data/tanh_correctly_rounded.csv) and
/// the platform's Math.Tanh / Math.Exp / Math.Log, plus the IEEE special cases. They run through the public SIMD
/// kernels, so each CI pass checks its own path. The random sweeps use 10^6 points natively and 10^5 on arm64,
/// which CI runs under qemu (10-30x slower); the kernels equal the scalar reference bitwise on every path anyway.
/// </summary>
public class AccuracyTests
{
    private static readonly int SweepPoints = Emulated ? 100_000 : 1_000_000;

    /// <summary>Half uniform in [-range, range], half ±2^u with u uniform over [minExponent, maxExponent] (down into the subnormals).</summary>
    private static double[] Sweep(int seed, double range, double minExponent, double maxExponent, bool positiveOnly = false)
    {
        var rng = new Random(seed);
        var x = new double[SweepPoints];
        for (int i = 0; i < x.Length; i++)
        {
            double v = i % 2 == 0
                ? (rng.NextDouble() * 2 - 1) * range
                : Math.Pow(2, minExponent + rng.NextDouble() * (maxExponent - minExponent)) * (rng.Next(2) == 0 ? 1 : -1);
            x[i] = positiveOnly ? Math.Abs(v) : v;
        }
        return x;
    }

    private static (double Max, double At) MaxUlps(double[] x, double[] y, Func<double, double> oracle, double bound, string name)
    {
        double max = 0, at = double.NaN;
        for (int i = 0; i < x.Length; i++)
        {
            double u = Ulps(y[i], oracle(x[i]));
            if (u > max) { max = u; at = x[i]; }
        }
        TestContext.Out.WriteLine($"{name} on path {Simd.Path}: max {max} ULP from the oracle (at x = {at:R}) over {x.Length} points");
        Assert.That(max, Is.LessThanOrEqualTo(bound), $"{name}: {max} ULP at x = {at:R}");
        return (max, at);
    }

    [Test]
    public void Tanh_is_within_1_ulp_of_correctly_rounded_on_every_reference_point()
    {
        var xs = new List<double>();
        var expected = new List<double>();
        foreach (string line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Data", "tanh_correctly_rounded.csv")))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            int comma = line.IndexOf(',', StringComparison.Ordinal);
            xs.Add(double.Parse(line.AsSpan(0, comma), CultureInfo.InvariantCulture));
            expected.Add(double.Parse(line.AsSpan(comma + 1), CultureInfo.InvariantCulture));
        }
        Assert.That(xs, Has.Count.GreaterThan(20000));
        double[] x = [.. xs], y = new double[x.Length];
        Unary.Tanh(x, y);
        double max = 0, at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double u = Ulps(y[i], expected[i]);
            if (u > max) { max = u; at = x[i]; }
            if (y[i] == 0) Assert.That(double.IsNegative(y[i]), Is.EqualTo(double.IsNegative(expected[i])), $"sign of tanh({x[i]:R})");
        }
        TestContext.Out.WriteLine($"tanh on path {Simd.Path}: max {max} ULP from correctly rounded (at x = {at:R}) over {x.Length} points");
        Assert.That(max, Is.LessThanOrEqualTo(1), $"tanh({at:R})");
    }

    [Test]
    public void Tanh_is_within_2_ulp_of_Math_Tanh_over_a_random_sweep()
    {
        double[] x = Sweep(11, 25, -1074, 5), y = new double[x.Length];
        Unary.Tanh(x, y);
        MaxUlps(x, y, Math.Tanh, 2, "tanh");
    }

    // (x, correctly rounded tanh x) from mpmath at 50 digits: x one and three ULPs around each threshold of the tanh
    // kernel (the k = 0/1, 1/2, 2/3, 51/52 and 52/53 reduction boundaries with TanhKBias, ln2/4 where the bias moved
    // the 0/1 boundary from, the 19.1 clamp), and inside [ln2/4, 0.1833], where 1 + 3w < 1/2 would lose a bit.
    private static readonly double[][] TanhThresholdPoints =
    [
        [0.16666666666666666, 0.16514041292462933],
        [0.17328679513998624, 0.17157287525380982],
        [0.1732867951399863, 0.17157287525380988],
        [0.17328679513998632, 0.1715728752538099],
        [0.17328679513998635, 0.17157287525380993],
        [0.1732867951399864, 0.17157287525381],
        [0.175, 0.1732351578346601],
        [0.178, 0.1761436063129963],
        [0.17932239625106927, 0.1774246739962044],
        [0.1799, 0.17798403767284696],
        [0.18328679513998625, 0.1812615566354675],
        [0.1832867951399863, 0.18126155663546756],
        [0.18328679513998633, 0.18126155663546759],
        [0.18328679513998636, 0.1812615566354676],
        [0.1832867951399864, 0.18126155663546767],
        [0.18526926043580705, 0.1831781952984146],
        [0.5298603854199586, 0.48527436126287055],
        [0.5298603854199588, 0.4852743612628707],
        [0.529860385419959, 0.4852743612628708],
        [0.5298603854199591, 0.4852743612628709],
        [0.5298603854199593, 0.48527436126287105],
        [0.8764339756999313, 0.7046283389003434],
        [0.8764339756999315, 0.7046283389003435],
        [0.8764339756999316, 0.7046283389003436],
        [0.8764339756999318, 0.7046283389003436],
        [0.876433975699932, 0.7046283389003437],
        [17.858539899418584, 0.9999999999999993],
        [17.85853989941859, 0.9999999999999993],
        [17.858539899418595, 0.9999999999999993],
        [17.8585398994186, 0.9999999999999993],
        [17.858539899418606, 0.9999999999999993],
        [18.205113489698554, 0.9999999999999997],
        [18.20511348969856, 0.9999999999999997],
        [18.205113489698565, 0.9999999999999997],
        [18.20511348969857, 0.9999999999999997],
        [18.205113489698576, 0.9999999999999997],
        [19.09999999999999, 1.0],
        [19.099999999999998, 1.0],
        [19.1, 1.0],
        [19.100000000000005, 1.0],
        [19.100000000000012, 1.0],
    ];

    [Test]
    public void Tanh_is_within_1_ulp_of_correctly_rounded_around_its_thresholds()
    {
        int n = TanhThresholdPoints.Length;
        double[] x = new double[2 * n], expected = new double[2 * n], y = new double[2 * n], reference = new double[2 * n];
        for (int i = 0; i < n; i++)
        {
            (x[i], expected[i]) = (TanhThresholdPoints[i][0], TanhThresholdPoints[i][1]);
            (x[n + i], expected[n + i]) = (-x[i], -expected[i]);
        }
        Unary.Tanh(x, y);
        NeuroLite.Kernels.Reference.Unary.Tanh(x, reference);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.That(Ulps(y[i], expected[i]), Is.LessThanOrEqualTo(1), $"tanh({x[i]:R}) = {y[i]:R}, correctly rounded {expected[i]:R}");
            Assert.That(Same(y[i], reference[i]), $"tanh({x[i]:R}): SIMD {y[i]:R}, reference {reference[i]:R}");
        }
    }

    [Test]
    public void Tanh_special_values()
    {
        double[] x = [0.0, -0.0, double.Epsilon, -double.Epsilon, 1e-310, -1e-310, 1e-200, -1e-20, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 19.1, -19.1, 400, -1e300];
        double[] y = new double[x.Length];
        Unary.Tanh(x, y);
        for (int i = 0; i < 8; i++)
            Assert.That(Same(y[i], x[i]), $"tanh({x[i]:R}) = {y[i]:R}, expected x itself with its sign");
        Assert.That(double.IsNaN(y[8]));
        Assert.That(y[9..], Is.EqualTo(new[] { 1.0, -1.0, 1.0, -1.0, 1.0, -1.0 }));
    }

    [Test]
    public void Exp_is_within_1_ulp_of_Math_Exp_over_a_random_sweep()
    {
        double[] x = Sweep(12, 745, -1074, 9.48), y = new double[x.Length];
        Unary.Exp(x, y);
        MaxUlps(x, y, Math.Exp, 1, "exp");
        // The subnormal results (x in [-745.13, -708.4]) get a sweep of their own.
        var rng = new Random(13);
        for (int i = 0; i < x.Length; i++) x[i] = -708.4 - rng.NextDouble() * 36.8;
        Unary.Exp(x, y);
        MaxUlps(x, y, Math.Exp, 1, "exp into the subnormals");
    }

    [Test]
    public void Exp_special_values()
    {
        double[] x = [0.0, -0.0, 1.0, 709.782712893384, 709.7827128933841, 710, 1e300, double.PositiveInfinity, -745.1332191019411, -745.1332191019412, -746, -1e300, double.NegativeInfinity, double.NaN, -744.44007192138122];
        double[] y = new double[x.Length];
        Unary.Exp(x, y);
        Assert.That(y[0], Is.EqualTo(1.0));
        Assert.That(y[1], Is.EqualTo(1.0));
        Assert.That(y[2], Is.EqualTo(Math.E));
        Assert.That(y[3], Is.EqualTo(Math.Exp(709.782712893384)).And.LessThan(double.PositiveInfinity), "largest finite");
        Assert.That(y[4..8], Is.All.EqualTo(double.PositiveInfinity), "overflow");
        Assert.That(y[8], Is.EqualTo(double.Epsilon), "smallest subnormal result");
        Assert.That(y[9..13], Is.All.EqualTo(0.0), "underflow");
        Assert.That(double.IsNegative(y[9]) || double.IsNegative(y[12]), Is.False, "underflow gives +0");
        Assert.That(double.IsNaN(y[13]));
        Assert.That(Ulps(y[14], Math.Exp(x[14])), Is.LessThanOrEqualTo(1), "subnormal result");
    }

    [Test]
    public void Log_is_within_1_ulp_of_Math_Log_over_a_random_sweep()
    {
        double[] x = Sweep(14, 4, -1074, 1023.9, positiveOnly: true), y = new double[x.Length];
        // Values next to 1, where log(1+f) has to keep every bit of f.
        var rng = new Random(15);
        for (int i = 0; i < x.Length; i += 7) x[i] = 1 + (rng.NextDouble() * 2 - 1) * Math.Pow(2, -rng.Next(1, 60));
        Unary.Log(x, y);
        MaxUlps(x, y, Math.Log, 1, "log");
    }

    [Test]
    public void Log_special_values()
    {
        double[] x = [0.0, -0.0, -1.0, double.NegativeInfinity, -double.Epsilon, double.PositiveInfinity, double.NaN, 1.0, double.Epsilon, 2.2250738585072014E-308, 2.2250738585072009E-308, double.MaxValue, Math.E];
        double[] y = new double[x.Length];
        Unary.Log(x, y);
        Assert.That(y[0], Is.EqualTo(double.NegativeInfinity));
        Assert.That(y[1], Is.EqualTo(double.NegativeInfinity));
        Assert.That(y[2..5], Is.All.NaN);
        Assert.That(y[5], Is.EqualTo(double.PositiveInfinity));
        Assert.That(double.IsNaN(y[6]));
        Assert.That(Same(y[7], 0.0), "log 1 = +0");
        for (int i = 8; i < x.Length; i++)
            Assert.That(Ulps(y[i], Math.Log(x[i])), Is.LessThanOrEqualTo(1), $"log({x[i]:R}) = {y[i]:R}, Math.Log {Math.Log(x[i]):R}");
    }
}
