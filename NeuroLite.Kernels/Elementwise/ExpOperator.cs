using System.Runtime.CompilerServices;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>e^x: lane-wise <see cref="Reference.Unary.Exp(double)"/> (see there for the algorithm and its error).</summary>
internal readonly struct ExpOperator : IUnaryOperator
{
    public static bool Unroll => false;

    public static double Invoke(double x) => Reference.Unary.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Invoke<TVec>(TVec x) where TVec : struct, ISimdVector<TVec>
    {
        // Fast path for the common all-lanes-in-range vector; NaN fails the compare too and takes the slow path.
        var inRange = TVec.LessThanOrEqual(TVec.Abs(x), TVec.Create(ExpFastMax));
        if (!TVec.AllSet(inRange))
            return Slow(x);
        var kd = TVec.FusedMultiplyAdd(x, TVec.Create(Log2E), TVec.Create(Shifter));
        var p = MathVectors.ExpPoly(x, kd - TVec.Create(Shifter));
        return TVec.AddBits(p, TVec.ShiftLeftBits(kd, 52));
    }

    // A call, not inlined: written once over the width wrappers, the fast and slow bodies together exceeded what the JIT
    // inlines into one method, and the loop's own step became a call. (With hand-written 256-bit code, inlining had
    // won: a call returned its vector through a stack slot that the in-range path then shared.)
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TVec Slow<TVec>(TVec x) where TVec : struct, ISimdVector<TVec>
    {
        var xc = TVec.MinNative(TVec.MaxNative(x, TVec.Create(ExpMin)), TVec.Create(ExpMax));
        var kd = TVec.FusedMultiplyAdd(xc, TVec.Create(Log2E), TVec.Create(Shifter));
        var p = MathVectors.ExpPoly(xc, kd - TVec.Create(Shifter));
        var u = TVec.AddBits(kd, TVec.CreateBits(2048 - ShifterBits));
        var half = TVec.ShiftRightLogicalBits(u, 1);
        var s1 = TVec.ShiftLeftBits(TVec.SubtractBits(half, TVec.CreateBits(1L)), 52);
        var s2 = TVec.ShiftLeftBits(TVec.SubtractBits(TVec.SubtractBits(u, half), TVec.CreateBits(1L)), 52);
        var y = p * s1 * s2;
        return TVec.ConditionalSelect(TVec.Equals(x, x), y, x);
    }
}
