using System.Diagnostics;

namespace NanoTcp.Bench;

/// <summary>
/// Runs a benchmark's operation for a fifth of a second during its setup, giving tiered
/// compilation a chance to promote the hot path before measuring starts. It matters most in the
/// quick, in-process mode, where all benchmarks share one JIT; harmless in the full mode.
/// </summary>
public static class WarmUp
{
    public static void Run<T>(Func<T> operation, int milliseconds = 200)
    {
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < milliseconds)
            for (int i = 0; i < 64; i++) operation();
    }
}
