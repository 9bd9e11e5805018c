using System.Globalization;

namespace NeuroLite;

/// <summary>
/// The safetensors layout of NeuroLite models. Tensor names and layout are PyTorch's: a <see cref="Layer"/> alone is an
/// <c>nn.Linear</c> (<c>weight</c> of shape (out, in), NeuroLite's W transposed; <c>bias</c> of shape (out)); an
/// <see cref="MLP"/> is the <c>nn.Sequential</c> that computes the same function, each layer an <c>nn.Linear</c> followed
/// by its activation module when it has one, so the Linear modules sit at Sequential indices 0, 2, 4, … for a tanh MLP
/// (<c>nn.Sequential(Linear, Tanh, Linear)</c> names them <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, <c>2.bias</c>).
/// A state dict of that Sequential loads with <c>load_state_dict</c> as it is.
/// The <c>__metadata__</c> holds NeuroLite's own facts, as strings: <c>neurolite.format_version</c> ("1"),
/// <c>neurolite.model</c> ("MLP" or "Layer"), <c>neurolite.sizes</c> (input width, then each layer's output width,
/// comma-separated) and <c>neurolite.activations</c> (one of none, tanh, relu per layer).
/// </summary>
internal static class ModelFiles
{
    public const string FormatVersion = "1";
    public const string VersionKey = "neurolite.format_version";
    public const string ModelKey = "neurolite.model";
    public const string SizesKey = "neurolite.sizes";
    public const string ActivationsKey = "neurolite.activations";

    public static string Name(Activation a) => a switch
    {
        Activation.None => "none",
        Activation.Tanh => "tanh",
        Activation.Relu => "relu",
        _ => throw new ArgumentOutOfRangeException(nameof(a), a, "Unknown activation."),
    };

    /// <summary>The nn.Sequential index of each layer's Linear module: each layer takes one index, plus one for its activation module.</summary>
    public static string[] Prefixes(IReadOnlyList<Layer> layers)
    {
        var prefixes = new string[layers.Count];
        int index = 0;
        for (int k = 0; k < layers.Count; k++)
        {
            prefixes[k] = index.ToString(CultureInfo.InvariantCulture) + ".";
            index += layers[k].Activation == Activation.None ? 1 : 2;
        }
        return prefixes;
    }

    public static Dictionary<string, string> Metadata(string model, IReadOnlyList<Layer> layers) => new(StringComparer.Ordinal)
    {
        [VersionKey] = FormatVersion,
        [ModelKey] = model,
        [SizesKey] = string.Join(",", layers.Select(l => l.InFeatures).Take(1).Concat(layers.Select(l => l.OutFeatures)).Select(d => d.ToString(CultureInfo.InvariantCulture))),
        [ActivationsKey] = string.Join(",", layers.Select(l => Name(l.Activation))),
    };

    public static List<Safetensors.Entry> Entries(IReadOnlyList<Layer> layers, string[] prefixes)
    {
        var entries = new List<Safetensors.Entry>(2 * layers.Count);
        for (int k = 0; k < layers.Count; k++)
        {
            Layer l = layers[k];
            ReadOnlySpan<double> w = l.W.Data;
            int rows = l.InFeatures, cols = l.OutFeatures;
            var weight = new double[w.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) weight[c * rows + r] = w[r * cols + c];
            entries.Add(new Safetensors.Entry(prefixes[k] + "weight", [cols, rows], weight));
            entries.Add(new Safetensors.Entry(prefixes[k] + "bias", [cols], l.B.ToArray()));
        }
        return entries;
    }

    public static List<Safetensors.Target> Targets(IReadOnlyList<Layer> layers, string[] prefixes)
    {
        var targets = new List<Safetensors.Target>(2 * layers.Count);
        for (int k = 0; k < layers.Count; k++)
        {
            targets.Add(new Safetensors.Target(prefixes[k] + "weight", layers[k].W, Transposed: true));
            targets.Add(new Safetensors.Target(prefixes[k] + "bias", layers[k].B, Transposed: false));
        }
        return targets;
    }

    public static void Save(string path, string model, IReadOnlyList<Layer> layers, string[] prefixes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        List<Safetensors.Entry> entries = Entries(layers, prefixes);
        Dictionary<string, string> metadata = Metadata(model, layers);
        Safetensors.WriteAtomically(path, s => Safetensors.Write(s, entries, metadata));
    }

