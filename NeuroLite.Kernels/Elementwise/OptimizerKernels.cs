using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => StepMasked(i, TVec.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec>
    {
        var p = TVec.Load(in _p, (nuint)i);
        var g = TVec.Load(in _g, (nuint)i);
        TVec.ConditionalSelect(write, p - TVec.Create(_lr) * g, p).Store(ref _p, (nuint)i);
        if (TZero.Value) TVec.AndNot(g, write).Store(ref _g, (nuint)i);
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
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec> => StepMasked(i, TVec.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec>
    {
        var p = TVec.Load(in _p, (nuint)i);
        var g = TVec.Load(in _g, (nuint)i);
        var v = TVec.Load(in _v, (nuint)i);
        var vNew = TVec.Create(_mu) * v + g;
        TVec.ConditionalSelect(write, vNew, v).Store(ref _v, (nuint)i);
        TVec.ConditionalSelect(write, p - TVec.Create(_lr) * vNew, p).Store(ref _p, (nuint)i);
        if (TZero.Value) TVec.AndNot(TVec.Load(in _g, (nuint)i), write).Store(ref _g, (nuint)i);
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

    // The full-vector step has its own body rather than calling the masked one with all lanes set: through that extra
    // call level the JIT gave up inlining, and a perf profile of the training step showed every vector as a call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step<TVec>(int i) where TVec : struct, ISimdVector<TVec>
    {
        Update<TVec>(i, out var mNew, out var vNew, out var pNew);
        mNew.Store(ref _m, (nuint)i);
        vNew.Store(ref _v, (nuint)i);
        pNew.Store(ref _p, (nuint)i);
        if (TZero.Value) TVec.Zero.Store(ref _g, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StepMasked<TVec>(int i, TVec write) where TVec : struct, ISimdVector<TVec>
    {
        Update<TVec>(i, out var mNew, out var vNew, out var pNew);
        TVec.ConditionalSelect(write, mNew, TVec.Load(in _m, (nuint)i)).Store(ref _m, (nuint)i);
        TVec.ConditionalSelect(write, vNew, TVec.Load(in _v, (nuint)i)).Store(ref _v, (nuint)i);
        TVec.ConditionalSelect(write, pNew, TVec.Load(in _p, (nuint)i)).Store(ref _p, (nuint)i);
        if (TZero.Value) TVec.AndNot(TVec.Load(in _g, (nuint)i), write).Store(ref _g, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Update<TVec>(int i, out TVec mNew, out TVec vNew, out TVec pNew) where TVec : struct, ISimdVector<TVec>
    {
        var g = TVec.Load(in _g, (nuint)i);
        mNew = TVec.Create(_b1) * TVec.Load(in _m, (nuint)i) + TVec.Create(_1mb1) * g;
        vNew = TVec.Create(_b2) * TVec.Load(in _v, (nuint)i) + TVec.Create(_1mb2) * g * g;
        var denom = TVec.Sqrt(vNew) * TVec.Create(_invSqrtC2) + TVec.Create(_eps);
        pNew = TVec.Load(in _p, (nuint)i) - TVec.Create(_stepSize) * (mNew / denom);
    }
}
