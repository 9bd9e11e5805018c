namespace NeuroLite;

public sealed partial class Tape
{
    // Per thread, as the tapes are: a scope on one thread leaves every other thread recording.
    [ThreadStatic] private static int t_noGradDepth;

    // Scopes open on all threads together: while it is zero (the usual case) an op reads this plain static instead of
    // the thread-static depth (reading that in every op made the recorded XOR step about 6% slower in `ab`).
    private static int s_openScopes;

    /// <summary>
    /// Starts a no-grad scope on the current thread, for inference: until the returned scope is disposed, ops still
    /// compute their values (bit for bit the values they compute when recording) but their results need no gradient,
    /// so <see cref="Tensor.Backward()"/> from them reaches nothing, no parameter's gradient changes, and no backward
    /// rule ever reads what they saved: a result used in a later recorded graph is a constant there (as PyTorch's
    /// <c>torch.no_grad()</c> makes it). The results still live on
    /// their tape until its <see cref="Reset"/>: an inference loop of reset, input, forward allocates nothing once warm.
    /// Scopes nest; each thread has its own (use one tape per thread, as always).
    /// </summary>
    /// <example>
    /// <code>
    /// tape.Reset();
    /// using (Tape.NoGrad())
    /// {
    ///     Tensor y = model.Forward(tape.Input(x, [batch, features]));
    ///     y.Data.CopyTo(output);
    /// }
    /// </code>
    /// </example>
    public static NoGradScope NoGrad()
    {
        t_noGradDepth++;
        Interlocked.Increment(ref s_openScopes);
        return new NoGradScope(t_noGradDepth);
    }

    /// <summary>False inside a <see cref="NoGrad"/> scope on the current thread.</summary>
    public static bool GradEnabled => s_openScopes == 0 || t_noGradDepth == 0;

    internal static void EndNoGrad(int depth)
    {
        // Disposing a scope twice, or an outer one first, leaves the depth that scope started from, never below it.
        int closed = t_noGradDepth - (depth - 1);
        if (closed <= 0) return;
        t_noGradDepth = depth - 1;
        Interlocked.Add(ref s_openScopes, -closed);
    }
}

/// <summary>Ends a <see cref="Tape.NoGrad"/> scope when disposed (on the thread that started it).</summary>
public readonly struct NoGradScope : IDisposable, IEquatable<NoGradScope>
{
    private readonly int _depth;

    internal NoGradScope(int depth) => _depth = depth;

    /// <summary>Ends the scope: ops on this thread record for backward again (unless an outer scope is still open).</summary>
    public void Dispose()
    {
        if (_depth > 0) Tape.EndNoGrad(_depth);
    }

    /// <inheritdoc/>
    public bool Equals(NoGradScope other) => _depth == other._depth;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NoGradScope s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode() => _depth;

    /// <summary>Scope equality (same depth).</summary>
    public static bool operator ==(NoGradScope left, NoGradScope right) => left.Equals(right);

    /// <summary>Scope inequality.</summary>
    public static bool operator !=(NoGradScope left, NoGradScope right) => !left.Equals(right);
}
