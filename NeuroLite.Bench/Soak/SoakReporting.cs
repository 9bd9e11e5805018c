using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace NeuroLite.Bench.Soak;

/// <summary>The soak's running totals after warm-up, as one progress line shows them.</summary>
internal readonly record struct Sample(long Steps, long Ticks, long Bytes, int Gen0, int Gen1, int Gen2, long Heap, long Rss, long RssGrowth, long AnonGrowth)
{
    public double MicrosecondsPerStep => Steps == 0 ? double.NaN : (double)Ticks / Stopwatch.Frequency * 1e6 / Steps;

    public double BytesPerStep => Steps == 0 ? 0 : (double)Bytes / Steps;
}

/// <summary>The resident set and its parts, in bytes: anonymous (heaps, stacks, the arena), file-backed (mapped code), shared (JIT code).</summary>
internal readonly record struct Rss(long Total, long Anon, long File, long Shmem);

/// <summary>
/// The resident set read from /proc/self/status (RssAnon, RssFile, RssShmem) through a handle opened once and a
/// buffer allocated once, so a read allocates nothing; where there is no procfs, <see cref="Environment.WorkingSet"/>.
/// </summary>
internal sealed class RssReader : IDisposable
{
    private readonly SafeFileHandle? _handle;
    private readonly byte[] _buffer = new byte[8192];

    public RssReader()
    {
        try
        {
            _handle = File.OpenHandle("/proc/self/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            _handle = null;
        }
    }

    public Rss Read()
    {
        if (_handle is null) return new Rss(Environment.WorkingSet, -1, -1, -1);
        int n = RandomAccess.Read(_handle, _buffer, 0);
        ReadOnlySpan<byte> text = _buffer.AsSpan(0, n);
        long anon = Field(text, "RssAnon:"u8), file = Field(text, "RssFile:"u8), shmem = Field(text, "RssShmem:"u8);
        if (anon < 0 || file < 0 || shmem < 0) return new Rss(Environment.WorkingSet, -1, -1, -1);
        return new Rss(anon + file + shmem, anon, file, shmem);
    }

    /// <summary>The value of a "Name:   1234 kB" line, in bytes, or -1.</summary>
    private static long Field(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name)
    {
        int at = text.IndexOf(name);
        if (at < 0) return -1;
        int i = at + name.Length;
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t') i++;
        long kb = 0;
        int start = i;
        for (; i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9'; i++) kb = kb * 10 + (text[i] - '0');
        return i == start ? -1 : kb * 1024;
    }

    public void Dispose() => _handle?.Dispose();
}

/// <summary>Formats a progress line into a buffer allocated once and writes it as a span: no allocation per line.</summary>
internal sealed class ProgressLine(TextWriter output)
{
    private static readonly int[] Widths = [12, 9, 10, 12, 6, 6, 6, 12, 12, 12, 12];
    private readonly char[] _buffer = new char[256];

    /// <summary>The column titles, aligned as the lines are.</summary>
    public static string Header { get; } = string.Join(' ', new[] { "steps", "µs/step", "B alloc", "B/step", "gen0", "gen1", "gen2", "heap B", "RSS B", "RSS Δ B", "anon Δ B" }
        .Select((t, k) => t.PadLeft(Widths[k])));

    public void Write(Sample s)
    {
        int n = Format(s, _buffer);
        output.Write(_buffer.AsSpan(0, n));
        output.WriteLine();
        output.Flush();
    }

    /// <summary>The same line as a string (for the result log, after the run).</summary>
    public static string Text(Sample s)
    {
        var buffer = new char[256];
        return new string(buffer, 0, Format(s, buffer));
    }

    private static int Format(Sample s, Span<char> dst)
    {
        int pos = 0;
        Column(dst, ref pos, 0, s.Steps);
        double us = s.MicrosecondsPerStep;
        Span<char> cell = stackalloc char[32];
        int len;
        if (double.IsNaN(us))
        {
            cell[0] = '-';
            len = 1;
        }
        else
        {
            us.TryFormat(cell, out len, "F2", CultureInfo.InvariantCulture);
        }

        Pad(dst, ref pos, 1, cell[..len]);
        Column(dst, ref pos, 2, s.Bytes);
        s.BytesPerStep.TryFormat(cell, out len, "0.###", CultureInfo.InvariantCulture);
        Pad(dst, ref pos, 3, cell[..len]);
        Column(dst, ref pos, 4, s.Gen0);
        Column(dst, ref pos, 5, s.Gen1);
        Column(dst, ref pos, 6, s.Gen2);
        Column(dst, ref pos, 7, s.Heap);
        Column(dst, ref pos, 8, s.Rss);
        Column(dst, ref pos, 9, s.RssGrowth);
        Column(dst, ref pos, 10, s.AnonGrowth);
        return pos;
    }

    private static void Column(Span<char> dst, ref int pos, int k, long value)
    {
        Span<char> cell = stackalloc char[24];
        value.TryFormat(cell, out int len, default, CultureInfo.InvariantCulture);
        Pad(dst, ref pos, k, cell[..len]);
    }

    private static void Pad(Span<char> dst, ref int pos, int k, ReadOnlySpan<char> text)
    {
        if (k > 0) dst[pos++] = ' ';
        for (int p = text.Length; p < Widths[k]; p++) dst[pos++] = ' ';
        text.CopyTo(dst[pos..]);
        pos += text.Length;
    }
}

/// <summary>
/// The soak command's output: passes text through, except while <see cref="Muted"/>, when the progress rows already
/// printed live are recorded into the result log a second time (for --json) without being printed twice.
/// </summary>
public sealed class SoakWriter(TextWriter inner) : TextWriter
{
    /// <summary>While true, nothing is written.</summary>
    public bool Muted { get; set; }

    /// <inheritdoc/>
    public override System.Text.Encoding Encoding => inner.Encoding;

    /// <inheritdoc/>
    public override void Write(char value)
    {
        if (!Muted) inner.Write(value);
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (!Muted) inner.Write(buffer);
    }

    /// <inheritdoc/>
    public override void Write(string? value)
    {
        if (!Muted) inner.Write(value);
    }

    /// <inheritdoc/>
    public override void WriteLine(string? value)
    {
        if (!Muted) inner.WriteLine(value);
    }

    /// <inheritdoc/>
    public override void WriteLine()
    {
        if (!Muted) inner.WriteLine();
    }

    /// <inheritdoc/>
    public override void Flush() => inner.Flush();
}
