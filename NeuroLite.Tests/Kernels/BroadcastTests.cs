using NeuroLite.Kernels;
using static NeuroLite.Tests.Kernels.ReductionTestSupport;
using Ref = NeuroLite.Kernels.Reference;

namespace NeuroLite.Tests.Kernels;

public class BroadcastTests
{
    private delegate void BroadcastOp(ReadOnlySpan<double> a, ReadOnlySpan<int> aShape, ReadOnlySpan<double> b, ReadOnlySpan<int> bShape, Span<double> c);

    private static readonly (string Name, BroadcastOp Fast, BroadcastOp Reference)[] Ops =
    [
        ("Add", Broadcast.Add, Ref.Broadcast.Add),
        ("Subtract", Broadcast.Subtract, Ref.Broadcast.Subtract),
        ("Multiply", Broadcast.Multiply, Ref.Broadcast.Multiply),
        ("Divide", Broadcast.Divide, Ref.Broadcast.Divide),
    ];

    /// <summary>The fast-path kinds, as functions of the swept length n: (a shape, b shape).</summary>
    private static readonly (string Kind, Func<int, int[]> A, Func<int, int[]> B)[] FastKinds =
    [
        ("same shape", n => [n], n => [n]),
        ("same shape 2-D", n => [2, n], n => [2, n]),
        ("scalar right", n => [n], _ => []),
        ("scalar left", _ => [1], n => [n]),
        ("scalar (1,1) right", n => [3, n], _ => [1, 1]),
        ("bias (n,)", n => [3, n], n => [n]),
        ("bias (1,n)", n => [3, n], n => [1, n]),
        ("row on the left", n => [1, n], n => [3, n]),
        ("column right", n => [3, n], _ => [3, 1]),
        ("column left", _ => [3, 1], n => [3, n]),
        ("outer product", _ => [3, 1], n => [1, n]),
        ("outer product reversed", n => [n], _ => [3, 1]),
        ("rank 3 inner row", n => [2, 2, n], n => [2, 1, n]),
        ("rank 4 column", n => [2, 1, 2, n], _ => [2, 2, 1]),
    ];

    [Test]
    public void Fast_paths_equal_the_reference_on_every_size_and_offset()
    {
        var rng = new Random(1);
        Func<double> fill = Mixed(rng);
        Span<int> o = stackalloc int[4];
        for (int kindIndex = 0; kindIndex < FastKinds.Length; kindIndex++)
            foreach (int n in Sizes)
            {
                var (kind, fa, fb) = FastKinds[kindIndex];
                int[] aShape = fa(n), bShape = fb(n);
                int la = Shapes.Count(aShape), lb = Shapes.Count(bShape);
                int lc = Shapes.Count(o[..Shapes.Broadcast(aShape, bShape, o)]);
                // Every offset for the first kinds (whole-span and per-row calls); one rotating offset for the rest
                // keeps the suite quick under qemu (the planner's indexing does not depend on alignment).
                bool allOffsets = kindIndex < 7;
                for (int off = allOffsets ? 0 : (n + kindIndex) % 8; off < 8; off += allOffsets ? 1 : 8)
                {
                    double[] a = Buffer(la, off, fill), b = Buffer(lb, (off + 1) % 8, fill);
                    var c = new double[lc + 8];
                    var e = new double[lc];
                    foreach (var (name, fast, reference) in Ops)
                    {
                        c.AsSpan().Fill(12345);
                        fast(a.AsSpan(off, la), aShape, b.AsSpan((off + 1) % 8, lb), bShape, c.AsSpan((off + 2) % 8, lc));
                        reference(a.AsSpan(off, la), aShape, b.AsSpan((off + 1) % 8, lb), bShape, e);
                        AssertSame(e, c.AsSpan((off + 2) % 8, lc), $"{name} {kind} {Str(aShape)} {Str(bShape)} offset {off}");
                        AssertUntouched(c.AsSpan(0, (off + 2) % 8), 12345, "before the output");
                        AssertUntouched(c.AsSpan((off + 2) % 8 + lc), 12345, "past the output");
                    }
                }
            }
    }

    private static readonly int[][] OutShapes =
    [
        [], [1], [5], [9], [0], [2, 3], [3, 9], [4, 1], [1, 10], [0, 3], [3, 0], [2, 3, 4], [3, 1, 9], [2, 9, 3],
        [2, 0, 4], [2, 2, 3, 4], [2, 3, 1, 9], [3, 2, 9, 2], [1, 2, 1, 3], [2, 2, 2, 0],
    ];

