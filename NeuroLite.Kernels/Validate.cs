namespace NeuroLite.Kernels;

/// <summary>Each kernel's entry checks (shapes, lengths, overlaps, targets, hyperparameters), shared by the fast kernels and
/// their references; the primitives they are built from are in <c>Validate.Arguments.cs</c>.</summary>
internal static partial class Validate
{
    /// <summary>Checks a broadcasting binary op and writes the output shape; returns its rank.</summary>
    public static int Binary(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c, Span<int> outShape)
    {
        Validate.Length(a.Length, Shapes.Count(aShape), nameof(a));
        Validate.Length(b.Length, Shapes.Count(bShape), nameof(b));
        int rank = Shapes.Broadcast(aShape, bShape, outShape);
        int n = Shapes.Count(outShape[..rank]);
        if (c.Length != n)
            throw new ArgumentException($"The output has {c.Length} elements; broadcasting {Shapes.Format(aShape)} with {Shapes.Format(bShape)} gives {Shapes.Format(outShape[..rank])} = {n}.", nameof(c));
        // The output may be exactly an input of the output's shape (in place); anything else that overlaps is rejected.
        if (a.Length == n) Validate.NoPartialOverlap(a, c, nameof(c)); else if (Validate.Overlap(a, c)) Overlap();
        if (b.Length == n) Validate.NoPartialOverlap(b, c, nameof(c)); else if (Validate.Overlap(b, c)) Overlap();
        return rank;
    }

    /// <summary>Checks a reverse-broadcast (sum-to-shape).</summary>
    public static void SumTo(ReadOnlySpan<double> g, ReadOnlySpan<int> gShape, Span<double> dst, ReadOnlySpan<int> dstShape)
    {
        Validate.Length(g.Length, Shapes.Count(gShape), nameof(g));
        Validate.Length(dst.Length, Shapes.Count(dstShape), nameof(dst));
        if (gShape.Length > Shapes.MaxRank || dstShape.Length > gShape.Length)
            throw new ArgumentException($"Cannot sum a gradient of shape {Shapes.Format(gShape)} down to {Shapes.Format(dstShape)}.");
        Span<int> check = stackalloc int[Shapes.MaxRank];
        int rank = Shapes.Broadcast(gShape, dstShape, check);
        if (!Shapes.Equal(check[..rank], gShape))
            throw new ArgumentException($"Shape {Shapes.Format(dstShape)} does not broadcast to {Shapes.Format(gShape)}.");
        if (Validate.Overlap(g, dst)) Overlap();
    }

    private static void Overlap() => throw new ArgumentException("The output overlaps an input of a different shape.");

    /// <summary>Checks a (rows × cols) matrix and a destination of one element per row (named <paramref name="dstName"/>).</summary>
    public static void Rows(ReadOnlySpan<double> x, int rows, int cols, int dstLength, string dstName = "dst", string xName = "x")
    {
        Validate.NonNegative(rows);
        Validate.NonNegative(cols);
        long count = (long)rows * cols;
        if (x.Length != count)
            throw new ArgumentException($"{xName} has length {x.Length}; a ({rows} × {cols}) matrix needs {count}.", xName);
        Validate.Length(dstLength, rows, dstName);
    }

    /// <summary>Checks a (rows × cols) matrix and a destination of one double per row, which must not overlap the matrix.</summary>
    public static void Rows(ReadOnlySpan<double> x, int rows, int cols, Span<double> dst)
    {
        Rows(x, rows, cols, dst.Length);
        Validate.Disjoint(x, dst);
    }

    /// <summary>Checks a (rows × cols) matrix and a destination of one int per row, which must not overlap the matrix.</summary>
    public static void Rows(ReadOnlySpan<double> x, int rows, int cols, Span<int> dst)
    {
        Rows(x, rows, cols, dst.Length);
        Validate.Disjoint<double, int>(x, dst);
    }

    /// <summary>Checks a reduction over one axis and writes the kept shape (that axis set to 1) into <paramref name="kept"/>.</summary>
    public static void Axis(ReadOnlySpan<double> x, ReadOnlySpan<int> shape, int axis, Span<double> dst, Span<int> kept)
    {
        if (shape.Length > Shapes.MaxRank) throw new ArgumentException($"Rank of {Shapes.Format(shape)} exceeds {Shapes.MaxRank}.", nameof(shape));
        if ((uint)axis >= (uint)shape.Length) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {Shapes.Format(shape)}.");
        Validate.Length(x.Length, Shapes.Count(shape), nameof(x));
        shape.CopyTo(kept);
        kept[axis] = 1;
        Validate.Length(dst.Length, Shapes.Count(kept[..shape.Length]), nameof(dst));
        if (Validate.Overlap(x, dst)) throw new ArgumentException("The output overlaps the input.", nameof(dst));
    }

    /// <summary>
    /// Checks softmax cross-entropy's forward: (rows × cols) logits, one target in [0, cols) per row, probabilities of
    /// the same size (the logits themselves, or disjoint), and one row loss per row, disjoint from everything else.
    /// </summary>
    public static void SoftmaxCeForward(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss)
    {
        Rows(logits, rows, cols, rowLoss.Length, nameof(rowLoss), nameof(logits));
        Validate.Length(targets.Length, rows, nameof(targets));
        Validate.Length(probabilities.Length, logits.Length, nameof(probabilities));
        Validate.NoPartialOverlap(logits, probabilities, nameof(probabilities));
        Validate.Disjoint(logits, rowLoss);
        Validate.Disjoint(probabilities, rowLoss);
        Validate.Disjoint(targets, probabilities);
        Validate.Disjoint(targets, rowLoss);
        Targets(targets, cols);
    }

