using NanoTcp;
using static NanoTcp.TcpFlags;

namespace Nanotcp.Scenarios;

/// <summary>What the close's timers are for: TIME_WAIT's 2·MSL, the FIN_WAIT_2 timeout, keep-alive (docs/design.md §8 items 6, 7, 9).</summary>
public static class Timers
{
    public static readonly Scenario TimeWaitOldDuplicate = new()
    {
        Name = "time-wait-old-duplicate",
        Description = "why TIME_WAIT lasts 2·MSL: an old duplicate arriving in TIME_WAIT is ACKed and dropped, not delivered, and does not extend it",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            const string early = "early data";
            var (c, n) = OpenClose.DaytimeLine(s, early);
            s.Close(c);
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(2));
            s.UntilDevice(c, "TIME_WAIT", s.RetransmitBudget(1));

            // A delayed copy of the PC's first data segment turns up while the device is in TIME_WAIT.
            var original = s.Segments(c).First(x => x.FromPc && x.Len > 0);
            double sentAt = s.Pc.NowPrecise;
            s.Pc.Resend(original.Packet);
            uint d = (uint)early.Length;
            s.Until(() => s.Segments(c).Any(x => !x.FromPc && x.TimeMs > sentAt), s.RetransmitBudget(1), "the device's answer to the duplicate");
            s.UntilDevice(c, "CLOSED", s.TimeWaitMs + ScenarioContext.Slack);

            var answer = s.Segments(c).First(x => !x.FromPc && x.TimeMs > sentAt);
            s.Check(answer.Flags == Ack && answer.Seq == n + 2 && answer.Ack == d + 2,
                $"the duplicate [PSH, ACK] Seq=1 Len={d} was answered by [ACK] Seq={n + 2} Ack={d + 2}: where the device really is, nothing taken",
                "answered by " + answer.Label);
            if (s.Device.FromSerial)
                s.Check(s.DeviceLines(c, "TIME_WAIT-RESTART").Count == 0, "only a FIN restarts 2·MSL: no TIME_WAIT-RESTART", "TIME_WAIT was restarted");
            s.ExpectSegments(c, "close segments", OpenClose.DeviceFirstClose(n, d));
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
            s.ExpectHeld(c, "TIME_WAIT", s.TimeWaitMs, "TIME_WAIT still ends 2·MSL after it began");
        },
    };

    public static readonly Scenario FinWait2Timeout = new()
    {
        Name = "fin-wait-2-timeout",
        Description = "a FIN_WAIT_2 cannot last forever: the PC never sends its FIN, the device's timer closes; the late FIN then draws a RST",
        Board = d => { ScenarioLibrary.QuickTimers(d); d.Tcp.FinWait2TimeoutMs = 400; },
        Requires = d => d.Tcp.FinWait2TimeoutMs > 0 ? null : "the device's FIN_WAIT_2 timeout is off (fin_wait2_timeout_ms=0)",
        Run = s =>
        {
            var (c, n) = OpenClose.DaytimeLine(s);
            int timeout = s.Profile.Tcp.FinWait2TimeoutMs;
            // The PC's application never closes: nothing is sent.
            s.UntilDevice(c, "CLOSED", timeout + ScenarioContext.Slack);
            double closedAt = s.Pc.NowPrecise;
            s.Close(c);
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(2));

            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSED");
            s.ExpectHeld(c, "FIN_WAIT_2", timeout, "the FIN_WAIT_2 timer");
            if (s.Device.FromSerial)
            {
                var last = s.Device.Transitions(c.DevicePort, c.PcPort).LastOrDefault();
                s.Check(last?["timer"] == "fin_wait_2", "the device's cause: timer=fin_wait_2", "cause: " + last?.Cause);
            }
            s.ExpectSegments(c, "the late FIN finds no connection and draws a RST",
                Seg.Pc(Fin | Ack, 1, n + 2), Seg.Device(Rst, n + 2, null));
            s.ExpectPc(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
        },
    };

    public static readonly Scenario KeepAlive = new()
    {
        Name = "keepalive",
        Description = "why heartbeats: the PC vanishes without a FIN; only the device's keep-alive probes find out, and it ends with RST (discard, port 9)",
        Board = d =>
        {
            ScenarioLibrary.QuickTimers(d);
            d.Tcp.KeepAliveIdleMs = 300;
            d.Tcp.KeepAliveIntervalMs = 150;
            d.Tcp.KeepAliveCount = 3;
        },
        Requires = d => d.Tcp.KeepAliveIdleMs > 0 ? null : "keep-alive is off on the device (keepalive_idle_ms=0)",
        Run = s =>
        {
            const string text = "are you there?";
            Conn c = s.Connect(Ports.Discard, text);
            s.Until(() => s.Segments(c).Any(x => !x.FromPc && x.Ack == text.Length + 1), s.RetransmitBudget(2), "the device's ACK of the data");
            // The PC vanishes: nothing it sends leaves, nothing sent to it arrives.
            s.Pc.LoseInbound = _ => true;
            s.Pc.LoseOutbound = _ => true;
            var tcp = s.Profile.Tcp;
            s.UntilDevice(c, "CLOSED", tcp.KeepAliveIdleMs + (tcp.KeepAliveCount + 1) * tcp.KeepAliveIntervalMs + ScenarioContext.Slack);
            // The RST leaves with the CLOSED line; the serial line can be read before the datagram.
            s.Pc.RunUntil(() => s.Segments(c).Any(x => !x.FromPc && x.Has(Rst)), ScenarioContext.Slack);

            var segs = s.Segments(c);
            var probes = segs.Where(x => !x.FromPc && x.KeepAlive).ToList();
            double lastHeard = segs.Last(x => x.FromPc && !x.Lost).TimeMs;
            string spacing = probes.Count == 0 ? "" : $", the first {probes[0].TimeMs - lastHeard:0} ms after the last segment from the PC";
            s.Check(probes.Count == tcp.KeepAliveCount,
                $"{probes.Count} keep-alive probes ([ACK] Seq=SND.NXT-1){spacing}", $"expected {tcp.KeepAliveCount}");
            s.Check(probes.Count > 0 && probes[0].TimeMs - lastHeard >= tcp.KeepAliveIdleMs * 0.9,
                $"the first probe only after {tcp.KeepAliveIdleMs} ms idle", "it came too early");
            s.Check(segs.Any(x => !x.FromPc && x.Has(Rst)), "unanswered, the device gave up with RST", "no RST");
            if (s.Device.FromSerial)
                s.Check(s.DeviceLines(c, "KEEPALIVE").Count == tcp.KeepAliveCount, $"the device logged {tcp.KeepAliveCount} KEEPALIVE lines",
                    $"{s.DeviceLines(c, "KEEPALIVE").Count} lines");
            s.ExpectDevice(c, "ESTABLISHED", "CLOSED");
            s.Check(s.PcState(c) == TcpState.Established, "the vanished PC never learned: its side is still ESTABLISHED",
                "PC: " + TcpStates.Name(s.PcState(c)));
        },
    };
}