    public static void Save(Stream stream, string model, IReadOnlyList<Layer> layers, string[] prefixes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Safetensors.Write(stream, Entries(layers, prefixes), Metadata(model, layers));
    }

    /// <summary>Loads into existing layers: when the file carries NeuroLite metadata, its activations must match too.</summary>
    public static void LoadInto(SafetensorsFile file, string model, IReadOnlyList<Layer> layers, string[] prefixes)
    {
        if (file.Metadata.TryGetValue(ActivationsKey, out string? stored))
        {
            string mine = string.Join(",", layers.Select(l => Name(l.Activation)));
            if (stored != mine)
                throw new InvalidDataException($"safetensors file '{file.Source}': {ActivationsKey} is '{stored}' but the {model}'s activations are '{mine}'.");
        }
        Safetensors.Assign(file, Targets(layers, prefixes));
    }

    /// <summary>The layer sizes and activations the metadata describes, checked for the expected model kind and version.</summary>
    public static (int[] Sizes, Activation[] Activations) Describe(SafetensorsFile file, string model)
    {
        string source = file.Source;
        if (!file.Metadata.TryGetValue(ModelKey, out string? kind))
            throw new InvalidDataException($"safetensors file '{source}': no NeuroLite metadata ({ModelKey} is missing in __metadata__), so the {model} cannot be rebuilt from it; create the {model} and call LoadWeights instead.");
        if (kind != model)
            throw new InvalidDataException($"safetensors file '{source}': it holds a {kind}, not a {model} ({ModelKey}).");
        if (!file.Metadata.TryGetValue(VersionKey, out string? version) || version != FormatVersion)
            throw new InvalidDataException($"safetensors file '{source}': {VersionKey} is '{version}'; this NeuroLite reads version {FormatVersion}.");
        if (!file.Metadata.TryGetValue(SizesKey, out string? sizesText) || !file.Metadata.TryGetValue(ActivationsKey, out string? actText))
            throw new InvalidDataException($"safetensors file '{source}': {SizesKey} or {ActivationsKey} is missing in __metadata__.");
        string[] sizeParts = sizesText.Split(',');
        string[] actParts = actText.Split(',');
        var sizes = new int[sizeParts.Length];
        for (int k = 0; k < sizes.Length; k++)
        {
            if (!int.TryParse(sizeParts[k], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[k]) || sizes[k] <= 0)
                throw new InvalidDataException($"safetensors file '{source}': {SizesKey} '{sizesText}' is not a comma-separated list of positive integers.");
        }
        if (sizes.Length < 2 || actParts.Length != sizes.Length - 1)
            throw new InvalidDataException($"safetensors file '{source}': {SizesKey} '{sizesText}' and {ActivationsKey} '{actText}' do not describe the same layers (one activation per layer, one size more than layers).");
        var activations = new Activation[actParts.Length];
        for (int k = 0; k < activations.Length; k++)
        {
            activations[k] = actParts[k] switch
            {
                "none" => Activation.None,
                "tanh" => Activation.Tanh,
                "relu" => Activation.Relu,
                _ => throw new InvalidDataException($"safetensors file '{source}': {ActivationsKey} names an unknown activation '{actParts[k]}' (none, tanh, relu)."),
            };
        }
        return (sizes, activations);
    }
}

public sealed partial class Layer
{
    private static readonly string[] s_prefix = [""];

    /// <summary>
    /// Saves W and b as safetensors in <c>nn.Linear</c>'s layout (<c>weight</c> (out, in), <c>bias</c> (out)), F64, with
    /// the sizes and activation in <c>__metadata__</c>. Atomic: a temporary file in the same folder renamed over the target.
    /// </summary>
    public void Save(string path) => ModelFiles.Save(path, "Layer", [this], s_prefix);

    /// <summary>Writes the layer as safetensors to <paramref name="stream"/>; see <see cref="Save(string)"/>.</summary>
    public void Save(Stream stream) => ModelFiles.Save(stream, "Layer", [this], s_prefix);

    /// <summary>
    /// Loads <c>weight</c> and <c>bias</c> (F64 or F32) into this layer. The whole file is validated first; on any error
    /// the layer is unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed, or its names, shapes or activation differ from this layer's.</exception>
    public void LoadWeights(string path) => ModelFiles.LoadInto(Safetensors.Read(path), "Layer", [this], s_prefix);

