namespace NeuroLite;

public readonly partial struct Tensor
{
    /// <summary>Element-wise sum with NumPy broadcasting (rank ≤ 4).</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or the tensors are on two different tapes.</exception>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.BinaryOp(OpKind.Add, a, b);

    /// <summary>Element-wise difference with NumPy broadcasting.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or the tensors are on two different tapes.</exception>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.BinaryOp(OpKind.Sub, a, b);

    /// <summary>Element-wise product with NumPy broadcasting.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or the tensors are on two different tapes.</exception>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.BinaryOp(OpKind.Mul, a, b);

    /// <summary>Element-wise quotient with NumPy broadcasting.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or the tensors are on two different tapes.</exception>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.BinaryOp(OpKind.Div, a, b);

    /// <summary>a + c element-wise.</summary>
    public static Tensor operator +(Tensor a, double c) => Ops.Scalar(OpKind.AddScalar, a, c);

    /// <summary>c + a element-wise.</summary>
    public static Tensor operator +(double c, Tensor a) => Ops.Scalar(OpKind.AddScalar, a, c);

    /// <summary>a − c element-wise.</summary>
    public static Tensor operator -(Tensor a, double c) => Ops.Scalar(OpKind.AddScalar, a, -c);

    /// <summary>c − a element-wise.</summary>
    public static Tensor operator -(double c, Tensor a) => Ops.Scalar(OpKind.RSubScalar, a, c);

    /// <summary>a · c element-wise.</summary>
    public static Tensor operator *(Tensor a, double c) => Ops.Scalar(OpKind.MulScalar, a, c);

    /// <summary>c · a element-wise.</summary>
    public static Tensor operator *(double c, Tensor a) => Ops.Scalar(OpKind.MulScalar, a, c);

    /// <summary>a / c element-wise.</summary>
    public static Tensor operator /(Tensor a, double c) => Ops.Scalar(OpKind.DivScalar, a, c);

    /// <summary>c / a element-wise.</summary>
    public static Tensor operator /(double c, Tensor a) => Ops.Scalar(OpKind.RDivScalar, a, c);

    /// <summary>−a element-wise.</summary>
    public static Tensor operator -(Tensor a) => Ops.Neg(a);

    /// <summary>Named form of <c>a + b</c>.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a + b;

    /// <summary>Named form of <c>a − b</c>.</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => a - b;

    /// <summary>Named form of <c>a · b</c>.</summary>
    public static Tensor Multiply(Tensor a, Tensor b) => a * b;

    /// <summary>Named form of <c>a / b</c>.</summary>
    public static Tensor Divide(Tensor a, Tensor b) => a / b;

    /// <summary>Named form of <c>−a</c>.</summary>
    public static Tensor Negate(Tensor a) => -a;

    /// <summary>Matrix product (the seed's <c>@</c>) of two 2-D tensors: (m×k) @ (k×n) = (m×n).</summary>
    /// <exception cref="ArgumentException">A tensor is not 2-D, or the inner sizes differ.</exception>
    public Tensor MatMul(Tensor other) => Ops.MatMul(this, other);

    /// <summary>Matrix product <c>a @ b</c> of two 2-D tensors.</summary>
    /// <exception cref="ArgumentException">A tensor is not 2-D, or the inner sizes differ.</exception>
    public static Tensor MatMul(Tensor a, Tensor b) => Ops.MatMul(a, b);

    /// <summary>tanh element-wise; backward uses 1 − t².</summary>
    public Tensor Tanh() => Ops.Unary(OpKind.Tanh, this);

    /// <summary>max(x, 0) element-wise; the gradient is 1 where x &gt; 0, else 0.</summary>
    public Tensor Relu() => Ops.Unary(OpKind.Relu, this);

    /// <summary>eˣ element-wise.</summary>
    public Tensor Exp() => Ops.Unary(OpKind.Exp, this);

    /// <summary>ln x element-wise.</summary>
    /// <exception cref="ArgumentException">An element is zero or negative.</exception>
    public Tensor Log() => Ops.Unary(OpKind.Log, this);

    /// <summary>x^<paramref name="exponent"/> element-wise.</summary>
    public Tensor Pow(double exponent) => Ops.Unary(OpKind.Pow, this, exponent);

    /// <summary>The sum of all elements: a 0-d tensor.</summary>
    public Tensor Sum() => Ops.ReduceAll(OpKind.SumAll, this);

    /// <summary>The sum over <paramref name="axis"/> (negative counts from the end), dropping it unless <paramref name="keepDims"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range for the shape.</exception>
    public Tensor Sum(int axis, bool keepDims = false) => Ops.ReduceAxis(OpKind.SumAxis, this, axis, keepDims);

    /// <summary>The mean of all elements: a 0-d tensor.</summary>
    public Tensor Mean() => Ops.ReduceAll(OpKind.MeanAll, this);

    /// <summary>The mean over <paramref name="axis"/> (negative counts from the end), dropping it unless <paramref name="keepDims"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range for the shape.</exception>
    public Tensor Mean(int axis, bool keepDims = false) => Ops.ReduceAxis(OpKind.MeanAxis, this, axis, keepDims);

    /// <summary>The same elements in a new shape (rank ≤ 4; one dimension may be -1).</summary>
    /// <exception cref="ArgumentException">The new shape has a different element count.</exception>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    /// <summary>The same elements in a new shape, without allocating the shape (rank ≤ 4; one dimension may be -1).</summary>
    /// <exception cref="ArgumentException">The new shape has a different element count.</exception>
    public Tensor Reshape(params ReadOnlySpan<int> shape) => Ops.Reshape(this, shape);

    /// <summary>The transpose of a 2-D tensor.</summary>
    /// <exception cref="ArgumentException">The tensor is not 2-D.</exception>
    public Tensor Transpose() => Ops.Transpose(this);
}
