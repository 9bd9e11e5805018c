using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace NeuroLite.Bench.Report;

/// <summary>
/// An interactive terminal: result rows become aligned tables with units (<see cref="TableLayouts"/>), and each long part
/// of the run shows a live progress line (rows done, elapsed, time left) under its growing tables. Used only when the
/// output is a terminal: redirected output gets <see cref="PlainDisplay"/>, so logs and pipes read the same as ever.
/// </summary>
public sealed class TerminalDisplay(IAnsiConsole console) : IRunDisplay
{
    private LivePart? _part;

    /// <summary>True when this process's standard output is an interactive terminal that Spectre.Console can draw on.</summary>
    public static bool IsInteractiveTerminal =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <inheritdoc/>
    public void Line(string text)
    {
        if (_part is { } part) part.AddText(text);
        else console.Write(new Text(text + Environment.NewLine));
    }

    /// <inheritdoc/>
    public void Header(string text)
    {
        // The tables have their own header row; outside a part (no table) the line is shown as it is.
        if (_part is null) Line(text);
    }

    /// <inheritdoc/>
    public void Row(ResultRow row, string text)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (_part is { } part) part.AddRow(row, text);
        else Line(text);
    }

    /// <inheritdoc/>
    public void Part(string title, int expectedRows, Func<ResultRow, bool> counts, Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (_part is not null)
        {
            work();
            return;
        }

        var part = new LivePart(title, expectedRows, counts);
        _part = part;
        try
        {
            console.Live(part.Render(live: true))
                .AutoClear(true)
                .Overflow(VerticalOverflow.Ellipsis)
                .Cropping(VerticalOverflowCropping.Top)
                .Start(ctx =>
                {
                    part.Attach(ctx);
                    using var timer = new Timer(_ => part.Refresh(), null, 500, 500);
                    work();
                    part.Detach();
                });
        }
        finally
        {
            _part = null;
            // The live view showed the bottom of what fits; the part is printed whole, tables and all (what was done of
            // it when it failed).
            console.Write(part.Render(live: false));
        }
    }

    /// <inheritdoc/>
    public T Status<T>(string text, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return console.Status().Start(text, _ => work());
    }

    /// <summary>What one part has shown so far: text lines and tables in order, and its progress.</summary>
    private sealed class LivePart(string title, int expected, Func<ResultRow, bool> counts)
    {
        private readonly List<object> _blocks = []; // List<string> (text lines) or TableBlock
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _lock = new();
        private LiveDisplayContext? _ctx;
        private int _done;
        private string _last = "";

        public void Attach(LiveDisplayContext ctx)
        {
            lock (_lock) _ctx = ctx;
        }

        public void Detach()
        {
            lock (_lock) _ctx = null;
        }

        public void AddText(string text)
        {
            lock (_lock)
            {
                if (_blocks.Count == 0 || _blocks[^1] is not List<string> lines) _blocks.Add(lines = []);
                lines.Add(text);
            }

            Refresh();
        }

        public void AddRow(ResultRow row, string text)
        {
            lock (_lock)
            {
                if (counts(row))
                {
                    _done++;
                    _last = row.Fields.FirstOrDefault(f => f.Value is string).Value as string ?? "";
                }

                string? key = TableLayouts.KeyOf(row);
                if (key is null)
                {
                    if (_blocks.Count == 0 || _blocks[^1] is not List<string> lines) _blocks.Add(lines = []);
                    lines.Add(text);
                }
                else
                {
                    if (_blocks.Count == 0 || _blocks[^1] is not TableBlock table || table.Key != key)
                        _blocks.Add(table = new TableBlock(key, TableLayouts.For(row)));
                    table.Rows.Add([.. table.Columns.Select(c => c.Cell(row))]);
                }
            }

            Refresh();
        }

        public void Refresh()
        {
            lock (_lock)
            {
                if (_ctx is null) return;
                _ctx.UpdateTarget(Render(live: true));
                _ctx.Refresh();
            }
        }

        public Rows Render(bool live)
        {
            lock (_lock)
            {
                var items = new List<IRenderable>();
                foreach (object block in _blocks)
                {
                    if (block is List<string> lines)
                    {
                        // Blank lines at the edges of a text block would double the spacing around the tables.
                        var trimmed = lines.SkipWhile(l => l.Length == 0).Reverse().SkipWhile(l => l.Length == 0).Reverse().ToList();
                        if (trimmed.Count > 0) items.Add(new Text(string.Join(Environment.NewLine, trimmed)));
                    }
                    else if (block is TableBlock t)
                    {
                        items.Add(t.ToTable());
                    }
                }

                if (live) items.Add(new Markup(ProgressLine()));
                items.Add(new Text(""));
                return new Rows(items);
            }
        }

        private string ProgressLine()
        {
            const int Width = 30;
            double seconds = _clock.Elapsed.TotalSeconds;
            if (expected <= 0)
            {
                // A part with no row count to go by (profile): a moving marker and the time so far.
                int at = (int)(seconds * 4) % Width;
                return string.Create(CultureInfo.InvariantCulture,
                    $"[grey]{new string('━', at)}[/][green]━[/][grey]{new string('━', Width - 1 - at)}[/] {Markup.Escape(title)}: {_done} rows, {seconds:0.0} s");
            }

            double fraction = expected > 0 ? Math.Min(1, (double)_done / expected) : 0;
            int filled = (int)Math.Round(fraction * Width);
            string left = _done > 0 && _done < expected
                ? string.Create(CultureInfo.InvariantCulture, $", about {seconds / _done * (expected - _done):0} s left")
                : "";
            return string.Create(CultureInfo.InvariantCulture,
                $"[green]{new string('━', filled)}[/][grey]{new string('━', Width - filled)}[/] {Markup.Escape(title)}: {_done}/{expected}, {seconds:0.0} s{left}  [grey]{Markup.Escape(_last)}[/]");
        }
    }

    private sealed class TableBlock(string key, IReadOnlyList<TableColumnLayout> columns)
    {
        public string Key { get; } = key;

        public IReadOnlyList<TableColumnLayout> Columns { get; } = columns;

        public List<string[]> Rows { get; } = [];

        public Table ToTable()
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var c in Columns)
            {
                var column = new TableColumn(new Text(c.Header));
                table.AddColumn(c.Left ? column.LeftAligned() : column.RightAligned());
            }

            foreach (string[] cells in Rows) table.AddRow(cells.Select(c => (IRenderable)new Text(c)));
            return table;
        }
    }
}
