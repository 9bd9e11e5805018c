using System.Globalization;
using System.Text;
using NeuroLite.Bench.Report;

namespace NeuroLite.Bench.Quick;

/// <summary>The kernel table: each kernel on its SIMD path, its scalar reference and TensorPrimitives, ns/element and error.</summary>
public static class KernelComparison
{
    private static readonly CompositeFormat Columns = CompositeFormat.Parse("{0,-30} {1,9} {2,10} {3,10} {4,10} {5,8} {6,7}  {7,-10} {8,-10}");

    /// <summary>Runs every case whose name contains <paramref name="filter"/> (all when null) at each of <paramref name="sizes"/>.</summary>
    public static void Run(ResultLog log, IReadOnlyList<int> sizes, TimingPlan plan, string? filter)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(sizes);
        log.Line($"Kernels: ns/element, median of up to {plan.Repeats} repeats of ~{plan.RepeatSeconds * 1e3:0.#} ms; 'NeuroLite' is the path above, 'x ref' and 'x TP' its speedup");
        log.Line("  (NeuroLite and TP are timed in alternating repeats and 'x TP' is the median of the per-repeat ratios)");
        log.Line("  (error: ULP from Math.* for tanh/exp/log, else largest |difference| from the scalar reference; TP = System.Numerics.Tensors.TensorPrimitives)");
        log.Line("  (this run compiles everything fully optimized at once, without dynamic PGO, which slows TP more than NeuroLite:");
        log.Line("   for the steady-state comparison run 'bdn --filter *ElementwiseBenchmarks* *BroadcastBenchmarks*')");
        log.Header(string.Format(CultureInfo.InvariantCulture, Columns, "kernel", "n", "NeuroLite", "reference", "TP", "x ref", "x TP", "err", "err TP"));
        foreach (var kernel in KernelCases.All)
        {
            if (filter is not null && !kernel.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            foreach (int n in sizes)
            {
                var inst = kernel.Create(n, new Random(n ^ kernel.Name.Length * 7919));
                var (err, errTensor) = Errors(kernel, inst);
                double perElement = 1e9 / inst.Elements;
                inst.Reset();
                // NeuroLite and TensorPrimitives alternate on the same buffers, so neither gets the caches the other just
                // warmed more often, and 'x TP' is the median of the per-repeat ratios (steadier on a shared host).
                double simd, tensor = double.NaN, tensorOverSimd = double.NaN;
                if (inst.Tensor is null)
                    simd = Stopwatches.SecondsPerCall(inst.Simd, plan) * perElement;
                else
                {
                    (simd, tensor, tensorOverSimd) = Stopwatches.Alternating(inst.Simd, inst.Tensor, plan);
                    simd *= perElement;
                    tensor *= perElement;
                }
                inst.Reset();
                double reference = Stopwatches.SecondsPerCall(inst.Reference, plan) * perElement;
                string unit = kernel.Error == ErrorKind.UlpVsMath ? "ulp" : "abs";
                var row = new ResultRow("kernel")
                    .Add("kernel", kernel.Name).Add("n", inst.Elements, "elements").Add("inputs", kernel.Inputs)
                    .Add("neurolite_ns_per_element", simd, "ns/element")
                    .Add("reference_ns_per_element", reference, "ns/element")
                    .Add("tensorprimitives", kernel.TensorName)
                    .Add("tensorprimitives_ns_per_element", tensor, "ns/element")
                    .Add("speedup_vs_reference", reference / simd, "x")
                    .Add("speedup_vs_tensorprimitives", tensorOverSimd, "x")
                    .Add("max_error", err, unit)
                    .Add("max_error_tensorprimitives", errTensor, unit);
                log.Row(row, string.Format(CultureInfo.InvariantCulture, Columns, kernel.Name, n.ToString("N0", CultureInfo.InvariantCulture),
                    F(simd), F(reference), F(tensor), X(reference / simd), X(tensorOverSimd), E(err, unit), E(errTensor, unit)));
                inst.Reset();
            }

            // The 1,000,000-element buffers of one kernel should not be collected while the next one is timed.
            if (sizes.Any(n => n >= 100_000)) GC.Collect();
        }
    }

    /// <summary>Distance in units in the last place between two doubles (0 for equal values or two NaNs; +∞ for NaN vs a number).</summary>
    public static double UlpDistance(double a, double b)
    {
        if (a == b || (double.IsNaN(a) && double.IsNaN(b))) return 0;
        if (double.IsNaN(a) || double.IsNaN(b)) return double.PositiveInfinity;
        static long Ordered(double d)
        {
            long bits = BitConverter.DoubleToInt64Bits(d);
            return bits < 0 ? long.MinValue - bits : bits;
        }

        // Int128: the difference of two ordered bit patterns can exceed long, and a double would round it.
        return (double)Int128.Abs((Int128)Ordered(a) - Ordered(b));
    }

    private static (double Simd, double Tensor) Errors(KernelCase kernel, KernelInstance inst)
    {
        double[][] Snapshot(Action run)
        {
            inst.Reset();
            run();
            return [.. inst.Outputs.Select(o => (double[])o.Clone())];
        }

        var simd = Snapshot(inst.Simd);
        var reference = Snapshot(inst.Reference);
        var tensor = inst.Tensor is null ? null : Snapshot(inst.Tensor);
        double Worst(double[][]? got)
        {
            if (got is null) return double.NaN;
            double worst = 0;
            for (int o = 0; o < got.Length; o++)
                for (int i = 0; i < got[o].Length; i++)
                {
                    double e = kernel.Error == ErrorKind.UlpVsMath
                        ? UlpDistance(got[o][i], inst.Truth!(i))
                        : got[o][i] == reference[o][i] ? 0 : Math.Abs(got[o][i] - reference[o][i]);
                    if (!(e <= worst)) worst = e;
                }

            return worst;
        }

        return (Worst(simd), Worst(tensor));
    }

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString(v < 10 ? "0.000" : v < 100 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string X(double v) => double.IsNaN(v) ? "-" : v.ToString(v < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string E(double v, string unit) => double.IsNaN(v) ? "-"
        : unit == "ulp" ? v.ToString(v < 1e6 ? "0" : "0.0e0", CultureInfo.InvariantCulture) + " ulp"
        : v == 0 ? "0" : v.ToString("0.0e0", CultureInfo.InvariantCulture);
}
