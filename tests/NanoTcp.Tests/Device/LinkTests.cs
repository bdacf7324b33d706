using System.Net;
using System.Net.Sockets;
using System.Text;
using NanoTcp.Board;

namespace NanoTcp.Tests.Device;

/// <summary>
/// Hand-made datagrams against the virtual board's link: malformed ones are counted by reason and
/// answered with nothing; the status query answers with the table and the counters.
/// </summary>
public sealed class LinkTests : IDisposable
{
    static readonly uint Peer = Ipv4.Address(192, 0, 2, 1), DeviceAddress = Ipv4.Address(192, 0, 2, 2);

    readonly List<string> _serial = new();
    readonly VirtualBoard _board;
    readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public LinkTests()
    {
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.None };
        _board = VirtualBoard.Start(options, line => { lock (_serial) _serial.Add(line); });
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _udp.ReceiveTimeout = 10000;
    }

    public void Dispose()
    {
        _board.Dispose();
        _udp.Dispose();
    }

    void Send(byte[] datagram) => _udp.SendTo(datagram, _board.LinkEndPoint);

    string Receive()
    {
        var buf = new byte[65536];
        int n = _udp.Receive(buf);
        return Encoding.ASCII.GetString(buf, 0, n);
    }

    string Status()
    {
        Send(Encoding.ASCII.GetBytes("STATUS\n"));
        return Receive();
    }

    /// <summary>A well-formed SYN from the peer to a device port, as bytes.</summary>
    static byte[] Syn(uint dst, int dstPort, int srcPort)
    {
        var b = new byte[40];
        int n = Wire.Build(b, 0, Peer, dst, srcPort, dstPort, 1000, 0, TcpFlags.Syn, 65535, Array.Empty<byte>(), 0, 0, 1);
        return b[..n];
    }

    [Fact]
    public void Status_query_answers_like_ss_with_the_table_and_the_counters()
    {
        string status = Status();
        string[] lines = status.TrimEnd('\n').Split('\n');
        Assert.StartsWith("NanoTcp 192.0.2.2 uptime_ms=", lines[0]);
        Assert.Contains(" capacity=8 in_use=0 listeners=5", lines[0]); // the listeners are not connections
        Assert.Equal(new[] { "Slot", "State", "Local", "Peer", "Timer_ms" }, lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach (int port in new[] { 7, 9, 13, 19, 2019 })
            Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "LISTEN", var local, "*:*", "-"] && local == $"192.0.2.2:{port}");
        Assert.StartsWith("segments_in=0 segments_out=0 retransmissions=0 rsts_sent=0", lines[^2]);
        Assert.StartsWith("drop.short=0 drop.ip-version=0", lines[^1]);
    }

    [Fact]
    public void Malformed_datagrams_are_counted_by_reason_and_answered_with_nothing()
    {
        byte[] badTcpChecksum = Syn(DeviceAddress, 7, 40000);
        badTcpChecksum[^1] ^= 0xFF;
        byte[] badIpChecksum = Syn(DeviceAddress, 7, 40001);
        badIpChecksum[10] ^= 0xFF;
        byte[] notTcp = Syn(DeviceAddress, 7, 40002);
        notTcp[9] = 17; // UDP inside: the IP checksum no longer matches either, so fix it
        notTcp[10] = notTcp[11] = 0;
        Wire.WriteU16(notTcp, 10, Wire.Fold(Wire.Sum(notTcp, 0, 20, 0)));

        Send(new byte[] { 0x45, 0, 0 });                   // short
        Send(Encoding.ASCII.GetBytes("hello, this text is long enough but no IPv4 packet")); // 'h' = 0x68: IP version 6
        Send(badIpChecksum);
        Send(notTcp);
        Send(badTcpChecksum);
        Send(Syn(Ipv4.Address(192, 0, 2, 99), 7, 40003));   // well formed, but for another address

        // Replies would have come before the status reply: the first datagram back must be the status.
        string status = Status();
        Assert.StartsWith("NanoTcp ", status);
        string drops = status.TrimEnd('\n').Split('\n')[^1];
        foreach (string reason in new[] { "short", "ip-version", "ip-checksum", "protocol", "tcp-checksum", "not-for-us" })
            Assert.Contains($"drop.{reason}=1", drops);
        Assert.Contains(" dropped=6", status);
        Assert.Contains("segments_out=0", status);
        lock (_serial) Assert.Equal(6, _serial.Count(l => l.Contains(" - DROP reason=")));
    }

    [Fact]
    public void A_SYN_to_a_closed_port_is_answered_with_RST_to_its_sender()
    {
        Send(Syn(DeviceAddress, 4242, 40010));
        var reply = new byte[2048];
        int n = _udp.Receive(reply);
        var seg = new Segment();
        Assert.Equal(DropReason.None, Wire.Parse(reply, 0, n, seg));
        Assert.Equal((DeviceAddress, Peer, 4242, 40010), (seg.SrcAddr, seg.DstAddr, seg.SrcPort, seg.DstPort));
        Assert.True(seg.Has(TcpFlags.Rst) && seg.Has(TcpFlags.Ack));
        Assert.Equal(1001u, seg.Ack);
    }
}
