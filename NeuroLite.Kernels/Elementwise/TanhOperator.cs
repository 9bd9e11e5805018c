using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>tanh x: lane-wise <see cref="Reference.Unary.Tanh(double)"/> (see there for the algorithm and its error).</summary>
/// <remarks>
/// Not unrolled, and no two-vector interleaving either (measured: no gain). The kernel is bound by its ~39 vector
/// operations and by the chain into the division, which is why the division waits only for c (dh and the FMAs
/// before it are ready earlier) and P is evaluated by Estrin's scheme.
/// </remarks>
internal readonly struct TanhOperator : IUnaryOperator
{
    public static bool Unroll => false;

    public static double Invoke(double x) => Reference.Unary.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Invoke(Vector128<double> x)
    {
        var one = Vector128.Create(1.0);
        var ax = Vector128.Abs(x);
        var m = Vector128.MinNative(Vector128.Create(TanhMaxArg), ax);
        var kd = Vector128.MinNative(Vector128.Create(TanhKCap), Vector128.FusedMultiplyAdd(ax - Vector128.Create(TanhKBias), Vector128.Create(TwoLog2E), Vector128.Create(TanhShifter)));
        var kf = kd - Vector128.Create(TanhShifter);
        var wh = Vector128.FusedMultiplyAdd(kf, Vector128.Create(-HalfLn2Hi), m);
        var w = Vector128.FusedMultiplyAdd(kf, Vector128.Create(-HalfLn2Lo), wh);
        var wl = Vector128.FusedMultiplyAdd(kf, Vector128.Create(-HalfLn2Lo), wh - w);
        var z = w * w;
        var z2 = z * z;
        var p = Vector128.FusedMultiplyAdd(
            Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(TanhP5), z, Vector128.Create(TanhP4)), z2, Vector128.FusedMultiplyAdd(Vector128.Create(TanhP3), z, Vector128.Create(TanhP2))),
            z2, Vector128.FusedMultiplyAdd(Vector128.Create(TanhP1), z, Vector128.Create(TanhP0)));
        var c = Vector128.FusedMultiplyAdd(w * z, p, wl);
        var s = Vector128.ShiftLeft(kd.AsInt64(), 52).AsDouble();
        var sm = s - one;
        var sp = s + one;
        var nh = Vector128.FusedMultiplyAdd(sp, w, sm);
        var nl = Vector128.FusedMultiplyAdd(sp, c, Vector128.FusedMultiplyAdd(sp, w, sm - nh));
        var dh = Vector128.FusedMultiplyAdd(sm, w, sp);
        var dl = Vector128.FusedMultiplyAdd(sm, c, Vector128.FusedMultiplyAdd(sm, w, sp - dh));
        var inv = one / Vector128.FusedMultiplyAdd(sm, c, dh);
        var y0 = nh * inv;
        var res = MathVectors.NegatedMultiplyAdd(y0, dh, nh) + MathVectors.NegatedMultiplyAdd(y0, dl, nl);
        var y = Vector128.FusedMultiplyAdd(res, inv, y0);
        return (y.AsInt64() | (x.AsInt64() & Vector128.Create(SignMask))).AsDouble();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke(Vector256<double> x)
    {
        var one = Vector256.Create(1.0);
        var ax = Vector256.Abs(x);
        var m = Vector256.MinNative(Vector256.Create(TanhMaxArg), ax);
        var kd = Vector256.MinNative(Vector256.Create(TanhKCap), Vector256.FusedMultiplyAdd(ax - Vector256.Create(TanhKBias), Vector256.Create(TwoLog2E), Vector256.Create(TanhShifter)));
        var kf = kd - Vector256.Create(TanhShifter);
        var wh = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-HalfLn2Hi), m);
        var w = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-HalfLn2Lo), wh);
        var wl = Vector256.FusedMultiplyAdd(kf, Vector256.Create(-HalfLn2Lo), wh - w);
        var z = w * w;
        var z2 = z * z;
        var p = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(TanhP5), z, Vector256.Create(TanhP4)), z2, Vector256.FusedMultiplyAdd(Vector256.Create(TanhP3), z, Vector256.Create(TanhP2))),
            z2, Vector256.FusedMultiplyAdd(Vector256.Create(TanhP1), z, Vector256.Create(TanhP0)));
        var c = Vector256.FusedMultiplyAdd(w * z, p, wl);
        var s = Vector256.ShiftLeft(kd.AsInt64(), 52).AsDouble();
        var sm = s - one;
        var sp = s + one;
        var nh = Vector256.FusedMultiplyAdd(sp, w, sm);
        var nl = Vector256.FusedMultiplyAdd(sp, c, Vector256.FusedMultiplyAdd(sp, w, sm - nh));
        var dh = Vector256.FusedMultiplyAdd(sm, w, sp);
        var dl = Vector256.FusedMultiplyAdd(sm, c, Vector256.FusedMultiplyAdd(sm, w, sp - dh));
        var inv = one / Vector256.FusedMultiplyAdd(sm, c, dh);
        var y0 = nh * inv;
        var res = MathVectors.NegatedMultiplyAdd(y0, dh, nh) + MathVectors.NegatedMultiplyAdd(y0, dl, nl);
        var y = Vector256.FusedMultiplyAdd(res, inv, y0);
        return (y.AsInt64() | (x.AsInt64() & Vector256.Create(SignMask))).AsDouble();
    }
}
