using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Packet building and checksum helpers for the engine tests. The checksum here is an
/// independent RFC 1071 implementation, so tests do not check Wire against itself.
/// </summary>
public static class Packets
{
    public static byte[] Hex(string hex)
    {
        hex = string.Concat(hex.Where(c => !char.IsWhiteSpace(c)));
        return Convert.FromHexString(hex);
    }

    /// <summary>An IPv4 + TCP packet with the given options and payload, checksums filled in by Wire.Build.</summary>
    public static byte[] Build(uint src, uint dst, int srcPort, int dstPort, uint seq, uint ack, int flags,
        int window = 65535, byte[]? options = null, byte[]? payload = null, int ipId = 0)
    {
        int optLen = options?.Length ?? 0;
        int hl = Wire.HeaderLength(optLen);
        int n = payload?.Length ?? 0;
        var b = new byte[hl + n];
        payload?.CopyTo(b, hl);
        int len = Wire.Build(b, 0, src, dst, srcPort, dstPort, seq, ack, flags, window, options ?? Array.Empty<byte>(), optLen, n, ipId);
        Assert.Equal(b.Length, len);
        return b;
    }

    /// <summary>A segment from the harness's peer to the engine.</summary>
    public static byte[] FromPeer(int flags, uint seq, uint ack, int srcPort, int dstPort, byte[]? payload = null, byte[]? options = null, int window = 65535)
    {
        return Build(Harness.PeerAddr, Harness.LocalAddr, srcPort, dstPort, seq, ack, flags, window, options, payload);
    }

    /// <summary>RFC 1071 ones'-complement sum of 16-bit big-endian words, not yet complemented.</summary>
    public static uint OnesSum(byte[] b, int offset, int length, uint acc = 0)
    {
        for (int i = 0; i < length; i += 2)
        {
            int hi = b[offset + i];
            int lo = i + 1 < length ? b[offset + i + 1] : 0; // an odd last byte is padded with zero
            acc += (uint)((hi << 8) | lo);
        }
        while ((acc >> 16) != 0) acc = (acc & 0xFFFF) + (acc >> 16);
        return acc;
    }

    /// <summary>
    /// Recomputes the IPv4 header checksum and, when the header fields allow it, the TCP checksum,
    /// so that a deliberately broken field is the only thing wrong with a packet. Tolerates any
    /// garbage: fields that do not fit the buffer are left alone.
    /// </summary>
    public static void FixChecksums(byte[] b, int length)
    {
        if (length < 20) return;
        int ihl = (b[0] & 0x0F) * 4;
        if (ihl < 20 || ihl > length) return;
        b[10] = 0; b[11] = 0;
        int ipSum = (int)(~OnesSum(b, 0, ihl) & 0xFFFF);
        b[10] = (byte)(ipSum >> 8); b[11] = (byte)ipSum;

        int total = (b[2] << 8) | b[3];
        int tcpLen = total - ihl;
        if (tcpLen < 18 || total > length) return;
        b[ihl + 16] = 0; b[ihl + 17] = 0;
        uint acc = OnesSum(b, 12, 8);            // source and destination addresses
        acc += 6u + (uint)tcpLen;                 // zero, protocol 6, TCP length
        acc = OnesSum(b, ihl, tcpLen, acc);
        int tcpSum = (int)(~acc & 0xFFFF);
        b[ihl + 16] = (byte)(tcpSum >> 8); b[ihl + 17] = (byte)tcpSum;
    }

    public static void FixChecksums(byte[] b) => FixChecksums(b, b.Length);

    public static Segment Parse(byte[] b) => Harness.Parse(b);

    /// <summary>Bytes 0, 1, 2, ... (mod 251, so runs do not repeat on 256-byte boundaries).</summary>
    public static byte[] Pattern(int length, int start = 0)
    {
        var p = new byte[length];
        for (int i = 0; i < length; i++) p[i] = (byte)((start + i) % 251);
        return p;
    }

    public static byte[] PayloadOf(Segment s)
    {
        var p = new byte[s.PayloadLength];
        Array.Copy(s.Buffer, s.PayloadOffset, p, 0, s.PayloadLength);
        return p;
    }
}

/// <summary>Peer-side conveniences on top of the harness.</summary>
public static class HarnessExtensions
{
    public static void InjectBytes(this Harness h, byte[] packet) => h.Engine.Input(h.Now, packet, 0, packet.Length);

    /// <summary>Injects a segment carrying real bytes (Harness.Inject only sends zeros).</summary>
    public static void InjectData(this Harness h, int flags, uint seq, uint ack, int srcPort, int dstPort, byte[] payload, int window = 65535)
    {
        h.InjectBytes(Packets.FromPeer(flags, seq, ack, srcPort, dstPort, payload, null, window));
    }

    /// <summary>
    /// Passive open on an existing listener: SYN, SYN-ACK, ACK after ackDelayMs, then Accept.
    /// Returns the connection's handle and the engine's ISS; the outbound list is left empty.
    /// </summary>
    public static (int Handle, uint Iss) OpenPassive(this Harness h, int listener, int localPort, int peerPort, uint peerIsn,
        long ackDelayMs = 0, int mss = 1460)
    {
        h.Sent.Clear();
        h.Inject(TcpFlags.Syn, peerIsn, 0, peerPort, localPort, mss: mss);
        var synAck = h.TakeOnly();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(peerIsn + 1, synAck.Ack);
        if (ackDelayMs > 0) h.Advance(ackDelayMs);
        h.Inject(TcpFlags.Ack, peerIsn + 1, synAck.Seq + 1, peerPort, localPort);
        Assert.Equal(TcpState.Established, h.Engine.StateOf(localPort, Harness.PeerAddr, peerPort));
        int c = h.Engine.Accept(h.Now, listener);
        Assert.True(c >= 0, "accept failed: " + c);
        h.Sent.Clear();
        return (c, synAck.Seq);
    }

    public static TcpState StateOf(this Harness h, int localPort, int peerPort) => h.Engine.StateOf(localPort, Harness.PeerAddr, peerPort);

    public static int SlotOf(int handle) => handle & 0xFFFF;
}
