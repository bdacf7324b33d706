using NanoTcp;

namespace NanoTcp.Bench;

/// <summary>
/// The other end of an engine under measurement. It keeps nothing it is sent (a counter and the
/// last sequence number), writes no log line anywhere, and prebuilds its segments once: per
/// operation it only rewrites a sequence or acknowledgment number in place, with an RFC 1624
/// incremental checksum update (a handful of additions). So the engine rows measure the engine.
/// </summary>
public sealed class EnginePeer : ITcpLink, ILogSink
{
    public static readonly uint PeerAddress = Ipv4.Address(192, 0, 2, 1);
    public static readonly uint LocalAddress = Ipv4.Address(192, 0, 2, 2);
    public const int LocalPort = 7;

    const int TcpOffset = Wire.IpHeaderLength;
    const int SeqAt = TcpOffset + 4;
    const int AckAt = TcpOffset + 8;
    const int ChecksumAt = TcpOffset + 16;

    public readonly TcpEngine Engine;
    public readonly int Listener;

    /// <summary>Segments the engine transmitted, and the sequence number of the last one.</summary>
    public long Sent;
    public uint LastSeq;
    /// <summary>Log lines the engine wrote.</summary>
    public long Lines;

    public EnginePeer(TcpConfig config)
    {
        config.LocalAddress = LocalAddress;
        Engine = new TcpEngine(config, this, this);
        Listener = Engine.Listen(0, LocalPort, config.Capacity);
        if (Listener < 0) throw new InvalidOperationException("listen failed: " + Listener);
    }

    public void Transmit(byte[] packet, int offset, int length)
    {
        Sent++;
        LastSeq = Wire.ReadU32(packet, offset + 24);
    }

    public void WriteLine(char[] line, int length) { Lines++; }

    /// <summary>The MSS the peer announces on its SYN, an Ethernet host's (so the engine sends segments of its own MSS, 1024).</summary>
    public const int PeerMss = 1460;

    /// <summary>
    /// A segment from the peer, built once: IPv4 + TCP headers and a payload of the given size.
    /// A SYN carries the MSS option, as every real peer's does; other segments carry no options.
    /// </summary>
    public static byte[] Segment(int srcPort, int flags, uint seq, uint ack, int payloadLength)
    {
        byte[] options = (flags & TcpFlags.Syn) != 0 ? new byte[] { 2, 4, PeerMss >> 8, PeerMss & 0xFF } : Array.Empty<byte>();
        int header = Wire.HeaderLength(options.Length);
        var packet = new byte[header + payloadLength];
        for (int i = 0; i < payloadLength; i++) packet[header + i] = (byte)('a' + i % 26);
        int length = Wire.Build(packet, 0, PeerAddress, LocalAddress, srcPort, LocalPort, seq, ack, flags, 65535, options, options.Length, payloadLength, 1);
        if (length != packet.Length) throw new InvalidOperationException("unexpected segment length");
        return packet;
    }

    public static void SetSeq(byte[] packet, uint seq) { Patch32(packet, SeqAt, seq); }
    public static void SetSourcePort(byte[] packet, int port) { Patch32(packet, TcpOffset, (uint)(port << 16 | LocalPort)); }
    public static void SetAck(byte[] packet, uint ack) { Patch32(packet, AckAt, ack); }

    /// <summary>Rewrites a 32-bit field of the TCP header and fixes the checksum: HC' = ~(~HC + ~m + m') (RFC 1624, eqn. 3).</summary>
    static void Patch32(byte[] packet, int at, uint value)
    {
        uint old = Wire.ReadU32(packet, at);
        uint sum = (uint)(~Wire.ReadU16(packet, ChecksumAt) & 0xFFFF);
        sum += (~old >> 16) & 0xFFFF;
        sum += ~old & 0xFFFF;
        sum += value >> 16;
        sum += value & 0xFFFF;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        Wire.WriteU16(packet, ChecksumAt, (int)(~sum & 0xFFFF));
        Wire.WriteU32(packet, at, value);
    }

    /// <summary>
    /// Completes a handshake from a peer port (setup only: builds its two segments afresh) and
    /// accepts the connection. Returns the handle; iss is the engine's initial sequence number.
    /// </summary>
    public int Open(long now, int peerPort, uint peerIss, out uint iss)
    {
        byte[] syn = Segment(peerPort, TcpFlags.Syn, peerIss, 0, 0);
        Engine.Input(now, syn, 0, syn.Length);
        iss = LastSeq;
        byte[] ack = Segment(peerPort, TcpFlags.Ack, peerIss + 1, iss + 1, 0);
        Engine.Input(now, ack, 0, ack.Length);
        int handle = Engine.Accept(now, Listener);
        if (handle < 0) throw new InvalidOperationException("accept failed: " + handle);
        if (Engine.StateOf(handle) != TcpState.Established) throw new InvalidOperationException("not established");
        return handle;
    }

    /// <summary>Setup check: the engine took every segment the peer built (no checksum or sequence mistakes).</summary>
    public void CheckNothingDropped()
    {
        if (Engine.Counters.Dropped != 0) throw new InvalidOperationException(Engine.Counters.Dropped + " segments dropped as malformed");
    }
}
