using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NeuroLite.Tests.Engine;

/// <summary>
/// Models cross to PyTorch and back through safetensors files, checked by NeuroLite.Bench/peers/safetensors_torch.py:
/// a NeuroLite MLP loaded into the PyTorch nn.Sequential gives NeuroLite's outputs to 1e-12, and a PyTorch model loads
/// into NeuroLite and gives PyTorch's outputs to 1e-12. Ignored (with the reason) where python3 cannot import torch.
/// </summary>
public class SafetensorsPeerTests
{
    private const string Python = "/usr/bin/python3";

    [Test]
    public void A_model_crosses_to_pytorch_and_back()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !File.Exists(Python))
            Assert.Ignore($"the PyTorch peer runs on x64 with {Python}; not here");
        string? root = RepoRoot();
        if (root is null) Assert.Ignore("the repository (NeuroLite.sln) is not above the test binaries; the peer script cannot be found");
        string script = Path.Combine(root!, "NeuroLite.Bench", "peers", "safetensors_torch.py");

        string dir = Path.Combine(Path.GetTempPath(), "neurolite-peer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // NeuroLite -> PyTorch.
            var model = new MLP(3, [5, 4], 2, Activation.Tanh, seed: 21);
            foreach (Layer l in model.Layers) l.B.CopyFrom(Enumerable.Range(0, l.OutFeatures).Select(k => 0.05 * k - 0.1).ToArray());
            var x = new double[7 * 3];
            for (int k = 0; k < x.Length; k++) x[k] = Math.Sin(1.7 * k) * 2;
            using var tape = new Tape();
            Tensor xt = tape.Input(x, [7, 3], "x");
            Tensor y = model.Forward(xt);
            string modelPath = Path.Combine(dir, "neurolite.safetensors");
            string ioPath = Path.Combine(dir, "neurolite_io.safetensors");
            model.Save(modelPath);
            Safetensors.Save(ioPath, [new("x", xt), new("y", y)]);
            string torchModel = Path.Combine(dir, "torch.safetensors");
            string torchIo = Path.Combine(dir, "torch_io.safetensors");
            // One interpreter start (importing torch takes seconds): check NeuroLite's file, then export PyTorch's.
            (int rc, string output) = Run($"\"{script}\" both \"{modelPath}\" \"{ioPath}\" \"{torchModel}\" \"{torchIo}\"");
            TestContext.Out.WriteLine(output);
            if (output.Contains("No module named 'torch'", StringComparison.Ordinal))
                Assert.Ignore($"{Python} cannot import torch (apt-get install python3-torch): the PyTorch round trip did not run");
            Assert.That(rc, Is.Zero, "PyTorch's outputs differ from NeuroLite's by more than 1e-12, or the peer failed: " + output);
            Assert.That(output, Does.Contain("max |PyTorch - NeuroLite| over (7, 2) outputs"));

            // PyTorch -> NeuroLite.
            MLP loaded = MLP.Load(torchModel);
            Assert.That(loaded.Layers.Select(l => l.Activation), Is.EqualTo(new[] { Activation.Tanh, Activation.Relu, Activation.None }));
            SafetensorsFile io = Safetensors.Read(torchIo);
            tape.Reset();
            double[] mine = loaded.Forward(tape.Input(io["x"].Values, io["x"].Shape)).ToArray();
            double[] theirs = io["y"].Values.ToArray();
            Assert.That(mine, Has.Length.EqualTo(theirs.Length));
            double worst = mine.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
            TestContext.Out.WriteLine($"max |NeuroLite - PyTorch| over {mine.Length} outputs: {worst:E3}");
            Assert.That(worst, Is.LessThanOrEqualTo(1e-12));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A file PyTorch wrote (Data/safetensors, made by <c>safetensors_torch.py export</c>): runs everywhere, torch or not.
    /// The outputs are PyTorch's float64 ones on the stored batch.
    /// </summary>
    [Test]
    public void A_stored_pytorch_file_loads_and_gives_pytorchs_outputs()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Data", "safetensors");
        MLP model = MLP.Load(Path.Combine(folder, "torch_mlp.safetensors"));
        Assert.That(model.Layers.Select(l => (l.InFeatures, l.OutFeatures, l.Activation)),
            Is.EqualTo(new[] { (3, 5, Activation.Tanh), (5, 4, Activation.Relu), (4, 2, Activation.None) }));
        SafetensorsFile io = Safetensors.Read(Path.Combine(folder, "torch_mlp_io.safetensors"));
        using var tape = new Tape();
        double[] mine;
        using (Tape.NoGrad()) mine = model.Forward(tape.Input(io["x"].Values, io["x"].Shape)).ToArray();
        double[] theirs = io["y"].Values.ToArray();
        Assert.That(mine, Has.Length.EqualTo(12));
        for (int k = 0; k < mine.Length; k++) Assert.That(mine[k], Is.EqualTo(theirs[k]).Within(1e-12), $"output {k}");
        Assert.That(mine.Distinct().Count(), Is.GreaterThan(6), "the outputs are not a constant");
    }

    private static string? RepoRoot()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "NeuroLite.sln"))) return d.FullName;
        return null;
    }

    private static (int ExitCode, string Output) Run(string arguments)
    {
        var info = new ProcessStartInfo(Python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // PyTorch's best OpenBLAS kernel; the environment may pin another core type for NeuroLite's own peers.
        info.Environment.Remove("OPENBLAS_CORETYPE");
        info.Environment.Remove("OPENBLAS_L2_SIZE");
        using Process p = Process.Start(info)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }
}
