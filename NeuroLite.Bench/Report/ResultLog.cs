using System.Text.Json;

namespace NeuroLite.Bench.Report;

/// <summary>One named value of a result row, with its unit (null for labels and counts without one).</summary>
public readonly record struct ResultField(string Name, object? Value, string? Unit);

/// <summary>One printed row: a section name and its fields, each value with its unit.</summary>
public sealed class ResultRow(string section)
{
    private readonly List<ResultField> _fields = [];

    /// <summary>The part of the run that printed the row: header, kernel, gemm, train-step, epoch, ...</summary>
    public string Section { get; } = section;

    /// <summary>The row's fields in print order.</summary>
    public IReadOnlyList<ResultField> Fields => _fields;

    /// <summary>The value of the field named <paramref name="name"/>, or null when the row has none.</summary>
    public object? Get(string name)
    {
        foreach (var f in _fields)
            if (f.Name == name) return f.Value;
        return null;
    }

    /// <summary>The number in the field named <paramref name="name"/> (integers widened), or NaN when there is none.</summary>
    public double Number(string name) => Get(name) switch
    {
        double d => d,
        long l => l,
        _ => double.NaN,
    };

    /// <summary>The text in the field named <paramref name="name"/>, or null.</summary>
    public string? Text(string name) => Get(name) as string;

    /// <summary>Adds a text field.</summary>
    public ResultRow Add(string name, string? value)
    {
        _fields.Add(new ResultField(name, value, null));
        return this;
    }

    /// <summary>Adds a number with its unit; NaN (nothing measured) is written to JSON as null.</summary>
    public ResultRow Add(string name, double value, string? unit = null)
    {
        _fields.Add(new ResultField(name, value, unit));
        return this;
    }

    /// <summary>Adds an integer with its unit.</summary>
    public ResultRow Add(string name, long value, string? unit = null)
    {
        _fields.Add(new ResultField(name, value, unit));
        return this;
    }

    /// <summary>Adds a flag.</summary>
    public ResultRow Add(string name, bool value)
    {
        _fields.Add(new ResultField(name, value, null));
        return this;
    }
}

/// <summary>
/// Prints the run's lines and keeps every row beside its printed text, so <c>--json</c> writes exactly what was printed
/// (one object per row, with a <c>units</c> object naming the unit of each numeric field). What reaches the screen is
/// up to its <see cref="IRunDisplay"/>: the plain text itself, or tables and live progress on a terminal.
/// </summary>
public sealed class ResultLog
{
    private readonly List<(ResultRow Row, string Text)> _rows = [];

    /// <summary>A log that prints plain text to <paramref name="output"/>.</summary>
    public ResultLog(TextWriter output)
        : this(output, new PlainDisplay(output))
    {
    }

    /// <summary>A log whose lines and rows go to <paramref name="display"/>.</summary>
    public ResultLog(TextWriter output, IRunDisplay display)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(display);
        Output = output;
        Display = display;
    }

    /// <summary>Where the printed text goes.</summary>
    public TextWriter Output { get; }

    /// <summary>What shows the lines and rows.</summary>
    public IRunDisplay Display { get; }

    /// <summary>The rows recorded so far.</summary>
    public int Count => _rows.Count;

    /// <summary>The rows recorded so far, in print order.</summary>
    public IEnumerable<ResultRow> Rows => _rows.Select(r => r.Row);

    /// <summary>Prints a line that is not a result (a title, a note).</summary>
    public void Line(string text = "") => Display.Line(text);

    /// <summary>Prints a table's column header line: plain text prints it; a display that draws tables has its own.</summary>
    public void Header(string text) => Display.Header(text);

    /// <summary>Prints <paramref name="text"/> and records <paramref name="row"/> as what it shows.</summary>
    public void Row(ResultRow row, string text)
    {
        ArgumentNullException.ThrowIfNull(row);
        _rows.Add((row, text));
        Display.Row(row, text);
    }

    /// <summary>Writes every recorded row to <paramref name="path"/> as a JSON array.</summary>
    public void WriteJson(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartArray();
        foreach (var (row, text) in _rows)
        {
            w.WriteStartObject();
            w.WriteString("section", row.Section);
            foreach (var f in row.Fields)
            {
                switch (f.Value)
                {
                    case null: w.WriteNull(f.Name); break;
                    case string s: w.WriteString(f.Name, s); break;
                    case bool b: w.WriteBoolean(f.Name, b); break;
                    case long l: w.WriteNumber(f.Name, l); break;
                    case double d when double.IsFinite(d): w.WriteNumber(f.Name, d); break;
                    case double: w.WriteNull(f.Name); break;
                    default: w.WriteString(f.Name, f.Value.ToString()); break;
                }
            }

            w.WriteStartObject("units");
            foreach (var f in row.Fields)
                if (f.Unit is not null) w.WriteString(f.Name, f.Unit);
            w.WriteEndObject();
            w.WriteString("text", text);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
