using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using NeuroLite.Kernels;

namespace NeuroLite;

/// <summary>
/// A handle to a value on a <see cref="NeuroLite.Tape"/> (tape, node index, generation) or to a parameter whose
/// storage lives outside any tape. Making one allocates nothing; ops on tensors append records to the tape and
/// <see cref="Backward()"/> propagates gradients back through them. Spans returned by <see cref="Data"/> and
/// <see cref="Grad"/> are views: valid until the next op on the same tape (the arena may grow) or its reset or
/// dispose (the arena then goes back to <see cref="TensorPool"/> and another tape may rent it). Nothing can check a
/// span held past that point; <see cref="AsMemory"/> gives a memory that checks on every use.
/// </summary>
public readonly partial struct Tensor : IEquatable<Tensor>
{
    private readonly int _generation;

    internal Tensor(Tape tape, int index, int generation)
    {
        Owner = tape;
        Index = index;
        _generation = generation;
    }

    internal Tensor(ParameterStorage parameter)
    {
        Owner = parameter;
        Index = -1;
        _generation = 0;
    }

    /// <summary>The tape or the parameter storage this handle points into.</summary>
    internal object? Owner { get; }

    /// <summary>The node index on the tape (-1 for a parameter).</summary>
    internal int Index { get; }

    // ---------------------------------------------------------------- construction (ambient tape)

    /// <summary>A 0-d tensor on <see cref="Tape.Default"/> that receives a gradient, like the seed's <c>Tensor(2.0, label='a')</c>.</summary>
    public static Tensor Scalar(double value, string? label = null) => Tape.Default.Scalar(value, label);

    /// <summary>A (n,) tensor on <see cref="Tape.Default"/> copied from <paramref name="values"/>; it receives a gradient.</summary>
    public static Tensor FromArray(double[] values, string? label = null) => Tape.Default.Variable(values, label);

    /// <summary>A (rows, cols) tensor on <see cref="Tape.Default"/> copied from <paramref name="values"/>; it receives a gradient.</summary>
    public static Tensor FromArray(double[,] values, string? label = null) => Tape.Default.Variable(values, label);

    /// <summary>A tensor of the given shape (rank ≤ 4) on <see cref="Tape.Default"/> copied from <paramref name="values"/>; it receives a gradient.</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the number of values.</exception>
    public static Tensor FromSpan(ReadOnlySpan<double> values, ReadOnlySpan<int> shape, string? label = null) => Tape.Default.Variable(values, shape, label);

    /// <summary>A tensor of zeros on <see cref="Tape.Default"/>.</summary>
    public static Tensor Zeros(params int[] shape) => Tape.Default.Full(shape, 0.0);

    /// <summary>A tensor of zeros on <see cref="Tape.Default"/> (no array allocated for the shape).</summary>
    public static Tensor Zeros(params ReadOnlySpan<int> shape) => Tape.Default.Full(shape, 0.0);

    /// <summary>A tensor of ones on <see cref="Tape.Default"/>.</summary>
    public static Tensor Ones(params int[] shape) => Tape.Default.Full(shape, 1.0);

    /// <summary>A tensor of ones on <see cref="Tape.Default"/> (no array allocated for the shape).</summary>
    public static Tensor Ones(params ReadOnlySpan<int> shape) => Tape.Default.Full(shape, 1.0);

    /// <summary>A tensor on <see cref="Tape.Default"/> of normal samples (mean, standard deviation); the same seed gives the same values on every run and machine.</summary>
    public static Tensor RandomNormal(int[] shape, int seed, double mean = 0.0, double std = 1.0, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Tape tape = Tape.Default;
        int n = Tape.CheckShape(shape, "RandomNormal");
        int i = tape.PushLeaf(shape, n, true, label);
        var rng = new Rng(seed);
        Span<double> v = tape.Value(i);
        for (int k = 0; k < v.Length; k++) v[k] = mean + std * rng.NextNormal();
        return new Tensor(tape, i, tape.CurrentGeneration);
    }

    /// <summary>A tensor on <see cref="Tape.Default"/> of uniform samples in [low, high); the same seed gives the same values on every run and machine.</summary>
    public static Tensor RandomUniform(int[] shape, int seed, double low = 0.0, double high = 1.0, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Tape tape = Tape.Default;
        int n = Tape.CheckShape(shape, "RandomUniform");
        int i = tape.PushLeaf(shape, n, true, label);
        var rng = new Rng(seed);
        Span<double> v = tape.Value(i);
        for (int k = 0; k < v.Length; k++) v[k] = low + (high - low) * rng.NextDouble();
        return new Tensor(tape, i, tape.CurrentGeneration);
    }

    /// <summary>
    /// A parameter: value and gradient buffers owned outside any tape (they survive <see cref="Tape.Reset"/>); ops
    /// read it in place and Backward() accumulates into its gradient until an optimizer step or <see cref="ZeroGrad"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the number of values, or its rank exceeds 4.</exception>
    public static Tensor Parameter(ReadOnlySpan<double> values, ReadOnlySpan<int> shape, string? label = null)
    {
        int n = Tape.CheckShape(shape, "Parameter");
        if (n != values.Length)
            throw new ArgumentException($"Parameter: shape {Shapes.Format(shape)} holds {n} elements but {values.Length} values were given.", nameof(values));
        return new Tensor(new ParameterStorage(values, shape, label));
    }

    /// <summary>A (rows, cols) parameter copied from <paramref name="values"/>.</summary>
    public static Tensor Parameter(double[,] values, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Parameter(Tensor.Flatten(values), [values.GetLength(0), values.GetLength(1)], label);
    }

    /// <summary>A (n,) parameter copied from <paramref name="values"/>.</summary>
    public static Tensor Parameter(double[] values, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Parameter(values, [values.Length], label);
    }

    // ---------------------------------------------------------------- identity and validation

    /// <summary>True for a parameter (storage outside any tape), false for a tape value.</summary>
    public bool IsParameter => Owner is ParameterStorage;

    /// <summary>The tape this tensor lives on, or null for a parameter.</summary>
    public Tape? Tape
    {
        get
        {
            Check();
            return Owner as Tape;
        }
    }

    /// <summary>Throws for a default handle or a handle from a reset tape; returns the tape (null for a parameter).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Tape? Check()
    {
        if (Owner is Tape t)
        {
            if (_generation != t.CurrentGeneration) ThrowStale(t);
            return t;
        }
        if (Owner is null) ThrowDefault();
        Unsafe.As<ParameterStorage>(Owner!).ThrowIfDisposed();
        return null;
    }

    private void ThrowStale(Tape t) => throw new InvalidOperationException(
        $"This tensor belongs to a tape that was reset or disposed (the tensor is from generation {_generation}, the tape is at generation {t.CurrentGeneration}). " +
        "Tensors do not survive Tape.Reset(): make them again (for example with Tape.Input) after each reset, and keep persistent values in parameters.");

    private static void ThrowDefault() => throw new InvalidOperationException("This tensor is default(Tensor): it belongs to no tape and no parameter.");

    private ParameterStorage Param => (ParameterStorage)Owner!;

    /// <summary>The shape without the staleness check (callers checked).</summary>
    internal ReadOnlySpan<int> ShapeUnchecked => Owner is Tape t ? t.ShapeOf(Index) : Param.Shape;

    internal ReadOnlySpan<double> DataUnchecked => Owner is Tape t ? t.Value(Index) : Param.Value;

    // ---------------------------------------------------------------- readback

    /// <summary>The dimensions, NumPy style: empty for a 0-d scalar.</summary>
    public ReadOnlySpan<int> Shape
    {
        get
        {
            Check();
            return ShapeUnchecked;
        }
    }

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => Shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length
    {
        get
        {
            Tape? t = Check();
            return t is null ? Param.Value.Length : t.NodeRef(Index).Length;
        }
    }

    /// <summary>The label given at construction (or by <see cref="WithLabel"/>), as in the seed's <c>label='a'</c>.</summary>
    public string? Label
    {
        get
        {
            Tape? t = Check();
            return t is null ? Param.Label : t.NodeRef(Index).Label;
        }
    }

    /// <summary>Sets the label (stored by reference: no allocation) and returns this tensor.</summary>
    public Tensor WithLabel(string? label)
    {
        Tape? t = Check();
        if (t is null) Param.Label = label;
        else t.NodeRef(Index).Label = label;
        return this;
    }

    /// <summary>The values, row-major.</summary>
    public ReadOnlySpan<double> Data
    {
        get
        {
            Check();
            return DataUnchecked;
        }
    }

    /// <summary>
    /// The gradient, row-major. For a parameter and for a tape leaf that receives a gradient (made by
    /// <see cref="Scalar"/>, <see cref="FromArray(double[], string?)"/>, <see cref="NeuroLite.Tape.Variable(double[], string?)"/> and the like), what
    /// Backward() calls accumulated since its last zeroing (see <see cref="Backward()"/>); for any other tape tensor
    /// (an op result, an input), its gradient from the latest Backward() on its tape (zero if that did not reach it).
    /// A parameter's span is a view of its buffer: an optimizer step or <see cref="ZeroGrad"/> zeroes the gradient
    /// lazily (the zeros are written by the next read or overwritten by the next Backward()), so read it again after one.
    /// </summary>
    public ReadOnlySpan<double> Grad
    {
        get
        {
            Tape? t = Check();
            return t is null ? Param.Grad : t.Grad(Index);
        }
    }

    /// <summary>The value of a 1-element tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public double Item => Single(Data, "Item");

    /// <summary>The gradient of a 1-element tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public double GradItem => Single(Grad, "GradItem");

    private double Single(ReadOnlySpan<double> v, string what)
    {
        if (v.Length != 1)
            throw new InvalidOperationException($"{what} needs a 1-element tensor; this one has shape {Shapes.Format(ShapeUnchecked)}.");
        return v[0];
    }

    /// <summary>The value at a multi-dimensional index (as many indices as <see cref="Rank"/>).</summary>
    /// <exception cref="ArgumentException">The index has the wrong rank or is out of range.</exception>
    public double At(params ReadOnlySpan<int> index) => Data[Flat(index)];

    /// <summary>The gradient at a multi-dimensional index (as many indices as <see cref="Rank"/>).</summary>
    public double GradAt(params ReadOnlySpan<int> index) => Grad[Flat(index)];

    private int Flat(ReadOnlySpan<int> index)
    {
        ReadOnlySpan<int> s = Shape;
        if (index.Length != s.Length)
            throw new ArgumentException($"A tensor of shape {Shapes.Format(s)} needs {s.Length} indices, got {index.Length}.", nameof(index));
        int flat = 0;
        for (int k = 0; k < s.Length; k++)
        {
            if ((uint)index[k] >= (uint)s[k])
                throw new ArgumentException($"Index {Shapes.Format(index)} is out of range for shape {Shapes.Format(s)}.", nameof(index));
            flat = flat * s[k] + index[k];
        }
        return flat;
    }

    /// <summary>A copy of the values.</summary>
    public double[] ToArray() => Data.ToArray();

    /// <summary>A copy of the gradient.</summary>
    public double[] GradToArray() => Grad.ToArray();

    /// <summary>A copy of the values of a 2-D tensor (a 1-D tensor gives one row, a scalar a 1×1 array).</summary>
    public double[,] ToArray2D() => To2D(Data);

    /// <summary>A copy of the gradient as <see cref="ToArray2D"/> shapes it.</summary>
    public double[,] GradToArray2D() => To2D(Grad);

    private double[,] To2D(ReadOnlySpan<double> v)
    {
        ReadOnlySpan<int> s = ShapeUnchecked;
        if (s.Length > 2)
            throw new InvalidOperationException($"ToArray2D needs a tensor of rank ≤ 2; this one has shape {Shapes.Format(s)}.");
        int rows = s.Length == 2 ? s[0] : 1;
        int cols = s.Length == 0 ? 1 : s[^1];
        var result = new double[rows, cols];
        v.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(result)), result.Length));
        return result;
    }

    /// <summary>Overwrites the values (same element count), for example to load weights into a parameter.</summary>
    /// <exception cref="ArgumentException">The number of values differs from <see cref="Length"/>.</exception>
    public void CopyFrom(ReadOnlySpan<double> values)
    {
        Tape? t = Check();
        Span<double> dst = t is null ? Param.Value : t.Value(Index);
        if (values.Length != dst.Length)
            throw new ArgumentException($"CopyFrom: a tensor of shape {Shapes.Format(ShapeUnchecked)} holds {dst.Length} elements, {values.Length} values were given.", nameof(values));
        values.CopyTo(dst);
    }

    /// <summary>Sets the gradient to zero: a parameter's and a tape leaf's accumulate over Backward() calls until this (or an optimizer step, for a parameter).</summary>
    public void ZeroGrad()
    {
        Tape? t = Check();
        if (t is null) Param.ZeroGrad();
        else t.ZeroGrad(Index);
    }

    internal ParameterStorage? ParameterOrNull => Owner as ParameterStorage;

    /// <summary>A row-major view of a 2-D array.</summary>
    internal static ReadOnlySpan<double> Flatten(double[,] values) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(values)), values.Length);

    // ---------------------------------------------------------------- backward

    /// <summary>Back-propagates from this 1-element tensor (seed gradient 1) through everything that produced it.</summary>
    /// <remarks>
    /// The rule is PyTorch's: leaves accumulate. A parameter, and a tape leaf that receives a gradient, add each
    /// Backward()'s contribution to what they hold until <see cref="ZeroGrad"/> (or an optimizer step, or for a tape
    /// leaf its tape's Reset()). Calling Backward() again on the same recording is allowed and sweeps it again, so the
    /// leaves receive the gradient a second time, as PyTorch's <c>backward(retain_graph=True)</c> does; two roots that
    /// share a leaf add up likewise. Intermediate results (op outputs) and inputs hold only the gradient of the latest
    /// Backward() that reached them: they are the sweep's working buffers.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The tensor has more than one element (pass a seed, or reduce first), or its tape was reset.</exception>
    public void Backward()
    {
        Tape? t = Check();
        ReadOnlySpan<int> s = ShapeUnchecked;
        int n = Shapes.Count(s);
        if (n != 1)
            throw new InvalidOperationException($"Backward() without a seed gradient needs a 1-element tensor; this one has shape {Shapes.Format(s)} ({n} elements). Reduce it first (Sum, Mean, a loss) or call Backward(seed) with {n} values.");
        if (t is null) Param.Grad[0] += 1.0;
        else t.Backward(Index, default);
    }

    /// <summary>Back-propagates from this tensor with the given seed gradient (one value per element).</summary>
    /// <exception cref="ArgumentException">The seed's length differs from the tensor's element count.</exception>
    public void Backward(ReadOnlySpan<double> seed)
    {
        Tape? t = Check();
        ReadOnlySpan<int> s = ShapeUnchecked;
        int n = Shapes.Count(s);
        if (seed.Length != n)
            throw new ArgumentException($"Backward(seed): the seed has {seed.Length} values but the tensor has shape {Shapes.Format(s)} ({n} elements).", nameof(seed));
        if (t is null)
        {
            Span<double> g = Param.Grad;
            Binary.Add(g, seed, g);
        }
        else if (n == 0)
        {
            return;
        }
        else
        {
            t.Backward(Index, seed);
        }
    }

    // ---------------------------------------------------------------- equality, text

    /// <summary>True when both handles refer to the same tape node (same generation) or the same parameter.</summary>
    public bool Equals(Tensor other) => ReferenceEquals(Owner, other.Owner) && Index == other.Index && _generation == other._generation;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Tensor t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Owner, Index, _generation);

    /// <summary>Handle identity (not element-wise comparison).</summary>
    public static bool operator ==(Tensor left, Tensor right) => left.Equals(right);

    /// <summary>Handle identity (not element-wise comparison).</summary>
    public static bool operator !=(Tensor left, Tensor right) => !left.Equals(right);

    /// <summary>Like the seed's repr: <c>Tensor(data=[...], shape=(2, 3), label=a)</c>; up to 16 values.</summary>
    public override string ToString()
    {
        if (Owner is null) return "Tensor(default)";
        if (Owner is Tape t && _generation != t.CurrentGeneration) return "Tensor(stale: its tape was reset)";
        var sb = new StringBuilder("Tensor(data=[");
        ReadOnlySpan<double> d = DataUnchecked;
        for (int k = 0; k < Math.Min(d.Length, 16); k++)
        {
            if (k > 0) sb.Append(", ");
            sb.Append(d[k].ToString("R", CultureInfo.InvariantCulture));
        }
        if (d.Length > 16) sb.Append(", ...");
        sb.Append("], shape=").Append(Shapes.Format(ShapeUnchecked));
        string? label = Label;
        if (label is not null) sb.Append(", label=").Append(label);
        return sb.Append(')').ToString();
    }
}
