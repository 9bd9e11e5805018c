namespace NeuroLite.Tests.Engine;

/// <summary>
/// <see cref="Layer.Forward"/> is one tape node (product, bias and activation fused): it must give the bits of the
/// same layer written out op by op, forward and backward, for every activation.
/// </summary>
public class LayerTests
{
    [Test]
    public void A_layer_is_one_node_with_the_bits_of_its_ops_written_out([Values] Activation activation)
    {
        var layer = new Layer(7, 5, activation, seed: 3);
        double[] xs = Values(6 * 7, seed: 4), cs = Values(6 * 5, seed: 5);

        using var tape = new Tape();
        using (tape.Activate())
        {
            // The output is used twice, so its gradient is a sum before the layer's own backward rule runs.
            Tensor x = tape.Variable(xs, [6, 7]);
            Tensor c = tape.Input(cs, [6, 5]);
            int before = tape.NodeCount;
            Tensor h = layer.Forward(x);
            // One node for the layer, and the leaves that put W and b on this tape.
            Assert.That(tape.NodeCount - before, Is.EqualTo(3), "the layer should add one node besides its parameters' leaves");
            ((h * c).Sum() + (h * h).Sum()).Backward();
            var fused = (Value: h.ToArray(), X: x.GradToArray(), W: layer.W.GradToArray(), B: layer.B.GradToArray());

            layer.W.ZeroGrad();
            layer.B.ZeroGrad();
            tape.Reset();
            x = tape.Variable(xs, [6, 7]);
            c = tape.Input(cs, [6, 5]);
            Tensor z = x.MatMul(layer.W) + layer.B;
            h = activation switch { Activation.Tanh => z.Tanh(), Activation.Relu => z.Relu(), _ => z };
            ((h * c).Sum() + (h * h).Sum()).Backward();

            Assert.That(Bits(fused.Value), Is.EqualTo(Bits(h.ToArray())), "values");
            Assert.That(Bits(fused.X), Is.EqualTo(Bits(x.GradToArray())), "input gradient");
            Assert.That(Bits(fused.W), Is.EqualTo(Bits(layer.W.GradToArray())), "weight gradient");
            Assert.That(Bits(fused.B), Is.EqualTo(Bits(layer.B.GradToArray())), "bias gradient");
            if (activation == Activation.Relu)
                Assert.That(fused.Value, Has.Some.EqualTo(0.0).And.Some.GreaterThan(0.0), "relu should clip some values and pass others");
        }
    }

    private static double[] Values(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = rng.NextDouble() * 4 - 2;
        return v;
    }

}
