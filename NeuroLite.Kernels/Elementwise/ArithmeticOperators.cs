using System.Runtime.CompilerServices;

namespace NeuroLite.Kernels.Elementwise;

// Each vector body performs exactly the scalar overload's IEEE operations, in the same order, per lane.

internal readonly struct AddOperator : IBinaryOperator
{
    public static double Invoke(double x, double y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec y) where TVec : struct, ISimdVector<TVec> => x + y;
}

internal readonly struct SubtractOperator : IBinaryOperator
{
    public static double Invoke(double x, double y) => x - y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec y) where TVec : struct, ISimdVector<TVec> => x - y;
}

internal readonly struct MultiplyOperator : IBinaryOperator
{
    public static double Invoke(double x, double y) => x * y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec y) where TVec : struct, ISimdVector<TVec> => x * y;
}

internal readonly struct DivideOperator : IBinaryOperator
{
    public static double Invoke(double x, double y) => x / y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec y) where TVec : struct, ISimdVector<TVec> => x / y;
}

/// <summary>x·y + z with one rounding. On x64 without FMA hardware <c>Vector128.FusedMultiplyAdd</c> is emulated exactly.</summary>
internal readonly struct FusedMultiplyAddOperator : ITernaryOperator
{
    public static double Invoke(double x, double y, double z) => Math.FusedMultiplyAdd(x, y, z);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec y, TVec z) where TVec : struct, ISimdVector<TVec> => TVec.FusedMultiplyAdd(x, y, z);
}

/// <summary>max(x, 0) keeping NaN: clear every lane where x ≤ 0 (false for NaN), so -0 becomes +0.</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    public static double Invoke(double x) => Reference.Unary.Relu(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x) where TVec : struct, ISimdVector<TVec> => TVec.AndNot(x, TVec.LessThanOrEqual(x, TVec.Zero));
}

/// <summary>
/// 0 + (x &gt; 0 ? g : 0): a masked g (exactly g or +0), plus +0 so that the result is bitwise what accumulating into a
/// zeroed destination gives (a g of −0 becomes +0), which lets a gradient's first writer overwrite instead of clearing.
/// </summary>
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    public static double Invoke(double x, double g) => 0.0 + (x > 0 ? g : 0.0);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec g) where TVec : struct, ISimdVector<TVec> => TVec.Zero + (g & TVec.GreaterThan(x, TVec.Zero));
}

/// <summary>acc + (x &gt; 0 ? g : 0).</summary>
internal readonly struct ReluBackwardAccumulateOperator : ITernaryOperator
{
    public static double Invoke(double x, double g, double acc) => acc + (x > 0 ? g : 0.0);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec x, TVec g, TVec acc) where TVec : struct, ISimdVector<TVec> => acc + (g & TVec.GreaterThan(x, TVec.Zero));
}

/// <summary>
/// 0 + (1 - t·t)·g with two roundings, as the reference writes it (no contraction into an FMA); the + 0 makes it bitwise
/// what accumulating into a zeroed destination gives (−0 becomes +0), as for <see cref="ReluBackwardOperator"/>.
/// </summary>
internal readonly struct TanhBackwardOperator : IBinaryOperator
{
    public static double Invoke(double t, double g) => 0.0 + (1.0 - t * t) * g;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec t, TVec g) where TVec : struct, ISimdVector<TVec> => TVec.Zero + (TVec.Create(1.0) - t * t) * g;
}

/// <summary>acc + (1 - t·t)·g.</summary>
internal readonly struct TanhBackwardAccumulateOperator : ITernaryOperator
{
    public static double Invoke(double t, double g, double acc) => acc + (1.0 - t * t) * g;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TVec Invoke<TVec>(TVec t, TVec g, TVec acc) where TVec : struct, ISimdVector<TVec> => acc + (TVec.Create(1.0) - t * t) * g;
}
