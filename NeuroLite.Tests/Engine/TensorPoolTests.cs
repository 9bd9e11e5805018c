using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// <see cref="TensorPool"/>: aligned, non-overlapping buffers; returned buffers are handed out again (to the next tape,
/// the next parameter); the bounds hold; concurrent rent and return lose nothing and never retain a buffer twice.
/// </summary>
[NonParallelizable] // the pool is process-wide: these tests count what it holds
public class TensorPoolTests
{
    private long _maxBytes;
    private int _maxBuffers;

    [SetUp]
    public void SetUp()
    {
        _maxBytes = TensorPool.MaxRetainedBytes;
        _maxBuffers = TensorPool.MaxRetainedBuffers;
        TensorPool.Trim();
    }

    [TearDown]
    public void TearDown()
    {
        TensorPool.MaxRetainedBytes = _maxBytes;
        TensorPool.MaxRetainedBuffers = _maxBuffers;
        TensorPool.Trim();
    }

    private static unsafe nint Address(ReadOnlySpan<double> span) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    private static bool IsAligned(ReadOnlySpan<double> span) => Address(span) % AlignedBuffer.Alignment == 0;

    /// <summary>
    /// Rents every buffer the pool holds back out (smallest first) and checks the books: each rent is served from the
    /// pool, the arrays are distinct (a double return would hand one array to two tenants) and their sizes add up to
    /// <see cref="TensorPool.RetainedBytes"/>. Returns the arrays; the pool is empty afterwards.
    /// </summary>
    private static List<double[]> Drain()
    {
        int count = TensorPool.RetainedBuffers;
        long bytes = TensorPool.RetainedBytes, misses = TensorPool.Misses;
        var arrays = new List<double[]>();
        for (int k = 0; k < count; k++) arrays.Add(TensorPool.Rent(1, zeroed: false, anyLarger: true).Array);
        Assert.That(TensorPool.Misses, Is.EqualTo(misses), "every retained buffer was rented back out");
        Assert.That(TensorPool.RetainedBuffers, Is.Zero);
        Assert.That(arrays.Distinct(ReferenceEqualityComparer.Instance).Count(), Is.EqualTo(count), "no array is held twice");
        Assert.That(arrays.Sum(a => (long)a.Length * sizeof(double)), Is.EqualTo(bytes), "the retained bytes add up");
        return arrays;
    }

    [Test]
    public void Rented_buffers_are_aligned_exact_and_do_not_overlap()
    {
        // Twice: first from an empty pool (fresh arrays), then the same sizes again from what the first round returned.
        for (int round = 0; round < 2; round++)
        {
            var held = new List<AlignedBuffer>();
            int[] sizes = [1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 1000, 4095, 4096, 4097];
            foreach (int n in sizes)
            {
                AlignedBuffer b = TensorPool.Rent(n, zeroed: round == 1);
                Assert.That(b.Length, Is.EqualTo(n));
                Assert.That(IsAligned(b.Span), Is.True, $"{n} doubles, round {round}");
                if (round == 1) Assert.That(b.Span.ContainsAnyExcept(0.0), Is.False, "a zeroed rent is zero even if its last tenant was not");
                held.Add(b);
            }
            for (int k = 0; k < held.Count; k++) held[k].Span.Fill(k + 1);
            for (int k = 0; k < held.Count; k++)
            {
                Assert.That(held[k].Span.ContainsAnyExcept(k + 1), Is.False, $"buffer {k} was overwritten by another");
                nint a0 = Address(held[k].Span), a1 = a0 + held[k].Length * sizeof(double);
                for (int j = 0; j < held.Count; j++)
                {
                    if (j == k) continue;
                    nint b0 = Address(held[j].Span), b1 = b0 + held[j].Length * sizeof(double);
                    Assert.That(a1 <= b0 || b1 <= a0, Is.True, $"buffers {k} and {j} overlap");
                }
            }
            foreach (AlignedBuffer b in held) TensorPool.Return(b);
        }
    }

    [Test]
    public void A_returned_buffer_is_rented_again_but_not_for_a_much_smaller_exact_request()
    {
        AlignedBuffer a = TensorPool.Rent(1000, zeroed: false);
        TensorPool.Return(a);
        Assert.That(TensorPool.RetainedBuffers, Is.EqualTo(1));
        long hits = TensorPool.Hits;

        AlignedBuffer small = TensorPool.Rent(100, zeroed: false);
        Assert.That(small.Array, Is.Not.SameAs(a.Array), "a parameter of 100 must not pin down 1000");
        AlignedBuffer b = TensorPool.Rent(1000, zeroed: false);
        Assert.That(b.Array, Is.SameAs(a.Array));
        Assert.That(b.Start, Is.EqualTo(a.Start));
        Assert.That(TensorPool.Hits, Is.EqualTo(hits + 1));
        TensorPool.Return(b);

        AlignedBuffer arena = TensorPool.Rent(100, zeroed: false, anyLarger: true);
        Assert.That(arena.Array, Is.SameAs(a.Array), "an arena takes any larger buffer");
        Assert.That(arena.Length, Is.EqualTo(arena.Capacity), "and uses all of it");
        Assert.That(TensorPool.RetainedBuffers, Is.Zero);
    }

