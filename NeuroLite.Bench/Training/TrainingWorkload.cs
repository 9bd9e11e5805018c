using NeuroLite.Kernels;

namespace NeuroLite.Bench.Training;

/// <summary>
/// One of the three benchmark networks with its data, tape, model and optimizer, ready to take training
/// steps: forward, loss, backward, optimizer step (which zeroes the gradients), on a tape reset at the start of each step.
/// Once warm, a step allocates nothing.
/// </summary>
public sealed class TrainingWorkload : IDisposable
{
    private readonly Tape _tape = new();
    private readonly MLP _model;
    private readonly Sgd? _sgd;
    private readonly Adam? _adam;
    private readonly double[] _x;
    private readonly double[]? _y;
    private readonly int[]? _targets;

    private TrainingWorkload(string name, string description, int inFeatures, int[] hidden, int outFeatures, int batch, bool classify, int seed)
    {
        Name = name;
        Description = description;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Batch = batch;
        _model = new MLP(inFeatures, hidden, outFeatures, Activation.Tanh, seed);
        var rng = new SplitMix64((ulong)seed + 1);
        _x = new double[batch * inFeatures];
        for (int i = 0; i < _x.Length; i++) _x[i] = 2.0 * (rng.Next() >> 11) / (1UL << 53) - 1.0;
        if (classify)
        {
            _targets = new int[batch];
            for (int i = 0; i < batch; i++) _targets[i] = (int)(rng.Next() % (ulong)outFeatures);
            _adam = new Adam(_model.Parameters(), lr: 1e-3);
        }
        else
        {
            _y = new double[batch * outFeatures];
            _sgd = new Sgd(_model.Parameters(), lr: 0.1);
        }
    }

    /// <summary>Short name: xor, mlp-64, mlp-784.</summary>
    public string Name { get; }

    /// <summary>Network, loss, optimizer and batch, as the benchmark table names them.</summary>
    public string Description { get; }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Outputs (classes for the softmax networks).</summary>
    public int OutFeatures { get; }

    /// <summary>Rows per step.</summary>
    public int Batch { get; }

    /// <summary>
    /// Whether the step's GEMMs are large enough for <see cref="Gemm"/> to use a second thread (only the 784-wide
    /// network's: 128×784×256 is 12× the parallel threshold; the others stay below it), so a two-thread timing differs.
    /// </summary>
    public bool UsesParallelGemm { get; private init; }

    /// <summary>The seed's XOR net: 2-4-1 tanh, MSE, SGD lr 0.1, batch 4 (the four XOR points).</summary>
    public static TrainingWorkload Xor()
    {
        var w = new TrainingWorkload("xor", "XOR 2-4-1 tanh, MSE, SGD, batch 4", 2, [4], 1, 4, classify: false, seed: 0);
        double[] x = [0, 0, 0, 1, 1, 0, 1, 1], y = [0, 1, 1, 0];
        x.CopyTo(w._x, 0);
        y.CopyTo(w._y!, 0);
        return w;
    }

    /// <summary>64-128-64-10 tanh, softmax cross-entropy, Adam, batch 64 (digits-sized), on seeded uniform inputs.</summary>
    public static TrainingWorkload Mlp64() => new("mlp-64", "64-128-64-10 tanh, softmax CE, Adam, batch 64", 64, [128, 64], 10, 64, classify: true, seed: 1);

    /// <summary>784-256-256-10 tanh, softmax cross-entropy, Adam, batch 128 (MNIST-sized), on seeded uniform inputs.</summary>
    public static TrainingWorkload Mlp784() => new("mlp-784", "784-256-256-10 tanh, softmax CE, Adam, batch 128", 784, [256, 256], 10, 128, classify: true, seed: 2) { UsesParallelGemm = true };

    /// <summary>The three benchmark networks in order.</summary>
    public static TrainingWorkload[] All() => [Xor(), Mlp64(), Mlp784()];

    /// <summary>One training step; returns the loss before the update.</summary>
    public double Step()
    {
        _tape.Reset();
        // The batch arrays are the inputs' values (no copy into the tape), as the PyTorch peer reuses one tensor.
        var x = _tape.InputView(_x, [Batch, InFeatures]);
        var prediction = _model.Forward(x);
        var loss = _targets is not null
            ? Loss.SoftmaxCrossEntropy(prediction, _targets)
            : Loss.Mse(prediction, _tape.InputView(_y!, [Batch, OutFeatures]));
        loss.Backward();
        double value = loss.Item;
        _sgd?.Step();
        _adam?.Step();
        return value;
    }

    /// <inheritdoc/>
    public void Dispose() => _tape.Dispose();
}
