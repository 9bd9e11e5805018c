namespace NeuroLite.Tests.Engine;

/// <summary>
/// The invariant behind every argument check of the engine: a rejected call (any public op, loss, layer, factory,
/// readback or Backward()) throws and leaves the tape (node count, arena use and capacity, generation, int side-arena)
/// and every value and gradient it holds, parameters included, bit for bit as they were.
/// </summary>
public class RejectedCallTests
{
    private static IEnumerable<TestCaseData> Calls()
    {
        // Each case gets a fixture (a tape with tensors of several shapes, parameters, a layer) and makes one bad call.
        static TestCaseData Case(string name, Action<Fixture> call) => new TestCaseData(call).SetName(name);

        yield return Case("Add of shapes that do not broadcast", f => _ = f.M23 + f.V4);
        yield return Case("Sub of shapes that do not broadcast", f => _ = f.M23 - f.M32);
        yield return Case("Mul of shapes that do not broadcast", f => _ = f.M23 * f.V4);
        yield return Case("Div of shapes that do not broadcast", f => _ = f.M32 / f.V4);
        yield return Case("Add of a parameter and a non-broadcasting tensor", f => _ = f.W + f.V4);
        yield return Case("Mixed tapes", f => _ = f.M23 + f.Other);
        yield return Case("Stale tensor, binary", f => _ = f.Stale + f.M23);
        yield return Case("Stale tensor, scalar op", f => _ = f.Stale * 2.0);
        yield return Case("Stale tensor, negation", f => _ = -f.Stale);
        yield return Case("Stale tensor, unary", f => _ = f.Stale.Tanh());
        yield return Case("Default tensor", f => _ = default(Tensor).Relu());
        yield return Case("MatMul of a vector", f => _ = f.V4.MatMul(f.M32));
        yield return Case("MatMul with different inner sizes", f => _ = f.M23.MatMul(f.M23));
        yield return Case("MatMul whose result is too large", f => _ = f.Tall.MatMul(f.Wide));
        yield return Case("Log of a non-positive element", f => _ = f.M23.Log());
        yield return Case("Sum over an axis out of range", f => _ = f.M23.Sum(2));
        yield return Case("Mean over an axis out of range", f => _ = f.M23.Mean(-3));
        yield return Case("Reshape to another count", f => _ = f.M23.Reshape(4, 2));
        yield return Case("Reshape with two inferred sizes", f => _ = f.M23.Reshape(-1, -1));
        yield return Case("Reshape to rank 5", f => _ = f.M23.Reshape(1, 1, 1, 2, 3));
        yield return Case("Reshape to a wrapping shape", f => _ = f.M23.Reshape(70, 11239, 88801, 1056175639));
        yield return Case("Transpose of a vector", f => _ = f.V4.Transpose());
        yield return Case("Mse of different shapes", f => _ = Loss.Mse(f.M23, f.M32));
        yield return Case("Softmax CE of a vector", f => _ = Loss.SoftmaxCrossEntropy(f.V4, [0]));
        yield return Case("Softmax CE with too few targets", f => _ = Loss.SoftmaxCrossEntropy(f.M23, [0]));
        yield return Case("Softmax CE with a target out of range", f => _ = Loss.SoftmaxCrossEntropy(f.M23, [0, 3]));
        yield return Case("Softmax CE with a negative target", f => _ = Loss.SoftmaxCrossEntropy(f.M23, [-1, 0]));
        yield return Case("Layer on the wrong width", f => _ = f.Layer.Forward(f.M23));
        yield return Case("Layer on a vector", f => _ = f.Layer.Forward(f.V4));
        yield return Case("Layer whose output is too large", f => _ = f.WideLayer.Forward(f.Tall));
        yield return Case("MLP on the wrong width", f => _ = f.Mlp.Forward(f.M23));
        yield return Case("Backward of a non-scalar", f => f.M23.Backward());
        yield return Case("Backward with a short seed", f => f.M23.Backward([1.0]));
        yield return Case("Backward of a stale tensor", f => f.Stale.Backward());
        yield return Case("Input with too few values", f => f.Tape.Input([1.0, 2.0], [3]));
        yield return Case("Input of rank 5", f => f.Tape.Input([1.0], [1, 1, 1, 1, 1]));
        yield return Case("Input of a negative size", f => f.Tape.Input([], [-1, 0]));
        yield return Case("InputView of the wrong count", f => f.Tape.InputView(new double[5], [2, 3]));
        yield return Case("Variable of a wrapping shape", f => f.Tape.Variable([1, 2, 3, 4, 5, 6], [70, 11239, 88801, 1056175639]));
        yield return Case("Full of a wrapping shape", f => f.Tape.Full([65536, 65536], 1.0));
        yield return Case("Full beyond the limit", f => f.Tape.Full([40000, 40000], 1.0));
        yield return Case("CopyFrom of the wrong count", f => f.M23.CopyFrom([1.0]));
        yield return Case("CopyFrom into a parameter, wrong count", f => f.W.CopyFrom([1.0]));
        yield return Case("At out of range", f => _ = f.M23.At(2, 0));
        yield return Case("At with the wrong rank", f => _ = f.M23.At(0));
        yield return Case("Item of a matrix", f => _ = f.M23.Item);
        yield return Case("SgdStep with a NaN rate", f => Optim.SgdStep(f.Parameters, double.NaN));
        yield return Case("SgdStep over a tape tensor", f => Optim.SgdStep([f.M23], 0.1));
        yield return Case("Optimizer over a tape tensor", f => _ = new Adam([f.W, f.M23]));
        yield return Case("Setting a negative rate", f => f.Sgd.LearningRate = -1);
    }

