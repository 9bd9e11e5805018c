namespace NeuroLite.Tests.Engine;

/// <summary>One misuse of the API: its listing, what it does, and the exception type the documentation promises.</summary>
/// <param name="Listing">The call as code.</param>
/// <param name="Act">The call; everything it needs was made before (so the tape's snapshot is taken after that).</param>
/// <param name="Expected">The documented exception type.</param>
/// <param name="ExactType">Whether the type must be exactly <paramref name="Expected"/> (false: a subclass is accepted, where the docs promise only the family).</param>
internal sealed record Misuse(string Listing, Action Act, Type Expected, bool ExactType = true);

/// <summary>Random misuses of the public API against the values of a valid program.</summary>
internal static class FuzzMisuse
{
    private const int Cases = 26;

    /// <summary>
    /// A misuse chosen by <paramref name="rng"/> among the values <paramref name="v"/> (on <paramref name="tape"/>);
    /// anything it needs (an input of the wrong shape, a tensor of another tape) is made now, before the caller's snapshot.
    /// </summary>
    public static Misuse Make(Random rng, Tensor[] v, Tape tape, Tape other)
    {
        while (true)
        {
            Tensor a = v[rng.Next(v.Length)];
            int[] sa = a.Shape.ToArray();
            string an = $"v{Array.IndexOf(v, a)}";
            switch (rng.Next(Cases))
            {
                case 0:
                {
                    // Non-broadcastable pair: one aligned axis of size d (≠ 1) against d' ∉ {1, d}, including 0 vs 2.
                    int axis = Array.FindLastIndex(sa, d => d != 1);
                    if (axis < 0) continue;
                    int[] sb = (int[])sa.Clone();
                    sb[axis] = sa[axis] == 0 ? 2 : sa[axis] + 1;
                    if (rng.Next(2) == 0 && axis > 0) sb = sb[rng.Next(axis)..];
                    Tensor b = tape.Input(new double[FuzzGenerator.Count(sb)], sb);
                    int op = rng.Next(4);
                    bool swap = rng.Next(2) == 0;
                    (Tensor x, Tensor y) = swap ? (b, a) : (a, b);
                    string xs = swap ? $"input{FuzzStep.Fmt(sb)}" : an, ys = swap ? an : $"input{FuzzStep.Fmt(sb)}";
                    return new Misuse($"{xs} {"+-*/"[op]} {ys}", () => _ = op switch { 0 => x + y, 1 => x - y, 2 => x * y, _ => x / y }, typeof(ArgumentException));
                }

                case 1:
                {
                    if (sa.Length == 2) continue;
                    Tensor b = tape.Input(new double[4], [2, 2]);
                    return new Misuse($"{an}.MatMul(input(2, 2))  // {an} is {FuzzStep.Fmt(sa)}", () => a.MatMul(b), typeof(ArgumentException));
                }

                case 2:
                {
                    if (sa.Length != 2) continue;
                    int[] sb = [sa[1] + 1 + rng.Next(2), rng.Next(3)];
                    Tensor b = tape.Input(new double[FuzzGenerator.Count(sb)], sb);
                    return new Misuse($"{an}.MatMul(input{FuzzStep.Fmt(sb)})  // inner sizes differ", () => Tensor.MatMul(a, b), typeof(ArgumentException));
                }

                case 3:
                    if (sa.Length == 2) continue;
                    return new Misuse($"{an}.Transpose()  // {FuzzStep.Fmt(sa)}", () => a.Transpose(), typeof(ArgumentException));
                case 4:
                {
                    int[] bad = [a.Length + 1 + rng.Next(3)];
                    return new Misuse($"{an}.Reshape({bad[0]})  // {a.Length} elements", () => a.Reshape(bad), typeof(ArgumentException));
                }

                case 5:
                    return new Misuse($"{an}.Reshape(-1, -1)", () => a.Reshape(-1, -1), typeof(ArgumentException));
                case 6:
                    return new Misuse($"{an}.Reshape(1, 1, 1, 1, {a.Length})  // rank 5", () => a.Reshape(1, 1, 1, 1, a.Length), typeof(ArgumentException));
                case 7:
                {
                    int axis = rng.Next(2) == 0 ? sa.Length : -sa.Length - 1;
                    bool mean = rng.Next(2) == 0;
                    return new Misuse($"{an}.{(mean ? "Mean" : "Sum")}({axis})  // rank {sa.Length}", () => _ = mean ? a.Mean(axis) : a.Sum(axis, keepDims: true), typeof(ArgumentOutOfRangeException));
                }

                case 8:
                {
                    // Log of a tensor holding a non-positive element (made here when a has none).
                    Tensor x = a;
                    string xs = an;
                    bool hasNonPositive = false;
                    foreach (double d in a.Data) hasNonPositive |= d <= 0;
                    if (!hasNonPositive)
                    {
                        int[] s = sa.Length == 0 || a.Length == 0 ? [3] : sa;
                        var values = new double[FuzzGenerator.Count(s)];
                        Array.Fill(values, 1.0);
                        values[rng.Next(values.Length)] = rng.Next(3) switch { 0 => 0.0, 1 => -0.0, _ => -1.5 };
                        x = tape.Input(values, s);
                        xs = $"input{FuzzStep.Fmt(s)} with a non-positive element";
                    }

                    return new Misuse($"{xs}.Log()", () => x.Log(), typeof(ArgumentException));
                }

                case 9:
                {
                    int[] sb = [.. sa, 2];
                    if (sb.Length > 4) continue;
                    Tensor b = tape.Input(new double[FuzzGenerator.Count(sb)], sb);
                    return new Misuse($"Loss.Mse({an}, input{FuzzStep.Fmt(sb)})", () => Loss.Mse(a, b), typeof(ArgumentException));
                }

                case 10:
                    if (sa.Length == 2) continue;
                    return new Misuse($"Loss.SoftmaxCrossEntropy({an}, [0])  // {FuzzStep.Fmt(sa)}", () => Loss.SoftmaxCrossEntropy(a, [0]), typeof(ArgumentException));
                case 11:
                {
                    if (sa.Length != 2) continue;
                    var targets = new int[sa[0] + 1];
                    return new Misuse($"Loss.SoftmaxCrossEntropy({an}, {targets.Length} targets)  // {sa[0]} rows", () => Loss.SoftmaxCrossEntropy(a, targets), typeof(ArgumentException));
                }

                case 12:
                {
                    if (sa.Length != 2 || sa[0] == 0) continue;
                    var targets = new int[sa[0]];
                    targets[rng.Next(targets.Length)] = rng.Next(2) == 0 ? sa[1] : -1;
                    return new Misuse($"Loss.SoftmaxCrossEntropy({an}, [{string.Join(", ", targets)}])  // {sa[1]} classes", () => Loss.SoftmaxCrossEntropy(a, targets), typeof(ArgumentOutOfRangeException));
                }

                case 13:
                    if (a.Length == 1) continue;
                    return new Misuse($"{an}.Backward()  // {a.Length} elements", () => a.Backward(), typeof(InvalidOperationException));
                case 14:
                {
                    var seed = new double[a.Length + 1 + rng.Next(2)];
                    return new Misuse($"{an}.Backward(seed of {seed.Length})  // {a.Length} elements", () => a.Backward(seed), typeof(ArgumentException));
                }

                case 15:
                {
                    if (a.IsParameter) continue;
                    Tensor b = other.Input(new double[a.Length], sa);
                    return new Misuse($"{an} + otherTape.Input{FuzzStep.Fmt(sa)}  // two tapes", () => _ = a + b, typeof(ArgumentException));
                }

                case 16:
                {
                    Tensor b = other.Input(new double[a.Length], sa);
                    other.Reset();
                    return new Misuse($"{an} * staleTensor  // its tape was reset", () => _ = rng.Next(2) == 0 ? a * b : b.Tanh(), typeof(InvalidOperationException));
                }

                case 17:
                    if (a.Length == 1) continue;
                    return new Misuse($"{an}.Item  // {a.Length} elements", () => _ = a.Item, typeof(InvalidOperationException));
                case 18:
                {
                    int[] index = rng.Next(2) == 0 ? [.. sa, 0] : sa.Length == 0 ? [0] : (int[])sa.Clone();
                    return new Misuse($"{an}.At({string.Join(", ", index)})  // shape {FuzzStep.Fmt(sa)}", () => _ = a.At(index), typeof(ArgumentException));
                }

                case 19:
                {
                    if (sa.Length != 2) continue;
                    var layer = new Layer(sa[1] + 1, 2, Activation.Tanh, seed: 1);
                    return new Misuse($"new Layer({sa[1] + 1}, 2).Forward({an})  // {FuzzStep.Fmt(sa)}", () => layer.Forward(a), typeof(ArgumentException));
                }

                case 20:
                {
                    bool rank5 = rng.Next(2) == 0;
                    int[] shape = rank5 ? [1, 1, 1, 1, 2] : [2, 3];
                    return new Misuse($"tape.Input(5 values, {FuzzStep.Fmt(shape)})", () => tape.Input(new double[5], shape), typeof(ArgumentException));
                }

                case 21:
                    return new Misuse($"{an}.CopyFrom({a.Length + 1} values)", () => a.CopyFrom(new double[a.Length + 1]), typeof(ArgumentException));
                case 22:
                    return new Misuse($"default(Tensor) + {an}", () => _ = rng.Next(2) == 0 ? default(Tensor) + a : a * default(Tensor), typeof(InvalidOperationException));

                // Sizes past the limit and undefined enum values: ArgumentException's family (the exact type names the cause).
                case 23:
                {
                    Tensor big = tape.Input(new double[65536], [65536, 1]);
                    Tensor row = tape.Input(new double[65535], [1, 65535]);
                    return new Misuse("input(65536, 1).MatMul(input(1, 65535))  // 2^32 - 65536 elements: past the size limit", () => big.MatMul(row), typeof(ArgumentException), ExactType: false);
                }

                case 24:
                    return new Misuse("tape.Full([2097152, 2097152, 2097152], 0)  // the element count wraps a long", () => tape.Full([2097152, 2097152, 2097152], 0), typeof(ArgumentException), ExactType: false);
                case 25:
                    return new Misuse("new Layer(2, 2, (Activation)42)  // undefined enum value", () => _ = new Layer(2, 2, (Activation)42), typeof(ArgumentException), ExactType: false);
                default:
                    continue;
            }
        }
    }
}
