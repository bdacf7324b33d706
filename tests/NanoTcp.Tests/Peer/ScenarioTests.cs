using Nanotcp.Ladder;
using Nanotcp.Scenarios;

namespace NanoTcp.Tests.Peer;

/// <summary>
/// Every scenario of the library, end to end: a virtual board of its own (started in-process,
/// with the scenario's settings), the PC's engine talking to it through real UDP sockets on
/// loopback, and the scenario's checks on both sides: the PC's transitions from its own state
/// log, the device's from the board's serial lines, and the segments on the link. A new
/// scenario in <see cref="ScenarioLibrary.All"/> is picked up here without a change.
/// </summary>
public class ScenarioTests
{
    public static TheoryData<string> Names => new(ScenarioLibrary.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void ScenarioPassesOnTheVirtualBoard(string name)
    {
        Scenario scenario = ScenarioLibrary.Find(name)!;
        ScenarioResult result = new VirtualBoardTarget().Run(scenario);
        string ladder = Ladder(result);
        Assert.True(result.Passed, $"{name}: {result.Reason}\n{ladder}");

        // Both sides were observed: the device's serial log speaks of every connection (a
        // transition, or the TABLE-FULL that refused it), and checks were made on the device's
        // side as well as on the PC's and the link's.
        Assert.Equal("serial log", result.DeviceSource);
        foreach (Conn c in result.Connections)
            Assert.Contains(result.DeviceLog, e => e.LocalPort == c.DevicePort && e.PeerPort == c.PcPort);
        Assert.Contains(result.PcLog, e => e.IsTransition);
        Assert.Contains(result.Checks, c => c.Text.StartsWith("device ", StringComparison.Ordinal));
        Assert.NotEmpty(result.Segments);

        // The ladder, written to a pipe, is plain text with one arrow per segment drawn.
        Assert.DoesNotContain('\u001b', ladder);
        Assert.Contains($"✔ {name}: passed", ladder);
    }

    [Fact]
    public void EveryScenarioHasAUniqueNameAndAOneLineDescription()
    {
        var names = ScenarioLibrary.All.Select(s => s.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(ScenarioLibrary.All, s =>
        {
            Assert.Matches("^[a-z0-9-]+$", s.Name);
            Assert.False(string.IsNullOrWhiteSpace(s.Description));
            Assert.DoesNotContain('\n', s.Description);
        });
    }

    [Fact]
    public void LadderMarksLossesRetransmissionsAndStates()
    {
        ScenarioResult result = new VirtualBoardTarget().Run(ScenarioLibrary.Find("lost-fin")!);
        Assert.True(result.Passed, result.Reason);
        string[] lines = Ladder(result).Split('\n');

        // The device's FIN, lost twice: two arrows that stop short with ✗, the second a
        // retransmission naming its timeout; the third copy arrives and the PC enters CLOSE_WAIT.
        Assert.Equal(2, lines.Count(l => l.Contains('✗') && l.Contains("[FIN, ACK]")));
        Assert.Contains(lines, l => l.Contains("✗") && l.Contains("retransmission, RTO 150 ms"));
        Assert.Contains(lines, l => l.Contains("CLOSE_WAIT") && l.Contains("<── [FIN, ACK]") && l.Contains("retransmission, RTO 300 ms"));
        Assert.Contains(lines, l => l.Contains("FIN_WAIT_1") && l.Contains("✗── [FIN, ACK]"));
        Assert.Contains(lines, l => l.TrimEnd().EndsWith("CLOSED (2msl timer)", StringComparison.Ordinal));
    }

    [Fact]
    public void LadderKeepsEachSidesStatesInTheirOrderWhenFinsCross()
    {
        ScenarioResult result = new VirtualBoardTarget().Run(ScenarioLibrary.Find("simultaneous-close")!);
        Assert.True(result.Passed, result.Reason);
        string[] lines = Ladder(result).Split('\n');

        // The device's column (right of the arrows) must read FIN_WAIT_1, then CLOSING, then TIME_WAIT,
        // although the PC's FIN, which caused CLOSING, was sent before the device's FIN was seen.
        static bool IsRow(string line) => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s+\d+\.\d ms ");
        static string DeviceColumn(string line) => line.Contains("──") ? line[(line.LastIndexOf('─') + 1)..] : line[40..];
        int Row(string state) => Array.FindIndex(lines, l => IsRow(l) && l.Length > 40 && DeviceColumn(l).Contains(state));
        int finWait1 = Row("FIN_WAIT_1"), closing = Row("CLOSING"), timeWait = Row("TIME_WAIT");
        Assert.True(finWait1 >= 0 && finWait1 < closing && closing < timeWait, Ladder(result));
    }

    static string Ladder(ScenarioResult result)
    {
        var text = new StringWriter();
        LadderRenderer.Render(result, 0, 1, text, new Painter(color: false));
        return text.ToString();
    }
}
