using System.Numerics.Tensors;
using NeuroLite.Kernels;

namespace NeuroLite.Bench.Quick;

/// <summary>A kernel's counterpart in <see cref="TensorPrimitives"/>: its description and the call, in the catalog entry's signature.</summary>
internal sealed record TensorPeer(string Name, MapCall? Map = null, UpdateCall? Update = null, RowsCall? Rows = null);

/// <summary>
/// The <see cref="TensorPrimitives"/> column of the kernel catalog, keyed by entry name. It lives here because the
/// kernels library does not reference System.Numerics.Tensors; an entry without a peer is timed against its reference only.
/// </summary>
internal static class TensorPeers
{
    /// <summary>The peers by catalog entry name; a name that is no entry's fails the bench's first use of it.</summary>
    public static IReadOnlyDictionary<string, TensorPeer> Peers { get; } = Checked(new Dictionary<string, TensorPeer>
    {
        ["Unary.Tanh"] = new("TensorPrimitives.Tanh", Map: static (x, _, y) => TensorPrimitives.Tanh(x, y)),
        ["Unary.Relu"] = new("TensorPrimitives.Max(x, 0)", Map: static (x, _, y) => TensorPrimitives.Max(x, 0.0, y)),
        ["Unary.Exp"] = new("TensorPrimitives.Exp", Map: static (x, _, y) => TensorPrimitives.Exp(x, y)),
        ["Unary.Log"] = new("TensorPrimitives.Log", Map: static (x, _, y) => TensorPrimitives.Log(x, y)),
        ["Binary.Add"] = new("TensorPrimitives.Add", Map: static (a, b, c) => TensorPrimitives.Add(a, b, c)),
        ["Binary.Subtract"] = new("TensorPrimitives.Subtract", Map: static (a, b, c) => TensorPrimitives.Subtract(a, b, c)),
        ["Binary.Multiply"] = new("TensorPrimitives.Multiply", Map: static (a, b, c) => TensorPrimitives.Multiply(a, b, c)),
        ["Binary.Divide"] = new("TensorPrimitives.Divide", Map: static (a, b, c) => TensorPrimitives.Divide(a, b, c)),
        ["Binary.MultiplyAdd"] = new("TensorPrimitives.FusedMultiplyAdd(a, b, c, c)", Map: static (a, b, c) => TensorPrimitives.FusedMultiplyAdd(a, b, c, c)),
        ["Binary.Axpy"] = new("TensorPrimitives.FusedMultiplyAdd(x, α, y, y)", Map: static (x, _, y) => TensorPrimitives.FusedMultiplyAdd(x, KernelCatalog.Alpha, y, y)),
        ["Broadcast.Add (row, bias add)"] = new("TensorPrimitives.Add per row", Rows: static (x, b, rows, cols, _, c, _) =>
        {
            for (int i = 0; i < rows; i++) TensorPrimitives.Add(x.Slice(i * cols, cols), b, c.Slice(i * cols, cols));
        }),
        ["Broadcast.SumTo (row)"] = new("TensorPrimitives.Add per row", Rows: static (g, _, rows, cols, _, dst, _) =>
        {
            dst.Clear();
            for (int i = 0; i < rows; i++) TensorPrimitives.Add(dst, g.Slice(i * cols, cols), dst);
        }),
        ["Reduce.Sum"] = new("TensorPrimitives.Sum", Rows: static (x, _, _, _, _, s, _) => s[0] = TensorPrimitives.Sum(x)),
        ["Reduce.MaxRows"] = new("TensorPrimitives.Max per row", Rows: static (x, _, rows, cols, _, m, _) =>
        {
            for (int i = 0; i < rows; i++) m[i] = TensorPrimitives.Max(x.Slice(i * cols, cols));
        }),
        ["SoftmaxCrossEntropy.Forward"] = new("TensorPrimitives.SoftMax per row", Rows: static (z, _, rows, cols, t, p, loss) =>
        {
            for (int i = 0; i < rows; i++)
            {
                var pr = p.Slice(i * cols, cols);
                TensorPrimitives.SoftMax(z.Slice(i * cols, cols), pr);
                loss[i] = -Math.Log(pr[t[i]]);
            }
        }),
        ["SoftmaxCrossEntropy.Backward"] = new("TensorPrimitives.Multiply, then -scale at the target", Rows: static (p, _, rows, cols, t, g, _) =>
        {
            double scale = 1.0 / rows;
            TensorPrimitives.Multiply(p, scale, g);
            for (int i = 0; i < rows; i++) g[i * cols + t[i]] -= scale;
        }),
        ["Optimizer.Sgd"] = new("TensorPrimitives.FusedMultiplyAdd(g, -lr, p, p)", Update: static (p, g, _, _, _) => TensorPrimitives.FusedMultiplyAdd(g, -KernelCatalog.LearningRate, p, p)),
    });

    private static Dictionary<string, TensorPeer> Checked(Dictionary<string, TensorPeer> peers)
    {
        foreach (string name in peers.Keys)
            if (!KernelCatalog.All.Any(e => e.Name == name))
                throw new InvalidOperationException($"The TensorPrimitives peer '{name}' names no entry of the kernel catalog.");
        return peers;
    }
}
