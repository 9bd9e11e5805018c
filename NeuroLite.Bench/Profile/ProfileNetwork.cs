using System.Globalization;

namespace NeuroLite.Bench.Profile;

/// <summary>
/// A network to profile: layer widths (input first), batch, hidden activation, and whether it is a classifier
/// (softmax cross-entropy and Adam, as the benchmark networks) or a regressor (MSE and SGD).
/// </summary>
public sealed record ProfileNetwork(string Name, int[] Sizes, int Batch, Activation Activation, bool Classify)
{
    /// <summary>The three benchmark networks and two shapes none of them names.</summary>
    public static IReadOnlyList<ProfileNetwork> Known { get; } =
    [
        new("xor", [2, 4, 1], 4, Activation.Tanh, Classify: false),
        new("mlp-64", [64, 128, 64, 10], 64, Activation.Tanh, Classify: true),
        new("mlp-784", [784, 256, 256, 10], 128, Activation.Tanh, Classify: true),
        new("32-256-256-1", [32, 256, 256, 1], 128, Activation.Tanh, Classify: false),
        new("100-512-10", [100, 512, 10], 256, Activation.Relu, Classify: true),
    ];

    /// <summary>
    /// A known name (<c>mlp-64</c>), or widths joined by dashes with optional <c>:batch</c>, <c>:relu</c>,
    /// <c>:mse</c> (for example <c>48-96-3:32:relu</c>); null when the text is neither.
    /// </summary>
    public static ProfileNetwork? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var known = Known.FirstOrDefault(n => string.Equals(n.Name, text, StringComparison.OrdinalIgnoreCase));
        if (known is not null) return known;
        string[] parts = text.Split(':');
        string[] widths = parts[0].Split('-');
        if (widths.Length < 2) return null;
        var sizes = new int[widths.Length];
        for (int i = 0; i < widths.Length; i++)
            if (!int.TryParse(widths[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1 || sizes[i] > 1 << 16)
                return null;
        int batch = 64;
        var activation = Activation.Tanh;
        bool classify = sizes[^1] > 1;
        foreach (string option in parts.Skip(1))
        {
            if (int.TryParse(option, NumberStyles.None, CultureInfo.InvariantCulture, out int b) && b >= 1 && b <= 1 << 16) batch = b;
            else if (option == "relu") activation = Activation.Relu;
            else if (option == "tanh") activation = Activation.Tanh;
            else if (option == "mse") classify = false;
            else if (option == "ce") classify = true;
            else return null;
        }
        return new ProfileNetwork(text, sizes, batch, activation, classify);
    }

    /// <summary>"64-128-64-10 tanh, softmax CE + Adam, batch 64".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{string.Join('-', Sizes)} {(Activation == Activation.Relu ? "relu" : Activation == Activation.Tanh ? "tanh" : "linear")}, {(Classify ? "softmax CE + Adam" : "MSE + SGD")}, batch {Batch}");
}
