namespace NeuroLite;

/// <summary>
/// The value and gradient slabs of one module's parameters (a <see cref="Layer"/>, or every layer of an
/// <see cref="MLP"/>): two buffers rented from <see cref="TensorPool"/>, each parameter a view of both at the same
/// offset, the views laid out back to back in creation order, each starting on a 64-byte boundary. So an optimizer
/// can step a whole model with one kernel call per slab instead of one per tensor (<see cref="ParameterRuns"/>).
/// </summary>
/// <remarks>
/// The padding between views (under 8 doubles each) is zero in both slabs and stays zero: only the optimizers'
/// kernels touch it, and their steps map a zero value with a zero gradient and zero state to zero. The slabs go back
/// to the pool when the last of their parameters is disposed.
/// </remarks>
internal sealed class ParameterSlab
{
    private readonly AlignedBuffer _values;
    private readonly AlignedBuffer _grads;
    private int _top;
    private int _tenants;

    /// <summary>Where in a 4 KiB page the value slab starts (see <see cref="TensorPool.RentPhased"/>).</summary>
    public const int ValuePhase = 0;

    /// <summary>Where in a 4 KiB page the gradient slab starts: 1 KiB from the values, and from an optimizer's state (<see cref="ParameterRuns"/>).</summary>
    public const int GradPhase = 1024;

    /// <summary>Rents both slabs, zeroed, for parameters of the given element counts (see <see cref="Room"/>).</summary>
    public ParameterSlab(int length)
    {
        _values = TensorPool.RentPhased(length, ValuePhase, zeroed: true);
        _grads = TensorPool.RentPhased(length, GradPhase, zeroed: true);
    }

    /// <summary>The doubles a parameter of <paramref name="length"/> elements takes in a slab, its padding included.</summary>
    public static long Room(long length) => (length + AlignedBuffer.Doubles - 1) & ~(long)(AlignedBuffer.Doubles - 1);

    /// <summary>The most doubles one slab can hold: an array's limit less the room a phased start takes (<see cref="TensorPool.RentPhased"/>).</summary>
    public static long MaxLength => Array.MaxLength - 4096 / sizeof(double);

    /// <summary>
    /// The next parameter, of the given shape, carved from both slabs: its values are zero until the caller writes
    /// them, its gradient is zero.
    /// </summary>
    public ParameterStorage Add(int length, ReadOnlySpan<int> shape, string? label)
    {
        int offset = _top;
        _top = checked((int)(offset + Room(length)));
        _tenants++;
        var value = new AlignedBuffer(_values.Array, _values.Start + offset, length);
        var grad = new AlignedBuffer(_grads.Array, _grads.Start + offset, length);
        return new ParameterStorage(this, offset, value, grad, shape, label);
    }

    /// <summary>Called once by each parameter's dispose; the last one gives both slabs back to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _tenants) != 0) return;
        TensorPool.Return(_values);
        TensorPool.Return(_grads);
    }
}
