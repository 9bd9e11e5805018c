using System.Globalization;
using System.Text;
using NeuroLite.Bench.Quick;
using NeuroLite.Bench.Report;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Profile;

/// <summary>
/// Where the microseconds of one training step go. The engine's step is timed whole; then the same kernel calls the
/// engine makes for that network (each layer's forward GEMM with its fused bias and activation, each backward GEMM by
/// shape, the activations' backward forms and the bias gradients, softmax cross-entropy or MSE, the optimizer) are
/// timed one by one on buffers of the same sizes. The remainder,
/// the whole step minus the sum of its parts, is what the tape itself costs (recording nodes, the backward sweep,
/// dispatch), plus the cache effects of running the parts together rather than alone (it can be negative when
/// the parts, each timed warm in cache, do not fit the cache together).
/// </summary>
public static class StepProfile
{
    private static readonly CompositeFormat RowFormat = CompositeFormat.Parse("  {0,-44} {1,10:0.00} {2,7:0.0}% {3,10}");

    /// <summary>Profiles one network's step on this thread with the library's GEMM thread setting.</summary>
    public static void Run(ResultLog log, ProfileNetwork network, TimingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(network);
        var parts = new StepParts(network);
        double whole;
        using (var step = new EngineStep(network))
        {
            step.Run();
            whole = Stopwatches.SecondsPerCall(step.Run, plan);
        }

        log.Line(string.Create(CultureInfo.InvariantCulture,
            $"profile: {network.Describe()}; whole step {whole * 1e6:0.0} µs (GEMM threads: {Gemm.MaxThreads})"));
        log.Line(string.Create(CultureInfo.InvariantCulture, $"  {"part",-44} {"µs/step",10} {"share",8} {"GFLOP/s",10}"));
        double sum = 0;
        foreach (var part in parts.All)
        {
            part.Body();
            double seconds = Stopwatches.SecondsPerCall(part.Body, plan);
            sum += seconds;
            string gflops = part.Flops > 0 ? (part.Flops / seconds / 1e9).ToString("0.0", CultureInfo.InvariantCulture) : "";
            log.Row(new ResultRow("profile").Add("network", network.Name).Add("part", part.Name).Add("kind", part.Kind)
                    .Add("us_per_step", seconds * 1e6, "us").Add("share", seconds / whole, "fraction")
                    .Add("gflops", part.Flops > 0 ? part.Flops / seconds / 1e9 : double.NaN, "GFLOP/s"),
                string.Format(CultureInfo.InvariantCulture, RowFormat, part.Name, seconds * 1e6, 100 * seconds / whole, gflops));
        }

        double rest = whole - sum;
        log.Row(new ResultRow("profile").Add("network", network.Name).Add("part", "tape and dispatch (whole - parts)").Add("kind", "tape")
                .Add("us_per_step", rest * 1e6, "us").Add("share", rest / whole, "fraction"),
            string.Format(CultureInfo.InvariantCulture, RowFormat, "tape, dispatch, cache (whole - parts)", rest * 1e6, 100 * rest / whole, ""));
        foreach (var group in parts.All.GroupBy(p => p.Kind))
        {
            double s = group.Sum(p => Stopwatches.SecondsPerCall(p.Body, plan with { Repeats = 3 }));
            log.Line(string.Create(CultureInfo.InvariantCulture, $"  total {group.Key,-38} {s * 1e6,10:0.00} {100 * s / whole,7:0.0}%"));
        }
        double flops = parts.All.Sum(p => p.Flops);
        log.Line(string.Create(CultureInfo.InvariantCulture,
            $"  the step's GEMM flops {flops / 1e6:0.00} M: {flops / whole / 1e9:0.0} GFLOP/s over the whole step"));
    }

    /// <summary>The engine's own step: forward, loss, backward, optimizer, on a tape reset each step.</summary>
    private sealed class EngineStep : IDisposable
    {
        private readonly Tape _tape = new();
        private readonly MLP _model;
        private readonly Adam? _adam;
        private readonly Sgd? _sgd;
        private readonly double[] _x;
        private readonly double[] _y;
        private readonly int[] _targets;
        private readonly ProfileNetwork _net;

