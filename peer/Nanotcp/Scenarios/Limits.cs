using Nanotcp.Monitor;
using NanoTcp;
using static NanoTcp.TcpFlags;

namespace Nanotcp.Scenarios;

/// <summary>Aborts and a fixed table under pressure: RST, SYN floods, a full table (README "Table full").</summary>
public static class Limits
{
    public static readonly Scenario RstAbort = new()
    {
        Name = "rst-abort",
        Description = "SO_LINGER 0: the PC's close sends RST, both sides skip TIME_WAIT; a late segment then draws the device's RST (echo, port 7)",
        Board = ScenarioLibrary.QuickTimers,
        Run = s =>
        {
            const string text = "abort me";
            Conn c = s.Connect(Ports.Echo, text);
            s.Until(() => s.Read(c) == text, s.RetransmitBudget(2), "the echo");
            s.Engine.SetLinger(c.Handle, true, 0);
            s.Close(c);
            s.UntilDevice(c, "CLOSED", s.RetransmitBudget(1));

            // A copy of the PC's data segment arrives after the abort: the device has no such connection.
            var data = s.Segments(c).First(x => x.FromPc && x.Len > 0);
            double sentAt = s.Pc.NowPrecise;
            s.Pc.Resend(data.Packet);
            s.Until(() => s.Segments(c).Any(x => !x.FromPc && x.Has(Rst) && x.TimeMs > sentAt), s.RetransmitBudget(1), "the device's RST");

            var segs = s.Segments(c);
            s.Check(segs.Any(x => x.FromPc && x.Has(Rst)) && !segs.Any(x => x.Has(Fin)), "the PC's close sent RST, and no FIN crossed",
                "segments: " + string.Join(", ", segs.Select(x => x.Label)));
            s.ExpectPc(c, "ESTABLISHED", "CLOSED");
            s.ExpectDevice(c, "ESTABLISHED", "CLOSED");
            s.Check(!s.PcTransitions(c).Any(l => l.To == "TIME_WAIT") && !s.Device.Reached(c.DevicePort, c.PcPort, "TIME_WAIT"),
                "neither side went through TIME_WAIT", "a TIME_WAIT was seen");
            s.Check(segs.Any(x => !x.FromPc && x.Has(Rst) && x.TimeMs > sentAt), "the late segment was answered by the device's RST", "no RST");
        },
    };

    const int FloodSize = 20, FloodFirstPort = 61001;

