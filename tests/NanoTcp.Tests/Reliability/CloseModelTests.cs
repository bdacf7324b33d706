using System.Diagnostics;
using Xunit.Abstractions;

namespace NanoTcp.Tests.Reliability;

/// <summary>
/// The model check of the close (<see cref="CloseModel"/>), one close pattern per case: up to 3
/// drops and one timer firing while segments are in flight in CI (about half a minute);
/// NANOTCP_MODEL_EARLY_TIMERS=2 (a few minutes), NANOTCP_MODEL_DROPS=N and NANOTCP_MODEL_STATES=N
/// widen it.
/// </summary>
public class CloseModelTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ClosePattern.ClientFirst, 0, 0)]
    [InlineData(ClosePattern.ServerFirst, 0, 0)]
    [InlineData(ClosePattern.Simultaneous, 0, 0)]
    [InlineData(ClosePattern.HalfClose, 5, 7)]
    [InlineData(ClosePattern.CloseAfterWrite, 5, 7)]
    public void EveryScheduleEndsWithBothSidesClosedOrBothTold(ClosePattern pattern, int clientBytes, int serverBytes)
    {
        var wall = Stopwatch.StartNew();
        var model = new CloseModel(pattern, clientBytes, serverBytes);
        if (int.TryParse(Environment.GetEnvironmentVariable("NANOTCP_MODEL_DROPS"), out int drops)) model.MaxDrops = drops;
        if (int.TryParse(Environment.GetEnvironmentVariable("NANOTCP_MODEL_EARLY_TIMERS"), out int early)) model.MaxEarlyTimers = early;
        if (long.TryParse(Environment.GetEnvironmentVariable("NANOTCP_MODEL_STATES"), out long states)) model.MaxStates = states;
        CloseModelResult r = model.Run();
        string summary = $"model check: {r} in {wall.Elapsed.TotalSeconds:0.0} s ({r.Replays} replays)";
        output.WriteLine(summary);
        Console.WriteLine(summary);
        Assert.True(r.Violations.Count == 0, summary + "\n" + string.Join("\n", r.Violations));
        Assert.True(r.BothClosed > 0, "no schedule closed cleanly: " + summary);
    }
}
