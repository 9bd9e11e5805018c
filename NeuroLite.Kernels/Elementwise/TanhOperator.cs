using System.Runtime.CompilerServices;
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
    public static TVec Invoke<TVec>(TVec x) where TVec : struct, ISimdVector<TVec>
    {
        var one = TVec.Create(1.0);
        var ax = TVec.Abs(x);
        var m = TVec.MinNative(TVec.Create(TanhMaxArg), ax);
        var kd = TVec.MinNative(TVec.Create(TanhKCap), TVec.FusedMultiplyAdd(ax - TVec.Create(TanhKBias), TVec.Create(TwoLog2E), TVec.Create(TanhShifter)));
        var kf = kd - TVec.Create(TanhShifter);
        var wh = TVec.FusedMultiplyAdd(kf, TVec.Create(-HalfLn2Hi), m);
        var w = TVec.FusedMultiplyAdd(kf, TVec.Create(-HalfLn2Lo), wh);
        var wl = TVec.FusedMultiplyAdd(kf, TVec.Create(-HalfLn2Lo), wh - w);
        var z = w * w;
        var z2 = z * z;
        var p = TVec.FusedMultiplyAdd(
            TVec.FusedMultiplyAdd(TVec.FusedMultiplyAdd(TVec.Create(TanhP5), z, TVec.Create(TanhP4)), z2, TVec.FusedMultiplyAdd(TVec.Create(TanhP3), z, TVec.Create(TanhP2))),
            z2, TVec.FusedMultiplyAdd(TVec.Create(TanhP1), z, TVec.Create(TanhP0)));
        var c = TVec.FusedMultiplyAdd(w * z, p, wl);
        var s = TVec.ShiftLeftBits(kd, 52);
        var sm = s - one;
        var sp = s + one;
        var nh = TVec.FusedMultiplyAdd(sp, w, sm);
        var nl = TVec.FusedMultiplyAdd(sp, c, TVec.FusedMultiplyAdd(sp, w, sm - nh));
        var dh = TVec.FusedMultiplyAdd(sm, w, sp);
        var dl = TVec.FusedMultiplyAdd(sm, c, TVec.FusedMultiplyAdd(sm, w, sp - dh));
        var inv = one / TVec.FusedMultiplyAdd(sm, c, dh);
        var y0 = nh * inv;
        var res = TVec.NegatedMultiplyAdd(y0, dh, nh) + TVec.NegatedMultiplyAdd(y0, dl, nl);
        var y = TVec.FusedMultiplyAdd(res, inv, y0);
        return y | (x & TVec.CreateBits(SignMask));
    }
}
