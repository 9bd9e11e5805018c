using System.Diagnostics;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// Tensor.ToDot(): the recorded graph as Graphviz DOT, with micrograd's boxes (label, shape, data, grad) and op nodes.
/// The DOT of several graphs is fed to Graphviz's <c>dot</c> when it is on PATH (CI installs it).
/// </summary>
public class DotTests
{
    private static (Tensor A, Tensor E) SeedScalarExample(Tape tape)
    {
        var a = tape.Scalar(2.0, label: "a");
        var b = tape.Scalar(3.0, label: "b");
        var c = (a * b).WithLabel("c");
        var d = (c + a).WithLabel("d");
        var e = d.Tanh().WithLabel("e");
        return (a, e);
    }

    [Test]
    public void The_seed_scalar_example_draws_as_micrograd_does()
    {
        using var tape = new Tape();
        (Tensor a, Tensor e) = SeedScalarExample(tape);
        string before = e.ToDot();
        Assert.That(before, Does.Contain("label=\"{ a | () | data 2 | grad 0 }\""), "no Backward yet: gradients are zero");

        e.Backward();
        int nodes = tape.NodeCount;
        double aGrad = a.GradItem;
        string dot = e.ToDot();
        TestContext.Out.WriteLine(dot);
        // docs/images/scalar-graph.svg is this text rendered: NEUROLITE_WRITE_DOT=file.dot, then dot -Tsvg file.dot.
        if (Environment.GetEnvironmentVariable("NEUROLITE_WRITE_DOT") is { Length: > 0 } dotFile) File.WriteAllText(dotFile, dot);
        Assert.That(dot, Does.StartWith("digraph neurolite {"));
        Assert.That(dot, Does.Contain("label=\"{ a | () | data 2 | grad 1.8005623907413337E-06 }\""));
        Assert.That(dot, Does.Contain("label=\"{ b | () | data 3 | grad 9.002811953706669E-07 }\""));
        Assert.That(dot, Does.Contain("label=\"{ e | () | data 0.9999997749296758 | grad 1 }\""));
        Assert.That(dot, Does.Contain("label=\"{ d | () | data 8 | grad "));
        Assert.That(CountOf(dot, "shape=record"), Is.EqualTo(5), "a, b, c, d, e");
        Assert.That(CountOf(dot, "shape=ellipse"), Is.EqualTo(3), "*, +, tanh");
        Assert.That(dot, Does.Contain("label=\"*\"").And.Contain("label=\"+\"").And.Contain("label=\"tanh\""));
        Assert.That(CountOf(dot, "->"), Is.EqualTo(3 + 5), "one edge out of each op, one into it per input (a twice)");
        Assert.That(tape.NodeCount, Is.EqualTo(nodes), "drawing records nothing");
        Assert.That(a.GradItem, Is.EqualTo(aGrad));
        Render(dot);
    }

    [Test]
    public void Only_what_the_root_depends_on_is_drawn()
    {
        using var tape = new Tape();
        var x = tape.Scalar(1.0, "x");
        _ = (x * 5.0).WithLabel("unrelated");
        var y = (x + 2.0).WithLabel("y");
        string dot = y.ToDot();
        Assert.That(dot, Does.Not.Contain("unrelated"));
        Assert.That(dot, Does.Contain("label=\"+ 2\""));
        Assert.That(CountOf(dot, "shape=record"), Is.EqualTo(2));
        Render(dot);
    }

    [Test]
    public void A_training_graph_with_parameters_and_matrices_renders()
    {
        var model = new MLP(2, [4], 1, seed: 0);
        using var tape = new Tape();
        var x = tape.Input(new double[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } }, "x");
        var y = tape.Input(new double[,] { { 0 }, { 1 }, { 1 }, { 0 } }, "y");
        var loss = Loss.Mse(model.Forward(x), y).WithLabel("loss");
        loss.Backward();
        string dot = loss.ToDot();
        TestContext.Out.WriteLine(dot);
        Assert.That(dot, Does.Contain("label=\"linear tanh\"").And.Contain("label=\"linear\"").And.Contain("label=\"mse\""));
        Assert.That(dot, Does.Contain("{ W | (2, 4) }").And.Contain("{ x | (4, 2) }"));
        Assert.That(CountOf(dot, "fillcolor"), Is.EqualTo(4), "the four parameters are shaded");
        Assert.That(dot, Does.Contain("{ loss | () | data "));
        Render(dot);

        // The seed's matrix example, and labels that need escaping.
        Tape.Default.Reset();
        var X = Tensor.FromArray(new[,] { { 1.0, 2.0 }, { 3.0, 4.0 } }, "X {in|put} \"quoted\" <1>");
        var Wm = Tensor.FromArray(new[,] { { 0.5, -1.0 }, { 2.0, 1.5 } }, "W\\m");
        var b = Tensor.FromArray(new[] { 1.0, -2.0 }, "b\nnewline");
        var s = (X.MatMul(Wm) + b).Tanh().Sum();
        s.Backward();
        string escaped = s.ToDot();
        Assert.That(escaped, Does.Contain("X \\{in\\|put\\} \\\"quoted\\\" \\<1\\>"));
        Render(escaped);

        var p = Tensor.Parameter([4.0], [1], "lonely");
        Render(p.ToDot());
        Assert.That(p.ToDot(), Does.Contain("{ lonely | (1,) | data 4 | grad 0 }"));
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int k = text.IndexOf(what, StringComparison.Ordinal); k >= 0; k = text.IndexOf(what, k + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Runs <c>dot -Tsvg</c> on the text: it must exit 0, print no warning, and produce an SVG.</summary>
    private static void Render(string dot)
    {
        string? exe = FindDot();
        if (exe is null)
        {
            Assert.Ignore("Graphviz's dot is not on PATH (apt-get install graphviz): the DOT text was checked, its rendering was not.");
            return;
        }
        var info = new ProcessStartInfo(exe, "-Tsvg") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process p = Process.Start(info)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        Task<string> svg = p.StandardOutput.ReadToEndAsync();
        p.StandardInput.Write(dot);
        p.StandardInput.Close();
        p.WaitForExit();
        Assert.That(err.Result, Is.Empty, "dot printed warnings or errors");
        Assert.That(p.ExitCode, Is.Zero);
        Assert.That(svg.Result, Does.Contain("<svg"));
    }

    private static string? FindDot()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            string candidate = Path.Combine(dir, "dot");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
