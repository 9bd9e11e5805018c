using NeuroLite.Kernels;

namespace NeuroLite;

/// <summary>The kind of a tape record: what the graph drawing and error messages name (the backward sweep calls <see cref="Node.Rule"/>).</summary>
internal enum OpKind : byte
{
    Leaf,
    Add,
    Sub,
    Mul,
    Div,
    AddScalar,
    MulScalar,
    DivScalar,
    RSubScalar,
    RDivScalar,
    Neg,
    MatMul,
    Linear,
    Tanh,
    Relu,
    Exp,
    Log,
    Pow,
    SumAll,
    SumAxis,
    MeanAll,
    MeanAxis,
    Reshape,
    Transpose,
    Mse,
    SoftmaxCe,
}

/// <summary>
/// One record of the Wengert list. Values and gradients of a node share one offset into two parallel arena slabs,
/// so a node needs no separate gradient allocation. A leaf whose value lives outside the arena (a parameter, or a
/// caller's array for <see cref="Tape.InputView"/>) holds that array in <see cref="Data"/>; a parameter's gradient
/// lives in its storage (<see cref="Ext"/>), a view's in the arena, reserved only if something asks for it.
/// </summary>
internal unsafe struct Node
{
    /// <summary>
    /// The op's backward rule, set by the op when it appends the node (null for leaves): the sweep calls it and knows
    /// nothing else about the op.
    /// </summary>
    public delegate*<Tape, int, ref Node, void> Rule;

    public Dims Shape;
    /// <summary>Arena offset (from each slab's aligned start, a multiple of 8) of the value and gradient; -1 for none yet.</summary>
    public int Offset;
    public int Length;
    /// <summary>The first input's node, or -1.</summary>
    public int A;
    /// <summary>The second input's node, or -1.</summary>
    public int B;
    /// <summary>The third input's node (a fused layer's bias), or -1. The backward sweep marks A, B and C alike.</summary>
    public int C;
    /// <summary>Arena offset of the op's saved scratch (MSE's difference, softmax's probabilities and row losses).</summary>
    public int Saved;
    /// <summary>Offset into the int side-arena of the op's saved integers (softmax cross-entropy's class targets).</summary>
    public int SavedInts;
    /// <summary>The axis an axis reduction runs over.</summary>
    public int Axis;
    /// <summary>The op's scalar operand: Pow's exponent, or the scalar of an op with a scalar.</summary>
    public double Constant;
    /// <summary>A fused layer's activation.</summary>
    public Activation Activation;
    /// <summary>The Backward() stamp that last reached this node (reachability mark).</summary>
    public int Visit;
    /// <summary>Whether the gradient region holds this node's gradient or is logically zero (see <see cref="Tape.Grad"/>).</summary>
    public LazyGradient Gradient;
    public OpKind Op;
    public byte Rank;
    public bool NeedsGrad;
    public bool KeepDims;
    /// <summary>Index in <see cref="Data"/> of the value's first element.</summary>
    public int DataStart;
    public string? Label;
    /// <summary>The array holding the value when it is not in the arena (a parameter's buffer, a view's array), else null.</summary>
    public double[]? Data;
    /// <summary>A parameter leaf's storage (its gradient), else null.</summary>
    public ParameterStorage? Ext;
}
