using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>
/// A vector of doubles of one width: the seam that lets an operator body be written once for 128, 256 and 512 bits.
/// </summary>
/// <remarks>
/// .NET's own <c>ISimdVector&lt;TSelf, T&gt;</c> (which <c>Vector128/256/512&lt;T&gt;</c> implement, and on which the runtime
/// writes its width-generic math) is internal to System.Private.CoreLib in .NET 10: it is not in the reference
/// assembly, so it cannot be a constraint here. These three single-field wrapper structs stand in for it. Every member
/// is one intrinsic, aggressively inlined, and the JIT compiles a generic body once per wrapper (struct type
/// arguments are never shared), keeping the field in a register: the code is what the hand-written width gave.
/// Masks are vectors of all-ones or all-zeros lanes, as the BCL comparisons return them.
/// Bit operations named <c>...Bits</c> act on the lanes' 64-bit patterns (as signed integers).
/// </remarks>
internal interface ISimdVector<TSelf> where TSelf : struct, ISimdVector<TSelf>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    static abstract TSelf Create(double value);
    static abstract TSelf CreateBits(long bits);
    static abstract TSelf Zero { get; }
    static abstract TSelf AllBitsSet { get; }

    static abstract TSelf Load(ref readonly double source, nuint index);
    void Store(ref double destination, nuint index);
    /// <summary>A non-temporal store to an address aligned to the vector's size.</summary>
    unsafe void StoreAlignedNonTemporal(double* destination);

    /// <summary>All-ones in lanes whose index is ≥ <paramref name="start"/>.</summary>
    static abstract TSelf LanesFrom(int start);
    /// <summary>All-ones in lanes whose index is &lt; <paramref name="end"/>.</summary>
    static abstract TSelf LanesBefore(int end);

    static abstract TSelf operator +(TSelf x, TSelf y);
    static abstract TSelf operator -(TSelf x, TSelf y);
    static abstract TSelf operator *(TSelf x, TSelf y);
    static abstract TSelf operator /(TSelf x, TSelf y);
    static abstract TSelf operator -(TSelf x);
    static abstract TSelf operator &(TSelf x, TSelf y);
    static abstract TSelf operator |(TSelf x, TSelf y);

    /// <summary>x &amp; ~y.</summary>
    static abstract TSelf AndNot(TSelf x, TSelf y);
    static abstract TSelf Abs(TSelf x);
    static abstract TSelf Sqrt(TSelf x);
    static abstract TSelf MinNative(TSelf x, TSelf y);
    /// <summary>IEEE 754-2019 maximum: NaN propagates, +0 above −0 (as <see cref="Math.Max(double, double)"/>).</summary>
    static abstract TSelf Max(TSelf x, TSelf y);
    static abstract TSelf MaxNative(TSelf x, TSelf y);
    /// <summary>x·y + z with one rounding.</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf x, TSelf y, TSelf z);
    /// <summary>z − x·y with one rounding, without a separate negation (vfnmadd, fmls).</summary>
    static abstract TSelf NegatedMultiplyAdd(TSelf x, TSelf y, TSelf z);

    static abstract TSelf Equals(TSelf x, TSelf y);
    static abstract TSelf LessThan(TSelf x, TSelf y);
    static abstract TSelf LessThanOrEqual(TSelf x, TSelf y);
    static abstract TSelf GreaterThan(TSelf x, TSelf y);
    static abstract TSelf GreaterThanOrEqual(TSelf x, TSelf y);
    static abstract TSelf ConditionalSelect(TSelf mask, TSelf whenTrue, TSelf whenFalse);
    /// <summary>Whether every lane of <paramref name="mask"/> is set.</summary>
    static abstract bool AllSet(TSelf mask);
    /// <summary>The lanes' sign bits, lane i in bit i.</summary>
    static abstract uint MaskBits(TSelf mask);

    static abstract TSelf AddBits(TSelf x, TSelf y);
    static abstract TSelf SubtractBits(TSelf x, TSelf y);
    static abstract TSelf ShiftLeftBits(TSelf x, int count);
    static abstract TSelf ShiftRightLogicalBits(TSelf x, int count);
}

