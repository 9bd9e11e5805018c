namespace NeuroLite;

/// <summary>
/// An optimizer's parameters grouped into runs: maximal sequences of consecutive parameters (in the optimizer's
/// order) that follow one another in one slab (<see cref="ParameterStorage.IsFollowedBy"/>), so a step makes one
/// kernel call per run instead of one per tensor. A model's own <c>Parameters()</c> list is one run; another order, a
/// subset or a standalone parameter splits it, down to one run per tensor. The optimizer's state (moments, velocity)
/// is laid out to match: one slab, each run at its own 64-byte-aligned offset, each parameter inside it at the same
/// distance from the run's start as in the parameter slab, so the padding lines up too.
/// </summary>
internal sealed class ParameterRuns
{
    private readonly ParameterStorage[] _parameters;
    // Run r covers parameters [_first[r], _first[r + 1]); it spans _length[r] doubles and sits at _state[r] in the state slabs.
    private readonly int[] _first;
    private readonly int[] _length;
    private readonly int[] _state;

    public ParameterRuns(ParameterStorage[] parameters)
    {
        _parameters = parameters;
        var first = new List<int>();
        var length = new List<int>();
        var state = new List<int>();
        long top = 0;
        for (int k = 0; k < parameters.Length;)
        {
            int j = k + 1;
            while (j < parameters.Length && parameters[j - 1].IsFollowedBy(parameters[j])) j++;
            int span = parameters[k].RunLength(parameters[j - 1]);
            first.Add(k);
            length.Add(span);
            state.Add((int)top);
            top = checked((int)(top + ParameterSlab.Room(span)));
            k = j;
        }
        first.Add(parameters.Length);
        _first = [.. first];
        _length = [.. length];
        _state = [.. state];
        StateLength = (int)top;
    }

    /// <summary>Where in a 4 KiB page the first state slab (Adam's m, SGD's velocity) starts, apart from the parameter slabs' phases.</summary>
    public const int FirstStatePhase = 2048;

    /// <summary>Where in a 4 KiB page the second state slab (Adam's v) starts.</summary>
    public const int SecondStatePhase = 3072;

    /// <summary>The number of runs: the kernel calls a step makes.</summary>
    public int Count => _length.Length;

    /// <summary>The doubles each state slab needs.</summary>
    public int StateLength { get; }

    /// <summary>Throws <see cref="ObjectDisposedException"/> if any parameter was disposed, before a step writes anything.</summary>
    public void ThrowIfAnyDisposed()
    {
        foreach (ParameterStorage p in _parameters) p.ThrowIfDisposed();
    }

    /// <summary>Sets every parameter's gradient to zero (marks it stale).</summary>
    public void ZeroGrads()
    {
        foreach (ParameterStorage p in _parameters) p.ZeroGrad();
    }

    /// <summary>
    /// Takes the gradients of run <paramref name="r"/> (zeros written for a stale one: a parameter that received no
    /// gradient since its last step is stepped with g = 0; all are stale afterwards) and returns the run's values;
    /// <paramref name="grads"/> gets the run's gradients, <paramref name="state"/> its offset in the state slabs.
    /// </summary>
    public Span<double> Take(int r, out Span<double> grads, out int state)
    {
        int k = _first[r], end = _first[r + 1];
        for (int i = k; i < end; i++) _parameters[i].TakeGrad();
        int length = _length[r];
        grads = _parameters[k].GradRun(length);
        state = _state[r];
        return _parameters[k].ValueRun(length);
    }
}
