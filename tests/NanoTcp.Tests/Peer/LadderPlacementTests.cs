using System.Text.RegularExpressions;
using Nanotcp.Ladder;
using Nanotcp.Net;
using Nanotcp.Scenarios;

namespace NanoTcp.Tests.Peer;

/// <summary>
/// The device's states stand beside the segments that caused them, found by the log's content
/// (flags, seq, ack, len) and the device's own clock, not by when the PC read each serial line:
/// a reader that falls behind (a loaded machine, a slow port) must not move them.
/// </summary>
public class LadderPlacementTests
{
    /// <summary>
    /// time-wait-old-duplicate resends the PC's first data segment while the device is in
    /// TIME_WAIT: the copy is identical to the segment that made the device ESTABLISHED. Each
    /// device state must be beside its own segment, and none beside the old duplicate.
    /// </summary>
    static void AssertPlacedByContent(string ladder)
    {
        try
        {
            PlacedByContent(ladder);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n" + ladder);
        }
    }

    static void PlacedByContent(string ladder)
    {
        string[] lines = ladder.Split('\n').Where(l => Regex.IsMatch(l, @"^\s+\d+\.\d ms ")).ToArray();
        string Row(string contains, string? not = null) =>
            Assert.Single(lines, l => l.Contains(contains) && (not == null || !l.Contains(not)));
        Assert.Matches(@"── \[SYN\] Seq=0 ─+>  SYN_RECEIVED$", Row("[SYN] Seq=0"));
        Assert.Matches(@"Len=10 ─+>  ESTABLISHED$", Row("[PSH, ACK] Seq=1 Ack=1 Len=10", "old duplicate"));
        Assert.Matches(@"<── \[FIN, ACK\] Seq=33 Ack=11 ─+  FIN_WAIT_1$", Row("[FIN, ACK] Seq=33 Ack=11"));
        Assert.Matches(@"── \[ACK\] Seq=11 Ack=34 ─+>  FIN_WAIT_2$", Row("[ACK] Seq=11 Ack=34"));
        Assert.Matches(@"── \[FIN, ACK\] Seq=11 Ack=34 ─+>  TIME_WAIT$", Row("[FIN, ACK] Seq=11 Ack=34"));
        Assert.Matches(@"old duplicate ─+>$", Row("old duplicate"));
        // The device ignores the PC's RST in TIME_WAIT: said after the RST, not before it.
        int rst = Array.FindIndex(lines, l => l.Contains("── [RST] Seq=12"));
        int ignored = Array.FindIndex(lines, l => l.Contains("RST ignored"));
        Assert.True(rst >= 0 && ignored > rst, ladder);
        Assert.Matches(@"^\s+\d+\.\d ms\s+CLOSED \(2msl timer\)$", lines.Last(l => l.Contains("2msl timer")).TrimEnd());
    }

    static string Ladder(ScenarioResult result)
    {
        var text = new StringWriter();
        LadderRenderer.Render(result, 0, 1, text, new Painter(color: false));
        return text.ToString();
    }

    /// <summary>
    /// The same run as if the serial reader had stalled until after the old duplicate: every
    /// device line up to TIME_WAIT read only then. Placed by read time, ESTABLISHED,
    /// FIN_WAIT_1, FIN_WAIT_2 and TIME_WAIT all landed beside the duplicate. No warm-up run: run
    /// alone, this is the process's first scenario, whose first segments wait for compilation
    /// (the device loop then stamps each datagram with its own time, DeviceLoopClockTests).
    /// </summary>
    [Fact]
    public void ALateSerialReaderDoesNotMoveTheDevicesStates()
    {
        ScenarioResult result = new VirtualBoardTarget().Run(ScenarioLibrary.Find("time-wait-old-duplicate")!);
        Assert.True(result.Passed, result.Reason);
        double duplicate = result.Segments.Single(s => s.Packet.Injected).TimeMs;
        bool stalled = true;
        var late = new List<StateEvent>();
        foreach (StateEvent e in result.DeviceLog)
        {
            late.Add(stalled ? e.At(duplicate + 0.2 + late.Count * 0.01) : e.At(e.TimeMs + 0.05));
            if (e.IsTransition && e.To == "TIME_WAIT") stalled = false;
        }
        var replay = Replay(result, StateEvent.OnDeviceClock(late));
        AssertPlacedByContent(Ladder(replay));
    }

