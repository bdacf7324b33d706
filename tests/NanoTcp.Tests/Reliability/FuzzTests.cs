using System.Diagnostics;
using Xunit.Abstractions;

namespace NanoTcp.Tests.Reliability;

/// <summary>
/// The mutation fuzzer (<see cref="Fuzzer"/>) at CI size; NANOTCP_FUZZ=N feeds N inputs instead
/// (1000000 for the README's figure), NANOTCP_FUZZ_SEED=S another seed. The seed runs twice: the
/// first time warms the runtime up, the second counts allocations (see <see cref="Fuzzer.Run"/>).
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    const int CiInputs = 250_000;

    [Fact]
    public void NoInputThrowsAllocatesOrBreaksAnInvariant()
    {
        long inputs = long.TryParse(Environment.GetEnvironmentVariable("NANOTCP_FUZZ"), out long n) && n > 0 ? n : CiInputs;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("NANOTCP_FUZZ_SEED"), out int s) ? s : 8;
        var wall = Stopwatch.StartNew();
        FuzzResult warm = Fuzzer.Run(inputs, seed, countAllocations: false);
        Assert.True(warm.Exceptions == 0 && warm.Violations.Count == 0, $"seed {seed}, warm-up: " + warm.Summary() + "\n" +
            string.Join("\n\n", warm.Violations.Select(v => $"{v.Key} ×{v.Value.Count}, first: {v.Value.Example}")));
        FuzzResult r = Fuzzer.Run(inputs, seed);
        output.WriteLine(r.Summary());
        output.WriteLine($"wall time {wall.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine(r.Summary());
        foreach (var v in r.Violations) output.WriteLine($"{v.Key} ×{v.Value.Count}, first: {v.Value.Example}\n");
        Assert.True(r.Exceptions == 0 && r.Violations.Count == 0,
            $"seed {seed}: " + r.Summary() + "\n" + string.Join("\n\n", r.Violations.Select(v => $"{v.Key} ×{v.Value.Count}, first: {v.Value.Example}")));
        Assert.True(r.InputsByState.Count(c => c > 0) == 11, "the inputs reached connections in every state: " + r.Summary());
    }
}