    [TestCaseSource(nameof(Calls))]
    public void A_rejected_call_leaves_the_tape_and_every_buffer_as_it_was(Action<Fixture> call)
    {
        using var fixture = new Fixture();
        fixture.Backward();
        var snapshot = fixture.Snapshot();
        Assert.That(() => call(fixture), Throws.InstanceOf<ArgumentException>().Or.InstanceOf<InvalidOperationException>());
        snapshot.AssertUnchanged("after the rejected call");
        Assert.That(fixture.Sgd.LearningRate, Is.EqualTo(0.1));
        // The tape still computes and differentiates.
        fixture.Backward();
    }

    /// <summary>A tape with tensors of several shapes on it, parameters with gradients, a layer and a stale tensor.</summary>
    public sealed class Fixture : IDisposable
    {
        public Tape Tape { get; } = new();
        private readonly Tape _other = new();
        private readonly TapeScope _scope;

        public Fixture()
        {
            _scope = Tape.Activate();
            Tensor stale = Tape.Full([2], 1.0);
            Tape.Reset();
            Stale = stale;
            M23 = Tape.Variable([1.0, -2.0, 3.0, 0.0, 5.0, 6.0], [2, 3]);
            M32 = Tape.Variable([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [3, 2]);
            V4 = Tape.Variable([0.5, 1.5, 2.5, 3.5], [4]);
            Tall = Tape.Full([65536, 1], 1.0);
            Wide = Tape.Full([1, 65535], 1.0);
            Other = _other.Full([2, 3], 1.0);
            Layer = new Layer(4, 3, seed: 1);
            WideLayer = new Layer(1, 65535, seed: 1);
            Mlp = new MLP(4, [5], 2, seed: 2);
            W = Tensor.Parameter([0.25, -0.5, 0.75], [3]);
            Parameters = [W, .. Layer.Parameters(), .. Mlp.Parameters()];
            Sgd = new Sgd(Parameters, 0.1, momentum: 0.9);
        }

        public Tensor M23 { get; }
        public Tensor M32 { get; }
        public Tensor V4 { get; }
        public Tensor Tall { get; }
        public Tensor Wide { get; }
        public Tensor Stale { get; }
        public Tensor Other { get; }
        public Tensor W { get; }
        public Layer Layer { get; }
        public Layer WideLayer { get; }
        public MLP Mlp { get; }
        public Tensor[] Parameters { get; }
        public Sgd Sgd { get; }

        private Tensor Input4 => Tape.Input([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [2, 4]);

        /// <summary>A loss through every tensor and parameter, so each holds a non-trivial gradient.</summary>
        public void Backward()
        {
            Tensor x = Input4;
            Tensor loss = (M23 * W).Sum() + (M32 * M32).Mean() + (V4 * V4).Sum() + Layer.Forward(x).Sum() + Mlp.Forward(x).Sum();
            loss.Backward();
        }

        internal TapeSnapshot Snapshot() => new(Tape, [M23, M32, V4, Tall, Wide, .. Parameters]);

        public void Dispose()
        {
            _scope.Dispose();
            Tape.Dispose();
            _other.Dispose();
        }
    }
}