    /// <summary>
    /// The same run as if the PC had read the device's FIN 80 ms after the device sent it (a
    /// loaded machine): that packet and everything after it, later by 80 ms. The
    /// device's FIN_WAIT_1 (app=close) must still stand beside the FIN it sent.
    /// </summary>
    [Fact]
    public void A_device_segment_the_PC_records_late_still_stands_beside_the_state_that_sent_it()
    {
        new VirtualBoardTarget().Run(ScenarioLibrary.Find("time-wait-old-duplicate")!);
        ScenarioResult result = new VirtualBoardTarget().Run(ScenarioLibrary.Find("time-wait-old-duplicate")!);
        Assert.True(result.Passed, result.Reason);
        double fin = result.Segments.First(s => !s.FromPc && s.Has(TcpFlags.Fin)).TimeMs;
        const double Late = 80;
        var packets = result.Packets.Select(p => p.TimeMs >= fin ? p with { TimeMs = p.TimeMs + Late } : p).ToList();
        var pcLog = result.PcLog.Select(e => e.TimeMs >= fin ? e.At(e.TimeMs + Late) : e).ToList();
        // What the device did after its FIN answers what the PC sent after reading it: later too.
        int close = result.DeviceLog.ToList().FindIndex(e => e.IsTransition && e.To == "FIN_WAIT_1");
        var deviceLog = result.DeviceLog.Select((e, i) => i > close ? e.At(e.TimeMs + Late) : e).ToList();
        AssertPlacedByContent(Ladder(Replay(result, deviceLog, packets, pcLog)));
    }

    /// <summary>
    /// Real runs with both cores kept busy by spinning threads (for at most a minute): the
    /// board's serial callback and the PC's reader then lag at random, as on a loaded machine.
    /// </summary>
    [Fact]
    public void UnderCpuLoadTheDevicesStatesStayBesideTheirSegments()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var spinners = Enumerable.Range(0, Math.Max(2, Environment.ProcessorCount)).Select(_ => new Thread(() =>
        {
            while (!stop.IsCancellationRequested) Thread.SpinWait(1000);
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal }).ToList();
        spinners.ForEach(t => t.Start());
        try
        {
            Scenario scenario = ScenarioLibrary.Find("time-wait-old-duplicate")!;
            var results = new List<ScenarioResult>();
            ScenarioRunner.RunAll(Enumerable.Repeat(scenario, 6).ToList(), new VirtualBoardTarget(), 3, null, (_, r) => results.Add(r));
            foreach (ScenarioResult r in results)
            {
                string ladder = Ladder(r);
                Assert.True(r.Passed, r.Reason + "\n" + ladder);
                AssertPlacedByContent(ladder);
            }
        }
        finally
        {
            stop.Cancel();
            spinners.ForEach(t => t.Join());
        }
    }

    /// <summary>The run as if its logs (and, where given, its packets and the PC's log) had been these.</summary>
    static ScenarioResult Replay(ScenarioResult r, IReadOnlyList<StateEvent> deviceLog,
        IReadOnlyList<LinkPacket>? packets = null, IReadOnlyList<StateEvent>? pcLog = null)
    {
        packets ??= r.Packets;
        pcLog ??= r.PcLog;
        return new()
        {
            Scenario = r.Scenario, Passed = r.Passed, Skipped = r.Skipped, Reason = r.Reason, Checks = r.Checks, Packets = packets,
            Segments = SegmentTrace.Build(packets, pcLog, deviceLog), PcLog = pcLog, DeviceLog = deviceLog,
            Connections = r.Connections, Background = r.Background, DeviceSource = r.DeviceSource, DurationMs = r.DurationMs,
        };
    }
}

/// <summary>The ladder fits a terminal: below 100 columns it is drawn compact, and no line is wider than the terminal.</summary>
public class LadderWidthTests
{
    [Theory]
    [InlineData("lost-fin", 80)]
    [InlineData("simultaneous-close", 80)]
    [InlineData("syn-flood", 80)]
    [InlineData("lost-fin", 90)]
    public void EveryLineFitsTheTerminal(string name, int width)
    {
        ScenarioResult result = new VirtualBoardTarget().Run(ScenarioLibrary.Find(name)!);
        Assert.True(result.Passed, result.Reason);
        var text = new StringWriter();
        LadderRenderer.Render(result, 0, 1, text, new Painter(color: false), width);
        string ladder = text.ToString();
        string[] lines = ladder.Split('\n');
        Assert.All(lines, l => Assert.True(l.TrimEnd('\r').Length < width, $"{l.Length} columns: {l}\n{ladder}"));
        // Still a ladder: arrows both ways, with their labels, and the device's states.
        Assert.Contains(lines, l => l.Contains("── [SYN] Seq=0") && l.Contains(">"));
        Assert.Contains(lines, l => l.Contains("<── [SYN, ACK]"));
        Assert.Contains("ESTABLISHED", ladder);
    }

    [Fact]
    public void AWideTerminalKeepsTheFullLayout()
    {
        ScenarioResult result = new VirtualBoardTarget().Run(ScenarioLibrary.Find("handshake")!);
        var wide = new StringWriter();
        var pipe = new StringWriter();
        LadderRenderer.Render(result, 0, 1, wide, new Painter(color: false), 160);
        LadderRenderer.Render(result, 0, 1, pipe, new Painter(color: false));
        Assert.Equal(pipe.ToString(), wide.ToString());
        Assert.Contains(" ms  SYN_SENT", wide.ToString());
    }
}