    public static readonly Scenario SynFlood = new()
    {
        Name = "syn-flood",
        Description = $"SYN flood: {FloodSize} SYNs from spoofed ports never complete; half-open slots are capped and recycled, a real client still connects",
        Board = d =>
        {
            ScenarioLibrary.QuickTimers(d);
            d.Tcp.Capacity = 5;
            d.Tcp.SynBacklog = 3;
            d.Tcp.SynMaxRetries = 1;
        },
        Run = s =>
        {
            static bool Flood(int port) => port >= FloodFirstPort && port < FloodFirstPort + FloodSize;
            s.Background = Flood;
            // The flood's sources are forged: its SYN-ACKs reach nobody.
            s.Pc.LoseInbound = seg => Flood(seg.DstPort);
            var random = new Random();
            for (int i = 0; i < FloodSize; i++)
                s.Pc.SendRaw(FloodFirstPort + i, Ports.Discard, (uint)random.NextInt64(1L << 32), 0, Syn, mss: 1400);
            // Each flood SYN is answered (a SYN-ACK; a RST where the table is full) before the table is looked at.
            s.Until(() => s.Pc.Packets.Where(p => !p.FromPc).Select(p => p.Parse().DstPort).Where(Flood).Distinct().Count() >= FloodSize,
                s.RetransmitBudget(1), $"the device's answers to all {FloodSize} flood SYNs");
            DeviceStatus during = s.Status();
            int capacity = during.Capacity ?? s.Profile.Tcp.Capacity;
            int backlog = s.Profile.Tcp.SynBacklog > 0 ? s.Profile.Tcp.SynBacklog : capacity / 2;
            int halfOpen = during.Slots.Count(x => x.State == "SYN_RECEIVED");
            s.Check(halfOpen <= backlog, $"during the flood STATUS showed {halfOpen} half-open slots: at most syn_backlog={backlog}",
                "more than the backlog");
            s.Check(during.InUse < capacity, $"the flood left room for real clients (STATUS: in_use={during.InUse} of capacity={capacity})",
                $"its half-open connections filled the table: syn_backlog={backlog} is not below capacity={capacity}");
            if (during.InUse >= capacity)
            {
                // A real client would be refused: leave the device clean for what runs next, then stop.
                s.UntilStatus(r => r.Slots.All(x => x.State != "SYN_RECEIVED"),
                    s.RetransmitBudget(s.Profile.Tcp.SynMaxRetries + 1), "the flood's half-open connections to time out");
                return;
            }

            const string text = "a real client";
            Conn c = s.Connect(Ports.Discard, text);
            s.Until(() => s.Segments(c).Any(x => !x.FromPc && x.Ack == text.Length + 1), s.RetransmitBudget(2), "the device's ACK of the real client's data");
            s.Close(c);
            s.UntilDevice(c, "CLOSED", s.RetransmitBudget(2));
            var after = s.UntilStatus(r => r.Slots.All(x => x.State != "SYN_RECEIVED"),
                s.RetransmitBudget(s.Profile.Tcp.SynMaxRetries + 1), "the flood's half-open connections to time out");

            long recycled = during.Counter("recycled") ?? 0;
            s.Check(recycled >= FloodSize - backlog, $"STATUS: recycled={recycled} (each flood SYN beyond the backlog took the oldest half-open slot)",
                $"expected at least {FloodSize - backlog}");
            if (s.Device.FromSerial)
            {
                int lines = s.DeviceLog().Count(e => e.Event == "RECYCLE" && e["why"] == "syn-backlog");
                s.Check(lines >= FloodSize - backlog, $"the device logged {lines} RECYCLE why=syn-backlog lines", $"expected at least {FloodSize - backlog}");
            }
            s.ExpectPc(c, "SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT");
            s.ExpectDevice(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
            s.Check(after.Slots.All(x => x.State != "SYN_RECEIVED"), $"the flood's half-open slots timed out by themselves (STATUS: in_use={after.InUse})");
            s.Check(!s.Pc.Packets.Any(p => !p.FromPc && Flood(p.Parse().DstPort) && p.Parse().Has(Rst)), "the device sent no RST to the flood", "it did");
        },
    };

    public static readonly Scenario TableFull = new()
    {
        Name = "table-full",
        Description = "table full: every slot holds a live connection, so the next SYN is refused with RST (discard, port 9)",
        Board = d => { ScenarioLibrary.QuickTimers(d); d.Tcp.Capacity = 3; },
        Run = s =>
        {
            int capacity = s.Profile.Tcp.Capacity;
            var live = new List<Conn>();
            DeviceStatus status = s.Status();
            // Fill every free connection slot (listeners have slots of their own) with an established connection.
            for (int free = capacity - (status.InUse ?? capacity); free > 0; free--) live.Add(s.Connect(Ports.Discard));
            Conn refused = s.Open(Ports.Discard);
            s.UntilPc(refused, TcpState.Closed, s.HandshakeBudget);
            DeviceStatus full = s.Status();
            foreach (Conn c in live) s.Close(c);
            foreach (Conn c in live) s.UntilDevice(c, "CLOSED", s.RetransmitBudget(2));

            s.ExpectSegments(refused, "the SYN is refused", Seg.Pc(Syn, 0, null), Seg.Device(Rst | Ack, 0, 1));
            s.ExpectPc(refused, "CLOSED", "SYN_SENT", "CLOSED");
            s.Check(full.InUse == capacity && full.Counter("table_full") >= 1,
                $"STATUS: in_use={full.InUse} of capacity={capacity}, table_full={full.Counter("table_full")}", "expected a full table");
            if (s.Device.FromSerial)
                s.Check(s.DeviceLog().Any(e => e.Event == "TABLE-FULL" && e.PeerPort == refused.PcPort), "the device logged TABLE-FULL", "no TABLE-FULL line");
            foreach (Conn c in live) s.ExpectDevice(c, "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
        },
    };
}