/// <summary>128 bits: SSE on x64 (FMA emulated exactly without FMA hardware), NEON on arm64.</summary>
internal readonly struct V128(Vector128<double> v) : ISimdVector<V128>
{
    public readonly Vector128<double> V = v;

    public static int Count => Vector128<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Create(double value) => new(Vector128.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 CreateBits(long bits) => new(Vector128.Create(bits).AsDouble());
    public static V128 Zero => default;
    public static V128 AllBitsSet => new(Vector128<double>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Load(ref readonly double source, nuint index) => new(Vector128.LoadUnsafe(in source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref double destination, nuint index) => V.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public unsafe void StoreAlignedNonTemporal(double* destination) => V.StoreAlignedNonTemporal(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 LanesFrom(int start) => new(Vector128.GreaterThanOrEqual(Vector128.Create(0L, 1L), Vector128.Create((long)start)).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 LanesBefore(int end) => new(Vector128.LessThan(Vector128.Create(0L, 1L), Vector128.Create((long)end)).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 operator +(V128 x, V128 y) => new(x.V + y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 operator -(V128 x, V128 y) => new(x.V - y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 operator *(V128 x, V128 y) => new(x.V * y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 operator /(V128 x, V128 y) => new(x.V / y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 operator -(V128 x) => new(-x.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 operator &(V128 x, V128 y) => new(x.V & y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 operator |(V128 x, V128 y) => new(x.V | y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 AndNot(V128 x, V128 y) => new(Vector128.AndNot(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Abs(V128 x) => new(Vector128.Abs(x.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Sqrt(V128 x) => new(Vector128.Sqrt(x.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 MinNative(V128 x, V128 y) => new(Vector128.MinNative(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 MaxNative(V128 x, V128 y) => new(Vector128.MaxNative(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Max(V128 x, V128 y) => new(Vector128.Max(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 FusedMultiplyAdd(V128 x, V128 y, V128 z) => new(Vector128.FusedMultiplyAdd(x.V, y.V, z.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 NegatedMultiplyAdd(V128 x, V128 y, V128 z)
    {
        if (AdvSimd.Arm64.IsSupported) return new(AdvSimd.Arm64.FusedMultiplySubtract(z.V, x.V, y.V));
        if (Fma.IsSupported) return new(Fma.MultiplyAddNegated(x.V, y.V, z.V));
        return new(Vector128.FusedMultiplyAdd(-x.V, y.V, z.V));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 Equals(V128 x, V128 y) => new(Vector128.Equals(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 LessThan(V128 x, V128 y) => new(Vector128.LessThan(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 LessThanOrEqual(V128 x, V128 y) => new(Vector128.LessThanOrEqual(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 GreaterThan(V128 x, V128 y) => new(Vector128.GreaterThan(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 GreaterThanOrEqual(V128 x, V128 y) => new(Vector128.GreaterThanOrEqual(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 ConditionalSelect(V128 mask, V128 whenTrue, V128 whenFalse) => new(Vector128.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllSet(V128 mask) => Vector128.ExtractMostSignificantBits(mask.V) == 0b11u;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint MaskBits(V128 mask) => (uint)Vector128.ExtractMostSignificantBits(mask.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 AddBits(V128 x, V128 y) => new((x.V.AsInt64() + y.V.AsInt64()).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 SubtractBits(V128 x, V128 y) => new((x.V.AsInt64() - y.V.AsInt64()).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 ShiftLeftBits(V128 x, int count) => new(Vector128.ShiftLeft(x.V.AsInt64(), count).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V128 ShiftRightLogicalBits(V128 x, int count) => new(Vector128.ShiftRightLogical(x.V.AsInt64(), count).AsDouble());
}

/// <summary>256 bits: AVX2 with FMA (the only path that runs it).</summary>
internal readonly struct V256(Vector256<double> v) : ISimdVector<V256>
{
    public readonly Vector256<double> V = v;

    public static int Count => Vector256<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Create(double value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 CreateBits(long bits) => new(Vector256.Create(bits).AsDouble());
    public static V256 Zero => default;
    public static V256 AllBitsSet => new(Vector256<double>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Load(ref readonly double source, nuint index) => new(Vector256.LoadUnsafe(in source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref double destination, nuint index) => V.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public unsafe void StoreAlignedNonTemporal(double* destination) => V.StoreAlignedNonTemporal(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 LanesFrom(int start) => new(Vector256.GreaterThanOrEqual(Vector256.Create(0L, 1L, 2L, 3L), Vector256.Create((long)start)).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 LanesBefore(int end) => new(Vector256.LessThan(Vector256.Create(0L, 1L, 2L, 3L), Vector256.Create((long)end)).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator +(V256 x, V256 y) => new(x.V + y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator -(V256 x, V256 y) => new(x.V - y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator *(V256 x, V256 y) => new(x.V * y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator /(V256 x, V256 y) => new(x.V / y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator -(V256 x) => new(-x.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator &(V256 x, V256 y) => new(x.V & y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator |(V256 x, V256 y) => new(x.V | y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 AndNot(V256 x, V256 y) => new(Vector256.AndNot(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Abs(V256 x) => new(Vector256.Abs(x.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Sqrt(V256 x) => new(Vector256.Sqrt(x.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 MinNative(V256 x, V256 y) => new(Vector256.MinNative(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 MaxNative(V256 x, V256 y) => new(Vector256.MaxNative(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Max(V256 x, V256 y) => new(Vector256.Max(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 FusedMultiplyAdd(V256 x, V256 y, V256 z) => new(Vector256.FusedMultiplyAdd(x.V, y.V, z.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 NegatedMultiplyAdd(V256 x, V256 y, V256 z) =>
        Fma.IsSupported ? new(Fma.MultiplyAddNegated(x.V, y.V, z.V)) : new(Vector256.FusedMultiplyAdd(-x.V, y.V, z.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Equals(V256 x, V256 y) => new(Vector256.Equals(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 LessThan(V256 x, V256 y) => new(Vector256.LessThan(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 LessThanOrEqual(V256 x, V256 y) => new(Vector256.LessThanOrEqual(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 GreaterThan(V256 x, V256 y) => new(Vector256.GreaterThan(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 GreaterThanOrEqual(V256 x, V256 y) => new(Vector256.GreaterThanOrEqual(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 ConditionalSelect(V256 mask, V256 whenTrue, V256 whenFalse) => new(Vector256.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllSet(V256 mask) => Vector256.ExtractMostSignificantBits(mask.V) == 0b1111u;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint MaskBits(V256 mask) => (uint)Vector256.ExtractMostSignificantBits(mask.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 AddBits(V256 x, V256 y) => new((x.V.AsInt64() + y.V.AsInt64()).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 SubtractBits(V256 x, V256 y) => new((x.V.AsInt64() - y.V.AsInt64()).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 ShiftLeftBits(V256 x, int count) => new(Vector256.ShiftLeft(x.V.AsInt64(), count).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 ShiftRightLogicalBits(V256 x, int count) => new(Vector256.ShiftRightLogical(x.V.AsInt64(), count).AsDouble());
}

/// <summary>512 bits: AVX-512 F/BW/CD/DQ/VL (the <see cref="SimdPath.Avx512"/> path only); compares give opmasks.</summary>
internal readonly struct V512(Vector512<double> v) : ISimdVector<V512>
{
    public readonly Vector512<double> V = v;

    public static int Count => Vector512<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Create(double value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 CreateBits(long bits) => new(Vector512.Create(bits).AsDouble());
    public static V512 Zero => default;
    public static V512 AllBitsSet => new(Vector512<double>.AllBitsSet);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Load(ref readonly double source, nuint index) => new(Vector512.LoadUnsafe(in source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref double destination, nuint index) => V.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public unsafe void StoreAlignedNonTemporal(double* destination) => V.StoreAlignedNonTemporal(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 LanesFrom(int start) => new(Vector512.GreaterThanOrEqual(Vector512.Create(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), Vector512.Create((long)start)).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 LanesBefore(int end) => new(Vector512.LessThan(Vector512.Create(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), Vector512.Create((long)end)).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator +(V512 x, V512 y) => new(x.V + y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator -(V512 x, V512 y) => new(x.V - y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator *(V512 x, V512 y) => new(x.V * y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator /(V512 x, V512 y) => new(x.V / y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator -(V512 x) => new(-x.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator &(V512 x, V512 y) => new(x.V & y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator |(V512 x, V512 y) => new(x.V | y.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 AndNot(V512 x, V512 y) => new(Vector512.AndNot(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Abs(V512 x) => new(Vector512.Abs(x.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Sqrt(V512 x) => new(Vector512.Sqrt(x.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 MinNative(V512 x, V512 y) => new(Vector512.MinNative(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 MaxNative(V512 x, V512 y) => new(Vector512.MaxNative(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Max(V512 x, V512 y) => new(Vector512.Max(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 FusedMultiplyAdd(V512 x, V512 y, V512 z) => new(Vector512.FusedMultiplyAdd(x.V, y.V, z.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 NegatedMultiplyAdd(V512 x, V512 y, V512 z) =>
        Avx512F.IsSupported ? new(Avx512F.FusedMultiplyAddNegated(x.V, y.V, z.V)) : new(Vector512.FusedMultiplyAdd(-x.V, y.V, z.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Equals(V512 x, V512 y) => new(Vector512.Equals(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 LessThan(V512 x, V512 y) => new(Vector512.LessThan(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 LessThanOrEqual(V512 x, V512 y) => new(Vector512.LessThanOrEqual(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 GreaterThan(V512 x, V512 y) => new(Vector512.GreaterThan(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 GreaterThanOrEqual(V512 x, V512 y) => new(Vector512.GreaterThanOrEqual(x.V, y.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 ConditionalSelect(V512 mask, V512 whenTrue, V512 whenFalse) => new(Vector512.ConditionalSelect(mask.V, whenTrue.V, whenFalse.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllSet(V512 mask) => Vector512.ExtractMostSignificantBits(mask.V) == 0xFFu;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint MaskBits(V512 mask) => (uint)Vector512.ExtractMostSignificantBits(mask.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 AddBits(V512 x, V512 y) => new((x.V.AsInt64() + y.V.AsInt64()).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 SubtractBits(V512 x, V512 y) => new((x.V.AsInt64() - y.V.AsInt64()).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 ShiftLeftBits(V512 x, int count) => new(Vector512.ShiftLeft(x.V.AsInt64(), count).AsDouble());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 ShiftRightLogicalBits(V512 x, int count) => new(Vector512.ShiftRightLogical(x.V.AsInt64(), count).AsDouble());
}
