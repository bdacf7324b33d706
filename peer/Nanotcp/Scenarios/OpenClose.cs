using NanoTcp;
using static NanoTcp.TcpFlags;

namespace Nanotcp.Scenarios;

/// <summary>Opening and closing without losses: docs/design.md §8 items 1 to 4, and half-close.</summary>
public static class OpenClose
{
    /// <summary>
    /// Connects to daytime, which sends one line and closes first; waits until its FIN has
    /// arrived (the PC in CLOSE_WAIT) and reads the line. Returns the connection and the line's
    /// length N: the device's FIN is then Seq=N+1, and the PC's ACK of it Ack=N+2.
    /// </summary>
    public static (Conn Conn, uint LineLength) DaytimeLine(ScenarioContext s, string? data = null, int finTries = 1)
    {
        Conn c = s.Connect(Ports.Daytime, data);
        s.UntilPc(c, TcpState.CloseWait, s.RetransmitBudget(finTries));
        return (c, (uint)s.Read(c).Length);
    }

    /// <summary>The four segments of a close the device starts (daytime), d being the bytes the PC sent.</summary>
    public static Seg[] DeviceFirstClose(uint n, uint d = 0) =>
    [
        Seg.Device(Fin | Ack, n + 1, d + 1),
        Seg.Pc(Ack, d + 1, n + 2),
        Seg.Pc(Fin | Ack, d + 1, n + 2),
        Seg.Device(Ack, n + 2, d + 2),
    ];

