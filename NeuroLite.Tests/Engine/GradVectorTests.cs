using System.Text.Json;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// Every case of Data/grad_vectors.json (PyTorch 1.13 float64 as the oracle): an interpreter runs its SSA op program
/// on the engine, then compares the output and d sum(output) / d input for every input.
/// </summary>
public class GradVectorTests
{
    private const double Abs = 1e-12;
    private const double Rel = 1e-9;

    private static JsonElement LoadCases()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", "grad_vectors.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").Clone();
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (JsonElement c in LoadCases().EnumerateArray())
            yield return new TestCaseData(c.GetProperty("name").GetString()).SetName("GradVector_" + c.GetProperty("name").GetString());
    }

    [Test]
    public void The_file_holds_forty_cases() => Assert.That(LoadCases().GetArrayLength(), Is.EqualTo(40));

    [TestCaseSource(nameof(Cases))]
    public void Case_matches_pytorch(string name)
    {
        JsonElement c = LoadCases().EnumerateArray().First(e => e.GetProperty("name").GetString() == name);
        using var tape = new Tape();
        var env = new Dictionary<string, Tensor>();
        var inputs = new List<(string Name, Tensor T)>();
        foreach (JsonElement input in c.GetProperty("inputs").EnumerateArray())
        {
            string n = input.GetProperty("name").GetString()!;
            Tensor t = tape.Variable(Doubles(input.GetProperty("data")), Ints(input.GetProperty("shape")), n);
            env[n] = t;
            inputs.Add((n, t));
        }
        foreach (JsonElement step in c.GetProperty("program").EnumerateArray())
            env[step.GetProperty("out").GetString()!] = Run(step, env);

        Tensor result = env[c.GetProperty("result").GetString()!];
        JsonElement output = c.GetProperty("output");
        Assert.That(result.Shape.ToArray(), Is.EqualTo(Ints(output.GetProperty("shape"))), "output shape");
        AssertClose(result.Data, Doubles(output.GetProperty("data")), "output");

        // d sum(output) / d input: a seed of ones is the gradient of the sum.
        double[] ones = new double[result.Length];
        Array.Fill(ones, 1.0);
        result.Backward(ones);
        JsonElement grads = c.GetProperty("grads");
        foreach ((string n, Tensor t) in inputs)
        {
            JsonElement want = grads.GetProperty(n);
            Assert.That(t.Shape.ToArray(), Is.EqualTo(Ints(want.GetProperty("shape"))), $"grad shape of {n}");
            AssertClose(t.Grad, Doubles(want.GetProperty("data")), $"grad of {n}");
        }
    }

    private static Tensor Run(JsonElement step, Dictionary<string, Tensor> env)
    {
        string op = step.GetProperty("op").GetString()!;
        Tensor[] args = step.GetProperty("args").EnumerateArray().Select(a => env[a.GetString()!]).ToArray();
        return op switch
        {
            "add" => args[0] + args[1],
            "sub" => args[0] - args[1],
            "mul" => args[0] * args[1],
            "div" => args[0] / args[1],
            "matmul" => args[0].MatMul(args[1]),
            "neg" => -args[0],
            "tanh" => args[0].Tanh(),
            "relu" => args[0].Relu(),
            "exp" => args[0].Exp(),
            "log" => args[0].Log(),
            "pow" => args[0].Pow(step.GetProperty("exponent").GetDouble()),
            "sum" => Axis(step) is int axis ? args[0].Sum(axis) : args[0].Sum(),
            "mean" => Axis(step) is int axis ? args[0].Mean(axis) : args[0].Mean(),
            "mse" => Loss.Mse(args[0], args[1]),
            "softmax_ce" => Loss.SoftmaxCrossEntropy(args[0], Ints(step.GetProperty("targets"))),
            _ => throw new NotSupportedException($"op {op}"),
        };
    }

    private static int? Axis(JsonElement step) =>
        step.TryGetProperty("axis", out JsonElement a) && a.ValueKind == JsonValueKind.Number ? a.GetInt32() : null;

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static void AssertClose(ReadOnlySpan<double> got, double[] want, string what)
    {
        Assert.That(got.Length, Is.EqualTo(want.Length), what);
        for (int i = 0; i < want.Length; i++)
        {
            double tol = Abs + Rel * Math.Abs(want[i]);
            Assert.That(Math.Abs(got[i] - want[i]), Is.LessThanOrEqualTo(tol), $"{what}[{i}]: got {got[i]:R}, want {want[i]:R}");
        }
    }
}
