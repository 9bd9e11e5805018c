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
    private readonly ParameterStorage[] _parameters;
    private readonly AlignedBuffer[] _velocity;
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
        _parameters = ParameterList.From(parameters);
        _velocity = new AlignedBuffer[_parameters.Length];
        if (momentum != 0)
            for (int k = 0; k < _parameters.Length; k++) _velocity[k] = TensorPool.Rent(_parameters[k].Value.Length, zeroed: true);
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

    /// <summary>Updates every parameter from its gradient, then zeroes the gradients.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // TakeGrad leaves each gradient stale rather than writing zeros (see LazyGradient).
        for (int k = 0; k < _parameters.Length; k++)
        {
            ParameterStorage p = _parameters[k];
            p.ThrowIfDisposed();
            if (Momentum != 0) Optimizer.SgdMomentum(p.Value, p.TakeGrad(), _velocity[k].Span, LearningRate, Momentum, zeroGradients: false);
            else Optimizer.Sgd(p.Value, p.TakeGrad(), LearningRate, zeroGradients: false);
        }
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (ParameterStorage p in _parameters) p.ZeroGrad();
    }

    /// <summary>Returns the velocity buffers to <see cref="TensorPool"/>; a later <see cref="Step"/> throws <see cref="ObjectDisposedException"/>. The parameters are not affected.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int k = 0; k < _velocity.Length; k++)
        {
            TensorPool.Return(_velocity[k]);
            _velocity[k] = default;
        }
    }

    /// <summary>The velocity of parameter <paramref name="k"/> (empty without momentum; for tests).</summary>
    internal AlignedBuffer Velocity(int k) => _velocity[k];
}

/// <summary>Adam (Kingma and Ba) with PyTorch's defaults and bias correction.</summary>
public sealed class Adam : IDisposable
{
    private readonly ParameterStorage[] _parameters;
    private readonly AlignedBuffer[] _m;
    private readonly AlignedBuffer[] _v;
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
        _parameters = ParameterList.From(parameters);
        _m = new AlignedBuffer[_parameters.Length];
        _v = new AlignedBuffer[_parameters.Length];
        for (int k = 0; k < _parameters.Length; k++)
        {
            _m[k] = TensorPool.Rent(_parameters[k].Value.Length, zeroed: true);
            _v[k] = TensorPool.Rent(_parameters[k].Value.Length, zeroed: true);
        }
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

    /// <summary>Updates every parameter from its gradient, then zeroes the gradients.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int t = ++StepCount;
        // TakeGrad leaves each gradient stale rather than writing zeros (see LazyGradient).
        for (int k = 0; k < _parameters.Length; k++)
        {
            ParameterStorage p = _parameters[k];
            p.ThrowIfDisposed();
            Optimizer.Adam(p.Value, p.TakeGrad(), _m[k].Span, _v[k].Span, LearningRate, Beta1, Beta2, Epsilon, t, zeroGradients: false);
        }
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (ParameterStorage p in _parameters) p.ZeroGrad();
    }

    /// <summary>Returns the moment buffers to <see cref="TensorPool"/>; a later <see cref="Step"/> throws <see cref="ObjectDisposedException"/>. The parameters are not affected.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int k = 0; k < _m.Length; k++)
        {
            TensorPool.Return(_m[k]);
            TensorPool.Return(_v[k]);
            _m[k] = _v[k] = default;
        }
    }

    /// <summary>The first and second moments of parameter <paramref name="k"/> (for tests).</summary>
    internal (AlignedBuffer M, AlignedBuffer V) Moments(int k) => (_m[k], _v[k]);
}

/// <summary>One-call optimizer steps in the seed's style.</summary>
public static class Optim
{
    /// <summary>
    /// The seed's <c>sgd_step(model.parameters(), lr)</c>: p −= lr·grad for each parameter, then its gradient is
    /// zeroed (which is why the seed's XOR loop never calls zero_grad). Allocates nothing for a list or array.
    /// </summary>
    /// <exception cref="ArgumentException">An element is not a parameter.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lr"/> is NaN, infinite or negative (nothing is updated).</exception>
    public static void SgdStep(IReadOnlyList<Tensor> parameters, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Validate.LearningRate(lr);
        for (int k = 0; k < parameters.Count; k++) Step(parameters[k], lr);
    }

    /// <summary>As <see cref="SgdStep(IReadOnlyList{Tensor}, double)"/> for any sequence of parameters.</summary>
    public static void SgdStep(IEnumerable<Tensor> parameters, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Validate.LearningRate(lr);
        foreach (Tensor p in parameters) Step(p, lr);
    }

    private static void Step(in Tensor t, double lr)
    {
        t.Check();
        ParameterStorage p = t.ParameterOrNull ?? throw new ArgumentException(
            $"SgdStep updates parameters (Tensor.Parameter, Layer.W/B); got a tape tensor of shape {Shapes.Format(t.ShapeUnchecked)}.", nameof(t));
        Optimizer.Sgd(p.Value, p.TakeGrad(), lr, zeroGradients: false);
    }
}
