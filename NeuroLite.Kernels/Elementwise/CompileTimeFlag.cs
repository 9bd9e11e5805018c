namespace NeuroLite.Kernels.Elementwise;

/// <summary>
/// A yes/no known when the JIT specialises a kernel (a struct type argument), so a per-vector test of it compiles
/// away. Read from a field instead, the optimizer kernels' "zero the gradient" test stayed in the loop as a taken
/// branch per vector, and SGD at n = 1,000 ran at the scalar reference's speed in fully optimized code.
/// </summary>
internal interface ICompileTimeFlag
{
    /// <summary>The flag's value.</summary>
    static abstract bool Value { get; }
}

/// <summary>The flag set.</summary>
internal readonly struct Yes : ICompileTimeFlag
{
    public static bool Value => true;
}

/// <summary>The flag clear.</summary>
internal readonly struct No : ICompileTimeFlag
{
    public static bool Value => false;
}
