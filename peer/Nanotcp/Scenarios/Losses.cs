using NanoTcp;
using static NanoTcp.TcpFlags;

namespace Nanotcp.Scenarios;

/// <summary>
/// Each of the four close segments lost (docs/design.md §8 item 5). The PC injects the loss itself: it
/// ignores a segment the device sent, or withholds one of its own. Segments of the close the
/// device starts (daytime): 1 the device's FIN, 2 the PC's ACK, 3 the PC's FIN, 4 the device's ACK.
/// </summary>
public static class Losses
{
    static List<Ladder.TracedSegment> DeviceFins(ScenarioContext s, Conn c) => s.Segments(c).Where(x => !x.FromPc && x.Has(Fin)).ToList();
    static List<Ladder.TracedSegment> PcFins(ScenarioContext s, Conn c) => s.Segments(c).Where(x => x.FromPc && x.Has(Fin)).ToList();

    /// <summary>The RTX lines of one side name the timeouts that expired; each should double the last.</summary>
    static void ExpectDoublingRto(ScenarioContext s, IReadOnlyList<StateEvent> rtx, int count, string who)
    {
        var rtos = rtx.Select(l => l.Number("rto") ?? 0).ToList();
        bool doubling = rtos.Count == count && rtos.Zip(rtos.Skip(1), (a, b) => b == Math.Min(2 * a, s.Profile.Tcp.RtoMaxMs)).All(x => x);
        s.Check(doubling, $"{who} log: {count} RTX lines, rto={string.Join(", ", rtos)} ms", $"expected {count} RTX lines with doubling rto");
    }

    public static readonly Scenario LostFin = new()
    {
        Name = "lost-fin",
        Description = "close segment 1 lost: the device's FIN is lost twice; it retransmits with doubling timeouts until acknowledged",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            int ignored = 0;
            s.Pc.LoseInbound = seg => seg.Has(Fin) && ignored++ < 2;
            var (c, n) = OpenClose.DaytimeLine(s, finTries: 3);
            s.Close(c);
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(2));
            s.UntilDevice(c, "CLOSED", s.TimeWaitMs + ScenarioContext.Slack);

