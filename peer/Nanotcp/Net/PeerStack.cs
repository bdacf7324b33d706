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
/// either direction on purpose, and records every packet for ladders and pcaps.
/// </summary>
public sealed class PeerStack : ITcpLink, ILogSink, IDisposable
{
    public static readonly uint PcAddress = Ipv4.Address(192, 0, 2, 1);
    public static readonly uint DeviceAddress = Ipv4.Address(192, 0, 2, 2);

    readonly DeviceLink _link;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    readonly byte[] _rx = new byte[65536];
    readonly List<LinkPacket> _packets = [];
    readonly List<string> _log = [];

    public PeerStack(DeviceLink link, Action<TcpConfig>? configure = null, PcapWriter? pcap = null)
    {
        _link = link;
        Pcap = pcap;
        var cfg = new TcpConfig { LocalAddress = PcAddress, Capacity = 64, RcvBuf = 65535, SndBuf = 65536, Mss = 1400 };
        cfg.IsnKey0 = (ulong)Random.Shared.NextInt64();
        cfg.IsnKey1 = (ulong)Random.Shared.NextInt64();
        configure?.Invoke(cfg);
        Engine = new TcpEngine(cfg, this, this);
    }

    public TcpEngine Engine { get; }
    public DeviceLink Link => _link;
    public PcapWriter? Pcap { get; }

    /// <summary>Milliseconds since the stack started (the PC's clock).</summary>
    public long Now => _clock.ElapsedMilliseconds;
    public double NowPrecise => _clock.Elapsed.TotalMilliseconds;

    /// <summary>Return true to lose a PC → device packet instead of sending it.</summary>
    public Func<Segment, bool>? LoseOutbound { get; set; }
    /// <summary>Return true to lose a device → PC packet instead of handing it to the engine.</summary>
    public Func<Segment, bool>? LoseInbound { get; set; }

    /// <summary>Called for every packet, in order, as it is seen.</summary>
    public Action<LinkPacket>? OnPacket { get; set; }
    /// <summary>Called for every line of the PC engine's state log.</summary>
    public Action<string>? OnLog { get; set; }

    public IReadOnlyList<LinkPacket> Packets => _packets;
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
        var seg = new Segment();
        Wire.Parse(packet, offset, length, seg);
        bool lose = LoseOutbound?.Invoke(seg) ?? false;
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
        string text = new(line, 0, length);
        _log.Add(text);
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

    void Record(bool fromPc, byte[] packet, int offset, int length, bool lost, bool injected = false)
    {
        byte[] copy = packet.AsSpan(offset, length).ToArray();
        var p = new LinkPacket(NowPrecise, _start + _clock.Elapsed, fromPc, copy, lost) { Injected = injected };
        _packets.Add(p);
        if (p.OnTheWire) Pcap?.Write(p.Wall, copy, 0, copy.Length);
        OnPacket?.Invoke(p);
    }

    /// <summary>Runs timers, then waits up to maxWaitMs (less if a timer is due sooner) for one packet from the device.</summary>
    public void Pump(int maxWaitMs)
    {
        FlushImpaired();
        Engine.Tick(Now);
        long next = Math.Min(Engine.NextDeadline, Math.Min(_out?.NextDue ?? long.MaxValue, _in?.NextDue ?? long.MaxValue));
        long wait = next == long.MaxValue ? maxWaitMs : Math.Clamp(next - Now, 0, maxWaitMs);
        int n = _link.Receive(_rx, (int)wait);
        if (n > 0)
        {
            var seg = new Segment();
            bool parsed = Wire.Parse(_rx, 0, n, seg) == DropReason.None;
            bool lose = parsed && (LoseInbound?.Invoke(seg) ?? false);
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
        while (!condition())
        {
            long left = deadline - Now;
            if (left <= 0) return false;
            Pump((int)Math.Min(left, 20));
        }
        return true;
    }

    /// <summary>Pumps for a while regardless (to see what the device does on its own).</summary>
    public void RunFor(int ms)
    {
        long end = Now + ms;
        while (Now < end) Pump((int)Math.Min(end - Now, 20));
    }

    public void Dispose() { }
}
