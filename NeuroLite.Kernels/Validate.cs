namespace NeuroLite.Kernels;

/// <summary>Shape and span checks for the broadcasting kernels, shared by the fast paths and the reference.</summary>
internal static class Validate
{
    /// <summary>Checks a broadcasting binary op and writes the output shape; returns its rank.</summary>
    public static int Binary(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c, Span<int> outShape)
    {
        Guard.Length(a.Length, Shapes.Count(aShape), nameof(a));
        Guard.Length(b.Length, Shapes.Count(bShape), nameof(b));
        int rank = Shapes.Broadcast(aShape, bShape, outShape);
        int n = Shapes.Count(outShape[..rank]);
        if (c.Length != n)
            throw new ArgumentException($"The output has {c.Length} elements; broadcasting {Shapes.Format(aShape)} with {Shapes.Format(bShape)} gives {Shapes.Format(outShape[..rank])} = {n}.", nameof(c));
        // The output may be exactly an input of the output's shape (in place); anything else that overlaps is rejected.
        if (a.Length == n) Guard.NoPartialOverlap(a, c, nameof(c)); else if (Guard.Overlap(a, c)) Overlap();
        if (b.Length == n) Guard.NoPartialOverlap(b, c, nameof(c)); else if (Guard.Overlap(b, c)) Overlap();
        return rank;
    }

    /// <summary>Checks a reverse-broadcast (sum-to-shape).</summary>
    public static void SumTo(ReadOnlySpan<double> g, ReadOnlySpan<int> gShape, Span<double> dst, ReadOnlySpan<int> dstShape)
    {
        Guard.Length(g.Length, Shapes.Count(gShape), nameof(g));
        Guard.Length(dst.Length, Shapes.Count(dstShape), nameof(dst));
        if (gShape.Length > Shapes.MaxRank || dstShape.Length > gShape.Length)
            throw new ArgumentException($"Cannot sum a gradient of shape {Shapes.Format(gShape)} down to {Shapes.Format(dstShape)}.");
        Span<int> check = stackalloc int[Shapes.MaxRank];
        int rank = Shapes.Broadcast(gShape, dstShape, check);
        if (!Shapes.Equal(check[..rank], gShape))
            throw new ArgumentException($"Shape {Shapes.Format(dstShape)} does not broadcast to {Shapes.Format(gShape)}.");
        if (Guard.Overlap(g, dst)) Overlap();
    }

    private static void Overlap() => throw new ArgumentException("The output overlaps an input of a different shape.");

    /// <summary>Checks a (rows × cols) matrix and a destination of one element per row (named <paramref name="dstName"/>).</summary>
    public static void Rows(ReadOnlySpan<double> x, int rows, int cols, int dstLength, string dstName = "dst", string xName = "x")
    {
        Guard.NonNegative(rows);
        Guard.NonNegative(cols);
        long count = (long)rows * cols;
        if (x.Length != count)
            throw new ArgumentException($"{xName} has length {x.Length}; a ({rows} × {cols}) matrix needs {count}.", xName);
        Guard.Length(dstLength, rows, dstName);
    }

    /// <summary>Checks a (rows × cols) matrix and a destination of one double per row, which must not overlap the matrix.</summary>
    public static void Rows(ReadOnlySpan<double> x, int rows, int cols, Span<double> dst)
    {
        Rows(x, rows, cols, dst.Length);
        Guard.Disjoint(x, dst);
    }

    /// <summary>Checks a (rows × cols) matrix and a destination of one int per row, which must not overlap the matrix.</summary>
    public static void Rows(ReadOnlySpan<double> x, int rows, int cols, Span<int> dst)
    {
        Rows(x, rows, cols, dst.Length);
        Guard.Disjoint<double, int>(x, dst);
    }

    /// <summary>Checks a reduction over one axis and writes the kept shape (that axis set to 1) into <paramref name="kept"/>.</summary>
    public static void Axis(ReadOnlySpan<double> x, ReadOnlySpan<int> shape, int axis, Span<double> dst, Span<int> kept)
    {
        if (shape.Length > Shapes.MaxRank) throw new ArgumentException($"Rank of {Shapes.Format(shape)} exceeds {Shapes.MaxRank}.", nameof(shape));
        if ((uint)axis >= (uint)shape.Length) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {Shapes.Format(shape)}.");
        Guard.Length(x.Length, Shapes.Count(shape), nameof(x));
        shape.CopyTo(kept);
        kept[axis] = 1;
        Guard.Length(dst.Length, Shapes.Count(kept[..shape.Length]), nameof(dst));
        if (Guard.Overlap(x, dst)) throw new ArgumentException("The output overlaps the input.", nameof(dst));
    }