            var fins = DeviceFins(s, c);
            s.ExpectBackoff(fins, 3, "the device's FIN");
            s.Check(fins.Count == 3 && fins[0].Lost && fins[1].Lost && !fins[2].Lost, "the first two copies were lost, the third arrived",
                "losses: " + string.Join(", ", fins.Select(f => f.Lost)));
            if (s.Device.FromSerial) ExpectDoublingRto(s, s.DeviceLines(c, "RTX"), 2, "device");
            s.ExpectSegments(c, "then the close completes", OpenClose.DeviceFirstClose(n));
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
        },
    };

    public static readonly Scenario LostFinGiveUp = new()
    {
        Name = "lost-fin-give-up",
        Description = "close segment 1 always lost: after max_retries retransmissions the device gives up, sends RST and closes",
        Board = d => { ScenarioLibrary.QuickTimers(d); d.Tcp.MaxRetries = 2; },
        Run = s =>
        {
            s.Pc.LoseInbound = seg => seg.Has(Fin);
            Conn c = s.Connect(Ports.Daytime);
            int retries = s.Profile.Tcp.MaxRetries;
            s.UntilDevice(c, "CLOSED", s.RetransmitBudget(retries + 1));
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(1));

            s.ExpectBackoff(DeviceFins(s, c), retries + 1, "the device's FIN");
            s.Check(s.Segments(c).Any(x => !x.FromPc && x.Has(Rst)), "the device ended the connection with RST", "no RST from the device");
            if (s.Device.FromSerial)
            {
                var closed = s.Device.Transitions(c.DevicePort, c.PcPort).LastOrDefault();
                s.Check(closed?["timer"] == "retries-exhausted", "the device's cause: timer=retries-exhausted", "cause: " + closed?.Cause);
            }
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "CLOSED");
        },
    };

    public static readonly Scenario LostAckOfFin = new()
    {
        Name = "lost-ack-of-fin",
        Description = "close segment 2 lost: the PC's ACK of the FIN is lost; the device resends its FIN and the PC ACKs again",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            int withheld = 0;
            s.Pc.LoseOutbound = seg => seg.Flags == Ack && seg.PayloadLength == 0
                && s.PcStateFor(seg, outbound: true) == TcpState.CloseWait && withheld++ < 1;
            var (c, n) = OpenClose.DaytimeLine(s);
            // The PC's application waits with its own close until the device has its ACK.
            s.UntilDevice(c, "FIN_WAIT_2", s.RetransmitBudget(2));
            s.Close(c);
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(2));
            s.UntilDevice(c, "CLOSED", s.TimeWaitMs + ScenarioContext.Slack);

            var acks = s.Segments(c).Where(x => x.FromPc && x.Flags == Ack && x.Ack == n + 2).ToList();
            s.Check(acks.Count == 2 && acks[0].Lost && !acks[1].Lost, "the PC's first ACK of the FIN was lost, the second arrived",
                $"PC ACKs of the FIN: {acks.Count}");
            s.ExpectBackoff(DeviceFins(s, c), 2, "the device's FIN");
            if (s.Device.FromSerial)
            {
                var fw2 = s.Device.Transitions(c.DevicePort, c.PcPort).FirstOrDefault(e => e.To == "FIN_WAIT_2");
                s.Check(fw2 != null && acks.Count == 2 && fw2.TimeMs >= acks[1].TimeMs,
                    "the device stayed in FIN_WAIT_1 until the second ACK", "it left FIN_WAIT_1 earlier");
            }
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
        },
    };

    public static readonly Scenario LostPeerFin = new()
    {
        Name = "lost-peer-fin",
        Description = "close segment 3 lost: the PC's FIN is lost; the device waits in FIN_WAIT_2 until the PC retransmits it",
        Board = ScenarioLibrary.QuickTimers,
        Pc = ScenarioLibrary.QuickPcTimers,
        Run = s =>
        {
            int withheld = 0;
            s.Pc.LoseOutbound = seg => seg.Has(Fin) && withheld++ < 1;
            var (c, n) = OpenClose.DaytimeLine(s);
            s.Close(c);
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(3));
            s.UntilDevice(c, "CLOSED", s.TimeWaitMs + ScenarioContext.Slack);

            var fins = PcFins(s, c);
            s.Check(fins.Count == 2 && fins[0].Lost && !fins[1].Lost, "the PC's FIN was lost once and retransmitted",
                $"PC FINs: {fins.Count}");
            s.Check(s.PcLines(c, "RTX").Count == 1, "the PC's log names the retransmission (RTX)", "no RTX line");
            if (s.Device.FromSerial)
            {
                var tw = s.Device.Transitions(c.DevicePort, c.PcPort).FirstOrDefault(e => e.To == "TIME_WAIT");
                s.Check(tw != null && fins.Count == 2 && tw.TimeMs >= fins[1].TimeMs,
                    "the device stayed in FIN_WAIT_2 until the retransmitted FIN", "it left FIN_WAIT_2 earlier");
            }
            s.ExpectSegments(c, "close segments", OpenClose.DeviceFirstClose(n));
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
            s.ExpectHeld(c, "TIME_WAIT", s.TimeWaitMs, "2·MSL from the FIN that arrived");
            s.ExpectPc(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
        },
    };

    public static readonly Scenario LostLastAck = new()
    {
        Name = "lost-last-ack",
        Description = "close segment 4 lost: the device's last ACK is lost; the PC resends its FIN, TIME_WAIT ACKs it again and restarts 2·MSL",
        Board = ScenarioLibrary.QuickTimers,
        Pc = ScenarioLibrary.QuickPcTimers,
        Run = s =>
        {
            int ignored = 0;
            s.Pc.LoseInbound = seg => seg.Flags == Ack && seg.PayloadLength == 0
                && s.PcStateFor(seg, outbound: false) == TcpState.LastAck && ignored++ < 1;
            var (c, n) = OpenClose.DaytimeLine(s);
            s.Close(c);
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(3));
            s.UntilDevice(c, "CLOSED", 2 * s.TimeWaitMs + ScenarioContext.Slack);

            var fins = PcFins(s, c);
            var acks = s.Segments(c).Where(x => !x.FromPc && x.Flags == Ack && x.Seq == n + 2 && x.Ack == 2).ToList();
            s.Check(fins.Count == 2, "the PC, in LAST_ACK, retransmitted its FIN", $"PC FINs: {fins.Count}");
            s.Check(acks.Count == 2 && acks[0].Lost && !acks[1].Lost, "the device, in TIME_WAIT, ACKed both copies (the first ACK was lost)",
                $"device ACKs of the FIN: {acks.Count}");
            var restart = s.DeviceLines(c, "TIME_WAIT-RESTART");
            if (s.Device.FromSerial)
                s.Check(restart.Count == 1, "the device restarted 2·MSL (TIME_WAIT-RESTART)", "no TIME_WAIT-RESTART line");
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
            // When the second FIN came, after TIME_WAIT began: by the device's clock if its log says, else by the PC's.
            var entered = s.Device.Transitions(c.DevicePort, c.PcPort).FirstOrDefault(e => e.To == "TIME_WAIT");
            double? secondFin = restart.Count == 1 && entered != null ? restart[0].OwnTimeMs - entered.OwnTimeMs
                : fins.Count == 2 ? fins[1].TimeMs - fins[0].TimeMs : null;
            if (secondFin is double after)
                s.ExpectHeld(c, "TIME_WAIT", s.TimeWaitMs + after, "2·MSL counted again from the second FIN");
            s.ExpectPc(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
        },
    };

    public static readonly Scenario LostLastAckPassive = new()
    {
        Name = "lost-last-ack-passive",
        Description = "close segment 4 lost, the device closing second (echo): its LAST_ACK resends the FIN, the PC's TIME_WAIT ACKs it",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            int withheld = 0;
            s.Pc.LoseOutbound = seg => seg.Flags == Ack && seg.PayloadLength == 0
                && s.PcStateFor(seg, outbound: true) == TcpState.TimeWait && withheld++ < 1;
            const string text = "bye";
            Conn c = s.Connect(Ports.Echo, text);
            s.Until(() => s.Read(c) == text, s.RetransmitBudget(2), "the echo");
            s.Close(c);
            s.UntilPc(c, TcpState.TimeWait, s.RetransmitBudget(2));
            s.UntilDevice(c, "CLOSED", s.RetransmitBudget(3));

            uint d = (uint)text.Length;
            var lastAcks = s.Segments(c).Where(x => x.FromPc && x.Flags == Ack && x.Seq == d + 2 && x.Ack == d + 2).ToList();
            s.ExpectBackoff(DeviceFins(s, c), 2, "the device's FIN");
            if (s.Device.FromSerial) ExpectDoublingRto(s, s.DeviceLines(c, "RTX"), 1, "device");
            s.Check(lastAcks.Count == 2 && lastAcks[0].Lost && !lastAcks[1].Lost,
                "the PC's last ACK was lost; its TIME_WAIT ACKed the retransmitted FIN", $"PC last ACKs: {lastAcks.Count}");
            s.ExpectDevice(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT");
        },
    };
}
