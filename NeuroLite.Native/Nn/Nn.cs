namespace NeuroLite;

/// <summary>The activation a <see cref="Layer"/> applies after its affine map.</summary>
public enum Activation
{
    /// <summary>No activation: a linear layer.</summary>
    None,

    /// <summary>tanh, the seed's activation.</summary>
    Tanh,

    /// <summary>max(x, 0).</summary>
    Relu,
}

/// <summary>
/// A dense layer as in the seed: <c>activation(x @ W + b)</c> with W (in×out) Xavier-uniform, U(−√(6/(in+out)), +√(6/(in+out))),
/// and b (out,) zero. Seeded: one seed gives the same weights on every run. W and b lie back to back in one slab of
/// values and one of gradients (shared with the other layers of an <see cref="MLP"/>). <see cref="Dispose"/> returns
/// the parameters' buffers to <see cref="TensorPool"/> (a shared slab once every layer on it is disposed); a layer
/// never disposed leaves them to the GC.
/// </summary>
public sealed partial class Layer : IDisposable
{
    private readonly Tensor[] _parameters;

    /// <summary>Creates a layer with weights drawn from a generator seeded with <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="activation"/> is not a defined <see cref="NeuroLite.Activation"/>.</exception>
    /// <exception cref="ArgumentException">The weight (in × out) would exceed <see cref="Kernels.Shapes.MaxElements"/> elements.</exception>
    public Layer(int inFeatures, int outFeatures, Activation activation = Activation.Tanh, int seed = 0)
    {
        Check(inFeatures, outFeatures, activation);
        var rng = new Rng(seed);
        (InFeatures, OutFeatures, Activation) = (inFeatures, outFeatures, activation);
        (W, B) = Init(inFeatures, outFeatures, new ParameterSlab((int)Room(inFeatures, outFeatures)), ref rng);
        _parameters = [W, B];
    }

    private Layer(int inFeatures, int outFeatures, Activation activation, ParameterSlab slab, ref Rng rng)
    {
        (InFeatures, OutFeatures, Activation) = (inFeatures, outFeatures, activation);
        (W, B) = Init(inFeatures, outFeatures, slab, ref rng);
        _parameters = [W, B];
    }

    /// <summary>The doubles a layer's W and b take in a parameter slab.</summary>
    private static long Room(int inFeatures, int outFeatures) =>
        ParameterSlab.Room((long)inFeatures * outFeatures) + ParameterSlab.Room(outFeatures);

    /// <summary>W (Xavier-uniform, drawn from <paramref name="rng"/>) and b (zero), carved from <paramref name="slab"/> in that order.</summary>
    private static (Tensor W, Tensor B) Init(int inFeatures, int outFeatures, ParameterSlab slab, ref Rng rng)
    {
        double limit = Math.Sqrt(6.0 / (inFeatures + outFeatures));
        ParameterStorage w = slab.Add(inFeatures * outFeatures, [inFeatures, outFeatures], "W");
        Span<double> ws = w.Value;
        for (int k = 0; k < ws.Length; k++) ws[k] = (2.0 * rng.NextDouble() - 1.0) * limit;
        ParameterStorage b = slab.Add(outFeatures, [outFeatures], "b");
        return (new Tensor(w), new Tensor(b));
    }

    /// <summary>The checks of the public constructor, for every way a layer is made.</summary>
    internal static void Check(int inFeatures, int outFeatures, Activation activation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        CheckActivation(activation, nameof(activation));
        if ((long)inFeatures * outFeatures > Kernels.Shapes.MaxElements)
            throw new ArgumentException($"Layer({inFeatures}, {outFeatures}): the weight of shape ({inFeatures}, {outFeatures}) would hold {(long)inFeatures * outFeatures} elements; NeuroLite tensors hold at most {Kernels.Shapes.MaxElements} (2^30).", nameof(outFeatures));
        if (Room(inFeatures, outFeatures) > ParameterSlab.MaxLength)
            throw new ArgumentException($"Layer({inFeatures}, {outFeatures}): W and b together would hold {Room(inFeatures, outFeatures)} doubles, more than one array can ({ParameterSlab.MaxLength}).", nameof(outFeatures));
    }

    /// <summary>Throws for a value outside the enum (a cast integer): the forward and backward passes would disagree on it.</summary>
    internal static void CheckActivation(Activation activation, string name)
    {
        if (activation is not (Activation.None or Activation.Tanh or Activation.Relu))
            throw new ArgumentOutOfRangeException(name, activation, $"{(int)activation} is not a defined Activation (None, Tanh or Relu).");
    }

    /// <summary>
    /// The layers sizes[0] → sizes[1] → … with the given activations, their weights drawn in order from one generator,
    /// all parameters in one slab (or, for a model too large for one array, in as few slabs as hold it, each layer whole
    /// in one), so an optimizer steps them with one kernel call. The caller has validated the sizes.
    /// </summary>
    internal static Layer[] Stack(ReadOnlySpan<int> sizes, ReadOnlySpan<Activation> activations, int seed)
    {
        var rng = new Rng(seed);
        var layers = new Layer[activations.Length];
        for (int k = 0; k < layers.Length;)
        {
            long room = Room(sizes[k], sizes[k + 1]);
            int end = k + 1;
            while (end < layers.Length && room + Room(sizes[end], sizes[end + 1]) <= ParameterSlab.MaxLength)
            {
                room += Room(sizes[end], sizes[end + 1]);
                end++;
            }
            var slab = new ParameterSlab((int)room);
            for (; k < end; k++) layers[k] = new Layer(sizes[k], sizes[k + 1], activations[k], slab, ref rng);
        }
        return layers;
    }