        public EngineStep(ProfileNetwork net)
        {
            _net = net;
            int[] s = net.Sizes;
            _model = new MLP(s[0], s[1..^1], s[^1], net.Activation, seed: 1);
            var rng = new Random(7);
            _x = new double[net.Batch * s[0]];
            for (int i = 0; i < _x.Length; i++) _x[i] = 2 * rng.NextDouble() - 1;
            _y = new double[net.Batch * s[^1]];
            for (int i = 0; i < _y.Length; i++) _y[i] = rng.NextDouble();
            _targets = new int[net.Batch];
            for (int i = 0; i < _targets.Length; i++) _targets[i] = rng.Next(s[^1]);
            if (net.Classify) _adam = new Adam(_model.Parameters(), lr: 1e-3);
            else _sgd = new Sgd(_model.Parameters(), lr: 0.01);
        }

        public void Run()
        {
            _tape.Reset();
            var x = _tape.InputView(_x, [_net.Batch, _net.Sizes[0]]);
            var prediction = _model.Forward(x);
            var loss = _net.Classify
                ? Loss.SoftmaxCrossEntropy(prediction, _targets)
                : Loss.Mse(prediction, _tape.InputView(_y, [_net.Batch, _net.Sizes[^1]]));
            loss.Backward();
            _adam?.Step();
            _sgd?.Step();
        }

        public void Dispose() => _tape.Dispose();
    }
}

/// <summary>One timed part of a step: the kernel calls, a kind for the totals, and its flops (GEMMs only).</summary>
internal sealed record StepPart(string Name, string Kind, double Flops, Action Body);

