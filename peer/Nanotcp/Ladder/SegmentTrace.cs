using Nanotcp.Monitor;
using Nanotcp.Net;
using Nanotcp.Scenarios;
using NanoTcp;

namespace Nanotcp.Ladder;

/// <summary>
/// One segment on the link as Wireshark would describe it: sequence and acknowledgment numbers
/// relative to each side's initial sequence number, and its analysis (retransmission, keep-alive).
/// </summary>
public sealed record TracedSegment(
    double TimeMs,
    bool FromPc,
    int PcPort,
    int DevicePort,
    int Flags,
    uint Seq,
    uint? Ack,
    int Len,
    int Window,
    bool Lost,
    LinkPacket Packet)
{
    /// <summary>A copy of data, SYN or FIN sent before.</summary>
    public bool Retransmission { get; init; }
    /// <summary>Time since the previous copy, for a retransmission.</summary>
    public double? AfterMs { get; init; }
    /// <summary>The retransmission timeout that expired, when the sender's log names it (RTX rto=...).</summary>
    public long? RtoMs { get; init; }
    /// <summary>Why a retransmission without a timeout was sent (RTX why=dup-acks or why=partial-ack: fast retransmit).</summary>
    public string? RtxWhy { get; init; }
    /// <summary>A keep-alive probe: SEG.SEQ = SND.NXT - 1 with at most one byte.</summary>
    public bool KeepAlive { get; init; }

    public bool Has(int flag) => (Flags & flag) != 0;

    /// <summary>[FIN, ACK] Seq=161 Ack=734, with Len=N when it carries data.</summary>
    public string Label
    {
        get
        {
            string text = $"{SegmentLabel.Flags(Flags)} Seq={Seq}";
            if (Ack is uint ack) text += $" Ack={ack}";
            if (Len > 0) text += $" Len={Len}";
            return text;
        }
    }
}

/// <summary>
/// Turns the packets the PC saw into <see cref="TracedSegment"/>s, computing what Wireshark's TCP
/// analysis computes: per connection and direction, numbers relative to the initial sequence
/// number (the SYN's, or the first seen), and which segments are retransmissions or keep-alives.
/// The senders' RTX log lines, when given, add the timeout that triggered each retransmission.
/// </summary>
public static class SegmentTrace
{
    sealed class Direction
    {
        public uint? Base;
        public uint NextSeq;
        public bool Any;
        public readonly Dictionary<uint, double> SentAt = new();
    }

    sealed class Stream
    {
        public readonly Direction Pc = new(), Device = new();
        public Direction Of(bool fromPc) => fromPc ? Pc : Device;
    }

    public static IReadOnlyList<TracedSegment> Build(IEnumerable<LinkPacket> packets,
        IEnumerable<StateEvent>? pcLog = null, IEnumerable<StateEvent>? deviceLog = null)
    {
        var streams = new Dictionary<(int, int), Stream>();
        var rtxPc = Retransmissions(pcLog);
        var rtxDevice = Retransmissions(deviceLog);
        var result = new List<TracedSegment>();
        foreach (LinkPacket p in packets)
        {
            var seg = new Segment();
            if (Wire.Parse(p.Bytes, 0, p.Bytes.Length, seg) != DropReason.None) continue;
            int pcPort = p.FromPc ? seg.SrcPort : seg.DstPort;
            int devicePort = p.FromPc ? seg.DstPort : seg.SrcPort;
            var key = (pcPort, devicePort);
            bool syn = seg.Has(TcpFlags.Syn);
            // A new SYN from the PC with another ISN opens a new connection on the same ports.
            if (!streams.TryGetValue(key, out Stream? stream)
                || (p.FromPc && syn && !seg.Has(TcpFlags.Ack) && stream.Pc.Base is uint b && b != seg.Seq))
                streams[key] = stream = new Stream();

            Direction own = stream.Of(p.FromPc), other = stream.Of(!p.FromPc);
            if (own.Base == null) own.Base = seg.Seq; // Wireshark: the SYN's ISN, or the first number seen
            uint rel = seg.Seq - own.Base.Value;
            uint? ack = null;
            if (seg.Has(TcpFlags.Ack)) ack = other.Base is uint ob ? seg.Ack - ob : seg.Ack;

            int segLen = seg.PayloadLength + (syn ? 1 : 0) + (seg.Has(TcpFlags.Fin) ? 1 : 0);
            bool retransmission = own.Any && segLen > 0 && SeqNum.Lt(seg.Seq, own.NextSeq);
            bool keepAlive = own.Any && !retransmission && seg.PayloadLength <= 1 && !syn
                && !seg.Has(TcpFlags.Fin | TcpFlags.Rst) && seg.Seq == own.NextSeq - 1;
            double? after = retransmission && own.SentAt.TryGetValue(seg.Seq, out double prev) ? p.TimeMs - prev : null;
            long? rto = null;
            string? rtxWhy = null;
            if (retransmission)
            {
                var rtx = p.FromPc ? rtxPc : rtxDevice;
                string flagText = LogFlags(seg.Flags);
                int i = rtx.FindIndex(l => l.LocalPort == (p.FromPc ? pcPort : devicePort) && l.PeerPort == (p.FromPc ? devicePort : pcPort)
                    && l["tx"] == flagText && l.Number("seq") == rel && l.Number("len") == seg.PayloadLength);
                if (i >= 0) { rto = rtx[i].Number("rto"); rtxWhy = rtx[i]["why"]; rtx.RemoveAt(i); }
            }
            if (segLen > 0 || !own.Any)
            {
                uint end = seg.Seq + (uint)segLen;
                if (!own.Any || SeqNum.Gt(end, own.NextSeq)) own.NextSeq = end;
            }
            own.Any = true;
            if (segLen > 0) own.SentAt[seg.Seq] = p.TimeMs;

            result.Add(new TracedSegment(p.TimeMs, p.FromPc, pcPort, devicePort, seg.Flags, rel, ack,
                seg.PayloadLength, seg.Window, p.Lost, p)
            {
                Retransmission = retransmission, AfterMs = after, RtoMs = rto, RtxWhy = rtxWhy, KeepAlive = keepAlive,
            });
        }
        return result;
    }

    static List<StateEvent> Retransmissions(IEnumerable<StateEvent>? log) =>
        log?.Where(l => l.Event == "RTX").ToList() ?? [];

    /// <summary>"[FP.]": flags as the state log writes them (tcpdump's letters and order).</summary>
    public static string LogFlags(int flags)
    {
        var s = new System.Text.StringBuilder("[");
        foreach (var (flag, letter) in Letters) if ((flags & flag) != 0) s.Append(letter);
        return s.Append(']').ToString();
    }

    static readonly (int, char)[] Letters =
    [
        (TcpFlags.Fin, 'F'), (TcpFlags.Syn, 'S'), (TcpFlags.Rst, 'R'), (TcpFlags.Psh, 'P'),
        (TcpFlags.Ack, '.'), (TcpFlags.Urg, 'U'), (TcpFlags.Ece, 'E'), (TcpFlags.Cwr, 'W'),
    ];
}
