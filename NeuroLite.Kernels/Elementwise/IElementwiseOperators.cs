using System.Runtime.Intrinsics;

namespace NeuroLite.Kernels.Elementwise;

// Operators are stateless readonly structs with static abstract Invoke overloads, as in TensorPrimitives: the JIT
// specializes the driver per operator struct and inlines each Invoke, so an operator is just its arithmetic. The
// scalar Invoke of every operator is (or calls) the public scalar reference, and the vector overloads perform the
// same IEEE operations in the same order lane by lane, which is what makes the SIMD paths bitwise equal to it.

/// <summary>y = f(x), element by element.</summary>
internal interface IUnaryOperator
{
    /// <summary>False for long operators (exp, tanh, log): see <see cref="IStreamKernel.Unroll"/>.</summary>
    static virtual bool Unroll => true;

    static abstract double Invoke(double x);
    static abstract Vector128<double> Invoke(Vector128<double> x);
    static abstract Vector256<double> Invoke(Vector256<double> x);
}

/// <summary>z = f(x, y), element by element.</summary>
internal interface IBinaryOperator
{
    /// <summary>False for long operators (exp, tanh, log): see <see cref="IStreamKernel.Unroll"/>.</summary>
    static virtual bool Unroll => true;

    static abstract double Invoke(double x, double y);
    static abstract Vector128<double> Invoke(Vector128<double> x, Vector128<double> y);
    static abstract Vector256<double> Invoke(Vector256<double> x, Vector256<double> y);
}

/// <summary>w = f(x, y, z), element by element (for example a backward pass accumulating into z).</summary>
internal interface ITernaryOperator
{
    /// <summary>False for long operators (exp, tanh, log): see <see cref="IStreamKernel.Unroll"/>.</summary>
    static virtual bool Unroll => true;

    static abstract double Invoke(double x, double y, double z);
    static abstract Vector128<double> Invoke(Vector128<double> x, Vector128<double> y, Vector128<double> z);
    static abstract Vector256<double> Invoke(Vector256<double> x, Vector256<double> y, Vector256<double> z);
}
