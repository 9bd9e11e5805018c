using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;
using NeuroLite.Kernels;

namespace NeuroLite;

// Memory and 2-D views of values and gradients: no copies.
public readonly partial struct Tensor
{
    /// <summary>
    /// The values as a memory (for example to hold across an <c>await</c>): valid until the tape's next
    /// <see cref="NeuroLite.Tape.Reset"/> or <see cref="NeuroLite.Tape.Dispose"/>, after which every <c>Span</c> or
    /// <c>Pin</c> of it throws <see cref="InvalidOperationException"/>; it follows the tensor when the arena grows.
    /// For a parameter, valid until its module is disposed (then <see cref="ObjectDisposedException"/>).
    /// Allocates one small object. A span taken from it keeps no such check (see <see cref="Data"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is stale or default.</exception>
    public ReadOnlyMemory<double> AsMemory() => MakeMemory(grad: false);

    /// <summary>The gradient as a memory, with the lifetime and checks of <see cref="AsMemory"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor is stale or default.</exception>
    public ReadOnlyMemory<double> GradAsMemory() => MakeMemory(grad: true);

    /// <summary>
    /// A parameter's values as a writable memory, valid until its module is disposed (then every <c>Span</c> or
    /// <c>Pin</c> of it throws <see cref="ObjectDisposedException"/>). Writes change the parameter in place.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is not a parameter (a tape tensor's memory is read-only: <see cref="AsMemory"/>).</exception>
    public Memory<double> ParameterAsMemory() => new TensorMemoryManager(RequireParameter("ParameterAsMemory"), grad: false).Memory;

    /// <summary>
    /// A zero-copy 2-D view of the values, shaped as <see cref="ToArray2D"/> shapes its copy: (rows, cols) for a 2-D
    /// tensor, one row for a 1-D tensor, 1×1 for a scalar. A span: valid as <see cref="Data"/> is (until the next op
    /// on the tape, which may grow the arena, or its reset).
    /// </summary>
    /// <exception cref="InvalidOperationException">The rank exceeds 2, or the tensor is stale or default.</exception>
    public ReadOnlySpan2D<double> AsSpan2D() => View2D(Data, "AsSpan2D");

    /// <summary>A zero-copy 2-D view of the gradient, shaped and valid as <see cref="AsSpan2D"/>.</summary>
    /// <exception cref="InvalidOperationException">The rank exceeds 2, or the tensor is stale or default.</exception>
    public ReadOnlySpan2D<double> GradAsSpan2D() => View2D(Grad, "GradAsSpan2D");

    /// <summary>A writable zero-copy 2-D view of a parameter's values, shaped as <see cref="AsSpan2D"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not a parameter, or its rank exceeds 2.</exception>
    public Span2D<double> ParameterAsSpan2D()
    {
        Span<double> v = RequireParameter("ParameterAsSpan2D").Value;
        (int rows, int cols) = Dims2D("ParameterAsSpan2D");
        return Span2D<double>.DangerousCreate(ref MemoryMarshal.GetReference(v), rows, cols, 0);
    }

    private ReadOnlyMemory<double> MakeMemory(bool grad)
    {
        Tape? t = Check();
        var manager = t is null ? new TensorMemoryManager(Param, grad) : new TensorMemoryManager(t, Index, _generation, grad);
        return manager.Memory;
    }

    private ParameterStorage RequireParameter(string what)
    {
        Check();
        return ParameterOrNull ?? throw new InvalidOperationException(
            $"{what} gives a writable view of a parameter; this is a tape tensor of shape {Shapes.Format(ShapeUnchecked)} (use AsMemory/AsSpan2D to read it).");
    }

    private ReadOnlySpan2D<double> View2D(ReadOnlySpan<double> v, string what)
    {
        (int rows, int cols) = Dims2D(what);
        return ReadOnlySpan2D<double>.DangerousCreate(in MemoryMarshal.GetReference(v), rows, cols, 0);
    }

    private (int Rows, int Cols) Dims2D(string what)
    {
        ReadOnlySpan<int> s = ShapeUnchecked;
        if (s.Length > 2)
            throw new InvalidOperationException($"{what} needs a tensor of rank ≤ 2; this one has shape {Shapes.Format(s)}.");
        return (s.Length == 2 ? s[0] : 1, s.Length == 0 ? 1 : s[^1]);
    }
}
