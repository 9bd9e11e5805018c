using System.Globalization;
using NeuroLite.Kernels;

namespace NeuroLite;

/// <summary>
/// Checks <see cref="Tensor.Backward()"/> against central finite differences, as <c>torch.autograd.gradcheck</c> does:
/// the whole Jacobian of <c>f</c> (every output element against every input element), compared element-wise with
/// <c>|analytic − numeric| ≤ atol + rtol·|numeric|</c>. Meant for float64 tests, not for hot loops (it allocates).
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Runs <paramref name="f"/> on copies of <paramref name="inputs"/> (as parameters, on a private tape that is
    /// <see cref="Tape.Default"/> for the duration) and compares its gradients with finite differences.
    /// </summary>
    /// <param name="f">A function of tensors to a tensor of any shape; it may use the ambient tape.</param>
    /// <param name="inputs">The points to check at (their values are copied; they are not modified).</param>
    /// <param name="eps">The finite-difference step.</param>
    /// <param name="atol">Absolute tolerance.</param>
    /// <param name="rtol">Relative tolerance.</param>
    /// <param name="raiseException">Throw on the first mismatch (with the element and both values) instead of returning false.</param>
    /// <returns>True when every Jacobian entry matches.</returns>
    /// <exception cref="InvalidOperationException">A Jacobian entry differs and <paramref name="raiseException"/> is set.</exception>
    public static bool Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, bool raiseException = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        var ps = new Tensor[inputs.Length];
        for (int k = 0; k < inputs.Length; k++) ps[k] = Tensor.Parameter(inputs[k].Data, inputs[k].Shape, inputs[k].Label);

        using var tape = new Tape();
        Tape? previous = Tape.SwapDefault(tape);
        try
        {
            Tensor y = f(ps);
            int m = y.Length;
            // analytic[j][k] = d y[j] / d inputs[k] (flattened), one Backward per output element on the same graph.
            var analytic = new double[m][][];
            var seed = new double[m];
            for (int j = 0; j < m; j++)
            {
                foreach (Tensor p in ps) p.ZeroGrad();
                seed.AsSpan().Clear();
                seed[j] = 1.0;
                y.Backward(seed);
                analytic[j] = new double[ps.Length][];
                for (int k = 0; k < ps.Length; k++) analytic[j][k] = ps[k].GradToArray();
            }

            for (int k = 0; k < ps.Length; k++)
            {
                for (int e = 0; e < ps[k].Length; e++)
                {
                    double[] plus = Evaluate(f, ps, tape, k, e, eps);
                    double[] minus = Evaluate(f, ps, tape, k, e, -eps);
                    for (int j = 0; j < m; j++)
                    {
                        double numeric = (plus[j] - minus[j]) / (2 * eps);
                        double a = analytic[j][k][e];
                        if (!(Math.Abs(a - numeric) <= atol + rtol * Math.Abs(numeric)))
                        {
                            if (!raiseException) return false;
                            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                                $"GradCheck: d output[{j}] / d input {k} (shape {Shapes.Format(inputs[k].Shape)}) [{e}] is {a:R} by Backward() but {numeric:R} by central differences (eps {eps}, atol {atol}, rtol {rtol})."));
                        }
                    }
                }
            }
            return true;
        }
        finally
        {
            Tape.SwapDefault(previous);
        }
    }

    private static double[] Evaluate(Func<Tensor[], Tensor> f, Tensor[] ps, Tape tape, int k, int e, double delta)
    {
        ParameterStorage p = ps[k].ParameterOrNull!;
        double original = p.Value[e];
        p.Value[e] = original + delta;
        try
        {
            tape.Reset();
            return f(ps).ToArray();
        }
        finally
        {
            p.Value[e] = original;
        }
    }
}
