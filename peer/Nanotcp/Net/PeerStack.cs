using System.Diagnostics;
using NanoTcp;

namespace Nanotcp.Net;

/// <summary>One segment seen on the link by the PC, in either direction.</summary>
/// <param name="TimeMs">Milliseconds since the stack started.</param>
/// <param name="FromPc">True for PC → device.</param>
/// <param name="Lost">The peer dropped it on purpose (a loss it injected): it never reached the other side.
/// A lost PC → device packet never left the PC; a lost device → PC packet arrived and was ignored.</param>
public sealed record LinkPacket(double TimeMs, DateTimeOffset Wall, bool FromPc, byte[] Bytes, bool Lost)
{
    /// <summary>Made by hand (<see cref="PeerStack.SendRaw"/>, <see cref="PeerStack.Resend"/>), not by the PC's engine.</summary>
    public bool Injected { get; init; }

    /// <summary>Whether a capture on the PC's link sees it: everything but what the PC withheld.</summary>
    public bool OnTheWire => !(Lost && FromPc);

    public Segment Parse()
    {
        var s = new Segment();
        Wire.Parse(Bytes, 0, Bytes.Length, s);
        return s;
    }
}

/// <summary>
/// The PC's side of connections to a device: the same NanoTcp engine (as 192.0.2.1) whose
/// packets travel over a <see cref="DeviceLink"/>, on the real clock. Single-threaded: the
/// caller drives it with <see cref="Pump"/> or <see cref="RunUntil"/>. It can lose packets in
/// either direction on purpose. It keeps packets and log lines only for what asks for them:
/// a pcap gets each packet as it passes; <see cref="RecordLimit"/> keeps up to that many for
/// ladders and reports, counting the rest in <see cref="PacketsNotRecorded"/>. With neither, and
/// no loss rule or observer set, a packet costs no allocation and is parsed once, by the engine.
/// </summary>
public sealed class PeerStack : ITcpLink, ILogSink, IDisposable
{
    public static readonly uint PcAddress = Ipv4.Address(192, 0, 2, 1);
    public static readonly uint DeviceAddress = Ipv4.Address(192, 0, 2, 2);

    /// <summary>Enough for any scenario's ladder (the largest, a SYN flood, sees a few hundred packets).</summary>
    public const int LadderRecordLimit = 100_000;

    readonly DeviceLink _link;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    readonly byte[] _rx = new byte[65536];
    readonly Segment _inspected = new(); // what a loss rule looks at: parsed only when there is one
    readonly List<LinkPacket> _packets = [];
    readonly List<string> _log = [];

    public PeerStack(DeviceLink link, Action<TcpConfig>? configure = null, PcapWriter? pcap = null, int recordLimit = 0)
    {
        _link = link;
        Pcap = pcap;
        RecordLimit = recordLimit;
        var cfg = new TcpConfig { LocalAddress = PcAddress, Capacity = 64, RcvBuf = 65535, SndBuf = 65536, Mss = 1400 };
        cfg.IsnKey0 = (ulong)Random.Shared.NextInt64();
        cfg.IsnKey1 = (ulong)Random.Shared.NextInt64();
        configure?.Invoke(cfg);
        Engine = new TcpEngine(cfg, this, this);
    }

    public TcpEngine Engine { get; }
    public DeviceLink Link => _link;
    public PcapWriter? Pcap { get; }

    /// <summary>
    /// How many packets (and, separately, how many log lines of the PC's engine) <see cref="Packets"/>
    /// and <see cref="Log"/> keep; 0, the default, keeps none. What comes after is counted, not kept.
    /// </summary>
    public int RecordLimit { get; set; }

    /// <summary>Packets seen after <see cref="Packets"/> reached <see cref="RecordLimit"/>.</summary>
    public long PacketsNotRecorded { get; private set; }

    /// <summary>Log lines written after <see cref="Log"/> reached <see cref="RecordLimit"/>.</summary>
    public long LogLinesNotRecorded { get; private set; }

