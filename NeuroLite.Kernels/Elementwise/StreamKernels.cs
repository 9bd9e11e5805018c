using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuroLite.Kernels.Elementwise;

// Adapters from the operator shapes (unary, binary, ternary, with a broadcast scalar operand) to the driver's
// stream kernel. Lengths and overlap are checked by the public kernels before these are built.

/// <summary>d = Op(x).</summary>
internal readonly ref struct UnaryKernel<TOp> : IStreamingKernel where TOp : IUnaryOperator
{
    public static bool Unroll => TOp.Unroll;

    private readonly ref readonly double _x;
    private readonly ref double _d;

    public UnaryKernel(ReadOnlySpan<double> x, Span<double> d)
    {
        _x = ref MemoryMarshal.GetReference(x);
        _d = ref MemoryMarshal.GetReference(d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i) => Unsafe.Add(ref _d, i) = TOp.Invoke(Unsafe.Add(ref Unsafe.AsRef(in _x), i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Load(in _x, (nuint)i)).Store(ref _d, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void StepNonTemporal<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Load(in _x, (nuint)i)).StoreAlignedNonTemporal((double*)Unsafe.AsPointer(ref Unsafe.Add(ref _d, i)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec> =>
        TVec.ConditionalSelect(write, TOp.Invoke(TVec.Load(in _x, (nuint)i)), TVec.Load(in _d, (nuint)i)).Store(ref _d, (nuint)i);
}

/// <summary>d = Op(x, y).</summary>
internal readonly ref struct BinaryKernel<TOp> : IStreamingKernel where TOp : IBinaryOperator
{
    public static bool Unroll => TOp.Unroll;

    private readonly ref readonly double _x;
    private readonly ref readonly double _y;
    private readonly ref double _d;

    public BinaryKernel(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d)
    {
        _x = ref MemoryMarshal.GetReference(x);
        _y = ref MemoryMarshal.GetReference(y);
        _d = ref MemoryMarshal.GetReference(d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i) => Unsafe.Add(ref _d, i) = TOp.Invoke(Unsafe.Add(ref Unsafe.AsRef(in _x), i), Unsafe.Add(ref Unsafe.AsRef(in _y), i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Load(in _x, (nuint)i), TVec.Load(in _y, (nuint)i)).Store(ref _d, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void StepNonTemporal<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Load(in _x, (nuint)i), TVec.Load(in _y, (nuint)i)).StoreAlignedNonTemporal((double*)Unsafe.AsPointer(ref Unsafe.Add(ref _d, i)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec> =>
        TVec.ConditionalSelect(write, TOp.Invoke(TVec.Load(in _x, (nuint)i), TVec.Load(in _y, (nuint)i)), TVec.Load(in _d, (nuint)i)).Store(ref _d, (nuint)i);
}

/// <summary>d = Op(x, s) for a scalar s broadcast to every lane.</summary>
internal readonly ref struct SpanScalarKernel<TOp> : IStreamingKernel where TOp : IBinaryOperator
{
    public static bool Unroll => TOp.Unroll;

    private readonly ref readonly double _x;
    private readonly double _s;
    private readonly ref double _d;

    public SpanScalarKernel(ReadOnlySpan<double> x, double s, Span<double> d)
    {
        _x = ref MemoryMarshal.GetReference(x);
        _s = s;
        _d = ref MemoryMarshal.GetReference(d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i) => Unsafe.Add(ref _d, i) = TOp.Invoke(Unsafe.Add(ref Unsafe.AsRef(in _x), i), _s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Load(in _x, (nuint)i), TVec.Create(_s)).Store(ref _d, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void StepNonTemporal<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Load(in _x, (nuint)i), TVec.Create(_s)).StoreAlignedNonTemporal((double*)Unsafe.AsPointer(ref Unsafe.Add(ref _d, i)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec> =>
        TVec.ConditionalSelect(write, TOp.Invoke(TVec.Load(in _x, (nuint)i), TVec.Create(_s)), TVec.Load(in _d, (nuint)i)).Store(ref _d, (nuint)i);
}

/// <summary>d = Op(s, y) for a scalar s broadcast to every lane.</summary>
internal readonly ref struct ScalarSpanKernel<TOp> : IStreamingKernel where TOp : IBinaryOperator
{
    public static bool Unroll => TOp.Unroll;

    private readonly double _s;
    private readonly ref readonly double _y;
    private readonly ref double _d;

    public ScalarSpanKernel(double s, ReadOnlySpan<double> y, Span<double> d)
    {
        _s = s;
        _y = ref MemoryMarshal.GetReference(y);
        _d = ref MemoryMarshal.GetReference(d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i) => Unsafe.Add(ref _d, i) = TOp.Invoke(_s, Unsafe.Add(ref Unsafe.AsRef(in _y), i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Create(_s), TVec.Load(in _y, (nuint)i)).Store(ref _d, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void StepNonTemporal<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Create(_s), TVec.Load(in _y, (nuint)i)).StoreAlignedNonTemporal((double*)Unsafe.AsPointer(ref Unsafe.Add(ref _d, i)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec> =>
        TVec.ConditionalSelect(write, TOp.Invoke(TVec.Create(_s), TVec.Load(in _y, (nuint)i)), TVec.Load(in _d, (nuint)i)).Store(ref _d, (nuint)i);
}

/// <summary>d = Op(x, y, z); z may be d itself (accumulation).</summary>
internal readonly ref struct TernaryKernel<TOp> : IStreamKernel where TOp : ITernaryOperator
{
    public static bool Unroll => TOp.Unroll;

    private readonly ref readonly double _x;
    private readonly ref readonly double _y;
    private readonly ref readonly double _z;
    private readonly ref double _d;

    public TernaryKernel(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> z, Span<double> d)
    {
        _x = ref MemoryMarshal.GetReference(x);
        _y = ref MemoryMarshal.GetReference(y);
        _z = ref MemoryMarshal.GetReference(z);
        _d = ref MemoryMarshal.GetReference(d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i) => Unsafe.Add(ref _d, i) = TOp.Invoke(Unsafe.Add(ref Unsafe.AsRef(in _x), i), Unsafe.Add(ref Unsafe.AsRef(in _y), i), Unsafe.Add(ref Unsafe.AsRef(in _z), i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Load(in _x, (nuint)i), TVec.Load(in _y, (nuint)i), TVec.Load(in _z, (nuint)i)).Store(ref _d, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec> =>
        TVec.ConditionalSelect(write, TOp.Invoke(TVec.Load(in _x, (nuint)i), TVec.Load(in _y, (nuint)i), TVec.Load(in _z, (nuint)i)), TVec.Load(in _d, (nuint)i)).Store(ref _d, (nuint)i);
}

/// <summary>d = Op(s, y, z) for a scalar s broadcast to every lane; z may be d itself.</summary>
internal readonly ref struct ScalarSpanSpanKernel<TOp> : IStreamKernel where TOp : ITernaryOperator
{
    public static bool Unroll => TOp.Unroll;

    private readonly double _s;
    private readonly ref readonly double _y;
    private readonly ref readonly double _z;
    private readonly ref double _d;

    public ScalarSpanSpanKernel(double s, ReadOnlySpan<double> y, ReadOnlySpan<double> z, Span<double> d)
    {
        _s = s;
        _y = ref MemoryMarshal.GetReference(y);
        _z = ref MemoryMarshal.GetReference(z);
        _d = ref MemoryMarshal.GetReference(d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i) => Unsafe.Add(ref _d, i) = TOp.Invoke(_s, Unsafe.Add(ref Unsafe.AsRef(in _y), i), Unsafe.Add(ref Unsafe.AsRef(in _z), i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => TOp.Invoke(TVec.Create(_s), TVec.Load(in _y, (nuint)i), TVec.Load(in _z, (nuint)i)).Store(ref _d, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec> =>
        TVec.ConditionalSelect(write, TOp.Invoke(TVec.Create(_s), TVec.Load(in _y, (nuint)i), TVec.Load(in _z, (nuint)i)), TVec.Load(in _d, (nuint)i)).Store(ref _d, (nuint)i);
}

/// <summary>Entry points that build a stream kernel for an operator and run the one driver loop over it.</summary>
/// <remarks>
/// Each loop lives in its own non-inlined method, specialised per operator and vector width: that method is the JIT's
/// root, so the operator's whole vector body (~600 bytes of IL for tanh) is inlined into the loop. When the loop was
/// inlined into its caller instead (a public kernel, itself inlined into a lambda or an engine op), the caller's
/// inlining budget ran out and the operator became one call per vector, with its argument and result through the
/// stack: Unary.Tanh ran 1.3× slower than the same loop in a method of its own. The width is picked here, in the
/// inlined wrappers, so each root compiles one width only: with all three inlined into one root the budget ran out
/// the same way (a row-broadcast add compiled its path tests as calls and ran 2× slower). A call per kernel call
/// costs nanoseconds; a call per vector cost a third of the time. The wrappers stay inlined so the width and
/// streaming tests fold away.
/// </remarks>
internal static class Elementwise
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unary<TOp>(ReadOnlySpan<double> x, Span<double> d) where TOp : IUnaryOperator
    {
        if (Simd.UseAvx512)
        {
            if (StreamingDriver.Applies(d.Length)) StreamingUnaryKernel<TOp, V512>(x, d);
            else UnaryLoop<TOp, V512>(x, d);
        }
        else if (Simd.UseAvx2Fma)
        {
            if (StreamingDriver.Applies(d.Length)) StreamingUnaryKernel<TOp, V256>(x, d);
            else UnaryLoop<TOp, V256>(x, d);
        }
        else UnaryLoop<TOp, V128>(x, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary<TOp>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d) where TOp : IBinaryOperator
    {
        if (Simd.UseAvx512)
        {
            if (StreamingDriver.Applies(d.Length)) StreamingBinaryKernel<TOp, V512>(x, y, d);
            else BinaryLoop<TOp, V512>(x, y, d);
        }
        else if (Simd.UseAvx2Fma)
        {
            if (StreamingDriver.Applies(d.Length)) StreamingBinaryKernel<TOp, V256>(x, y, d);
            else BinaryLoop<TOp, V256>(x, y, d);
        }
        else BinaryLoop<TOp, V128>(x, y, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary<TOp>(ReadOnlySpan<double> x, double s, Span<double> d) where TOp : IBinaryOperator
    {
        if (Simd.UseAvx512)
        {
            if (StreamingDriver.Applies(d.Length)) StreamingSpanScalarKernel<TOp, V512>(x, s, d);
            else SpanScalarLoop<TOp, V512>(x, s, d);
        }
        else if (Simd.UseAvx2Fma)
        {
            if (StreamingDriver.Applies(d.Length)) StreamingSpanScalarKernel<TOp, V256>(x, s, d);
            else SpanScalarLoop<TOp, V256>(x, s, d);
        }
        else SpanScalarLoop<TOp, V128>(x, s, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary<TOp>(double s, ReadOnlySpan<double> y, Span<double> d) where TOp : IBinaryOperator
    {
        if (Simd.UseAvx512)
        {
            if (StreamingDriver.Applies(d.Length)) StreamingScalarSpanKernel<TOp, V512>(s, y, d);
            else ScalarSpanLoop<TOp, V512>(s, y, d);
        }
        else if (Simd.UseAvx2Fma)
        {
            if (StreamingDriver.Applies(d.Length)) StreamingScalarSpanKernel<TOp, V256>(s, y, d);
            else ScalarSpanLoop<TOp, V256>(s, y, d);
        }
        else ScalarSpanLoop<TOp, V128>(s, y, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ternary<TOp>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> z, Span<double> d) where TOp : ITernaryOperator
    {
        if (Simd.UseAvx512) TernaryLoop<TOp, V512>(x, y, z, d);
        else if (Simd.UseAvx2Fma) TernaryLoop<TOp, V256>(x, y, z, d);
        else TernaryLoop<TOp, V128>(x, y, z, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ternary<TOp>(double s, ReadOnlySpan<double> y, ReadOnlySpan<double> z, Span<double> d) where TOp : ITernaryOperator
    {
        if (Simd.UseAvx512) ScalarSpanSpanLoop<TOp, V512>(s, y, z, d);
        else if (Simd.UseAvx2Fma) ScalarSpanSpanLoop<TOp, V256>(s, y, z, d);
        else ScalarSpanSpanLoop<TOp, V128>(s, y, z, d);
    }

    /// <summary>Rows at least this long have their stores aligned first (see <see cref="ElementwiseDriver.RunAlignedOutput{TKernel, TVec}"/>).</summary>
    private const int LongRow = 256;

    /// <summary>
    /// A row vector against every row of a matrix, for example a bias add: d[r, j] = Op(x[r, j], y[j]) when y is the
    /// shorter operand (one row), Op(x[j], y[r, j]) when x is; d has the matrix's length, a multiple of the row's. One
    /// call for all rows, the driver inlined per row: the rows were validated together, and a checked call per row cost
    /// as much as the arithmetic of a 100-wide row.
    /// </summary>
    public static void RowBroadcast<TOp>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d) where TOp : IBinaryOperator
    {
        if (y.Length < x.Length) RowBroadcast<TOp, No>(x, y, d);
        else RowBroadcast<TOp, Yes>(y, x, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowBroadcast<TOp, TRowLeft>(ReadOnlySpan<double> matrix, ReadOnlySpan<double> row, Span<double> d)
        where TOp : IBinaryOperator where TRowLeft : struct, ICompileTimeFlag
    {
        if (Simd.UseAvx512) RowBroadcast<TOp, TRowLeft, V512>(matrix, row, d);
        else if (Simd.UseAvx2Fma) RowBroadcast<TOp, TRowLeft, V256>(matrix, row, d);
        else RowBroadcast<TOp, TRowLeft, V128>(matrix, row, d);
    }

    /// <summary>The rows of <see cref="RowBroadcast{TOp}"/>, with the row the left operand when <typeparamref name="TRowLeft"/> says so.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RowBroadcast<TOp, TRowLeft, TVec>(ReadOnlySpan<double> matrix, ReadOnlySpan<double> row, Span<double> d)
        where TOp : IBinaryOperator where TRowLeft : struct, ICompileTimeFlag where TVec : struct, ISimdVector<TVec>
    {
        int inner = row.Length;
        for (int i = 0; i + inner <= d.Length; i += inner)
        {
            var k = TRowLeft.Value
                ? new BinaryKernel<TOp>(row, matrix.Slice(i, inner), d.Slice(i, inner))
                : new BinaryKernel<TOp>(matrix.Slice(i, inner), row, d.Slice(i, inner));
            if (inner >= LongRow) ElementwiseDriver.RunAlignedOutput<BinaryKernel<TOp>, TVec>(ref k, inner, ref d[i]);
            else ElementwiseDriver.Run<BinaryKernel<TOp>, TVec>(ref k, inner);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UnaryLoop<TOp, TVec>(ReadOnlySpan<double> x, Span<double> d) where TOp : IUnaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new UnaryKernel<TOp>(x, d);
        ElementwiseDriver.Run<UnaryKernel<TOp>, TVec>(ref k, d.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void BinaryLoop<TOp, TVec>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d) where TOp : IBinaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new BinaryKernel<TOp>(x, y, d);
        ElementwiseDriver.Run<BinaryKernel<TOp>, TVec>(ref k, d.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SpanScalarLoop<TOp, TVec>(ReadOnlySpan<double> x, double s, Span<double> d) where TOp : IBinaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new SpanScalarKernel<TOp>(x, s, d);
        ElementwiseDriver.Run<SpanScalarKernel<TOp>, TVec>(ref k, d.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScalarSpanLoop<TOp, TVec>(double s, ReadOnlySpan<double> y, Span<double> d) where TOp : IBinaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new ScalarSpanKernel<TOp>(s, y, d);
        ElementwiseDriver.Run<ScalarSpanKernel<TOp>, TVec>(ref k, d.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TernaryLoop<TOp, TVec>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> z, Span<double> d) where TOp : ITernaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new TernaryKernel<TOp>(x, y, z, d);
        ElementwiseDriver.Run<TernaryKernel<TOp>, TVec>(ref k, d.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScalarSpanSpanLoop<TOp, TVec>(double s, ReadOnlySpan<double> y, ReadOnlySpan<double> z, Span<double> d) where TOp : ITernaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new ScalarSpanSpanKernel<TOp>(s, y, z, d);
        ElementwiseDriver.Run<ScalarSpanSpanKernel<TOp>, TVec>(ref k, d.Length);
    }

    // The large-output loop sits in its own non-inlined method so that the common path's kernel never has its address
    // passed to a call: an address-exposed struct is not promoted to registers, which slowed small calls by 2x.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StreamingUnaryKernel<TOp, TVec>(ReadOnlySpan<double> x, Span<double> d) where TOp : IUnaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new UnaryKernel<TOp>(x, d);
        StreamingDriver.Run<UnaryKernel<TOp>, TVec>(ref k, d.Length, d);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StreamingBinaryKernel<TOp, TVec>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d) where TOp : IBinaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new BinaryKernel<TOp>(x, y, d);
        StreamingDriver.Run<BinaryKernel<TOp>, TVec>(ref k, d.Length, d);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StreamingSpanScalarKernel<TOp, TVec>(ReadOnlySpan<double> x, double s, Span<double> d) where TOp : IBinaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new SpanScalarKernel<TOp>(x, s, d);
        StreamingDriver.Run<SpanScalarKernel<TOp>, TVec>(ref k, d.Length, d);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StreamingScalarSpanKernel<TOp, TVec>(double s, ReadOnlySpan<double> y, Span<double> d) where TOp : IBinaryOperator where TVec : struct, ISimdVector<TVec>
    {
        var k = new ScalarSpanKernel<TOp>(s, y, d);
        StreamingDriver.Run<ScalarSpanKernel<TOp>, TVec>(ref k, d.Length, d);
    }
}
