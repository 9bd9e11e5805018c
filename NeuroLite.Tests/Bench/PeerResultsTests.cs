using System.Text.Json;
using NeuroLite.Bench.Report;
using NeuroLite.Bench.Training;

namespace NeuroLite.Tests.Bench;

public class PeerResultsTests
{
    private const string Cpu = "AMD EPYC 9R14 (family 25, model 17, stepping 1)";

    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("neurolite-peers-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        return path;
    }

    private static string Results(string cpu, string figures = """{ "xor": 57.25, "mlp-64": 280.5, "mlp-784": 4512 }""") =>
        $$"""{ "cpu": "{{cpu}}", "peer": "PyTorch 1.13.1 eager, float64, 1 thread, OpenBLAS Cooperlake", "written_utc": "2026-01-01 12:00", "us_per_step": {{figures}} }""";

    [Test]
    public void A_file_from_this_cpu_model_gives_its_figures()
    {
        var peers = PeerResults.Read(Write(Results(Cpu)), Cpu);
        Assert.That(peers.Status, Is.EqualTo(PeerResultsStatus.Found));
        Assert.That(peers.For("xor"), Is.EqualTo(57.25));
        Assert.That(peers.For("mlp-64"), Is.EqualTo(280.5));
        Assert.That(peers.For("mlp-784"), Is.EqualTo(4512));
        Assert.That(peers.For("resnet"), Is.NaN);
        Assert.That(peers.Note(Cpu), Does.StartWith("PyTorch: PyTorch 1.13.1 eager").And.Contain(peers.FilePath).And.Contain("2026-01-01 12:00"));
    }

    [Test]
    public void A_file_from_another_cpu_model_gives_no_figures_and_says_why()
    {
        const string other = "AMD EPYC 9R45 (family 26, model 2, stepping 1)";
        var peers = PeerResults.Read(Write(Results(other)), Cpu);
        Assert.That(peers.Status, Is.EqualTo(PeerResultsStatus.OtherMachine));
        Assert.That(peers.Cpu, Is.EqualTo(other));
        Assert.That(peers.For("xor"), Is.NaN);
        Assert.That(peers.MicrosecondsPerStep, Is.Empty);
        Assert.That(peers.Note(Cpu), Does.Contain(other).And.Contain(Cpu).And.Contain(PeerResults.HowToGet));
    }

    [Test]
    public void A_missing_file_says_how_to_get_one()
    {
        var peers = PeerResults.Read(Path.Combine(_dir, "nothing-here.json"), Cpu);
        Assert.That(peers.Status, Is.EqualTo(PeerResultsStatus.Missing));
        Assert.That(peers.For("xor"), Is.NaN);
        Assert.That(peers.Note(Cpu), Does.Contain(PeerResults.HowToGet).And.Contain(PeerResults.RelativePath));
    }

    [TestCase("not json at all")]
    [TestCase("[1, 2]")]
    [TestCase("""{ "us_per_step": { "xor": 1 } }""")]
    [TestCase("""{ "cpu": 3, "us_per_step": { "xor": 1 } }""")]
    [TestCase("""{ "cpu": "X" }""")]
    [TestCase("""{ "cpu": "X", "us_per_step": [1] }""")]
    [TestCase("""{ "cpu": "X", "us_per_step": { "xor": "fast" } }""")]
    [TestCase("""{ "cpu": "X", "us_per_step": { "xor": -1 } }""")]
    [TestCase("""{ "cpu": "X", "us_per_step": { "xor": 0 } }""")]
    public void A_malformed_file_gives_no_figures_and_says_so(string text)
    {
        var peers = PeerResults.Read(Write(text), "X");
        Assert.That(peers.Status, Is.EqualTo(PeerResultsStatus.Malformed));
        Assert.That(peers.Detail, Is.Not.Empty);
        Assert.That(peers.For("xor"), Is.NaN);
        Assert.That(peers.Note("X"), Does.Contain("is not a torch_train.py results file").And.Contain(PeerResults.HowToGet));
    }

    [Test]
    public void Training_rows_print_pytorch_beside_neurolite_when_the_file_matches()
    {
        var peers = PeerResults.Read(Write(Results(Cpu)), Cpu);
        using var output = new StringWriter();
        var log = new ResultLog(output);
        TrainingDemo.StepTimings(log, quick: true, peers, Cpu);
        string json = Path.Combine(_dir, "rows.json");
        log.WriteJson(json);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var steps = doc.RootElement.EnumerateArray().Where(r => r.GetProperty("section").GetString() == "train-step" && r.GetProperty("threads").GetInt32() == 1).ToList();
        Assert.That(steps, Has.Count.EqualTo(3));
        foreach (var (row, expected) in steps.Zip(new[] { 57.25, 280.5, 4512.0 }))
        {
            Assert.That(row.GetProperty("pytorch_us_per_step").GetDouble(), Is.EqualTo(expected));
            Assert.That(row.GetProperty("speedup_vs_pytorch").GetDouble(), Is.EqualTo(expected / row.GetProperty("us_per_step").GetDouble()).Within(1e-9).Percent);
        }

        Assert.That(output.ToString(), Does.Contain("PyTorch 1t").And.Contain("57.25"));
    }

    [Test]
    public void Training_rows_say_how_to_get_pytorch_when_there_is_no_file()
    {
        var peers = PeerResults.Read(Path.Combine(_dir, "absent.json"), Cpu);
        using var output = new StringWriter();
        TrainingDemo.StepTimings(new ResultLog(output), quick: true, peers, Cpu);
        string text = output.ToString();
        Assert.That(text.Split('\n').Count(l => l.Contains(PeerResults.HowToGet, StringComparison.Ordinal)), Is.EqualTo(1), "one line says how");
    }

    [Test]
    public void This_machines_key_is_its_model_with_its_numbers()
    {
        var (model, id) = MachineInfo.ReadCpu();
        Assert.That(MachineInfo.ReadCpuKey(), Is.EqualTo(MachineInfo.KeyOf(model, id)));
        Assert.That(MachineInfo.ReadCpuKey(), Does.StartWith(model));
    }
}