    /// <summary>Milliseconds since the stack started (the PC's clock).</summary>
    public long Now => _clock.ElapsedMilliseconds;
    public double NowPrecise => _clock.Elapsed.TotalMilliseconds;

    /// <summary>Return true to lose a PC → device packet instead of sending it. The segment is only valid during the call.</summary>
    public Func<Segment, bool>? LoseOutbound { get; set; }
    /// <summary>Return true to lose a device → PC packet instead of handing it to the engine. The segment is only valid during the call.</summary>
    public Func<Segment, bool>? LoseInbound { get; set; }

    /// <summary>Called for every packet, in order, as it is seen (recorded or not).</summary>
    public Action<LinkPacket>? OnPacket { get; set; }
    /// <summary>Called for every line of the PC engine's state log.</summary>
    public Action<string>? OnLog { get; set; }

    /// <summary>The packets recorded so far, at most <see cref="RecordLimit"/>.</summary>
    public IReadOnlyList<LinkPacket> Packets => _packets;
    /// <summary>The PC engine's log lines recorded so far, at most <see cref="RecordLimit"/>.</summary>
    public IReadOnlyList<string> Log => _log;

    ImpairedPath? _out, _in;

    /// <summary>
    /// Impairs the link on purpose in both directions (loss, duplication, reordering, corruption,
    /// delay; see <see cref="ImpairedPath"/>), on top of any scenario's own losses. Lost packets
    /// show on the ladder as lost; the rest go out, or reach the engine, when they are due.
    /// </summary>
    public void Impair(ImpairmentSettings settings)
    {
        if (!settings.Active) { _out = _in = null; return; }
        _out = new ImpairedPath(settings, 1);
        _in = new ImpairedPath(settings, 2);
    }

    /// <summary>What the impairment did to packets PC → device and device → PC; null when the link is not impaired.</summary>
    public ImpairmentCounts? OutboundImpairment => _out?.Counts;
    public ImpairmentCounts? InboundImpairment => _in?.Counts;

    void ITcpLink.Transmit(byte[] packet, int offset, int length)
    {
        bool lose = LoseOutbound is { } rule && Wire.Parse(packet, offset, length, _inspected) == DropReason.None && rule(_inspected);
        if (!lose && _out != null)
        {
            if (!_out.Send(Now, packet, offset, length)) Record(true, packet, offset, length, true);
            FlushImpaired();
            return;
        }
        Record(true, packet, offset, length, lose);
        if (!lose) _link.Send(packet, offset, length);
    }

    /// <summary>Sends, and hands to the engine, every impaired packet that is due.</summary>
    void FlushImpaired()
    {
        if (_out != null)
            while (_out.TryTake(Now, out var p))
            {
                Record(true, p.Bytes, 0, p.Bytes.Length, false);
                _link.Send(p.Bytes, 0, p.Bytes.Length);
            }
        if (_in != null)
            while (_in.TryTake(Now, out var p))
            {
                Record(false, p.Bytes, 0, p.Bytes.Length, false);
                Engine.Input(Now, p.Bytes, 0, p.Bytes.Length);
            }
    }

    void ILogSink.WriteLine(char[] line, int length)
    {
        bool keep = _log.Count < RecordLimit;
        if (!keep && RecordLimit > 0) LogLinesNotRecorded++;
        if (!keep && OnLog == null) return;
        string text = new(line, 0, length);
        if (keep) _log.Add(text);
        OnLog?.Invoke(text);
    }

    /// <summary>Sends a hand-built packet (not through the engine): floods, stray RSTs, segments from a peer that vanished.</summary>
    public void SendRaw(int srcPort, int dstPort, uint seq, uint ack, int flags, int window = 65535, int payload = 0, int mss = 0)
    {
        byte[] opts = new byte[4];
        int optLen = 0;
        if (mss > 0) { opts[0] = 2; opts[1] = 4; opts[2] = (byte)(mss >> 8); opts[3] = (byte)mss; optLen = 4; }
        byte[] buf = new byte[Wire.HeaderLength(optLen) + payload];
        int len = Wire.Build(buf, 0, PcAddress, DeviceAddress, srcPort, dstPort, seq, ack, flags, window, opts, optLen, payload, 0);
        Record(true, buf, 0, len, false, injected: true);
        _link.Send(buf, 0, len);
    }