    [Test]
    public void Every_broadcast_shape_pair_up_to_rank_4_equals_the_reference()
    {
        var rng = new Random(2);
        Func<double> fill = Mixed(rng);
        Span<int> o = stackalloc int[4];
        int pairs = 0;
        foreach (int[] outShape in OutShapes)
            foreach (var (aShape, bShape) in DerivedPairs(outShape, rng))
            {
                int la = Shapes.Count(aShape), lb = Shapes.Count(bShape);
                int lc = Shapes.Count(o[..Shapes.Broadcast(aShape, bShape, o)]);
                double[] a = Buffer(la, 0, fill), b = Buffer(lb, 0, fill);
                var c = new double[lc];
                var e = new double[lc];
                foreach (var (name, fast, reference) in Ops)
                {
                    fast(a.AsSpan(0, la), aShape, b.AsSpan(0, lb), bShape, c);
                    reference(a.AsSpan(0, la), aShape, b.AsSpan(0, lb), bShape, e);
                    AssertSame(e, c, $"{name} {Str(aShape)} with {Str(bShape)}");
                }
                pairs++;
            }
        Assert.That(pairs, Is.GreaterThan(1000));
    }

    [Test]
    public void In_place_use_equals_out_of_place()
    {
        var rng = new Random(3);
        Func<double> fill = Mixed(rng);
        foreach (int n in new[] { 1, 7, 8, 33, 129, 257, 300 })
            foreach (var (name, fast, reference) in Ops)
            {
                int[] full = [3, n], row = [n], col = [3, 1];
                double[] a = Buffer(3 * n, 0, fill)[..(3 * n)], b = Buffer(3 * n, 0, fill)[..(3 * n)];
                double[] r = Buffer(n, 0, fill)[..n], k = Buffer(3, 0, fill)[..3];
                var e = new double[3 * n];

                reference(a, full, b, full, e);
                double[] x = (double[])a.Clone();
                fast(x, full, b, full, x);
                AssertSame(e, x, $"{name} c = a");
                x = (double[])b.Clone();
                fast(a, full, x, full, x);
                AssertSame(e, x, $"{name} c = b");

                reference(a, full, a, full, e);
                x = (double[])a.Clone();
                fast(x, full, x, full, x);
                AssertSame(e, x, $"{name} c = a = b");

                reference(a, full, r, row, e);
                x = (double[])a.Clone();
                fast(x, full, r, row, x);
                AssertSame(e, x, $"{name} bias in place");

                reference(k, col, b, full, e);
                x = (double[])b.Clone();
                fast(k, col, x, full, x);
                AssertSame(e, x, $"{name} column on the left, in place on the right");

                reference(r, row, b, full, e);
                x = (double[])b.Clone();
                fast(r, row, x, full, x);
                AssertSame(e, x, $"{name} row on the left, in place on the right");
            }
    }

    [Test]
    public void Partial_overlap_is_rejected_before_anything_is_written()
    {
        foreach (var (name, fast, _) in Ops)
        {
            double[] buf = [.. Enumerable.Range(0, 40).Select(i => (double)i)];
            double[] before = (double[])buf.Clone();
            Assert.Throws<ArgumentException>(() => fast(buf.AsSpan(0, 32), [4, 8], buf.AsSpan(32, 8), [8], buf.AsSpan(1, 32)), name);
            Assert.Throws<ArgumentException>(() => fast(buf.AsSpan(0, 8), [8], buf.AsSpan(8, 32), [4, 8], buf.AsSpan(4, 32)), name);
            // An input of a smaller (broadcast) shape may not alias the output at all.
            Assert.Throws<ArgumentException>(() => fast(buf.AsSpan(0, 32), [4, 8], buf.AsSpan(0, 8), [8], buf.AsSpan(0, 32)), name);
            Assert.That(buf, Is.EqualTo(before), $"{name} wrote before rejecting");
        }
    }

    [Test]
    public void Mismatched_shapes_are_rejected_naming_them_before_anything_is_written()
    {
        foreach (var (name, fast, _) in Ops)
        {
            var c = new double[6];
            c.AsSpan().Fill(-7);
            var ex = Assert.Throws<ArgumentException>(() => fast(new double[6], [2, 3], new double[6], [3, 2], c), name);
            Assert.That(ex!.Message, Does.Contain("(2, 3)").And.Contain("(3, 2)"));
            ex = Assert.Throws<ArgumentException>(() => fast(new double[6], [2, 3], new double[2], [2], c), name);
            Assert.That(ex!.Message, Does.Contain("(2, 3)").And.Contain("(2,)"));
            // Output of the wrong size: the message names the operand shapes and the broadcast shape.
            ex = Assert.Throws<ArgumentException>(() => fast(new double[6], [2, 3], new double[3], [3], c.AsSpan(0, 5)), name);
            Assert.That(ex!.Message, Does.Contain("(2, 3)").And.Contain("(3,)"));
            // A data span that does not match its shape, and a rank above 4.
            Assert.Throws<ArgumentException>(() => fast(new double[5], [2, 3], new double[3], [3], c), name);
            Assert.Throws<ArgumentException>(() => fast(new double[1], [1, 1, 1, 1, 1], new double[6], [2, 3], c), name);
            Assert.That(c, Is.All.EqualTo(-7), $"{name} wrote before rejecting");
        }
    }
}
