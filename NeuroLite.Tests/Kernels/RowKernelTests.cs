using NeuroLite.Kernels;
using static NeuroLite.Tests.Kernels.ReductionTestSupport;

namespace NeuroLite.Tests.Kernels;

/// <summary>
/// Every row kernel of <see cref="KernelCatalog"/> (reductions, row broadcasts, softmax cross-entropy) against its
/// scalar reference on every row width the reduction tests use, with the inputs and outputs sliced at offsets inside
/// larger buffers: bit for bit, or within the entry's written bound for the kernels that reorder rounding. The
/// dedicated tests of each family add the cases a sweep cannot express (shapes of other ranks, aliasing, races).
/// </summary>
public class RowKernelTests
{
    internal static IEnumerable<RowsEntry> Cases() => KernelCatalog.All.OfType<RowsEntry>();

    private const double Sentinel = -7.25;

    [Test]
    public void Equals_reference_or_stays_within_its_bound_on_every_width_and_offset()
    {
        foreach (RowsEntry k in Cases())
        foreach (int cols in Sizes)
        {
            if (k.Targets && cols == 0) continue; // no class to point at
            int rows = k.Layout == RowsLayout.OneRow ? 1 : 3;
            int n = rows * cols, ny = RowsEntry.Length(k.Y, rows, cols);
            var rng = new Random(100 + cols);
            // Bitwise kernels see IEEE special values too; bounded ones draw from their domain, where the bound holds.
            double[] x = k.Bound is null ? Values(n + 8, 9000 + cols) : k.X.Fill(n + 8, rng);
            double[] y = Values(ny + 8, 9500 + cols);
            int[] targets = [.. Enumerable.Range(0, rows).Select(_ => rng.Next(Math.Max(1, cols)))];
            for (int off = 0; off < 4; off++)
            {
                int oo = (off + 2) % 8;
                ReadOnlySpan<double> xs = x.AsSpan(off, n), ys = y.AsSpan(7 - off, ny);
                double[][] fast = [.. k.Outputs.Select(e => Filled(RowsEntry.Length(e, rows, cols) + 8))];
                double[][] reference = [.. fast.Select(o => (double[])o.Clone())];
                k.Fast(xs, ys, rows, cols, targets, Out(fast, 0, k, oo, rows, cols), Out(fast, 1, k, oo, rows, cols));
                k.Reference(xs, ys, rows, cols, targets, Out(reference, 0, k, oo, rows, cols), Out(reference, 1, k, oo, rows, cols));
                for (int o = 0; o < fast.Length; o++)
                {
                    string what = $"{k.Name}: {rows}×{cols}, input offset {off}, output {o} at offset {oo}";
                    int length = RowsEntry.Length(k.Outputs[o], rows, cols);
                    AssertUntouched(fast[o].AsSpan(0, oo), Sentinel, what + ", before the output");
                    AssertUntouched(fast[o].AsSpan(oo + length), Sentinel, what + ", after the output");
                    if (k.Bound is null)
                    {
                        AssertSame(reference[o].AsSpan(oo, length), fast[o].AsSpan(oo, length), what);
                        continue;
                    }
                    var bound = new double[length];
                    for (int i = 0; i < length; i++) bound[i] = k.Bound(xs, rows, cols, targets, o, i, reference[o][oo + i]);
                    AssertWithin(reference[o].AsSpan(oo, length), fast[o].AsSpan(oo, length), bound, what);
                }
            }
        }
    }

    private static double[] Filled(int length)
    {
        var a = new double[length];
        a.AsSpan().Fill(Sentinel);
        return a;
    }

    private static Span<double> Out(double[][] outputs, int o, RowsEntry k, int offset, int rows, int cols) =>
        o < outputs.Length ? outputs[o].AsSpan(offset, RowsEntry.Length(k.Outputs[o], rows, cols)) : [];
}
