using NeuroLite.Bench.Training;

namespace NeuroLite.Tests.Bench;

public class DigitsDataTests
{
    [Test]
    public void SplitMix64_matches_the_published_algorithm_as_the_python_peer_computes_it()
    {
        // peers/torch_train.py's SplitMix64(42) gives these; the two must agree for both to train on the same split.
        var rng = new SplitMix64(42);
        Assert.That(rng.Next(), Is.EqualTo(13679457532755275413UL));
        Assert.That(rng.Next(), Is.EqualTo(2949826092126892291UL));
        Assert.That(rng.Next(), Is.EqualTo(5139283748462763858UL));
    }

    [Test]
    public void Shuffle_is_a_seeded_permutation()
    {
        var order = Enumerable.Range(0, 1797).ToArray();
        new SplitMix64(42).Shuffle(order);
        Assert.That(order[..5], Is.EqualTo(new[] { 1324, 623, 1117, 298, 793 }));
        Assert.That(order[^3..], Is.EqualTo(new[] { 578, 1287, 1705 }));
        Assert.That(order.Order(), Is.EqualTo(Enumerable.Range(0, 1797)));
    }

    [Test]
    public void The_shipped_file_splits_80_20_into_the_rows_the_peer_uses()
    {
        var data = DigitsData.Load(DigitsData.DefaultPath);
        Assert.That(data.TrainCount, Is.EqualTo(1437));
        Assert.That(data.TestCount, Is.EqualTo(360));
        Assert.That(data.TrainX, Has.Length.EqualTo(1437 * 64));
        Assert.That(data.TestX, Has.Length.EqualTo(360 * 64));
        Assert.That(data.TrainY[0], Is.EqualTo(9), "file row 1324");
        Assert.That(data.TestY[0], Is.EqualTo(5), "the first test row (shuffled position 1437)");
        Assert.That(data.TrainX.Concat(data.TestX).Max(), Is.EqualTo(1.0), "pixels 0..16 are scaled by 1/16");
        Assert.That(data.TrainX.Concat(data.TestX).Min(), Is.Zero);
        Assert.That(data.TestY.Distinct().Count(), Is.EqualTo(10), "every digit is in the test set");
    }

    [Test]
    public void A_malformed_file_is_rejected_with_its_line_number()
    {
        string path = Path.Combine(Path.GetTempPath(), $"neurolite-digits-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, string.Join(',', Enumerable.Repeat("0", 65)) + "\n1,2,3\n");
            Assert.That(() => DigitsData.Load(path), Throws.TypeOf<FormatException>().With.Message.Contains(":2:"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
