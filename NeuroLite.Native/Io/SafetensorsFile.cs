namespace NeuroLite;

/// <summary>One tensor read from a safetensors file: its name, the dtype it was stored in, its shape and its values (F32 widened to double).</summary>
public sealed class SafetensorsTensor
{
    private readonly int[] _shape;
    private readonly double[] _values;

    internal SafetensorsTensor(string name, string dtype, int[] shape, double[] values)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        _values = values;
    }

    /// <summary>The tensor's name in the file (for example <c>0.weight</c>).</summary>
    public string Name { get; }

    /// <summary>The dtype it was stored in: <c>F64</c> or <c>F32</c>.</summary>
    public string DType { get; }

    /// <summary>The dimensions, C order (empty for a 0-d tensor).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The values, row-major (C order), as doubles.</summary>
    public ReadOnlySpan<double> Values => _values;

    internal int[] ShapeArray => _shape;

    internal double[] ValueArray => _values;
}

/// <summary>
/// The content of a safetensors file, fully validated: its tensors in header order and its <c>__metadata__</c>
/// (string to string). Made by <see cref="Safetensors.Read(string)"/>.
/// </summary>
public sealed class SafetensorsFile
{
    private readonly Dictionary<string, SafetensorsTensor> _byName;

    internal SafetensorsFile(string source, List<SafetensorsTensor> tensors, Dictionary<string, string> metadata)
    {
        Source = source;
        Tensors = tensors;
        Metadata = metadata;
        _byName = new Dictionary<string, SafetensorsTensor>(tensors.Count, StringComparer.Ordinal);
        foreach (SafetensorsTensor t in tensors) _byName.Add(t.Name, t);
    }

    /// <summary>The file path (or the name given for a stream) that error messages use.</summary>
    public string Source { get; }

    /// <summary>The tensors, in the order the header lists them.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file holds no tensor of that name.</exception>
    public SafetensorsTensor this[string name] => _byName.TryGetValue(name, out SafetensorsTensor? t)
        ? t
        : throw new KeyNotFoundException($"safetensors file '{Source}' holds no tensor named '{name}'.");

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafetensorsTensor? tensor) =>
        _byName.TryGetValue(name, out tensor);
}