    /// <summary>The input width.</summary>
    public int InFeatures { get; }

    /// <summary>The output width.</summary>
    public int OutFeatures { get; }

    /// <summary>The activation applied after the affine map.</summary>
    public Activation Activation { get; }

    /// <summary>The weight parameter, shape (in, out).</summary>
    public Tensor W { get; }

    /// <summary>The bias parameter, shape (out,).</summary>
    public Tensor B { get; }

    /// <summary>
    /// <c>activation(x @ W + b)</c> for x of shape (batch, in), recorded as one tape node: the values and gradients are
    /// those of the ops written out (<c>(x.MatMul(W) + b).Tanh()</c>), bit for bit, without the intermediate tensors.
    /// </summary>
    public Tensor Forward(Tensor x) => Ops.Linear(x, W, B, Activation);

    /// <summary>[W, b] (the same list on every call: no allocation).</summary>
    public IReadOnlyList<Tensor> Parameters() => _parameters;

    /// <summary>
    /// Returns W's and b's value and gradient buffers to <see cref="TensorPool"/>. Afterwards every use of W or b
    /// (an op, Data, Grad, a memory of them, an optimizer step, a Backward() over a recording that reads them) throws
    /// <see cref="ObjectDisposedException"/>; a span of them taken before and still held cannot be checked and would
    /// read whatever the buffer's next tenant writes. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        W.ParameterOrNull!.Dispose();
        B.ParameterOrNull!.Dispose();
    }
}

/// <summary>
/// A multi-layer perceptron as in the seed: hidden layers with <c>hiddenActivation</c> (tanh by default) and a
/// linear output layer. All layers draw from one generator seeded with <c>seed</c>. Every layer's W and b lie back to
/// back in one slab of values and one of gradients, so an optimizer over <see cref="Parameters"/> steps the whole
/// model with one kernel call. <see cref="Dispose"/> returns the slabs to <see cref="TensorPool"/>; a network never
/// disposed leaves them to the GC.
/// </summary>
public sealed partial class MLP : IDisposable
{
    private readonly Layer[] _layers;
    private readonly Tensor[] _parameters;

    /// <summary>Creates the network <c>inFeatures → hiddenSizes… → outFeatures</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive (the message names which), or <paramref name="hiddenActivation"/> is not a defined <see cref="Activation"/>.</exception>
    /// <exception cref="ArgumentException">A layer's weight would exceed <see cref="Kernels.Shapes.MaxElements"/> elements.</exception>
    public MLP(int inFeatures, int[] hiddenSizes, int outFeatures, Activation hiddenActivation = Activation.Tanh, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(hiddenSizes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        for (int k = 0; k < hiddenSizes.Length; k++)
            if (hiddenSizes[k] <= 0)
                throw new ArgumentOutOfRangeException(nameof(hiddenSizes), hiddenSizes[k], $"hiddenSizes[{k}] is {hiddenSizes[k]}; every layer width must be positive.");
        Layer.CheckActivation(hiddenActivation, nameof(hiddenActivation));
        for (int k = 0, previous = inFeatures; k <= hiddenSizes.Length; k++)
        {
            int next = k < hiddenSizes.Length ? hiddenSizes[k] : outFeatures;
            if ((long)previous * next > Kernels.Shapes.MaxElements)
                throw new ArgumentException($"MLP: the layer {previous} → {next} would have a weight of {(long)previous * next} elements; NeuroLite tensors hold at most {Kernels.Shapes.MaxElements} (2^30).", k < hiddenSizes.Length ? nameof(hiddenSizes) : nameof(outFeatures));
            Layer.Check(previous, next, Activation.None);
            previous = next;
        }
        int[] sizes = [inFeatures, .. hiddenSizes, outFeatures];
        var activations = new Activation[hiddenSizes.Length + 1];
        activations.AsSpan(0, hiddenSizes.Length).Fill(hiddenActivation);
        activations[^1] = Activation.None;
        _layers = Layer.Stack(sizes, activations, seed);
        _parameters = new Tensor[_layers.Length * 2];
        for (int k = 0; k < _layers.Length; k++)
        {
            _parameters[2 * k] = _layers[k].W;
            _parameters[2 * k + 1] = _layers[k].B;
        }
    }

    /// <summary>The layers, input first.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Runs x (batch, in) through every layer.</summary>
    public Tensor Forward(Tensor x)
    {
        foreach (Layer layer in _layers) x = layer.Forward(x);
        return x;
    }

    /// <summary>Every layer's W and b, in order (the same list on every call: no allocation).</summary>
    public IReadOnlyList<Tensor> Parameters() => _parameters;

    /// <summary>Disposes every layer (see <see cref="Layer.Dispose"/>).</summary>
    public void Dispose()
    {
        foreach (Layer layer in _layers) layer.Dispose();
    }
}
