using System.Buffers.Binary;
using System.Text;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// Safetensors save and load: bitwise round trips of MLP, Layer and plain named tensors (file and stream), the
/// nn.Sequential naming, atomic saving, a hand-written F32 file, and every malformed-file case rejected with a message
/// naming the file and the tensor while the model stays exactly as it was.
/// </summary>
public class SafetensorsTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), "neurolite-st-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string FilePath(string name) => Path.Combine(_dir, name);

    private static long[] Bits(MLP m) => m.Parameters().SelectMany(p => p.ToArray()).Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static long[] Bits(Layer l) => l.Parameters().SelectMany(p => p.ToArray()).Select(BitConverter.DoubleToInt64Bits).ToArray();

    // The overloads above hide the shared helper by name.
    private static long[] Bits(double[] v) => TestBits.Bits(v);

    private static readonly double[] Batch = [0.5, -1.25, 3.0, 0.0, -0.0, 2.0, 1e-3, -7.5, 0.25, 0.75, -2.0, 1.5];

    private static double[] Forward(MLP m, int inFeatures)
    {
        using var tape = new Tape();
        return m.Forward(tape.Input(Batch.AsSpan(0, 4 * inFeatures), [4, inFeatures])).ToArray();
    }

    [Test]
    public void Mlp_round_trips_bitwise_through_a_file_and_rebuilds_itself()
    {
        var model = new MLP(3, [5, 4], 2, Activation.Tanh, seed: 7);
        // Non-zero biases, so the bias path is really compared.
        foreach (Layer l in model.Layers) l.B.CopyFrom(Enumerable.Range(0, l.OutFeatures).Select(k => 0.1 * k - 0.2).ToArray());
        string path = FilePath("mlp.safetensors");
        model.Save(path);

        MLP loaded = MLP.Load(path);
        Assert.That(loaded.Layers.Select(l => (l.InFeatures, l.OutFeatures, l.Activation)),
            Is.EqualTo(model.Layers.Select(l => (l.InFeatures, l.OutFeatures, l.Activation))));
        Assert.That(Bits(loaded), Is.EqualTo(Bits(model)));
        Assert.That(Bits(Forward(loaded, 3)), Is.EqualTo(Bits(Forward(model, 3))));

        var other = new MLP(3, [5, 4], 2, Activation.Tanh, seed: 99);
        Assert.That(Bits(other), Is.Not.EqualTo(Bits(model)));
        other.LoadWeights(path);
        Assert.That(Bits(other), Is.EqualTo(Bits(model)));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public void Mlp_and_layer_round_trip_bitwise_through_a_stream()
    {
        var model = new MLP(2, [3], 1, Activation.Relu, seed: 3);
        using var ms = new MemoryStream();
        model.Save(ms);
        ms.Position = 0;
        MLP loaded = MLP.Load(ms);
        Assert.That(Bits(loaded), Is.EqualTo(Bits(model)));
        Assert.That(loaded.Layers[0].Activation, Is.EqualTo(Activation.Relu));

        var layer = new Layer(4, 3, Activation.Tanh, seed: 5);
        layer.B.CopyFrom([1.5, -0.0, 2.25]);
        using var ls = new MemoryStream();
        layer.Save(ls);
        ls.Position = 0;
        Layer back = Layer.Load(ls);
        Assert.That((back.InFeatures, back.OutFeatures, back.Activation), Is.EqualTo((4, 3, Activation.Tanh)));
        Assert.That(Bits(back), Is.EqualTo(Bits(layer)), "-0.0 in the bias survives too");
    }

    [Test]
    public void Names_and_layout_are_those_of_the_pytorch_sequential()
    {
        var model = new MLP(2, [4, 3], 1, Activation.Tanh, seed: 0);
        string path = FilePath("names.safetensors");
        model.Save(path);
        SafetensorsFile file = Safetensors.Read(path);

        // nn.Sequential(Linear(2,4), Tanh(), Linear(4,3), Tanh(), Linear(3,1)): Linear modules at 0, 2, 4.
        Assert.That(file.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias" }));
        Assert.That(file["0.weight"].Shape.ToArray(), Is.EqualTo(new[] { 4, 2 }), "nn.Linear's weight is (out, in)");
        Assert.That(file["4.bias"].Shape.ToArray(), Is.EqualTo(new[] { 1 }));
        Assert.That(file.Tensors.All(t => t.DType == "F64"));
        // weight[o, i] is W[i, o].
        Assert.That(file["2.weight"].Values[1 * 4 + 3], Is.EqualTo(model.Layers[1].W.At(3, 1)));
        Assert.That(file.Metadata["neurolite.format_version"], Is.EqualTo("1"));
        Assert.That(file.Metadata["neurolite.model"], Is.EqualTo("MLP"));
        Assert.That(file.Metadata["neurolite.sizes"], Is.EqualTo("2,4,3,1"));
        Assert.That(file.Metadata["neurolite.activations"], Is.EqualTo("tanh,tanh,none"));

        // With a linear hidden layer there is no activation module, so the indices close up.
        var linear = new MLP(2, [4], 1, Activation.None, seed: 0);
        linear.Save(path);
        Assert.That(Safetensors.Read(path).Tensors.Select(t => t.Name), Is.EqualTo(new[] { "0.weight", "0.bias", "1.weight", "1.bias" }));

        var layer = new Layer(2, 3);
        layer.Save(path);
        Assert.That(Safetensors.Read(path).Tensors.Select(t => t.Name), Is.EqualTo(new[] { "weight", "bias" }));
    }

    [Test]
    public void Plain_named_tensors_round_trip_with_metadata()
    {
        Tape.Default.Reset();
        var p = Tensor.Parameter([1.0, double.NaN, double.NegativeInfinity, -0.0, 5e-324, 3.0], [2, 3], "p");
        var s = Tensor.Scalar(0.1, "s");
        var empty = Tensor.Zeros(0, 4);
        string path = FilePath("plain.safetensors");
        var named = new Dictionary<string, Tensor> { ["p"] = p, ["s"] = s, ["empty"] = empty };
        Safetensors.Save(path, named, new Dictionary<string, string> { ["note"] = "hello" });

        SafetensorsFile file = Safetensors.Read(path);
        Assert.That(file.Metadata["note"], Is.EqualTo("hello"));
        Assert.That(file["p"].Shape.ToArray(), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(Bits(file["p"].Values.ToArray()), Is.EqualTo(Bits(p.ToArray())));
        Assert.That(file["s"].Shape.Length, Is.Zero);
        Assert.That(file["empty"].Shape.ToArray(), Is.EqualTo(new[] { 0, 4 }));

        var q = Tensor.Parameter(new double[6], [2, 3]);
        var t = Tensor.Scalar(0.0);
        var e = Tensor.Zeros(0, 4);
        Safetensors.LoadInto(path, new Dictionary<string, Tensor> { ["p"] = q, ["s"] = t, ["empty"] = e });
        Assert.That(Bits(q.ToArray()), Is.EqualTo(Bits(p.ToArray())));
        Assert.That(t.Item, Is.EqualTo(0.1));
    }

    [Test]
    public void A_failed_save_leaves_the_old_file_and_no_temporary_file()
    {
        var model = new MLP(2, [3], 1, seed: 1);
        string path = FilePath("keep.safetensors");
        model.Save(path);
        byte[] before = File.ReadAllBytes(path);

        // The writer throws in the middle of writing (after the header): the target must keep its old bytes.
        Assert.Throws<IOException>(() => Safetensors.WriteAtomically(path, s =>
        {
            s.Write(new byte[100]);
            throw new IOException("disk full (simulated)");
        }));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));

        Assert.Throws<DirectoryNotFoundException>(() => model.Save(Path.Combine(_dir, "missing", "m.safetensors")));

        var x = Tensor.Parameter([1.0], [1]);
        var ex = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, [new("a", x), new("a", x)]));
        Assert.That(ex!.Message, Does.Contain("'a' appears twice"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
    }

    /// <summary>An F32 file built here from the format description alone: 8-byte length, JSON, little-endian floats.</summary>
    [Test]
    public void A_hand_written_f32_file_loads_widened()
    {
        float[] weight = [0.1f, -2.5f, 3.25f, 1e-8f, -0.0f, 7f]; // (out 3, in 2)
        float[] bias = [0.5f, -0.125f, 1f / 3f];
        string json = "{\"weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                    + "\"bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}";
        var data = new byte[36];
        for (int k = 0; k < 6; k++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * k), weight[k]);
        for (int k = 0; k < 3; k++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(24 + 4 * k), bias[k]);
        string path = FilePath("f32.safetensors");
        File.WriteAllBytes(path, Assemble(json, data));

        var layer = new Layer(2, 3, Activation.None);
        layer.LoadWeights(path);
        for (int o = 0; o < 3; o++)
        {
            for (int i = 0; i < 2; i++)
                Assert.That(BitConverter.DoubleToInt64Bits(layer.W.At(i, o)), Is.EqualTo(BitConverter.DoubleToInt64Bits(weight[o * 2 + i])), $"W[{i},{o}]");
            Assert.That(layer.B.At(o), Is.EqualTo((double)bias[o]));
        }
        Assert.That(Safetensors.Read(path)["weight"].DType, Is.EqualTo("F32"));
    }

    // ---------------------------------------------------------------- malformed files

    private static byte[] Assemble(string json, byte[] data, ulong? length = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    private const string W = "\"weight\":{\"dtype\":\"F64\",\"shape\":[3,2],\"data_offsets\":[0,48]}";
    private const string B = "\"bias\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[48,72]}";

    private static readonly byte[] Data72 = Enumerable.Range(0, 72).Select(k => (byte)(k % 7 == 0 ? 0x3f : 0)).ToArray();

    public static IEnumerable<TestCaseData> BadFiles()
    {
        byte[] good = Assemble("{" + W + "," + B + "}", Data72);
        yield return new TestCaseData(good[..5], null, "truncated: 5 bytes").SetName("Truncated before the header length");
        yield return new TestCaseData(good[..^8], "bias", "run past the end of the data buffer (64 bytes): the file is truncated").SetName("Truncated data");
        yield return new TestCaseData(Assemble("{" + W + "," + B + "}", Data72, length: 5000), null, "header length past the end of the file: the header length says 5000 bytes").SetName("Header length past the end");
        yield return new TestCaseData(Assemble("{}", [], length: 1UL << 40), null, "header too large").SetName("Header too large");
        yield return new TestCaseData(Assemble("[1, 2]", Data72), null, "the header is not a JSON object (it starts with an array)").SetName("JSON not an object");
        yield return new TestCaseData(Assemble("{\"weight\": 1", Data72), null, "the header is not valid JSON").SetName("JSON cut short");
        yield return new TestCaseData(Assemble("{" + W + "," + W + "}", Data72), "weight", "the name appears twice").SetName("Duplicate names");
        yield return new TestCaseData(Assemble("{" + W + ",\"bias\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[56,80]}}", Data72), "bias", "run past the end of the data buffer (72 bytes)").SetName("Offsets out of range");
        yield return new TestCaseData(Assemble("{" + W + ",\"bias\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[40,64]}}", Data72), "bias", "overlap those of tensor 'weight'").SetName("Offsets overlapping");
        yield return new TestCaseData(Assemble("{" + W + ",\"bias\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[48,64]}}", Data72), "bias", "span 16 bytes, but shape (3,) x F64 needs 24").SetName("Offsets not matching shape x dtype");
        yield return new TestCaseData(Assemble("{" + W + ",\"bias\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[56,80]}}", [.. Data72, .. new byte[8]]), "bias", "leaving bytes 48..56 of the data buffer to no tensor").SetName("A hole in the data buffer");
        yield return new TestCaseData(Assemble("{" + W + ",\"bias\":{\"dtype\":\"Q64\",\"shape\":[3],\"data_offsets\":[48,72]}}", Data72), "bias", "unknown dtype 'Q64'").SetName("Unknown dtype");
        yield return new TestCaseData(Assemble("{" + W + ",\"bias\":{\"dtype\":\"F16\",\"shape\":[12],\"data_offsets\":[48,72]}}", Data72), "bias", "dtype F16 is not supported: NeuroLite reads F64 and F32").SetName("Unsupported dtype");
        yield return new TestCaseData(Assemble("{" + W + "," + B + ",\"extra\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[72,80]}}", [.. Data72, .. new byte[8]]), "extra", "the model has no tensor of this name (it has weight, bias)").SetName("A name the model lacks");
        yield return new TestCaseData(Assemble("{\"weight\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,48]}," + B + "}", Data72), "weight", "shape (2, 3) in the file, but the model's is (3, 2) (nn.Linear layout: (out, in))").SetName("A shape the model lacks");
        yield return new TestCaseData(Assemble("{" + W + "}", Data72[..48]), "bias", "the model has this tensor (shape (3,)) but the file does not").SetName("A tensor the file lacks");
    }

    [TestCaseSource(nameof(BadFiles))]
    public void A_malformed_file_is_rejected_before_anything_is_written(byte[] bytes, string? tensor, string message)
    {
        var layer = new Layer(2, 3, Activation.Tanh, seed: 11);
        layer.B.CopyFrom([0.25, 0.5, 0.75]);
        long[] before = Bits(layer);
        string path = FilePath("bad.safetensors");
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<InvalidDataException>(() => layer.LoadWeights(path));
        TestContext.Out.WriteLine(ex!.Message);
        Assert.That(ex.Message, Does.StartWith($"safetensors file '{path}': "));
        if (tensor is not null) Assert.That(ex.Message, Does.Contain($"tensor '{tensor}': "));
        Assert.That(ex.Message, Does.Contain(message));
        Assert.That(Bits(layer), Is.EqualTo(before), "the layer is unchanged");

        using var stream = new MemoryStream(bytes);
        var streamed = Assert.Throws<InvalidDataException>(() => layer.LoadWeights(stream, "in-memory"));
        Assert.That(streamed!.Message, Does.StartWith("safetensors file 'in-memory': "));
        Assert.That(Bits(layer), Is.EqualTo(before));
    }

    [Test]
    public void An_mlp_is_unchanged_when_its_last_tensor_does_not_fit()
    {
        var model = new MLP(2, [3], 1, seed: 4);
        string path = FilePath("wrong.safetensors");
        new MLP(2, [3], 2, seed: 5).Save(path); // the output layer is 2 wide, not 1
        long[] before = Bits(model);
        var ex = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
        Assert.That(ex!.Message, Does.Contain("tensor '2.weight': shape (2, 3) in the file, but the model's is (1, 3)"));
        Assert.That(Bits(model), Is.EqualTo(before), "0.weight and 0.bias fit but were not written either");

        new MLP(2, [3], 1, Activation.Relu, seed: 5).Save(path);
        ex = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
        Assert.That(ex!.Message, Does.Contain("neurolite.activations is 'relu,none' but the MLP's activations are 'tanh,none'"));
        Assert.That(Bits(model), Is.EqualTo(before));
    }

    [Test]
    public void Load_without_neurolite_metadata_says_how_to_load_instead()
    {
        string path = FilePath("plain.safetensors");
        Safetensors.Save(path, [new("0.weight", Tensor.Parameter(new double[6], [3, 2])), new("0.bias", Tensor.Parameter(new double[3], [3]))]);
        var ex = Assert.Throws<InvalidDataException>(() => MLP.Load(path));
        Assert.That(ex!.Message, Does.Contain("no NeuroLite metadata").And.Contain("LoadWeights"));
        var model = new MLP(2, [], 3, seed: 0);
        model.LoadWeights(path);
        Assert.That(model.Parameters()[0].ToArray(), Is.All.Zero);
    }
}
