using CommunityToolkit.HighPerformance.Buffers;

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
/// and b (out,) zero. Seeded: one seed gives the same weights on every run. <see cref="Dispose"/> returns the
/// parameters' buffers to <see cref="TensorPool"/>; a layer never disposed leaves them to the GC.
/// </summary>
public sealed partial class Layer : IDisposable
{
    private readonly Tensor[] _parameters;

    /// <summary>Creates a layer with weights drawn from a generator seeded with <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="activation"/> is not a defined <see cref="NeuroLite.Activation"/>.</exception>
    /// <exception cref="ArgumentException">The weight (in × out) would exceed <see cref="Kernels.Shapes.MaxElements"/> elements.</exception>
    public Layer(int inFeatures, int outFeatures, Activation activation = Activation.Tanh, int seed = 0)
        : this(inFeatures, outFeatures, activation, new Rng(seed))
    {
    }

    private Layer(int inFeatures, int outFeatures, Activation activation, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        CheckActivation(activation, nameof(activation));
        if ((long)inFeatures * outFeatures > Kernels.Shapes.MaxElements)
            throw new ArgumentException($"Layer({inFeatures}, {outFeatures}): the weight of shape ({inFeatures}, {outFeatures}) would hold {(long)inFeatures * outFeatures} elements; NeuroLite tensors hold at most {Kernels.Shapes.MaxElements} (2^30).", nameof(outFeatures));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Activation = activation;
        double limit = Math.Sqrt(6.0 / (inFeatures + outFeatures));
        // The initial values are scratch, copied into the parameters' pooled buffers: rented, not allocated, so a
        // model built per request allocates no weight-sized array.
        using (SpanOwner<double> w = SpanOwner<double>.Allocate(inFeatures * outFeatures))
        {
            Span<double> ws = w.Span;
            for (int k = 0; k < ws.Length; k++) ws[k] = (2.0 * rng.NextDouble() - 1.0) * limit;
            W = Tensor.Parameter(ws, [inFeatures, outFeatures], "W");
        }
        using (SpanOwner<double> zeros = SpanOwner<double>.Allocate(outFeatures, AllocationMode.Clear))
            B = Tensor.Parameter(zeros.Span, [outFeatures], "b");
        _parameters = [W, B];
        Rng = rng;
    }

    /// <summary>Throws for a value outside the enum (a cast integer): the forward and backward passes would disagree on it.</summary>
    internal static void CheckActivation(Activation activation, string name)
    {
        if (activation is not (Activation.None or Activation.Tanh or Activation.Relu))
            throw new ArgumentOutOfRangeException(name, activation, $"{(int)activation} is not a defined Activation (None, Tanh or Relu).");
    }

    internal static Layer Create(int inFeatures, int outFeatures, Activation activation, ref Rng rng)
    {
        var layer = new Layer(inFeatures, outFeatures, activation, rng);
        rng = layer.Rng;
        return layer;
    }

    private Rng Rng { get; }

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
/// linear output layer. All layers draw from one generator seeded with <c>seed</c>. <see cref="Dispose"/> returns the
/// parameters' buffers to <see cref="TensorPool"/>; a network never disposed leaves them to the GC.
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
            previous = next;
        }
        var rng = new Rng(seed);
        _layers = new Layer[hiddenSizes.Length + 1];
        int width = inFeatures;
        for (int k = 0; k < hiddenSizes.Length; k++)
        {
            _layers[k] = Layer.Create(width, hiddenSizes[k], hiddenActivation, ref rng);
            width = hiddenSizes[k];
        }
        _layers[^1] = Layer.Create(width, outFeatures, Activation.None, ref rng);
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