    /// <summary>Sends a copy of a packet sent earlier, unchanged: an old duplicate turning up late.</summary>
    public void Resend(LinkPacket earlier)
    {
        Record(true, earlier.Bytes, 0, earlier.Bytes.Length, false, injected: true);
        _link.Send(earlier.Bytes, 0, earlier.Bytes.Length);
    }

    /// <summary>Streams the packet to the pcap, and keeps a copy only when a record or an observer wants one.</summary>
    void Record(bool fromPc, byte[] packet, int offset, int length, bool lost, bool injected = false)
    {
        DateTimeOffset wall = _start + _clock.Elapsed;
        if (!(lost && fromPc)) Pcap?.Write(wall, packet, offset, length); // what a capture on the PC's link sees
        bool keep = _packets.Count < RecordLimit;
        if (!keep && RecordLimit > 0) PacketsNotRecorded++;
        if (!keep && OnPacket == null) return;
        var p = new LinkPacket(NowPrecise, wall, fromPc, packet.AsSpan(offset, length).ToArray(), lost) { Injected = injected };
        if (keep) _packets.Add(p);
        OnPacket?.Invoke(p);
    }

    /// <summary>
    /// Hold the PC's owed pure ACKs to the end of a step (<see cref="TcpEngine.HoldAcks"/>), as the
    /// device does: in <see cref="RunUntil"/> a step is one packet and the condition that follows
    /// it, so data or a FIN the condition sends carries the ACK. Off by default, so a ladder shows
    /// each ACK where an application that reacts later would see it.
    /// </summary>
    public bool HoldAcks { get; set; }

    /// <summary>Runs timers, then waits up to maxWaitMs (less if a timer is due sooner) for one packet from the device.</summary>
    public void Pump(int maxWaitMs)
    {
        FlushImpaired();
        PumpHeld(maxWaitMs);
        Engine.FlushAcks(Now);
    }

    /// <summary>Pump, leaving the ACKs it owes held when <see cref="HoldAcks"/> is on: the caller flushes.</summary>
    void PumpHeld(int maxWaitMs)
    {
        if (HoldAcks) Engine.HoldAcks();
        Engine.Tick(Now);
        long next = Math.Min(Engine.NextDeadline, Math.Min(_out?.NextDue ?? long.MaxValue, _in?.NextDue ?? long.MaxValue));
        long wait = next == long.MaxValue ? maxWaitMs : Math.Clamp(next - Now, 0, maxWaitMs);
        int n = _link.Receive(_rx, (int)wait);
        if (n > 0)
        {
            bool lose = LoseInbound is { } rule && Wire.Parse(_rx, 0, n, _inspected) == DropReason.None && rule(_inspected);
            if (!lose && _in != null)
            {
                if (!_in.Send(Now, _rx, 0, n)) Record(false, _rx, 0, n, true);
            }
            else
            {
                Record(false, _rx, 0, n, lose);
                if (!lose) Engine.Input(Now, _rx, 0, n);
            }
        }
        FlushImpaired();
        Engine.Tick(Now);
    }

    /// <summary>Pumps until condition holds or timeoutMs passes; returns whether it held.</summary>
    public bool RunUntil(Func<bool> condition, int timeoutMs)
    {
        long deadline = Now + timeoutMs;
        while (true)
        {
            bool done = condition();
            Engine.FlushAcks(Now); // what the condition sent carried the ACKs the packet before it owed
            if (done) return true;
            long left = deadline - Now;
            if (left <= 0) return false;
            PumpHeld((int)Math.Min(left, 20));
        }
    }

    /// <summary>Pumps for a while regardless (to see what the device does on its own).</summary>
    public void RunFor(int ms)
    {
        long end = Now + ms;
        while (Now < end) Pump((int)Math.Min(end - Now, 20));
    }

    public void Dispose() { }
}