    [Test]
    public void Phased_buffers_start_aligned_at_their_phase_and_go_back_whole(
        [Values(0, 64, 1024, 2048, 3072, 4032)] int phase, [Values(1, 7, 8, 9, 1000)] int length)
    {
        AlignedBuffer b = TensorPool.RentPhased(length, phase, zeroed: true);
        Assert.That((int)(Address(b.Span) % 4096), Is.EqualTo(phase));
        Assert.That(b.Span.Length, Is.EqualTo(length));
        Assert.That(b.Span.ContainsAnyExcept(0.0), Is.False);
        Assert.That(b.Capacity, Is.GreaterThanOrEqualTo(length));
        TensorPool.Return(b);
        AlignedBuffer again = TensorPool.Rent(length + 4096 / sizeof(double) - AlignedBuffer.Doubles, zeroed: false);
        Assert.That(again.Array, Is.SameAs(b.Array), "filed under its whole capacity, from its first aligned element");
        Assert.That(IsAligned(again.Span), Is.True, "the next tenant's start");
    }

    [Test]
    public void The_bounds_hold_and_trim_empties_the_pool()
    {
        TensorPool.MaxRetainedBuffers = 2;
        AlignedBuffer[] b = [TensorPool.Rent(64, false), TensorPool.Rent(64, false), TensorPool.Rent(64, false)];
        foreach (AlignedBuffer x in b) TensorPool.Return(x);
        Assert.That(TensorPool.RetainedBuffers, Is.EqualTo(2));
        foreach (double[] a in Drain()) TensorPool.Return(new AlignedBuffer(a, AlignedBuffer.StartOf(a), 1));

        TensorPool.MaxRetainedBuffers = 100;
        TensorPool.MaxRetainedBytes = 10_000;
        Assert.That(TensorPool.RetainedBytes, Is.LessThanOrEqualTo(10_000), "lowering the bound trims at once");
        AlignedBuffer big = TensorPool.Rent(2000, false); // 16 kB: over the byte bound
        long before = TensorPool.RetainedBytes;
        TensorPool.Return(big);
        Assert.That(TensorPool.RetainedBytes, Is.EqualTo(before), "a buffer beyond the byte bound is left to the GC");
        Assert.That(Drain(), Does.Not.Contain(big.Array));

        TensorPool.Trim();
        Assert.That((TensorPool.RetainedBuffers, TensorPool.RetainedBytes), Is.EqualTo((0, 0L)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorPool.MaxRetainedBytes = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorPool.MaxRetainedBuffers = -1);
    }

    [Test]
    public void Concurrent_rent_and_return_lose_nothing()
    {
        TensorPool.MaxRetainedBuffers = 10_000;
        TensorPool.MaxRetainedBytes = 1L << 30;
        long misses0 = TensorPool.Misses, hits0 = TensorPool.Hits;
        const int Threads = 4, Rounds = 3000;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                var rng = new Random(id);
                var held = new Queue<(AlignedBuffer Buffer, double Stamp)>();
                for (int r = 0; r < Rounds; r++)
                {
                    int n = 1 + rng.Next(3000);
                    AlignedBuffer b = TensorPool.Rent(n, zeroed: false, anyLarger: rng.Next(2) == 0);
                    if (!IsAligned(b.Span)) failures.Enqueue($"thread {id}: unaligned buffer");
                    double stamp = id * 1e6 + r;
                    b.Span.Fill(stamp);
                    held.Enqueue((b, stamp));
                    // Hold up to 3 at once, so tenants of the same array at the same time would show as overwrites.
                    if (held.Count > 3 || r == Rounds - 1)
                    {
                        while (held.Count > (r == Rounds - 1 ? 0 : 2))
                        {
                            (AlignedBuffer old, double s) = held.Dequeue();
                            if (old.Span.ContainsAnyExcept(s)) failures.Enqueue($"thread {id}: a held buffer was written by another tenant");
                            TensorPool.Return(old);
                        }
                    }
                }
            });
        }
        foreach (Thread th in threads) th.Start();
        foreach (Thread th in threads) th.Join();

        Assert.That(failures, Is.Empty);
        long allocated = TensorPool.Misses - misses0;
        Assert.That(TensorPool.Hits - hits0 + allocated, Is.EqualTo((long)Threads * Rounds), "every rent was served once");
        Assert.That(TensorPool.RetainedBuffers, Is.EqualTo(allocated), "every array ever allocated came back, and only once");
        Drain();
    }

    [Test]
    public void A_disposed_tapes_arena_is_the_next_tapes_arena()
    {
        nint value, grad;
        int capacity;
        using (var tape = new Tape())
        {
            Tensor v = tape.Variable([1.0, 2.0], [2]);
            value = Address(v.Data);
            grad = Address(v.Grad);
            capacity = tape.ArenaCapacity;
        }
        Assert.That(TensorPool.RetainedBuffers, Is.EqualTo(2), "the value and gradient slabs");
        using var next = new Tape();
        Tensor x = next.Variable([3.0, 4.0], [2]);
        // Both slabs have the same capacity, so either may come back as the value slab.
        Assert.That(new[] { value, grad }, Does.Contain(Address(x.Data)));
        Assert.That(new[] { value, grad }, Does.Contain(Address(x.Grad)));
        Assert.That(Address(x.Data), Is.Not.EqualTo(Address(x.Grad)));
        Assert.That(next.ArenaCapacity, Is.EqualTo(capacity));
        Assert.That(TensorPool.RetainedBuffers, Is.Zero, "both slabs were rented again");
        Assert.That(x.Data.ToArray(), Is.EqualTo(new[] { 3.0, 4.0 }));
    }

    [Test]
    public void A_grown_arena_comes_back_whole_so_the_next_tape_does_not_grow_again()
    {
        int grown;
        using (var tape = new Tape(64))
        {
            for (int i = 0; i < 100; i++) tape.Input(new double[100], [100]);
            grown = tape.ArenaCapacity;
            Assert.That(grown, Is.GreaterThan(10_000));
        }
        using var next = new Tape(64);
        Assert.That(next.ArenaCapacity, Is.GreaterThanOrEqualTo(grown));
    }

    [Test]
    public void A_disposed_layer_and_optimizer_give_their_buffers_back()
    {
        var layer = new Layer(3, 5, seed: 1);
        var adam = new Adam(layer.Parameters());
        var sgd = new Sgd(layer.Parameters(), lr: 0.1, momentum: 0.9);
        Assert.That(TensorPool.RetainedBuffers, Is.Zero);
        adam.Dispose();
        sgd.Dispose();
        Assert.That(TensorPool.RetainedBuffers, Is.EqualTo(3), "a slab of each moment and one of velocity, for both parameters");
        layer.Dispose();
        layer.Dispose();
        Assert.That(TensorPool.RetainedBuffers, Is.EqualTo(5), "and the value and gradient slabs, once");

        var again = new Layer(3, 5, seed: 1);
        Assert.That(TensorPool.RetainedBuffers, Is.EqualTo(3), "the new layer's two slabs came from the pool");
        Assert.That(again.W.Grad.ContainsAnyExcept(0.0), Is.False, "a pooled gradient starts at zero");
        again.Dispose();
    }

    [Test]
    public void An_mlp_shares_one_pair_of_slabs_which_goes_back_with_its_last_layer()
    {
        var model = new MLP(4, [6, 5], 3, seed: 2);
        double[][] values = [.. model.Parameters().Select(p => p.ToArray())];
        model.Layers[1].Dispose();
        Assert.That(TensorPool.RetainedBuffers, Is.Zero, "the other layers still use the slabs");
        Assert.Throws<ObjectDisposedException>(() => _ = model.Layers[1].W.Data.Length);
        for (int k = 0; k < 2; k++)
            Assert.That(model.Layers[0].Parameters()[k].ToArray(), Is.EqualTo(values[k]), "a live layer's numbers are untouched");
        model.Dispose();
        model.Dispose();
        Assert.That(TensorPool.RetainedBuffers, Is.EqualTo(2), "one value slab and one gradient slab, returned once");
        foreach (double[] a in Drain()) TensorPool.Return(new AlignedBuffer(a, AlignedBuffer.StartOf(a), 1));

        var again = new MLP(4, [6, 5], 3, seed: 2);
        Assert.That(TensorPool.RetainedBuffers, Is.Zero, "both slabs were rented again");
        for (int k = 0; k < values.Length; k++)
        {
            Assert.That(again.Parameters()[k].ToArray(), Is.EqualTo(values[k]), $"parameter {k}: the same seed gives the same values");
            Assert.That(again.Parameters()[k].GradToArray(), Is.All.EqualTo(0.0), $"parameter {k}: a pooled gradient starts at zero");
        }
        again.Dispose();
    }
}
