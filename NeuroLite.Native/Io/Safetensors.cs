using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using NeuroLite.Kernels;

namespace NeuroLite;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (<c>{"name": {"dtype": "F64", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}</c>, offsets
/// relative to the data buffer), then the little-endian, C-order data buffer. F64 is written; F64 and F32 are read
/// (F32 widened to double). Every malformed file is rejected with an <see cref="InvalidDataException"/> that names the
/// file and, where there is one, the tensor; nothing is written anywhere before the whole file has been validated.
/// </summary>
/// <remarks>
/// Saving is atomic: the bytes go to a temporary file in the target's folder, are flushed to disk, and the temporary
/// file is then renamed over the target, so a crash leaves either the old file or the new one, never half of one.
/// Models save through <see cref="MLP.Save(string)"/> and <see cref="Layer.Save(string)"/> in PyTorch's
/// <c>nn.Linear</c> layout.
/// </remarks>
public static class Safetensors
{
    /// <summary>The largest header accepted (the reference implementation's limit): a larger length means a corrupt or hostile file.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    // ---------------------------------------------------------------- public API: plain named tensors

    /// <summary>Saves named tensors (parameters or tape tensors) as F64, atomically, with optional string metadata.</summary>
    /// <exception cref="ArgumentException">A name is empty, repeated or <c>__metadata__</c>.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        List<Entry> entries = Collect(tensors);
        WriteAtomically(path, s => Write(s, entries, metadata));
    }

    /// <summary>Writes named tensors as F64 to <paramref name="stream"/> (from its current position).</summary>
    /// <exception cref="ArgumentException">A name is empty, repeated or <c>__metadata__</c>.</exception>
    public static void Save(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Write(stream, Collect(tensors), metadata);
    }

    /// <summary>Reads and validates a whole safetensors file.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file and the tensor.</exception>
    public static SafetensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(fs, path);
    }

    /// <summary>Reads and validates a safetensors file from <paramref name="stream"/> (from its current position to its end).</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="sourceName">What error messages call the file.</param>
    /// <exception cref="InvalidDataException">The content is malformed; the message names the source and the tensor.</exception>
    public static SafetensorsFile Read(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Parse(stream, sourceName);
    }

    /// <summary>
    /// Loads a file into existing tensors by name: the file must hold exactly these names, each with the tensor's
    /// shape. Everything is validated before the first value is written, so on any error every tensor is unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed, or its names or shapes differ from the targets'.</exception>
    public static void LoadInto(string path, IEnumerable<KeyValuePair<string, Tensor>> targets)
    {
        SafetensorsFile file = Read(path);
        Assign(file, TargetsOf(targets));
    }

    /// <summary>As <see cref="LoadInto(string, IEnumerable{KeyValuePair{string, Tensor}})"/>, from a stream.</summary>
    /// <exception cref="InvalidDataException">The content is malformed, or its names or shapes differ from the targets'.</exception>
    public static void LoadInto(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> targets, string sourceName = "<stream>")
    {
        SafetensorsFile file = Read(stream, sourceName);
        Assign(file, TargetsOf(targets));
    }

    // ---------------------------------------------------------------- writing

    /// <summary>One tensor to write: its name, its shape as stored and its values in that shape's C order.</summary>
    internal readonly record struct Entry(string Name, int[] Shape, double[] Values);

    private static List<Entry> Collect(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, Tensor t) in tensors)
        {
            CheckName(name, names, nameof(tensors));
            entries.Add(new Entry(name, t.Shape.ToArray(), t.ToArray()));
        }
        return entries;
    }

    internal static void CheckName(string name, HashSet<string> seen, string paramName)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("safetensors: a tensor name is empty.", paramName);
        if (name == MetadataKey) throw new ArgumentException($"safetensors: '{MetadataKey}' is reserved for metadata and cannot name a tensor.", paramName);
        if (!seen.Add(name)) throw new ArgumentException($"safetensors: the tensor name '{name}' appears twice.", paramName);
    }

    /// <summary>Writes the header (metadata first, tensors in order, padded with spaces to a multiple of 8 bytes) and the F64 data.</summary>
    internal static void Write(Stream stream, IReadOnlyList<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach ((string key, string value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(key, value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (Entry e in entries)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", "F64");
                w.WriteStartArray("shape");
                foreach (int d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += 8L * e.Values.Length;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        // Padding the header to 8 bytes keeps the data buffer 8-byte aligned for readers that map the file.
        int padded = (int)((json.Length + 7) / 8 * 8);
        while (json.Length < padded) json.WriteByte((byte)' ');

        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        stream.Write(len);
        json.Position = 0;
        json.CopyTo(stream);
        byte[] chunk = new byte[8 * 1024];
        foreach (Entry e in entries)
        {
            int k = 0;
            while (k < e.Values.Length)
            {
                int n = Math.Min(chunk.Length / 8, e.Values.Length - k);
                for (int j = 0; j < n; j++) BinaryPrimitives.WriteDoubleLittleEndian(chunk.AsSpan(8 * j), e.Values[k + j]);
                stream.Write(chunk, 0, 8 * n);
                k += n;
            }
        }
        stream.Flush();
    }

    /// <summary>Writes through a temporary file in the target's folder, flushed to disk, then renamed over the target.</summary>
    internal static void WriteAtomically(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"safetensors: '{path}' names no file.", nameof(path));
        string temp = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            // File.Exists never throws, so the original exception is what the caller sees.
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
    }

    // ---------------------------------------------------------------- reading

    private readonly record struct Header(string Name, string DType, int[] Shape, long Count, ulong Begin, ulong End);

    private static InvalidDataException Bad(string source, string message) =>
        new($"safetensors file '{source}': {message}");

    private static InvalidDataException Bad(string source, string tensor, string message) =>
        new($"safetensors file '{source}': tensor '{tensor}': {message}");

    private static SafetensorsFile Parse(Stream stream, string source)
    {
        Span<byte> lenBytes = stackalloc byte[8];
        int got = ReadFully(stream, lenBytes);
        if (got < 8)
            throw Bad(source, $"truncated: {got} bytes, fewer than the 8-byte header length that starts every safetensors file.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (headerLength > MaxHeaderBytes)
            throw Bad(source, $"header too large: the header length says {headerLength} bytes, more than the {MaxHeaderBytes} accepted (a corrupt file, or not a safetensors file).");
        long remaining = stream.CanSeek ? stream.Length - stream.Position : -1;
        if (remaining >= 0 && headerLength > (ulong)remaining)
            throw Bad(source, $"header length past the end of the file: the header length says {headerLength} bytes but only {remaining} bytes follow it.");

        byte[] header = new byte[(int)headerLength];
        got = ReadFully(stream, header);
        if (got < header.Length)
            throw Bad(source, $"header length past the end of the file: the header length says {headerLength} bytes but only {got} bytes follow it.");

        (List<Header> tensors, Dictionary<string, string> metadata) = ParseHeader(header, source);

        byte[] data = ReadRest(stream, source);
        ValidateOffsets(tensors, data.LongLength, source);

        var result = new List<SafetensorsTensor>(tensors.Count);
        foreach (Header h in tensors)
        {
            var values = new double[h.Count];
            ReadOnlySpan<byte> bytes = data.AsSpan((int)h.Begin, (int)(h.End - h.Begin));
            if (h.DType == "F64")
                for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * k)..]);
            else
                for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * k)..]);
            result.Add(new SafetensorsTensor(h.Name, h.DType, h.Shape, values));
        }
        return new SafetensorsFile(source, result, metadata);
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static byte[] ReadRest(Stream stream, string source)
    {
        if (stream.CanSeek)
        {
            long rest = stream.Length - stream.Position;
            if (rest > Array.MaxLength)
                throw Bad(source, $"the data buffer holds {rest} bytes, more than one array can (NeuroLite reads a file whole).");
            byte[] data = new byte[rest];
            ReadFully(stream, data);
            return data;
        }
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }

    private static (List<Header>, Dictionary<string, string>) ParseHeader(byte[] header, string source)
    {
        var tensors = new List<Header>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Bad(source, $"the header is not a JSON object (it starts with {Describe(reader)}).");
            while (true)
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string name = reader.GetString()!;
                // System.Text.Json keeps the last of two equal keys without a word; the format forbids them, so check here.
                if (!seen.Add(name))
                    throw Bad(source, name, "the name appears twice in the header.");
                reader.Read();
                if (name == MetadataKey) ReadMetadata(ref reader, metadata, source);
                else tensors.Add(ReadTensorHeader(ref reader, name, source));
            }
            if (reader.Read())
                throw Bad(source, $"the header has content after its JSON object ({Describe(reader)}).");
        }
        catch (JsonException e)
        {
            throw Bad(source, $"the header is not valid JSON: {e.Message}");
        }
        return (tensors, metadata);
    }

    private static string Describe(Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.None => "nothing",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string source)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Bad(source, MetadataKey, $"must be an object of strings, found {Describe(reader)}.");
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Bad(source, MetadataKey, $"the value of '{key}' must be a string, found {Describe(reader)}.");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Bad(source, MetadataKey, $"the key '{key}' appears twice.");
        }
    }

    private static readonly string[] s_otherDTypes =
        ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32", "I64", "U64", "C64", "F4", "F6_E2M3", "F6_E3M2"];

    private static Header ReadTensorHeader(ref Utf8JsonReader reader, string name, string source)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Bad(source, name, $"its entry must be an object with dtype, shape and data_offsets, found {Describe(reader)}.");
        string? dtype = null;
        int[]? shape = null;
        ulong[]? offsets = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string key = reader.GetString()!;
            reader.Read();
            switch (key)
            {
                case "dtype" when dtype is null:
                    if (reader.TokenType != JsonTokenType.String) throw Bad(source, name, $"dtype must be a string, found {Describe(reader)}.");
                    dtype = reader.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadShape(ref reader, name, source);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadOffsets(ref reader, name, source);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw Bad(source, name, $"'{key}' appears twice in its entry.");
                default:
                    throw Bad(source, name, $"unexpected key '{key}' in its entry (a tensor has dtype, shape and data_offsets).");
            }
        }
        if (dtype is null) throw Bad(source, name, "its entry has no dtype.");
        if (shape is null) throw Bad(source, name, "its entry has no shape.");
        if (offsets is null) throw Bad(source, name, "its entry has no data_offsets.");
        if (dtype is not ("F64" or "F32"))
        {
            throw Array.IndexOf(s_otherDTypes, dtype) >= 0
                ? Bad(source, name, $"dtype {dtype} is not supported: NeuroLite reads F64 and F32.")
                : Bad(source, name, $"unknown dtype '{dtype}' (NeuroLite reads F64 and F32).");
        }
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count > Array.MaxLength)
                throw Bad(source, name, $"shape {Shapes.Format(shape)} has more elements than one array can hold.");
        }
        if (offsets[0] > offsets[1])
            throw Bad(source, name, $"data_offsets [{offsets[0]}, {offsets[1]}] end before they begin.");
        long size = count * (dtype == "F64" ? 8 : 4);
        if (offsets[1] - offsets[0] != (ulong)size)
            throw Bad(source, name, $"data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]} bytes, but shape {Shapes.Format(shape)} x {dtype} needs {size}.");
        return new Header(name, dtype, shape, count, offsets[0], offsets[1]);
    }

    private static int[] ReadShape(ref Utf8JsonReader reader, string name, string source)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad(source, name, $"shape must be an array of integers, found {Describe(reader)}.");
        var dims = new List<int>(4);
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray) return [.. dims];
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int d) || d < 0)
                throw Bad(source, name, "shape must hold non-negative integers that fit in 32 bits.");
            dims.Add(d);
        }
    }

    private static ulong[] ReadOffsets(ref Utf8JsonReader reader, string name, string source)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad(source, name, $"data_offsets must be an array of two integers, found {Describe(reader)}.");
        var values = new List<ulong>(2);
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray) break;
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong v))
                throw Bad(source, name, "data_offsets must hold non-negative integers.");
            values.Add(v);
        }
        if (values.Count != 2) throw Bad(source, name, $"data_offsets must hold exactly two integers [begin, end], found {values.Count}.");
        return [.. values];
    }

    /// <summary>Every tensor inside the buffer; no two overlapping; and no byte of the buffer left to nobody (as the format requires).</summary>
    private static void ValidateOffsets(List<Header> tensors, long bufferLength, string source)
    {
        foreach (Header h in tensors)
        {
            if (h.End > (ulong)bufferLength)
                throw Bad(source, h.Name, $"data_offsets [{h.Begin}, {h.End}] run past the end of the data buffer ({bufferLength} bytes): the file is truncated or the offsets are out of range.");
        }
        var order = tensors.OrderBy(h => h.Begin).ThenBy(h => h.End).ToList();
        ulong covered = 0;
        string? previous = null;
        foreach (Header h in order)
        {
            if (h.Begin < covered)
                throw Bad(source, h.Name, $"data_offsets [{h.Begin}, {h.End}] overlap those of tensor '{previous}' (which end at {covered}).");
            if (h.Begin > covered)
                throw Bad(source, h.Name, $"data_offsets begin at {h.Begin}, leaving bytes {covered}..{h.Begin} of the data buffer to no tensor.");
            if (h.End > h.Begin || previous is null)
            {
                covered = h.End;
                previous = h.Name;
            }
        }
        if (covered != (ulong)bufferLength)
            throw Bad(source, $"the data buffer holds {bufferLength} bytes but the tensors cover {covered}: {bufferLength - (long)covered} bytes at the end belong to no tensor.");
    }

    // ---------------------------------------------------------------- loading into tensors

    /// <summary>A target of a load: a tensor, and whether the file stores it transposed (nn.Linear's weight is (out, in); a Layer's W is (in, out)).</summary>
    internal readonly record struct Target(string Name, Tensor Tensor, bool Transposed);

    private static List<Target> TargetsOf(IEnumerable<KeyValuePair<string, Tensor>> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var list = new List<Target>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, Tensor t) in targets)
        {
            CheckName(name, names, nameof(targets));
            t.Check();
            list.Add(new Target(name, t, false));
        }
        return list;
    }

    /// <summary>
    /// Checks that the file holds exactly the targets' names with their shapes (as stored), then copies every value.
    /// Nothing is written until every check has passed.
    /// </summary>
    internal static void Assign(SafetensorsFile file, IReadOnlyList<Target> targets)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (Target target in targets)
        {
            wanted.Add(target.Name);
            ReadOnlySpan<int> shape = target.Tensor.Shape;
            int[] stored = target.Transposed ? [shape[1], shape[0]] : shape.ToArray();
            if (!file.TryGetTensor(target.Name, out SafetensorsTensor? t))
                throw Bad(file.Source, target.Name, $"the model has this tensor (shape {Shapes.Format(stored)}) but the file does not.");
            if (!t.Shape.SequenceEqual(stored))
                throw Bad(file.Source, target.Name, $"shape {Shapes.Format(t.Shape)} in the file, but the model's is {Shapes.Format(stored)}{(target.Transposed ? " (nn.Linear layout: (out, in))" : "")}.");
        }
        foreach (SafetensorsTensor t in file.Tensors)
        {
            if (!wanted.Contains(t.Name))
                throw Bad(file.Source, t.Name, $"the model has no tensor of this name (it has {string.Join(", ", targets.Select(x => x.Name))}).");
        }
        foreach (Target target in targets)
        {
            SafetensorsTensor t = file[target.Name];
            if (!target.Transposed)
            {
                target.Tensor.CopyFrom(t.Values);
                continue;
            }
            int rows = t.ShapeArray[0], cols = t.ShapeArray[1];
            var values = new double[t.ValueArray.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) values[c * rows + r] = t.ValueArray[r * cols + c];
            target.Tensor.CopyFrom(values);
        }
    }

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
