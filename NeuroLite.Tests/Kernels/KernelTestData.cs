namespace NeuroLite.Tests.Kernels;

/// <summary>The sizes and offsets the kernel tests sweep (their data and bit comparisons are in Support/).</summary>
internal static class KernelTestData
{
    /// <summary>
    /// 0..140 (every tail of every vector width times the 4x unroll: 32 elements per unrolled step on the 512-bit path,
    /// so four whole steps and every remainder), then just past each larger block and a few larger sizes.
    /// </summary>
    public static readonly int[] Sizes = [.. Enumerable.Range(0, 141), 255, 256, 257, 511, 512, 513, 1000, 1023, 1024, 1025];

    /// <summary>
    /// Element offsets of a slice: 0..7 moves it through every 8-byte position of a 64-byte vector (and cache line), so
    /// no alignment the driver might assume holds for all of them.
    /// </summary>
    public static readonly int[] Offsets = [0, 1, 2, 3, 4, 5, 6, 7];

    /// <summary>
    /// (input, output) offset pairs: every offset on each side, each against itself, its mirror and a shift by three
    /// (the full 8×8 product made the suite several times slower under qemu for no case these miss).
    /// </summary>
    public static readonly (int Input, int Output)[] OffsetPairs =
        [.. Offsets.SelectMany(o => new[] { (o, o), (o, 7 - o), (o, (o + 3) % 8) })];

    /// <summary>True when running as arm64 (in CI that is qemu, 10-30x slower): sweeps shrink there.</summary>
    public static bool Emulated => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64;
}