    /// <summary>As <see cref="LoadWeights(string)"/>, from a stream.</summary>
    /// <exception cref="InvalidDataException">The content is malformed, or its names, shapes or activation differ from this layer's.</exception>
    public void LoadWeights(Stream stream, string sourceName = "<stream>") =>
        ModelFiles.LoadInto(Safetensors.Read(stream, sourceName), "Layer", [this], s_prefix);

    /// <summary>Rebuilds a layer (sizes, activation and weights) from a file written by <see cref="Save(string)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or carries no NeuroLite Layer metadata.</exception>
    public static Layer Load(string path) => FromFile(Safetensors.Read(path));

    /// <summary>As <see cref="Load(string)"/>, from a stream.</summary>
    /// <exception cref="InvalidDataException">The content is malformed or carries no NeuroLite Layer metadata.</exception>
    public static Layer Load(Stream stream, string sourceName = "<stream>") => FromFile(Safetensors.Read(stream, sourceName));

    private static Layer FromFile(SafetensorsFile file)
    {
        (int[] sizes, Activation[] activations) = ModelFiles.Describe(file, "Layer");
        if (activations.Length != 1)
            throw new InvalidDataException($"safetensors file '{file.Source}': a Layer has one activation; {ModelFiles.ActivationsKey} lists {activations.Length}.");
        var layer = new Layer(sizes[0], sizes[1], activations[0]);
        ModelFiles.LoadInto(file, "Layer", [layer], s_prefix);
        return layer;
    }
}

public sealed partial class MLP
{
    private string[]? _prefixes;

    private string[] Prefixes => _prefixes ??= ModelFiles.Prefixes(_layers);

    private MLP(Layer[] layers)
    {
        _layers = layers;
        _parameters = new Tensor[_layers.Length * 2];
        for (int k = 0; k < _layers.Length; k++)
        {
            _parameters[2 * k] = _layers[k].W;
            _parameters[2 * k + 1] = _layers[k].B;
        }
    }

    /// <summary>
    /// Saves every layer as safetensors, named as the PyTorch <c>nn.Sequential</c> of the same function would name them
    /// (each layer an <c>nn.Linear</c> plus its activation module, so a tanh MLP has <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …), F64, with
    /// the sizes and activations in <c>__metadata__</c> so <see cref="Load(string)"/> rebuilds the model. Atomic: a
    /// temporary file in the same folder is renamed over the target.
    /// </summary>
    public void Save(string path) => ModelFiles.Save(path, "MLP", _layers, Prefixes);

    /// <summary>Writes the model as safetensors to <paramref name="stream"/>; see <see cref="Save(string)"/>.</summary>
    public void Save(Stream stream) => ModelFiles.Save(stream, "MLP", _layers, Prefixes);

    /// <summary>
    /// Loads every layer's weight and bias (F64 or F32) into this model. The whole file is validated first; on any
    /// error the model is unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed, or its names, shapes or activations differ from this model's.</exception>
    public void LoadWeights(string path) => ModelFiles.LoadInto(Safetensors.Read(path), "MLP", _layers, Prefixes);

    /// <summary>As <see cref="LoadWeights(string)"/>, from a stream.</summary>
    /// <exception cref="InvalidDataException">The content is malformed, or its names, shapes or activations differ from this model's.</exception>
    public void LoadWeights(Stream stream, string sourceName = "<stream>") =>
        ModelFiles.LoadInto(Safetensors.Read(stream, sourceName), "MLP", _layers, Prefixes);

    /// <summary>Rebuilds a model (sizes, activations and weights) from a file written by <see cref="Save(string)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or carries no NeuroLite MLP metadata.</exception>
    public static MLP Load(string path) => FromFile(Safetensors.Read(path));

    /// <summary>As <see cref="Load(string)"/>, from a stream.</summary>
    /// <exception cref="InvalidDataException">The content is malformed or carries no NeuroLite MLP metadata.</exception>
    public static MLP Load(Stream stream, string sourceName = "<stream>") => FromFile(Safetensors.Read(stream, sourceName));

    private static MLP FromFile(SafetensorsFile file)
    {
        (int[] sizes, Activation[] activations) = ModelFiles.Describe(file, "MLP");
        for (int k = 0; k < activations.Length; k++) Layer.Check(sizes[k], sizes[k + 1], activations[k]);
        Layer[] layers = Layer.Stack(sizes, activations, seed: 0);
        var model = new MLP(layers);
        ModelFiles.LoadInto(file, "MLP", layers, model.Prefixes);
        return model;
    }
}
