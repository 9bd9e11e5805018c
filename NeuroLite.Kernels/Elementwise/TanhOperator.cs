using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static NeuroLite.Kernels.Elementwise.MathConstants;

namespace NeuroLite.Kernels.Elementwise;

/// <summary>tanh x: lane-wise <see cref="Reference.Unary.Tanh(double)"/> (see there for the algorithm and its error).</summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    public static bool Unroll => false;

    public static double Invoke(double x) => Reference.Unary.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Invoke(Vector128<double> x)
    {
        var one = Vector128.Create(1.0);
        var two = Vector128.Create(2.0);
        var ax = Vector128.Abs(x);
        var a = Vector128.MinNative(ax + ax, Vector128.Create(TanhMaxArg));
        var kd = Vector128.FusedMultiplyAdd(a, Vector128.Create(Log2E), Vector128.Create(Shifter));
        var kf = kd - Vector128.Create(Shifter);
        var t1 = MathVectors.ExpReduced(a, kf, out var c);
        var scale = Vector128.ShiftLeft(kd.AsInt64() + Vector128.Create(1023L), 52).AsDouble();
        var nA = Vector128.FusedMultiplyAdd(scale, t1, -one);
        var nB = scale * c;
        var nHi = nA + nB;
        var nLo = nB - (nHi - nA);
        var dHi = nHi + two;
        var bb = dHi - nHi;
        var dLo = ((nHi - (dHi - bb)) + (two - bb)) + nLo;
        var inv = one / dHi;
        var y0 = nHi * inv;
        var res = Vector128.FusedMultiplyAdd(-y0, dHi, nHi) + nLo;
        res = Vector128.FusedMultiplyAdd(-y0, dLo, res);
        var y = Vector128.FusedMultiplyAdd(res, inv, y0);
        y = (y.AsInt64() | (x.AsInt64() & Vector128.Create(SignMask))).AsDouble();
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), y, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Invoke(Vector256<double> x)
    {
        var one = Vector256.Create(1.0);
        var two = Vector256.Create(2.0);
        var ax = Vector256.Abs(x);
        var a = Vector256.MinNative(ax + ax, Vector256.Create(TanhMaxArg));
        var kd = Vector256.FusedMultiplyAdd(a, Vector256.Create(Log2E), Vector256.Create(Shifter));
        var kf = kd - Vector256.Create(Shifter);
        var t1 = MathVectors.ExpReduced(a, kf, out var c);
        var scale = Vector256.ShiftLeft(kd.AsInt64() + Vector256.Create(1023L), 52).AsDouble();
        var nA = Vector256.FusedMultiplyAdd(scale, t1, -one);
        var nB = scale * c;
        var nHi = nA + nB;
        var nLo = nB - (nHi - nA);
        var dHi = nHi + two;
        var bb = dHi - nHi;
        var dLo = ((nHi - (dHi - bb)) + (two - bb)) + nLo;
        var inv = one / dHi;
        var y0 = nHi * inv;
        var res = Vector256.FusedMultiplyAdd(-y0, dHi, nHi) + nLo;
        res = Vector256.FusedMultiplyAdd(-y0, dLo, res);
        var y = Vector256.FusedMultiplyAdd(res, inv, y0);
        y = (y.AsInt64() | (x.AsInt64() & Vector256.Create(SignMask))).AsDouble();
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }
}
