namespace NeuroLite.Tests.Engine;

/// <summary>
/// A tape's counters and the bits of the values and gradients of the tensors a test holds: taken before a call that
/// must be rejected and compared after it, so "a rejected call leaves everything as it was" is checked to the bit.
/// </summary>
internal sealed class TapeSnapshot
{
    private readonly Tape _tape;
    private readonly Tensor[] _tensors;
    private readonly (int Nodes, int Arena, int Capacity, int Generation, int Ints) _counters;
    private readonly long[][] _values;
    private readonly long[][] _grads;

    public TapeSnapshot(Tape tape, params Tensor[] tensors)
    {
        _tape = tape;
        _tensors = tensors;
        _counters = Counters(tape);
        _values = tensors.Select(t => Bits(t.Data)).ToArray();
        // Reading a gradient may write its zeros (lazy zeroing), so every gradient is read once here, before the call.
        _grads = tensors.Select(t => Bits(t.Grad)).ToArray();
    }

    private static (int, int, int, int, int) Counters(Tape t) => (t.NodeCount, t.ArenaUsed, t.ArenaCapacity, t.Generation, t.IntsUsed);

    /// <summary>Asserts the tape's counters and every held tensor's bits are as they were.</summary>
    public void AssertUnchanged(string what)
    {
        Assert.That(Counters(_tape), Is.EqualTo(_counters), $"{what}: the tape's (nodes, arena used, capacity, generation, ints) changed");
        for (int k = 0; k < _tensors.Length; k++)
        {
            Assert.That(Bits(_tensors[k].Data), Is.EqualTo(_values[k]), $"{what}: tensor {k}'s values changed");
            Assert.That(Bits(_tensors[k].Grad), Is.EqualTo(_grads[k]), $"{what}: tensor {k}'s gradient changed");
        }
    }
}
