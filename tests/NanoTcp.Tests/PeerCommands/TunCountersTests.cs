using Nanotcp.Tun;

namespace NanoTcp.Tests.PeerCommands;

/// <summary>What the TUN bridge counts, packet by packet: it passes IPv4/TCP on and says why it drops the rest.</summary>
public class TunCountersTests
{
    /// <summary>An IPv4 header (20 bytes) for protocol proto and a total length of n, followed by zeros.</summary>
    static byte[] Ipv4Packet(int proto, int n)
    {
        var p = new byte[n];
        p[0] = 0x45;
        p[2] = (byte)(n >> 8);
        p[3] = (byte)n;
        p[8] = 64;
        p[9] = (byte)proto;
        return p;
    }

    [Theory]
    [InlineData(1, 28)]   // ICMP echo request, as ping sends with no payload
    [InlineData(17, 28)]  // UDP with an empty payload
    [InlineData(2, 32)]   // IGMP
    public void AShortPacketThatIsNotTcpIsCountedAsNotTcp(int proto, int length)
    {
        var counters = new DirectionCounters();
        Assert.False(counters.Accept(Ipv4Packet(proto, length), length));
        Assert.Equal(1, counters.NotTcp);
        Assert.Equal(0, counters.Malformed);
        Assert.Equal("0 packets, 1 dropped (1 not TCP)", counters.ToString());
    }

    [Fact]
    public void TcpShorterThanItsHeaderIsMalformedAndATcpPacketPasses()
    {
        var counters = new DirectionCounters();
        Assert.False(counters.Accept(Ipv4Packet(6, 28), 28));
        Assert.Equal(1, counters.Malformed);
        Assert.True(counters.Accept(Ipv4Packet(6, 40), 40));
        Assert.Equal(1, counters.Forwarded);
        Assert.False(counters.Accept(Ipv4Packet(6, 40), 30)); // cut short of its total length
        Assert.Equal(2, counters.Malformed);
    }
}
