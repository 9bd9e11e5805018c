using NeuroLite.Kernels;

namespace NeuroLite;

/// <summary>Collects parameter storages for an optimizer, rejecting tape tensors.</summary>
internal static class ParameterList
{
    public static ParameterStorage[] From(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = new List<ParameterStorage>();
        foreach (Tensor p in parameters)
        {
            p.Check();
            list.Add(p.ParameterOrNull ?? throw new ArgumentException(
                $"Optimizers update parameters (Tensor.Parameter, Layer.W/B); got a tape tensor of shape {Shapes.Format(p.ShapeUnchecked)}.", nameof(parameters)));
        }
        return [.. list];
    }
}

/// <summary>Stochastic gradient descent, optionally with momentum (PyTorch's form: v = μv + g, p −= lr·v).</summary>
public sealed class Sgd : IDisposable
{
    private readonly ParameterRuns _runs;
    private AlignedBuffer _velocity;
    private double _lr;
    private bool _disposed;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">An element is not a parameter.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lr"/> is NaN, infinite or negative, or <paramref name="momentum"/> is outside [0, 1).</exception>
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0)
    {
        Validate.LearningRate(lr);
        _lr = lr;
        Validate.UnitInterval(momentum);
        Momentum = momentum;
        _runs = new ParameterRuns(ParameterList.From(parameters));
        if (momentum != 0) _velocity = TensorPool.RentPhased(_runs.StateLength, ParameterRuns.FirstStatePhase, zeroed: true);
    }

    /// <summary>The learning rate (may be changed between steps).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to NaN, an infinity or a negative value.</exception>
    public double LearningRate
    {
        get => _lr;
        set
        {
            Validate.LearningRate(value);
            _lr = value;
        }
    }

    /// <summary>The momentum factor μ (0: plain SGD).</summary>
    public double Momentum { get; }

    /// <summary>
    /// Updates every parameter from its gradient, then zeroes the gradients. Parameters that lie back to back in a
    /// module's slab, in this optimizer's order, are stepped by one kernel call (see <see cref="ParameterRuns"/>).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The optimizer or one of its parameters was disposed (nothing is updated).</exception>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _runs.ThrowIfAnyDisposed();
        // Taking the gradients leaves them stale rather than writing zeros (see LazyGradient).
        for (int r = 0; r < _runs.Count; r++)
        {
            Span<double> values = _runs.Take(r, out Span<double> grads, out int state);
            if (Momentum != 0) Optimizer.SgdMomentum(values, grads, _velocity.Slice(state, values.Length), LearningRate, Momentum, zeroGradients: false);
            else Optimizer.Sgd(values, grads, LearningRate, zeroGradients: false);
        }
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        _runs.ZeroGrads();
    }

    /// <summary>Returns the velocity buffer to <see cref="TensorPool"/>; a later <see cref="Step"/> throws <see cref="ObjectDisposedException"/>. The parameters are not affected.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        TensorPool.Return(_velocity);
        _velocity = default;
    }
}

