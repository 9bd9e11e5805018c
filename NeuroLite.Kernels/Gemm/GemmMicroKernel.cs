namespace NeuroLite.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel: multiplies one packed MR×kc sliver of A by one packed kc×NR sliver of B
/// into an MR×NR tile of C held in registers for the whole kc loop. Implemented by small structs so the driver
/// (<see cref="GemmDriver{TKernel}"/>) is specialised per instruction set by the JIT, with MR/NR as constants.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of the register tile (height of a packed A sliver).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the register tile (width of a packed B sliver).</summary>
    static abstract int Nr { get; }

    /// <summary>Default rows of A packed per L2-resident block (a multiple of <see cref="Mr"/>).</summary>
    static abstract int Mc { get; }

    /// <summary>Default depth of a packed block (a B sliver of kc×NR should sit in L1 with room for A).</summary>
    static abstract int Kc { get; }

    /// <summary>Default columns of B packed per L3-resident block (a multiple of <see cref="Nr"/>).</summary>
    static abstract int Nc { get; }

    /// <summary>
    /// tile = Σₚ a[p·MR + r]·b[p·NR + j] over p &lt; kc, then C[r·ldc + j] = tile (or += when <paramref name="add"/>).
    /// Every element is summed in the same order (p ascending, one fused multiply-add per p where the hardware has
    /// FMA), whatever the tile's position, which is what makes any split of the output bitwise reproducible.
    /// When <paramref name="bias"/> is not null, bias[j] is added to each element after that (the result of the tile,
    /// or of the add of C, then one more add, as a separate bias add would do), while the tile is still in registers.
    /// </summary>
    static abstract void Run(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias);

    /// <summary>
    /// A partial tile (<paramref name="rows"/> ≤ MR, <paramref name="cols"/> ≤ NR, at least one short) from the same
    /// zero-padded slivers, written straight into C with exactly <see cref="Run"/>'s arithmetic for each element it
    /// writes (<paramref name="bias"/> included); false when the kernel has no such code (the driver then runs
    /// <see cref="Run"/> into a spare tile).
    /// </summary>
    static virtual bool RunEdge(int kc, double* a, double* b, double* c, nint ldc, bool add, double* bias, int rows, int cols) => false;

    /// <summary>Whether <see cref="RunDirectA"/> is implemented.</summary>
    static virtual bool HasDirectA => false;

    /// <summary>
    /// A tile of <paramref name="rows"/> ≤ MR by <paramref name="cols"/> ≤ NR with A read in place (row r, depth q at
    /// a[r·ars + q·aps]) and B a packed sliver. Each element gets exactly <see cref="Run"/>'s arithmetic, bias included.
    /// </summary>
    static virtual void RunDirectA(int kc, double* a, nint ars, nint aps, double* b, double* c, nint ldc, bool add, double* bias, int rows, int cols) =>
        throw new NotSupportedException();

    /// <summary>
    /// With <see cref="HasDirectA"/>: an op(A) of at most this many elements (rows × k) is read in place by
    /// <see cref="RunDirectA"/> whatever the width of C, because packing it would cost more than it saves. 0: only
    /// outputs at most 2·NR wide read A in place.
    /// </summary>
    static virtual long InPlaceAMaxElements => 0;

    /// <summary>Whether <see cref="RunColumn"/> is implemented.</summary>
    static virtual bool HasColumn => false;

    /// <summary>
    /// A product with one column (n = 1, matrix times vector): c[r] = Σ_q A(r, q)·b[q·ldb] over q &lt; kc for r &lt;
    /// <paramref name="rows"/> (any number), plus c[r] when <paramref name="add"/>, plus bias[0] when there is a bias;
    /// A read in place (row r, depth q at a[r·ars + q·aps]), C contiguous. Each element gets exactly <see cref="Run"/>'s
    /// arithmetic.
    /// </summary>
    static virtual void RunColumn(int kc, double* a, nint ars, nint aps, double* b, nint ldb, double* c, bool add, double* bias, int rows) =>
        throw new NotSupportedException();

    /// <summary>Whether <see cref="RunRowsDirectB"/> is implemented.</summary>
    static virtual bool HasDirectB => false;

    /// <summary>
    /// <paramref name="rows"/> &lt; MR rows by NR (or a multiple of NR, at most <paramref name="cols"/>) columns, with
    /// B read in place (not packed): kc rows, <paramref name="ldb"/> apart. Each element gets exactly <see cref="Run"/>'s
    /// arithmetic, bias included. Returns the columns done; <paramref name="cols"/> is a multiple of NR, at least NR.
    /// </summary>
    static virtual int RunRowsDirectB(int kc, double* a, double* b, nint ldb, double* c, nint ldc, bool add, double* bias, int rows, int cols) =>
        throw new NotSupportedException();
}
