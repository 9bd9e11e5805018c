namespace NeuroLite.Kernels.Reference;

/// <summary>Scalar reference of <see cref="NeuroLite.Kernels.Unary"/>: same names, same parameters, one element at a time.</summary>
public static class Unary
{
    /// <summary>y[i] = tanh(x[i]).</summary>
    public static void Tanh(ReadOnlySpan<double> x, Span<double> y)
    {
        Guard.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Math.Tanh(x[i]);
    }

    /// <summary>y[i] = max(x[i], 0); NaN stays NaN.</summary>
    public static void Relu(ReadOnlySpan<double> x, Span<double> y)
    {
        Guard.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : (double.IsNaN(x[i]) ? x[i] : 0.0);
    }

    /// <summary>y[i] = e^x[i].</summary>
    public static void Exp(ReadOnlySpan<double> x, Span<double> y)
    {
        Guard.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Math.Exp(x[i]);
    }

    /// <summary>y[i] = ln x[i].</summary>
    public static void Log(ReadOnlySpan<double> x, Span<double> y)
    {
        Guard.SameLength(x, y);
        for (int i = 0; i < x.Length; i++) y[i] = Math.Log(x[i]);
    }

    /// <summary>Backward of tanh from its output: dx[i] = (1 - t[i]·t[i])·g[i], or dx[i] += that when <paramref name="accumulate"/>.</summary>
    public static void TanhBackward(ReadOnlySpan<double> t, ReadOnlySpan<double> g, Span<double> dx, bool accumulate = false)
    {
        Guard.SameLength(t, dx);
        Guard.SameLength(g, dx);
        for (int i = 0; i < t.Length; i++)
        {
            double d = (1.0 - t[i] * t[i]) * g[i];
            dx[i] = accumulate ? dx[i] + d : d;
        }
    }

    /// <summary>Backward of ReLU from its input: dx[i] = x[i] &gt; 0 ? g[i] : 0, or dx[i] += that when <paramref name="accumulate"/>.</summary>
    public static void ReluBackward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dx, bool accumulate = false)
    {
        Guard.SameLength(x, dx);
        Guard.SameLength(g, dx);
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] > 0 ? g[i] : 0.0;
            dx[i] = accumulate ? dx[i] + d : d;
        }
    }
}
