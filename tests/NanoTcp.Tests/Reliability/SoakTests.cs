using System.Diagnostics;
using Nanotcp.Net;
using Xunit.Abstractions;

namespace NanoTcp.Tests.Reliability;

/// <summary>
/// Two engines over a seeded lossy link (10 % loss, 5 % duplication, 5 % reordering, 1 %
/// corruption each way): every byte once and in order, every close pattern, every connection
/// CLOSED on both sides in bounded virtual time. NANOTCP_SOAK=N runs N connections instead of
/// the CI size, NANOTCP_SOAK_SEED=S another seed.
/// </summary>
public class SoakTests(ITestOutputHelper output)
{
    public static readonly ImpairmentSettings Wifi = new()
    {
        Loss = 0.10, Duplicate = 0.05, Reorder = 0.05, Corrupt = 0.01, DelayMs = 2,
    };

    const int CiConnections = 1000;

    static int FromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int v) && v > 0 ? v : fallback;

    [Fact]
    public void EveryConnectionDeliversEveryByteAndClosesOverALossyLink()
    {
        int connections = FromEnvironment("NANOTCP_SOAK", CiConnections);
        int seed = FromEnvironment("NANOTCP_SOAK_SEED", 20261201);
        var wall = Stopwatch.StartNew();
        SoakResult r = Soak.Run(connections, seed, Wifi with { Seed = seed });
        output.WriteLine(r.Summary());
        output.WriteLine($"wall time {wall.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine(r.Summary());
        foreach (string f in r.Failures.Take(50)) output.WriteLine(f);
        Assert.True(r.Failure == null, $"{r.Failures.Count} connections failed; the first:\n{r.Failure}\n{r.Summary()}");
        Assert.Equal(connections, r.Durations.Count);
        Assert.Equal(0, r.TimedOut);
    }
}