    public static readonly Scenario Handshake = new()
    {
        Name = "handshake",
        Description = "three-way handshake (SYN, SYN-ACK, ACK); the third segment already carries data (echo, port 7)",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            const string text = "hello from the third segment";
            Conn c = s.Connect(Ports.Echo, text);
            s.Until(() => s.Read(c) == text, s.RetransmitBudget(2), "the echo of the data");
            s.Close(c);
            s.UntilDevice(c, "CLOSED", s.RetransmitBudget(2));

            var segs = s.Segments(c);
            s.Check(segs.Count >= 3 && segs[0].FromPc && segs[0].Flags == Syn && !segs[1].FromPc && segs[1].Flags == (Syn | Ack),
                "[SYN] from the PC, [SYN, ACK] from the device", "first segments: " + string.Join(", ", segs.Take(3).Select(x => x.Label)));
            s.ExpectSegments(c, "the third segment carries the data", Seg.Pc(Psh | Ack, 1, 1, text.Length));
            s.ExpectPc(c, "CLOSED", "SYN_SENT", "ESTABLISHED");
            s.ExpectDevice(c, "SYN_RECEIVED", "ESTABLISHED");
            if (s.Device.FromSerial)
            {
                var established = s.Device.Transitions(c.DevicePort, c.PcPort).FirstOrDefault(e => e.To == "ESTABLISHED");
                s.Check(established?.Number("len") == text.Length,
                    $"the device entered ESTABLISHED on the data segment (rx=[P.] len={text.Length})", "cause: " + established?.Cause);
            }
            s.Check(s.Read(c) == text, $"the echo came back ({text.Length} bytes)", $"got '{c.Received}'");
        },
    };

    public static readonly Scenario CloseDeviceFirst = new()
    {
        Name = "close-device-first",
        Description = "four-way close, the device first (daytime, port 13): FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT (2·MSL) → CLOSED",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            var (c, n) = DaytimeLine(s);
            s.Close(c);
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(2));
            s.UntilDevice(c, "CLOSED", s.TimeWaitMs + ScenarioContext.Slack);

            s.ExpectSegments(c, "close segments", DeviceFirstClose(n));
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
            s.ExpectHeld(c, "TIME_WAIT", s.TimeWaitMs, "TIME_WAIT lasts 2·MSL");
        },
    };

    public static readonly Scenario ClosePcFirst = new()
    {
        Name = "close-pc-first",
        Description = "four-way close, the PC first (echo, port 7): the device goes CLOSE_WAIT → LAST_ACK → CLOSED",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            const string text = "ping";
            Conn c = s.Connect(Ports.Echo, text);
            s.Until(() => s.Read(c) == text, s.RetransmitBudget(2), "the echo");
            s.Close(c);
            s.UntilPc(c, TcpState.TimeWait, s.RetransmitBudget(2));
            s.UntilDevice(c, "CLOSED", s.RetransmitBudget(2));

            uint d = (uint)text.Length;
            s.ExpectSegments(c, "close segments",
                Seg.Pc(Fin | Ack, d + 1, d + 1), Seg.Device(Ack, d + 1, d + 2),
                Seg.Device(Fin | Ack, d + 1, d + 2), Seg.Pc(Ack, d + 2, d + 2));
            s.ExpectDevice(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT");
        },
    };

    public static readonly Scenario CloseWaitSends = new()
    {
        Name = "close-wait-sends",
        Description = "why segments 2 and 3 cannot merge: after the PC's FIN the device still sends data in CLOSE_WAIT (farewell, port 2019)",
        Board = d => { ScenarioLibrary.QuickTimers(d); d.FarewellLines = 3; d.FarewellIntervalMs = 100; },
        Run = s =>
        {
            Conn c = s.Connect(Ports.Farewell);
            s.Until(() => s.Read(c).EndsWith('\n'), s.RetransmitBudget(2), "the farewell greeting");
            int greeting = c.Received.Length;
            s.ShutdownWrite(c);
            int lines = s.Profile.FarewellLines;
            s.UntilPc(c, TcpState.TimeWait, lines * s.Profile.FarewellIntervalMs + s.RetransmitBudget(2));
            s.UntilDevice(c, "CLOSED", s.RetransmitBudget(2));
            s.Read(c);

            var segs = s.Segments(c);
            var pcFin = segs.FirstOrDefault(x => x.FromPc && x.Has(Fin));
            var ackOfFin = segs.FirstOrDefault(x => !x.FromPc && pcFin != null && x.Ack == pcFin.Seq + 1 && x.Len == 0 && !x.Has(Fin));
            var deviceFin = segs.FirstOrDefault(x => !x.FromPc && x.Has(Fin));
            int between = segs.Count(x => !x.FromPc && x.Len > 0 && ackOfFin != null && deviceFin != null
                && x.TimeMs > ackOfFin.TimeMs && x.TimeMs <= deviceFin.TimeMs);
            s.Check(ackOfFin != null && deviceFin != null && between >= lines,
                $"the device ACKed the PC's FIN (segment 2), then sent {lines} data segments in CLOSE_WAIT, then its FIN (segment 3)",
                $"data segments between: {between}");
            s.Check(c.Received.Length > greeting && c.Received.ToString()[greeting..].Contains("CLOSE_WAIT"),
                "the PC, half-closed, still received the farewell lines", $"received after the greeting: '{c.Received.ToString()[greeting..]}'");
            s.ExpectDevice(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT");
        },
    };

    public static readonly Scenario FinAckTogether = new()
    {
        Name = "fin-ack-together",
        Description = "the PC's ACK and FIN arrive in one segment: the device goes FIN_WAIT_1 → TIME_WAIT directly (daytime, port 13)",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            Conn c = s.Connect(Ports.Daytime);
            // The PC's application shuts down the moment it learns of the device's FIN, before
            // its engine sends the ACK of that FIN: the ACK rides on the PC's own FIN.
            bool closed = false;
            s.Engine.OnEvent = (handle, events) =>
            {
                if (handle != c.Handle || closed || (events & TcpEvents.PeerClosed) == 0) return;
                closed = true;
                s.ShutdownWrite(c);
            };
            s.UntilPc(c, TcpState.LastAck, s.RetransmitBudget(1));
            uint n = (uint)s.Read(c).Length;
            s.UntilPc(c, TcpState.Closed, s.RetransmitBudget(2));
            s.UntilDevice(c, "CLOSED", s.TimeWaitMs + ScenarioContext.Slack);

            s.ExpectSegments(c, "close segments", Seg.Device(Fin | Ack, n + 1, 1), Seg.Pc(Fin | Ack, 1, n + 2), Seg.Device(Ack, n + 2, 2));
            s.Check(!s.Segments(c).Any(x => x.FromPc && x.Flags == Ack && x.Ack == n + 2),
                "no separate [ACK] of the device's FIN: it came with the PC's FIN", "the PC sent a pure ACK of the FIN");
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "TIME_WAIT", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
        },
    };

    public static readonly Scenario SimultaneousClose = new()
    {
        Name = "simultaneous-close",
        Description = "both FINs cross on the link: both sides go FIN_WAIT_1 → CLOSING → TIME_WAIT (daytime, port 13)",
        Board = ScenarioLibrary.QuickTimers,
        Pc = c => c.MslMs = 250,
        Run = s =>
        {
            // Daytime sends its line and its FIN in the step that accepts the connection; the PC
            // half-closes once that line waits on its link, before its engine has seen any of it:
            // the two FINs cross. (Sooner, the PC's FIN could reach the device in the same step
            // as the handshake's last ACK, and the device would see it before closing.)
            Conn c = s.Connect(Ports.Daytime);
            if (!s.Pc.Link.WaitReadable(s.RetransmitBudget(2))) throw new ScenarioAbort("the device sent nothing after the handshake");
            s.ShutdownWrite(c);
            s.UntilPc(c, TcpState.TimeWait, s.RetransmitBudget(2));
            uint n = (uint)s.Read(c).Length;
            s.UntilDevice(c, "CLOSED", s.TimeWaitMs + ScenarioContext.Slack);

            s.ExpectSegments(c, "the FINs cross: neither acknowledges the other", Seg.Pc(Fin | Ack, 1, 1), Seg.Device(Fin | Ack, n + 1, 1));
            s.ExpectSegments(c, "the device ACKs the PC's FIN", Seg.Device(Ack, n + 2, 2));
            s.ExpectSegments(c, "the PC ACKs the device's FIN", Seg.Pc(Ack, 2, n + 2));
            s.ExpectDevice(c, "ESTABLISHED", "FIN_WAIT_1", "CLOSING", "TIME_WAIT", "CLOSED");
            s.ExpectPc(c, "ESTABLISHED", "FIN_WAIT_1", "CLOSING", "TIME_WAIT");
        },
    };

    public static readonly Scenario HalfClose = new()
    {
        Name = "half-close",
        Description = "half-close: the PC sends 3000 bytes and its FIN, then goes on receiving their echo in FIN_WAIT_2 (echo, port 7)",
        Board = ScenarioLibrary.QuickTimers,
        // A small receive window on the PC: the echo cannot all be sent before the PC's FIN arrives.
        Pc = c => c.RcvBuf = 1024,
        Run = s =>
        {
            var data = new byte[3000];
            for (int i = 0; i < data.Length; i++) data[i] = (byte)('a' + i % 26);
            Conn c = s.Connect(Ports.Echo);
            s.Send(c, data);
            s.ShutdownWrite(c);
            // Read nothing until the device has acknowledged the FIN: its echo waits in its buffers.
            s.UntilPc(c, TcpState.FinWait2, s.RetransmitBudget(3));
            s.Until(() => s.Read(c).Length == data.Length && s.PcState(c) == TcpState.TimeWait, s.RetransmitBudget(4), "the whole echo and the device's FIN");
            s.UntilDevice(c, "CLOSED", s.RetransmitBudget(2));

            var segs = s.Segments(c);
            var pcFin = segs.First(x => x.FromPc && x.Has(Fin));
            uint finAcked = pcFin.Seq + (uint)pcFin.Len + 1; // the FIN comes after the segment's data
            int after = segs.Where(x => !x.FromPc && !x.Retransmission && x.Ack == finAcked).Sum(x => x.Len);
            s.Check(after > 0, $"the device sent {after} bytes after acknowledging the PC's FIN (in CLOSE_WAIT)", "it sent everything before");
            s.Check(c.Received.ToString() == System.Text.Encoding.ASCII.GetString(data), $"the PC received all {data.Length} bytes back after its FIN",
                $"received {c.Received.Length} bytes");
            s.ExpectPc(c, "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT");
            s.ExpectDevice(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
        },
    };
}