/// <summary>Adam (Kingma and Ba) with PyTorch's defaults and bias correction.</summary>
public sealed class Adam : IDisposable
{
    private readonly ParameterRuns _runs;
    private AlignedBuffer _m;
    private AlignedBuffer _v;
    private double _lr;
    private bool _disposed;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">An element is not a parameter.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lr"/> is NaN, infinite or negative; <paramref name="beta1"/> or <paramref name="beta2"/> is outside [0, 1); or <paramref name="epsilon"/> is not finite and positive.</exception>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        Validate.LearningRate(lr);
        _lr = lr;
        Validate.UnitInterval(beta1);
        Beta1 = beta1;
        Validate.UnitInterval(beta2);
        Beta2 = beta2;
        Validate.Positive(epsilon);
        Epsilon = epsilon;
        _runs = new ParameterRuns(ParameterList.From(parameters));
        _m = TensorPool.RentPhased(_runs.StateLength, ParameterRuns.FirstStatePhase, zeroed: true);
        _v = TensorPool.RentPhased(_runs.StateLength, ParameterRuns.SecondStatePhase, zeroed: true);
    }

    /// <summary>The learning rate (may be changed between steps).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to NaN, an infinity or a negative value.</exception>
    public double LearningRate
    {
        get => _lr;
        set
        {
            Validate.LearningRate(value);
            _lr = value;
        }
    }

    /// <summary>β1, the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β2, the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>The number of steps taken so far.</summary>
    public int StepCount { get; private set; }

    /// <summary>
    /// Updates every parameter from its gradient, then zeroes the gradients. Parameters that lie back to back in a
    /// module's slab, in this optimizer's order, are stepped by one kernel call (see <see cref="ParameterRuns"/>).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The optimizer or one of its parameters was disposed (nothing is updated).</exception>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _runs.ThrowIfAnyDisposed();
        int t = ++StepCount;
        // Taking the gradients leaves them stale rather than writing zeros (see LazyGradient).
        for (int r = 0; r < _runs.Count; r++)
        {
            Span<double> values = _runs.Take(r, out Span<double> grads, out int state);
            Optimizer.Adam(values, grads, _m.Slice(state, values.Length), _v.Slice(state, values.Length), LearningRate, Beta1, Beta2, Epsilon, t, zeroGradients: false);
        }
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        _runs.ZeroGrads();
    }

    /// <summary>Returns the moment buffers to <see cref="TensorPool"/>; a later <see cref="Step"/> throws <see cref="ObjectDisposedException"/>. The parameters are not affected.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        TensorPool.Return(_m);
        TensorPool.Return(_v);
        _m = _v = default;
    }

}

/// <summary>One-call optimizer steps in the seed's style.</summary>
public static class Optim
{
    /// <summary>
    /// The seed's <c>sgd_step(model.parameters(), lr)</c>: p −= lr·grad for each parameter, then its gradient is
    /// zeroed (which is why the seed's XOR loop never calls zero_grad). Every element is checked before any is
    /// updated; parameters that lie back to back in a module's slab are stepped by one kernel call. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">An element is not a parameter (nothing is updated).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lr"/> is NaN, infinite or negative (nothing is updated).</exception>
    public static void SgdStep(IReadOnlyList<Tensor> parameters, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Validate.LearningRate(lr);
        int count = parameters.Count;
        for (int k = 0; k < count; k++) Storage(parameters[k], nameof(parameters));
        for (int k = 0; k < count;)
        {
            ParameterStorage head = Storage(parameters[k], nameof(parameters)), last = head;
            int j = k + 1;
            for (ParameterStorage next; j < count && last.IsFollowedBy(next = Storage(parameters[j], nameof(parameters))); j++)
                last = next;
            // Taking the gradients leaves them stale rather than writing zeros (see LazyGradient).
            for (int i = k; i < j; i++) Storage(parameters[i], nameof(parameters)).TakeGrad();
            int length = head.RunLength(last);
            Optimizer.Sgd(head.ValueRun(length), head.GradRun(length), lr, zeroGradients: false);
            k = j;
        }
    }

    /// <summary>As <see cref="SgdStep(IReadOnlyList{Tensor}, double)"/> for any sequence of parameters (one kernel call per parameter unless it is a list).</summary>
    /// <exception cref="ArgumentException">An element is not a parameter (the elements before it are updated).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lr"/> is NaN, infinite or negative (nothing is updated).</exception>
    public static void SgdStep(IEnumerable<Tensor> parameters, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters is IReadOnlyList<Tensor> list)
        {
            SgdStep(list, lr);
            return;
        }
        Validate.LearningRate(lr);
        foreach (Tensor t in parameters)
        {
            ParameterStorage p = Storage(t, nameof(parameters));
            Optimizer.Sgd(p.Value, p.TakeGrad(), lr, zeroGradients: false);
        }
    }

    private static ParameterStorage Storage(in Tensor t, string name)
    {
        t.Check();
        return t.ParameterOrNull ?? throw new ArgumentException(
            $"SgdStep updates parameters (Tensor.Parameter, Layer.W/B); got a tape tensor of shape {Shapes.Format(t.ShapeUnchecked)}.", name);
    }
}
