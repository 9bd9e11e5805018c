namespace NeuroLite;

/// <summary>
/// The storage behind a parameter tensor: value and gradient buffers owned by a module (not by a tape), so they
/// survive <see cref="Tape.Reset"/>. Ops read the value in place and Backward() accumulates into the gradient.
/// </summary>
internal sealed class ParameterStorage
{
    private static int s_nextId = -1;

    public ParameterStorage(ReadOnlySpan<double> values, ReadOnlySpan<int> shape, string? label)
    {
        Shape = shape.ToArray();
        Value = values.ToArray();
        Grad = new double[Value.Length];
        Label = label;
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>A process-wide index; each tape maps it to this parameter's leaf node through a plain array.</summary>
    public int Id { get; }

    public int[] Shape { get; }

    public double[] Value { get; }

    public double[] Grad { get; }

    public string? Label { get; set; }
}
