namespace NeuroLite.Kernels.Elementwise;

// Operators are stateless readonly structs with static abstract Invoke methods, as in TensorPrimitives: the JIT
// specializes the driver per operator struct and inlines each Invoke, so an operator is just its arithmetic. Unlike
// TensorPrimitives (one Invoke per width), the vector Invoke is written once, generic over the vector width
// (ISimdVector<TVec>); the driver picks the width. The scalar Invoke of every operator is (or calls) the public scalar
// reference, and the vector body performs the same IEEE operations in the same order lane by lane, which is what
// makes every SIMD path bitwise equal to it.

/// <summary>y = f(x), element by element.</summary>
internal interface IUnaryOperator
{
    /// <summary>False for long operators (exp, tanh, log): see <see cref="IStreamKernel.Unroll"/>.</summary>
    static virtual bool Unroll => true;

    static abstract double Invoke(double x);
    static abstract TVec Invoke<TVec>(TVec x) where TVec : struct, ISimdVector<TVec>;
}

/// <summary>z = f(x, y), element by element.</summary>
internal interface IBinaryOperator
{
    /// <summary>False for long operators (exp, tanh, log): see <see cref="IStreamKernel.Unroll"/>.</summary>
    static virtual bool Unroll => true;

    static abstract double Invoke(double x, double y);
    static abstract TVec Invoke<TVec>(TVec x, TVec y) where TVec : struct, ISimdVector<TVec>;
}

/// <summary>w = f(x, y, z), element by element (for example a backward pass accumulating into z).</summary>
internal interface ITernaryOperator
{
    /// <summary>False for long operators (exp, tanh, log): see <see cref="IStreamKernel.Unroll"/>.</summary>
    static virtual bool Unroll => true;

    static abstract double Invoke(double x, double y, double z);
    static abstract TVec Invoke<TVec>(TVec x, TVec y, TVec z) where TVec : struct, ISimdVector<TVec>;
}
