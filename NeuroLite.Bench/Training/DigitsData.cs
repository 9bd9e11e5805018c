using System.Globalization;

namespace NeuroLite.Bench.Training;

/// <summary>
/// The digits data set (<c>Data/digits.csv</c>, UCI optdigits, CC BY 4.0; see <c>Data/README.md</c>): 8×8 images
/// scaled to [0, 1], split 80/20 by a seeded shuffle.
/// </summary>
public sealed class DigitsData
{
    /// <summary>Pixels per image.</summary>
    public const int Features = 64;

    /// <summary>Digit classes.</summary>
    public const int Classes = 10;

    /// <summary>The seed of the default split.</summary>
    public const ulong SplitSeed = 42;

    private DigitsData(double[] trainX, int[] trainY, double[] testX, int[] testY)
    {
        TrainX = trainX;
        TrainY = trainY;
        TestX = testX;
        TestY = testY;
    }

    /// <summary>Where the bench looks for the file: <c>Data/digits.csv</c> beside the program.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv");

    /// <summary>Training images, row-major (TrainCount × 64).</summary>
    public double[] TrainX { get; }

    /// <summary>Training labels.</summary>
    public int[] TrainY { get; }

    /// <summary>Test images, row-major (TestCount × 64).</summary>
    public double[] TestX { get; }

    /// <summary>Test labels.</summary>
    public int[] TestY { get; }

    /// <summary>Number of training rows.</summary>
    public int TrainCount => TrainY.Length;

    /// <summary>Number of test rows.</summary>
    public int TestCount => TestY.Length;

    /// <summary>
    /// Reads <paramref name="path"/> (64 integers 0..16 and a label per line), scales pixels by 1/16, shuffles the row
    /// indices with <see cref="SplitMix64"/>(<paramref name="seed"/>) and takes the first ⌊0.8·n⌋ for training.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="FormatException">A line is not 65 numbers with a label in 0..9.</exception>
    public static DigitsData Load(string path, ulong seed = SplitSeed)
    {
        var rows = new List<(double[] X, int Y)>();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            string[] parts = line.Split(',');
            if (parts.Length != Features + 1) throw new FormatException($"{path}:{lineNo}: expected {Features + 1} comma-separated numbers, got {parts.Length}.");
            var x = new double[Features];
            for (int j = 0; j < Features; j++) x[j] = double.Parse(parts[j], NumberStyles.Float, CultureInfo.InvariantCulture) / 16.0;
            int y = (int)double.Parse(parts[Features], NumberStyles.Float, CultureInfo.InvariantCulture);
            if (y is < 0 or >= Classes) throw new FormatException($"{path}:{lineNo}: label {y} is not a digit.");
            rows.Add((x, y));
        }

        int n = rows.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        new SplitMix64(seed).Shuffle(order);
        int nTrain = n * 4 / 5;
        return new DigitsData(Gather(rows, order.AsSpan(0, nTrain), out int[] trainY), trainY, Gather(rows, order.AsSpan(nTrain), out int[] testY), testY);
    }

    private static double[] Gather(List<(double[] X, int Y)> rows, ReadOnlySpan<int> which, out int[] labels)
    {
        var x = new double[which.Length * Features];
        labels = new int[which.Length];
        for (int i = 0; i < which.Length; i++)
        {
            rows[which[i]].X.CopyTo(x, i * Features);
            labels[i] = rows[which[i]].Y;
        }

        return x;
    }
}
