using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>e^x: lane-wise <see cref="Reference.Unary.Exp(double)"/> (see there for the algorithm and its error).</summary>
internal readonly struct ExpOperator : IUnaryOperator
{
    public static bool Unroll => false;

    public static double Invoke(double x) => Reference.Unary.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Invoke(Vector128<double> x)
    {
        // Fast path for the common all-lanes-in-range vector; NaN fails the compare too and takes the slow path.
        var inRange = Vector128.LessThanOrEqual(Vector128.Abs(x), Vector128.Create(ExpFastMax));
        if (Vector128.ExtractMostSignificantBits(inRange) != 0b11u)
            return Slow(x);
        var kd = Vector128.FusedMultiplyAdd(x, Vector128.Create(Log2E), Vector128.Create(Shifter));
        var p = MathVectors.ExpPoly(x, kd - Vector128.Create(Shifter));
        return (p.AsInt64() + Vector128.ShiftLeft(kd.AsInt64(), 52)).AsDouble();
    }

    // Inlined behind the caller's branch, not called: a call returned its vector through a stack slot, which the
    // in-range path then shared (a store and a reload per vector; exp at n = 1,000 ran 11-27% faster inlined).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Slow(Vector128<double> x)
    {
        var xc = Vector128.MinNative(Vector128.MaxNative(x, Vector128.Create(ExpMin)), Vector128.Create(ExpMax));
        var kd = Vector128.FusedMultiplyAdd(xc, Vector128.Create(Log2E), Vector128.Create(Shifter));
        var p = MathVectors.ExpPoly(xc, kd - Vector128.Create(Shifter));
        var u = kd.AsInt64() + Vector128.Create(2048 - ShifterBits);
        var half = Vector128.ShiftRightLogical(u, 1);
        var s1 = Vector128.ShiftLeft(half - Vector128.Create(1L), 52).AsDouble();
        var s2 = Vector128.ShiftLeft(u - half - Vector128.Create(1L), 52).AsDouble();
        var y = p * s1 * s2;
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), y, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke(Vector256<double> x)
    {
        // Fast path for the common all-lanes-in-range vector; NaN fails the compare too and takes the slow path.
        var inRange = Vector256.LessThanOrEqual(Vector256.Abs(x), Vector256.Create(ExpFastMax));
        if (Vector256.ExtractMostSignificantBits(inRange) != 0b1111u)
            return Slow(x);
        var kd = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(Shifter));
        var p = MathVectors.ExpPoly(x, kd - Vector256.Create(Shifter));
        return (p.AsInt64() + Vector256.ShiftLeft(kd.AsInt64(), 52)).AsDouble();
    }

    // Inlined for the reason given at the 128-bit Slow.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Slow(Vector256<double> x)
    {
        var xc = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(ExpMin)), Vector256.Create(ExpMax));
        var kd = Vector256.FusedMultiplyAdd(xc, Vector256.Create(Log2E), Vector256.Create(Shifter));
        var p = MathVectors.ExpPoly(xc, kd - Vector256.Create(Shifter));
        var u = kd.AsInt64() + Vector256.Create(2048 - ShifterBits);
        var half = Vector256.ShiftRightLogical(u, 1);
        var s1 = Vector256.ShiftLeft(half - Vector256.Create(1L), 52).AsDouble();
        var s2 = Vector256.ShiftLeft(u - half - Vector256.Create(1L), 52).AsDouble();
        var y = p * s1 * s2;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }
}
