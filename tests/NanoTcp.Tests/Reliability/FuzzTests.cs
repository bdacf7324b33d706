using System.Diagnostics;
using Xunit.Abstractions;

namespace NanoTcp.Tests.Reliability;

/// <summary>
/// The mutation fuzzer (<see cref="Fuzzer"/>) at CI size; NANOTCP_FUZZ=N feeds N inputs instead
/// (1000000 for the README's figure), NANOTCP_FUZZ_SEED=S another seed. The seed runs twice, and
/// an allocation is the engine's when both runs saw it at the same input (see <see cref="Fuzzer.Run"/>).
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
        FuzzResult first = Fuzzer.Run(inputs, seed);
        FuzzResult r = Fuzzer.Run(inputs, seed);
        List<string> allocations = Fuzzer.Repeated(first, r);
        output.WriteLine(r.Summary());
        output.WriteLine($"allocations seen at the same input in both runs: {allocations.Count}; in one run only: {first.Allocations.Count + r.Allocations.Count - 2 * allocations.Count}");
        output.WriteLine($"wall time {wall.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine(r.Summary());
        foreach (var v in r.Violations) output.WriteLine($"{v.Key} ×{v.Value.Count}, first: {v.Value.Example}\n");
        Assert.True(first.Exceptions == 0 && first.Violations.Count == 0 && r.Exceptions == 0 && r.Violations.Count == 0,
            $"seed {seed}: " + r.Summary() + "\n" + string.Join("\n\n", first.Violations.Concat(r.Violations).Select(v => $"{v.Key} ×{v.Value.Count}, first: {v.Value.Example}")));
        Assert.True(allocations.Count == 0, $"seed {seed}: {allocations.Count} inputs allocated in both runs; the first: {allocations.FirstOrDefault()}");
        Assert.True(r.InputsByState.Count(c => c > 0) == 11, "the inputs reached connections in every state: " + r.Summary());
    }
}
