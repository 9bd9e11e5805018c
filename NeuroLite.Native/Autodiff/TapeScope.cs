namespace NeuroLite;

/// <summary>Restores the previous <see cref="Tape.Default"/> when disposed; returned by <see cref="Tape.Activate"/>.</summary>
public readonly struct TapeScope : IDisposable, IEquatable<TapeScope>
{
    private readonly Tape? _previous;

    internal TapeScope(Tape? previous) => _previous = previous;

    /// <summary>Makes the previous tape the thread's default again.</summary>
    public void Dispose() => Tape.SwapDefault(_previous);

    /// <inheritdoc/>
    public bool Equals(TapeScope other) => ReferenceEquals(_previous, other._previous);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TapeScope s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode() => _previous?.GetHashCode() ?? 0;

    /// <summary>Scope equality (same previous tape).</summary>
    public static bool operator ==(TapeScope left, TapeScope right) => left.Equals(right);

    /// <summary>Scope inequality.</summary>
    public static bool operator !=(TapeScope left, TapeScope right) => !left.Equals(right);
}
