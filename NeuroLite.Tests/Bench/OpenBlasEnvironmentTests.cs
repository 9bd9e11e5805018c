using NeuroLite.Bench.Quick;

namespace NeuroLite.Tests.Bench;

public class OpenBlasEnvironmentTests
{
    private sealed class FakeEnvironment(params (string Name, string Value)[] values)
    {
        private readonly Dictionary<string, string> _values = values.ToDictionary(v => v.Name, v => v.Value);

        public List<string> Unset { get; } = [];

        public bool Works { get; init; } = true;

        public string? Get(string name) => _values.TryGetValue(name, out string? v) ? v : null;

        public bool Remove(string name)
        {
            Unset.Add(name);
            return Works && _values.Remove(name);
        }
    }

    [Test]
    public void Nothing_set_means_nothing_unset_and_openblas_chooses()
    {
        var env = new FakeEnvironment(("OPENBLAS_NUM_THREADS", "1"));
        var outcome = OpenBlasEnvironment.Undo(env.Get, env.Remove, alreadyLoaded: false);
        Assert.That(env.Unset, Is.Empty);
        Assert.That(outcome.Forced, Is.False);
        Assert.That(outcome.Describe("Cooperlake"), Is.EqualTo("Cooperlake (OpenBLAS's own choice for this CPU)"));
    }

    [Test]
    public void Forcing_variables_are_unset_before_loading_and_the_row_says_so()
    {
        var env = new FakeEnvironment(("OPENBLAS_CORETYPE", "Haswell"), ("OPENBLAS_L2_SIZE", "1048576"), ("OPENBLAS_NUM_THREADS", "1"));
        var outcome = OpenBlasEnvironment.Undo(env.Get, env.Remove, alreadyLoaded: false);
        Assert.That(env.Unset, Is.EqualTo(new[] { "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE" }), "the thread count stays");
        Assert.That(env.Get("OPENBLAS_CORETYPE"), Is.Null);
        Assert.That(outcome.Forced, Is.False);
        Assert.That(outcome.Undone, Is.EqualTo(new[] { new EnvironmentSetting("OPENBLAS_CORETYPE", "Haswell"), new EnvironmentSetting("OPENBLAS_L2_SIZE", "1048576") }));
        string text = outcome.Describe("SkylakeX");
        Assert.That(text, Does.StartWith("SkylakeX (OpenBLAS's own choice"));
        Assert.That(text, Does.Contain("OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=1048576 from the environment was unset"));
    }

    [Test]
    public void A_library_loaded_already_cannot_be_undone_and_is_called_forced()
    {
        var env = new FakeEnvironment(("OPENBLAS_CORETYPE", "Haswell"));
        var outcome = OpenBlasEnvironment.Undo(env.Get, env.Remove, alreadyLoaded: true);
        Assert.That(env.Unset, Is.Empty, "unsetting after the load would change nothing and hide the truth");
        Assert.That(outcome.Forced, Is.True);
        string text = outcome.Describe("Haswell");
        Assert.That(text, Does.StartWith("Haswell, FORCED by OPENBLAS_CORETYPE=Haswell (OpenBLAS was loaded"));
        Assert.That(text, Does.Contain("env -u OPENBLAS_CORETYPE"));
    }

    [Test]
    public void A_failed_unset_leaves_the_core_forced()
    {
        var env = new FakeEnvironment(("OPENBLAS_CORETYPE", "Haswell")) { Works = false };
        var outcome = OpenBlasEnvironment.Undo(env.Get, env.Remove, alreadyLoaded: false);
        Assert.That(env.Unset, Is.EqualTo(new[] { "OPENBLAS_CORETYPE" }));
        Assert.That(outcome.StillForcing, Is.EqualTo(new[] { new EnvironmentSetting("OPENBLAS_CORETYPE", "Haswell") }));
        Assert.That(outcome.Describe(null), Does.StartWith("unknown (no openblas_get_corename), FORCED by OPENBLAS_CORETYPE=Haswell (libc unsetenv"));
    }

    [Test]
    public void Libc_unsetenv_removes_a_variable_that_native_code_would_read()
    {
        Assume.That(OperatingSystem.IsLinux(), "the C environment is reached through glibc here");
        string name = $"NEUROLITE_TEST_{Environment.ProcessId}_{Guid.NewGuid():N}";
        Assert.That(OpenBlasEnvironment.NativeSetenv(name, "Haswell"), Is.True);
        Assert.That(OpenBlasEnvironment.NativeGetenv(name), Is.EqualTo("Haswell"));
        Assert.That(OpenBlasEnvironment.NativeUnsetenv(name), Is.True);
        Assert.That(OpenBlasEnvironment.NativeGetenv(name), Is.Null);
    }
}
