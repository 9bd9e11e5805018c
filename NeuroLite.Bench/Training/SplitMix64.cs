namespace NeuroLite.Bench.Training;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded generator that is easy to reproduce bit for bit in another
/// language, so <c>peers/torch_train.py</c> shuffles exactly as this program does.
/// </summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Fisher-Yates from the last element down: swaps i with Next() mod (i + 1).</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)(Next() % (ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
