namespace NeuroLite.Bench.Report;

/// <summary>
/// Where a run's lines and rows are shown: <see cref="PlainDisplay"/> writes the plain text (logs, pipes, CI, tests);
/// <see cref="TerminalDisplay"/> draws tables and a live progress line on an interactive terminal.
/// </summary>
public interface IRunDisplay
{
    /// <summary>A line that is not a result: a title, a note, a blank line.</summary>
    void Line(string text);

    /// <summary>A table's column header line (a display that draws tables has its own header).</summary>
    void Header(string text);

    /// <summary>A result row and its plain text.</summary>
    void Row(ResultRow row, string text);

    /// <summary>
    /// Runs <paramref name="work"/>, one part of the run (the kernel sweep, the GEMM sizes, training, ...), that is
    /// expected to record <paramref name="expectedRows"/> rows for which <paramref name="counts"/> is true: a terminal
    /// shows its progress against that count while it runs.
    /// </summary>
    void Part(string title, int expectedRows, Func<ResultRow, bool> counts, Action work);

    /// <summary>Runs <paramref name="work"/>, a short step with no rows (the header's measurements), under a status line.</summary>
    T Status<T>(string text, Func<T> work);
}

/// <summary>The plain text, exactly as recorded for <c>--json</c>: stable for logs and scripts.</summary>
public sealed class PlainDisplay(TextWriter output) : IRunDisplay
{
    /// <inheritdoc/>
    public void Line(string text)
    {
        output.WriteLine(text);
        output.Flush();
    }

    /// <inheritdoc/>
    public void Header(string text) => Line(text);

    /// <inheritdoc/>
    public void Row(ResultRow row, string text) => Line(text);

    /// <inheritdoc/>
    public void Part(string title, int expectedRows, Func<ResultRow, bool> counts, Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        work();
    }

    /// <inheritdoc/>
    public T Status<T>(string text, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return work();
    }
}