    /// <summary>
    /// Checks softmax cross-entropy's forward: (rows × cols) logits, one target in [0, cols) per row, probabilities of
    /// the same size (the logits themselves, or disjoint), and one row loss per row, disjoint from everything else.
    /// </summary>
    public static void SoftmaxCeForward(ReadOnlySpan<double> logits, int rows, int cols, ReadOnlySpan<int> targets, Span<double> probabilities, Span<double> rowLoss)
    {
        Rows(logits, rows, cols, rowLoss.Length, nameof(rowLoss), nameof(logits));
        Guard.Length(targets.Length, rows, nameof(targets));
        Guard.Length(probabilities.Length, logits.Length, nameof(probabilities));
        Guard.NoPartialOverlap(logits, probabilities, nameof(probabilities));
        Guard.Disjoint(logits, rowLoss);
        Guard.Disjoint(probabilities, rowLoss);
        Guard.Disjoint(targets, probabilities);
        Guard.Disjoint(targets, rowLoss);
        Targets(targets, cols);
    }

    /// <summary>Checks softmax cross-entropy's backward: probabilities (rows × cols), one target in [0, cols) per row, a gradient of the same size (the probabilities themselves, or disjoint).</summary>
    public static void SoftmaxCeBackward(ReadOnlySpan<double> probabilities, int rows, int cols, ReadOnlySpan<int> targets, Span<double> gradLogits)
    {
        Rows(probabilities, rows, cols, targets.Length, nameof(targets), nameof(probabilities));
        Guard.Length(gradLogits.Length, probabilities.Length, nameof(gradLogits));
        Guard.NoPartialOverlap(probabilities, gradLogits, nameof(gradLogits));
        Guard.Disjoint(targets, gradLogits);
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
        Guard.Length(gradients.Length, parameters.Length, nameof(gradients));
        Guard.Disjoint<double, double>(parameters, gradients, nameof(parameters), nameof(gradients));
        Guard.LearningRate(learningRate);
    }

    /// <summary>Checks SGD with momentum: parameters, gradients and velocity of one length, pairwise disjoint; learning rate and momentum in range.</summary>
    public static void SgdMomentum(Span<double> parameters, Span<double> gradients, Span<double> velocity, double learningRate, double momentum)
    {
        Sgd(parameters, gradients, learningRate);
        Guard.Length(velocity.Length, parameters.Length, nameof(velocity));
        Guard.Disjoint<double, double>(parameters, velocity, nameof(parameters), nameof(velocity));
        Guard.Disjoint<double, double>(gradients, velocity, nameof(gradients), nameof(velocity));
        Guard.UnitInterval(momentum);
    }

    /// <summary>Checks an Adam step: parameters, gradients, m and v of one length, pairwise disjoint; every hyperparameter in range.</summary>
    public static void Adam(Span<double> parameters, Span<double> gradients, Span<double> m, Span<double> v, double learningRate, double beta1, double beta2, double epsilon, int step)
    {
        Sgd(parameters, gradients, learningRate);
        Guard.Length(m.Length, parameters.Length, nameof(m));
        Guard.Length(v.Length, parameters.Length, nameof(v));
        Guard.Disjoint<double, double>(parameters, m, nameof(parameters), nameof(m));
        Guard.Disjoint<double, double>(parameters, v, nameof(parameters), nameof(v));
        Guard.Disjoint<double, double>(gradients, m, nameof(gradients), nameof(m));
        Guard.Disjoint<double, double>(gradients, v, nameof(gradients), nameof(v));
        Guard.Disjoint<double, double>(m, v, nameof(m), nameof(v));
        Guard.UnitInterval(beta1);
        Guard.UnitInterval(beta2);
        Guard.Positive(epsilon);
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"Adam's step count starts at 1, got {step}.");
    }

    /// <summary>Checks a GEMM: non-negative sizes, spans long enough, C disjoint from A and B.</summary>
    public static void Gemm(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k)
    {
        Guard.NonNegative(m);
        Guard.NonNegative(n);
        Guard.NonNegative(k);
        if (a.Length < (long)m * k) throw new ArgumentException($"A has {a.Length} elements; {m}×{k} needs {(long)m * k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B has {b.Length} elements; {k}×{n} needs {(long)k * n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C has {c.Length} elements; {m}×{n} needs {(long)m * n}.", nameof(c));
        if (Guard.Overlap(a, c) || Guard.Overlap(b, c)) throw new ArgumentException("C must not overlap A or B.", nameof(c));
    }
}
