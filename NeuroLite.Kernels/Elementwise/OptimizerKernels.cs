using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NeuroLite.Kernels.Elementwise;

// Optimizer updates rewrite several streams in place (parameters, state, gradients), so they are stream kernels
// of their own rather than pure operators; the driver's masked tail blends every output, which keeps lanes the
// loop already updated. Each Step performs the reference's IEEE operations in the reference's order, and the
// gradient is zeroed after it is read, so the kernels equal Reference.Optimizer bit for bit.

/// <summary>p -= lr·g; then g = 0 when <typeparamref name="TZero"/> says so.</summary>
internal readonly ref struct SgdKernel<TZero> : IStreamKernel where TZero : struct, ICompileTimeFlag
{
    public static bool Unroll => true;

    private readonly ref double _p;
    private readonly ref double _g;
    private readonly double _lr;

    public SgdKernel(Span<double> p, Span<double> g, double lr)
    {
        _p = ref MemoryMarshal.GetReference(p);
        _g = ref MemoryMarshal.GetReference(g);
        _lr = lr;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i)
    {
        ref double p = ref Unsafe.Add(ref _p, i);
        ref double g = ref Unsafe.Add(ref _g, i);
        p -= _lr * g;
        if (TZero.Value) g = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step128(int i) => Step128Masked(i, Vector128<double>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step256(int i) => Step256Masked(i, Vector256<double>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step128Masked(int i, Vector128<double> write)
    {
        var p = Vector128.LoadUnsafe(ref _p, (nuint)i);
        var g = Vector128.LoadUnsafe(ref _g, (nuint)i);
        Vector128.ConditionalSelect(write, p - Vector128.Create(_lr) * g, p).StoreUnsafe(ref _p, (nuint)i);
        if (TZero.Value) Vector128.AndNot(g, write).StoreUnsafe(ref _g, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step256Masked(int i, Vector256<double> write)
    {
        var p = Vector256.LoadUnsafe(ref _p, (nuint)i);
        var g = Vector256.LoadUnsafe(ref _g, (nuint)i);
        Vector256.ConditionalSelect(write, p - Vector256.Create(_lr) * g, p).StoreUnsafe(ref _p, (nuint)i);
        if (TZero.Value) Vector256.AndNot(g, write).StoreUnsafe(ref _g, (nuint)i);
    }
}

/// <summary>v = μ·v + g; p -= lr·v; then g = 0 when <typeparamref name="TZero"/> says so.</summary>
internal readonly ref struct SgdMomentumKernel<TZero> : IStreamKernel where TZero : struct, ICompileTimeFlag
{
    public static bool Unroll => true;

    private readonly ref double _p;
    private readonly ref double _g;
    private readonly ref double _v;
    private readonly double _lr;
    private readonly double _mu;

    public SgdMomentumKernel(Span<double> p, Span<double> g, Span<double> v, double lr, double mu)
    {
        _p = ref MemoryMarshal.GetReference(p);
        _g = ref MemoryMarshal.GetReference(g);
        _v = ref MemoryMarshal.GetReference(v);
        _lr = lr;
        _mu = mu;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i)
    {
        ref double p = ref Unsafe.Add(ref _p, i);
        ref double g = ref Unsafe.Add(ref _g, i);
        ref double v = ref Unsafe.Add(ref _v, i);
        v = _mu * v + g;
        p -= _lr * v;
        if (TZero.Value) g = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step128(int i) => Step128Masked(i, Vector128<double>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step256(int i) => Step256Masked(i, Vector256<double>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step128Masked(int i, Vector128<double> write)
    {
        var p = Vector128.LoadUnsafe(ref _p, (nuint)i);
        var g = Vector128.LoadUnsafe(ref _g, (nuint)i);
        var v = Vector128.LoadUnsafe(ref _v, (nuint)i);
        var vNew = Vector128.Create(_mu) * v + g;
        Vector128.ConditionalSelect(write, vNew, v).StoreUnsafe(ref _v, (nuint)i);
        Vector128.ConditionalSelect(write, p - Vector128.Create(_lr) * vNew, p).StoreUnsafe(ref _p, (nuint)i);
        if (TZero.Value) Vector128.AndNot(Vector128.LoadUnsafe(ref _g, (nuint)i), write).StoreUnsafe(ref _g, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step256Masked(int i, Vector256<double> write)
    {
        var p = Vector256.LoadUnsafe(ref _p, (nuint)i);
        var g = Vector256.LoadUnsafe(ref _g, (nuint)i);
        var v = Vector256.LoadUnsafe(ref _v, (nuint)i);
        var vNew = Vector256.Create(_mu) * v + g;
        Vector256.ConditionalSelect(write, vNew, v).StoreUnsafe(ref _v, (nuint)i);
        Vector256.ConditionalSelect(write, p - Vector256.Create(_lr) * vNew, p).StoreUnsafe(ref _p, (nuint)i);
        if (TZero.Value) Vector256.AndNot(Vector256.LoadUnsafe(ref _g, (nuint)i), write).StoreUnsafe(ref _g, (nuint)i);
    }
}

/// <summary>One Adam step, fused: m, v, p updated and g zeroed (when <typeparamref name="TZero"/> says so) in a single pass.</summary>
/// <remarks>The bias corrections are folded into two per-call constants (see <see cref="Reference.Optimizer.Adam"/>),
/// so each element costs one square root and one division: the divider, not memory, bounds this loop.</remarks>
internal readonly ref struct AdamKernel<TZero> : IStreamKernel where TZero : struct, ICompileTimeFlag
{
    // Not unrolled: one sqrt and one division per vector bound the loop, and four inlined copies of this body exceeded
    // the JIT's inlining budget, leaving every step a call (seen in a perf profile of the training step).
    public static bool Unroll => false;

    private readonly ref double _p;
    private readonly ref double _g;
    private readonly ref double _m;
    private readonly ref double _v;
    private readonly double _b1, _1mb1, _b2, _1mb2, _eps, _stepSize, _invSqrtC2;

    // Inlined so the kernel's fields stay in registers instead of being reloaded from the stack in every iteration.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public AdamKernel(Span<double> p, Span<double> g, Span<double> m, Span<double> v, double b1, double b2, double eps, double stepSize, double invSqrtC2)
    {
        _p = ref MemoryMarshal.GetReference(p);
        _g = ref MemoryMarshal.GetReference(g);
        _m = ref MemoryMarshal.GetReference(m);
        _v = ref MemoryMarshal.GetReference(v);
        (_b1, _1mb1, _b2, _1mb2, _eps, _stepSize, _invSqrtC2) = (b1, 1.0 - b1, b2, 1.0 - b2, eps, stepSize, invSqrtC2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step1(int i)
    {
        ref double p = ref Unsafe.Add(ref _p, i);
        ref double gr = ref Unsafe.Add(ref _g, i);
        ref double m = ref Unsafe.Add(ref _m, i);
        ref double v = ref Unsafe.Add(ref _v, i);
        double g = gr;
        m = _b1 * m + _1mb1 * g;
        v = _b2 * v + _1mb2 * g * g;
        p -= _stepSize * (m / (Math.Sqrt(v) * _invSqrtC2 + _eps));
        if (TZero.Value) gr = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step128(int i) => Step128Masked(i, Vector128<double>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step128Masked(int i, Vector128<double> write)
    {
        var p = Vector128.LoadUnsafe(ref _p, (nuint)i);
        var g = Vector128.LoadUnsafe(ref _g, (nuint)i);
        var m = Vector128.LoadUnsafe(ref _m, (nuint)i);
        var v = Vector128.LoadUnsafe(ref _v, (nuint)i);
        var mNew = Vector128.Create(_b1) * m + Vector128.Create(_1mb1) * g;
        var vNew = Vector128.Create(_b2) * v + Vector128.Create(_1mb2) * g * g;
        var denom = Vector128.Sqrt(vNew) * Vector128.Create(_invSqrtC2) + Vector128.Create(_eps);
        var pNew = p - Vector128.Create(_stepSize) * (mNew / denom);
        Vector128.ConditionalSelect(write, mNew, m).StoreUnsafe(ref _m, (nuint)i);
        Vector128.ConditionalSelect(write, vNew, v).StoreUnsafe(ref _v, (nuint)i);
        Vector128.ConditionalSelect(write, pNew, p).StoreUnsafe(ref _p, (nuint)i);
        if (TZero.Value) Vector128.AndNot(Vector128.LoadUnsafe(ref _g, (nuint)i), write).StoreUnsafe(ref _g, (nuint)i);
    }

    // The full-vector step has its own body rather than calling the masked one with all lanes set: through that extra
    // call level the JIT gave up inlining, and a perf profile of the training step showed every vector as a call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step256(int i)
    {
        Update(i, out var mNew, out var vNew, out var pNew);
        mNew.StoreUnsafe(ref _m, (nuint)i);
        vNew.StoreUnsafe(ref _v, (nuint)i);
        pNew.StoreUnsafe(ref _p, (nuint)i);
        if (TZero.Value) Vector256<double>.Zero.StoreUnsafe(ref _g, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step256Masked(int i, Vector256<double> write)
    {
        Update(i, out var mNew, out var vNew, out var pNew);
        Vector256.ConditionalSelect(write, mNew, Vector256.LoadUnsafe(ref _m, (nuint)i)).StoreUnsafe(ref _m, (nuint)i);
        Vector256.ConditionalSelect(write, vNew, Vector256.LoadUnsafe(ref _v, (nuint)i)).StoreUnsafe(ref _v, (nuint)i);
        Vector256.ConditionalSelect(write, pNew, Vector256.LoadUnsafe(ref _p, (nuint)i)).StoreUnsafe(ref _p, (nuint)i);
        if (TZero.Value) Vector256.AndNot(Vector256.LoadUnsafe(ref _g, (nuint)i), write).StoreUnsafe(ref _g, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Update(int i, out Vector256<double> mNew, out Vector256<double> vNew, out Vector256<double> pNew)
    {
        var g = Vector256.LoadUnsafe(ref _g, (nuint)i);
        mNew = Vector256.Create(_b1) * Vector256.LoadUnsafe(ref _m, (nuint)i) + Vector256.Create(_1mb1) * g;
        vNew = Vector256.Create(_b2) * Vector256.LoadUnsafe(ref _v, (nuint)i) + Vector256.Create(_1mb2) * g * g;
        var denom = Vector256.Sqrt(vNew) * Vector256.Create(_invSqrtC2) + Vector256.Create(_eps);
        pNew = Vector256.LoadUnsafe(ref _p, (nuint)i) - Vector256.Create(_stepSize) * (mNew / denom);
    }
}
