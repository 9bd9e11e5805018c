using NeuroLite.Bench;
using NeuroLite.Bench.Report;
using Spectre.Console;

namespace NeuroLite.Tests.Bench;

/// <summary>What the bench prints: plain, stable text when the output is not a terminal; tables on a terminal.</summary>
public class BenchOutputTests
{
    private static (int Code, string Out, string Err) Run(IAnsiConsole? console, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = BenchApp.Run(args, output, error, console);
        return (code, output.ToString(), error.ToString());
    }

    private static (IAnsiConsole Console, StringWriter Screen) Terminal()
    {
        var screen = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(screen),
        });
        console.Profile.Width = 200;
        return (console, screen);
    }

    [Test]
    public void Output_that_is_not_a_terminal_is_the_plain_text_of_the_rows()
    {
        var (code, stdout, stderr) = Run(null, "kernels", "--quick", "--filter", "Relu");
        Assert.That(code, Is.EqualTo(BenchApp.Ok), stderr);
        Assert.That(stdout, Does.Not.Contain("\u001b"), "no escape sequences");
        Assert.That(stdout, Does.Not.Contain("│").And.Not.Contain("━"), "no table borders, no progress bar");
        var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        // The column header line and one fixed-width line per row, as logs and scripts have always read them.
        Assert.That(lines.Any(l => l.StartsWith("kernel ", StringComparison.Ordinal) && l.Contains("NeuroLite", StringComparison.Ordinal) && l.Contains("x ref", StringComparison.Ordinal)));
        Assert.That(lines.Count(l => l.StartsWith("Unary.Relu", StringComparison.Ordinal)), Is.EqualTo(2), "Relu and ReluBackward");
        Assert.That(lines.First(l => l.StartsWith("Unary.Relu ", StringComparison.Ordinal)), Does.Match(@"^Unary\.Relu +1,000 +\d"));
        Assert.That(lines.Any(l => l.StartsWith("done in ", StringComparison.Ordinal)));
    }

    [Test]
    public void A_terminal_gets_tables_with_units_and_the_same_rows()
    {
        var (console, screen) = Terminal();
        var (code, stdout, stderr) = Run(console, "kernels", "--quick", "--filter", "Relu");
        Assert.That(code, Is.EqualTo(BenchApp.Ok), stderr);
        Assert.That(stdout, Is.Empty, "everything goes to the terminal");
        string text = screen.ToString();
        Assert.That(text, Does.Contain("NeuroLite ns/el").And.Contain("× ref").And.Contain("× TP"), "a table header with units");
        Assert.That(text, Does.Contain("│ Unary.Relu ").And.Contain("│ Unary.ReluBackward "));
        Assert.That(text, Does.Contain("kernels: 2/2"), "the live progress line counted both rows");
        Assert.That(text, Does.Contain("NeuroLite bench,"), "the header is printed as it is");
    }

    [Test]
    public void Plain_forces_plain_text_even_on_a_terminal()
    {
        var (console, screen) = Terminal();
        var (code, stdout, stderr) = Run(console, "kernels", "--quick", "--filter", "ReluBackward", "--plain");
        Assert.That(code, Is.EqualTo(BenchApp.Ok), stderr);
        Assert.That(screen.ToString(), Is.Empty);
        Assert.That(stdout, Does.Contain("Unary.ReluBackward").And.Not.Contain("│"));
    }

    [Test]
    public void Terminal_tables_are_laid_out_per_section_and_run()
    {
        var epoch = new ResultRow("epoch").Add("run", "xor").Add("epoch", 200L, "step").Add("loss", 0.25, "mse")
            .Add("train_accuracy", 0.75, "fraction").Add("test_accuracy", 0.5, "fraction").Add("us_per_step", 12.5, "µs/step").Add("learning_rate", 0.1);
        Assert.That(TableLayouts.KeyOf(epoch), Is.EqualTo("epoch:xor"));
        Assert.That(TableLayouts.KeyOf(new ResultRow("xor-final")), Is.Null, "rows without a layout print their text");
        var columns = TableLayouts.For(epoch);
        Assert.That(columns.Select(c => c.Header), Is.EqualTo(new[] { "step", "loss (mse)", "train acc %", "test acc %", "µs/step", "lr" }));
        Assert.That(columns.Select(c => c.Cell(epoch)), Is.EqualTo(new[] { "200", "0.250000", "75.0", "50.0", "12.50", "1.0e-1" }));
    }
}