    /// <summary>Checks softmax cross-entropy's backward: probabilities (rows × cols), one target in [0, cols) per row, a gradient of the same size (the probabilities themselves, or disjoint).</summary>
    public static void SoftmaxCeBackward(ReadOnlySpan<double> probabilities, int rows, int cols, ReadOnlySpan<int> targets, Span<double> gradLogits)
    {
        Rows(probabilities, rows, cols, targets.Length, nameof(targets), nameof(probabilities));
        Validate.Length(gradLogits.Length, probabilities.Length, nameof(gradLogits));
        Validate.NoPartialOverlap(probabilities, gradLogits, nameof(gradLogits));
        Validate.Disjoint(targets, gradLogits);
        Targets(targets, cols);
    }

    private static void Targets(ReadOnlySpan<int> targets, int cols)
    {
        for (int r = 0; r < targets.Length; r++)
        {
            int t = targets[r];
            if ((uint)t >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(targets), $"Target {t} of row {r} is outside [0, {cols}).");
        }
    }

    /// <summary>Thrown by a kernel that found a target out of range after its check passed: the caller changed the targets during the call.</summary>
    public static void ThrowTargetChanged(int target, int row, int cols) => throw new InvalidOperationException(
        $"Target {target} of row {row} is outside [0, {cols}) although it was checked at entry: the targets changed during the call (another thread wrote them). The output is incomplete.");

    /// <summary>Checks plain SGD: parameters and gradients of one length, disjoint; a finite, non-negative learning rate.</summary>
    public static void Sgd(Span<double> parameters, Span<double> gradients, double learningRate)
    {
        Validate.Length(gradients.Length, parameters.Length, nameof(gradients));
        Validate.Disjoint<double, double>(parameters, gradients, nameof(parameters), nameof(gradients));
        Validate.LearningRate(learningRate);
    }

    /// <summary>Checks SGD with momentum: parameters, gradients and velocity of one length, pairwise disjoint; learning rate and momentum in range.</summary>
    public static void SgdMomentum(Span<double> parameters, Span<double> gradients, Span<double> velocity, double learningRate, double momentum)
    {
        Sgd(parameters, gradients, learningRate);
        Validate.Length(velocity.Length, parameters.Length, nameof(velocity));
        Validate.Disjoint<double, double>(parameters, velocity, nameof(parameters), nameof(velocity));
        Validate.Disjoint<double, double>(gradients, velocity, nameof(gradients), nameof(velocity));
        Validate.UnitInterval(momentum);
    }

    /// <summary>Checks an Adam step: parameters, gradients, m and v of one length, pairwise disjoint; every hyperparameter in range.</summary>
    public static void Adam(Span<double> parameters, Span<double> gradients, Span<double> m, Span<double> v, double learningRate, double beta1, double beta2, double epsilon, int step)
    {
        Sgd(parameters, gradients, learningRate);
        Validate.Length(m.Length, parameters.Length, nameof(m));
        Validate.Length(v.Length, parameters.Length, nameof(v));
        Validate.Disjoint<double, double>(parameters, m, nameof(parameters), nameof(m));
        Validate.Disjoint<double, double>(parameters, v, nameof(parameters), nameof(v));
        Validate.Disjoint<double, double>(gradients, m, nameof(gradients), nameof(m));
        Validate.Disjoint<double, double>(gradients, v, nameof(gradients), nameof(v));
        Validate.Disjoint<double, double>(m, v, nameof(m), nameof(v));
        Validate.UnitInterval(beta1);
        Validate.UnitInterval(beta2);
        Validate.Positive(epsilon);
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"Adam's step count starts at 1, got {step}.");
    }

    /// <summary>Checks a GEMM: non-negative sizes, spans long enough, C disjoint from A and B.</summary>
    public static void Gemm(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k)
    {
        Validate.NonNegative(m);
        Validate.NonNegative(n);
        Validate.NonNegative(k);
        if (a.Length < (long)m * k) throw new ArgumentException($"A has {a.Length} elements; {m}×{k} needs {(long)m * k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B has {b.Length} elements; {k}×{n} needs {(long)k * n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C has {c.Length} elements; {m}×{n} needs {(long)m * n}.", nameof(c));
        if (Validate.Overlap(a, c) || Validate.Overlap(b, c)) throw new ArgumentException("C must not overlap A or B.", nameof(c));
    }

    /// <summary>Checks a GEMM with a bias and an activation: <see cref="Gemm"/>'s checks, a bias of at least n values disjoint from C, a defined activation.</summary>
    public static void GemmLinear(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> bias, Span<double> c, int m, int n, int k, GemmActivation activation)
    {
        Gemm(a, b, c, m, n, k);
        if (bias.Length < n) throw new ArgumentException($"The bias has {bias.Length} elements; {n} columns need {n}.", nameof(bias));
        if (Validate.Overlap(bias, c)) throw new ArgumentException("C must not overlap the bias.", nameof(c));
        if (activation is not (GemmActivation.None or GemmActivation.Tanh or GemmActivation.Relu))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, $"{(int)activation} is not a defined GemmActivation (None, Tanh or Relu).");
    }
}