/// <summary>The kernel calls the engine makes in one step of an MLP, on buffers of the step's sizes.</summary>
internal sealed class StepParts
{
    public StepParts(ProfileNetwork net)
    {
        int[] s = net.Sizes;
        int batch = net.Batch, layers = s.Length - 1;
        var rng = new Random(3);
        double[] Fill(int n, double scale)
        {
            var a = new double[n];
            for (int i = 0; i < n; i++) a[i] = scale * (2 * rng.NextDouble() - 1);
            return a;
        }

        var parts = new List<StepPart>();
        var acts = new double[layers + 1][];
        acts[0] = Fill(batch * s[0], 1);
        var w = new double[layers][];
        var b = new double[layers][];
        for (int l = 0; l < layers; l++)
        {
            int fanIn = s[l], fanOut = s[l + 1];
            w[l] = Fill(fanIn * fanOut, 1 / Math.Sqrt(fanIn));
            b[l] = Fill(fanOut, 0.1);
            acts[l + 1] = Fill(batch * fanOut, 0.5);
            double[] x = acts[l], y = acts[l + 1], wl = w[l], bl = b[l];
            bool hidden = l < layers - 1;
            GemmActivation act = !hidden ? GemmActivation.None
                : net.Activation == Activation.Tanh ? GemmActivation.Tanh
                : net.Activation == Activation.Relu ? GemmActivation.Relu : GemmActivation.None;
            string actName = act == GemmActivation.None ? "" : act.ToString().ToLowerInvariant();
            // One call, as the engine's Linear makes it: the GEMM with the bias added and the activation applied to
            // each output tile by the thread that computed it.
            parts.Add(new($"fwd L{l + 1} {actName}(X·W + b) {batch}x{fanIn} @ {fanIn}x{fanOut}", "fused layer forward", 2.0 * batch * fanIn * fanOut,
                () => Gemm.Linear(x, wl, bl, y, batch, fanOut, fanIn, act)));
        }

        int classes = s[^1];
        double[] logits = acts[layers], dLogits = new double[batch * classes];
        if (net.Classify)
        {
            int[] targets = new int[batch];
            for (int i = 0; i < batch; i++) targets[i] = rng.Next(classes);
            double[] probs = new double[batch * classes], rowLoss = new double[batch];
            parts.Add(new($"softmax CE forward ({batch}x{classes})", "loss", 0, () =>
            {
                SoftmaxCrossEntropy.Forward(logits, batch, classes, targets, probs, rowLoss);
                _ = Reduce.Sum(rowLoss);
            }));
            parts.Add(new($"softmax CE backward ({batch}x{classes})", "loss", 0,
                () => SoftmaxCrossEntropy.Backward(probs, batch, classes, targets, 1.0 / batch, dLogits)));
        }
        else
        {
            double[] target = Fill(batch * classes, 1), diff = new double[batch * classes];
            parts.Add(new($"MSE forward and backward ({batch}x{classes})", "loss", 0, () =>
            {
                Binary.Subtract(logits, target, diff);
                _ = Reduce.Sum(diff);
                dLogits.AsSpan().Clear();
                Binary.Axpy(2.0 / diff.Length, diff, dLogits);
            }));
        }

        double[] g = dLogits;
        for (int l = layers - 1; l >= 0; l--)
        {
            int fanIn = s[l], fanOut = s[l + 1];
            double[] x = acts[l], y = acts[l + 1], gl = g, wl = w[l];
            double[] dz = new double[batch * fanOut], dw = new double[fanIn * fanOut], db = new double[fanOut];
            int[] gShape = [batch, fanOut], bShape = [fanOut];
            bool hidden = l < layers - 1;
            double[] gz = gl;
            if (hidden && net.Activation != Activation.None)
            {
                gz = dz;
                if (net.Activation == Activation.Tanh)
                    parts.Add(new($"bwd L{l + 1} tanh' ({batch}x{fanOut})", "bias and activation", 0, () => Unary.TanhBackward(y, gl, dz)));
                else
                    parts.Add(new($"bwd L{l + 1} relu' ({batch}x{fanOut})", "bias and activation", 0, () => Unary.ReluBackward(y, gl, dz)));
            }
            double[] gzl = gz;
            parts.Add(new($"bwd L{l + 1} dW = Xᵀ·G ({batch}x{fanIn})ᵀ @ {batch}x{fanOut}", "GEMM", 2.0 * batch * fanIn * fanOut,
                () => Gemm.Multiply(x, gzl, dw, fanIn, fanOut, batch, transposeA: true)));
            parts.Add(new($"bwd L{l + 1} db = Σ rows G ({batch}x{fanOut})", "bias and activation", 0,
                () => Broadcast.SumTo(gzl, gShape, db, bShape)));
            if (l > 0)
            {
                double[] dx = new double[batch * fanIn];
                parts.Add(new($"bwd L{l + 1} dX = G·Wᵀ {batch}x{fanOut} @ ({fanIn}x{fanOut})ᵀ", "GEMM", 2.0 * batch * fanIn * fanOut,
                    () => Gemm.Multiply(gzl, wl, dx, batch, fanIn, fanOut, transposeB: true)));
                g = dx;
            }
        }

        // The optimizer makes one call over the whole model: its parameters lie back to back in one slab, each W and b
        // padded to a 64-byte boundary, and its state slabs match, each slab at its own phase in a 4 KiB page (see
        // ParameterRuns and TensorPool.RentPhased).
        long room = 0;
        for (int l = 0; l < layers; l++) room += ParameterSlab.Room((long)s[l] * s[l + 1]) + ParameterSlab.Room(s[l + 1]);
        int total = (int)room;
        AlignedBuffer values = TensorPool.RentPhased(total, ParameterSlab.ValuePhase, zeroed: false);
        AlignedBuffer grads = TensorPool.RentPhased(total, ParameterSlab.GradPhase, zeroed: false);
        Fill(total, 0.1).CopyTo(values.Span);
        Fill(total, 1e-3).CopyTo(grads.Span);
        string what = $"all {layers} layers as one run ({total} doubles)";
        if (net.Classify)
        {
            AlignedBuffer m = TensorPool.RentPhased(total, ParameterRuns.FirstStatePhase, zeroed: true);
            AlignedBuffer v = TensorPool.RentPhased(total, ParameterRuns.SecondStatePhase, zeroed: true);
            int t = 0;
            parts.Add(new($"Adam, {what}", "optimizer", 0, () =>
            {
                t = t == int.MaxValue ? 1 : t + 1;
                Optimizer.Adam(values.Span, grads.Span, m.Span, v.Span, 1e-9, 0.9, 0.999, 1e-8, t);
            }));
        }
        else
        {
            parts.Add(new($"SGD, {what}", "optimizer", 0, () => Optimizer.Sgd(values.Span, grads.Span, 1e-12)));
        }
        All = parts;
    }

    public IReadOnlyList<StepPart> All { get; }
}
