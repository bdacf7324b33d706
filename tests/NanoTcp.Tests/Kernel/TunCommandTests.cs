using Nanotcp.Commands;
using Nanotcp.Tun;

namespace NanoTcp.Tests.Kernel;

/// <summary>`nanotcp tun` refuses what cannot work with one line and exit code 2, before it touches the system.</summary>
public class TunCommandTests
{
    static readonly TunCommand.Settings Good = new("127.0.0.1:9293", "nanotcp0", "192.0.2.1", "192.0.2.2", 1400, null);

    [Theory]
    [InlineData("device", "127.0.0.1:99999", "--device: bad port in '127.0.0.1:99999'")]
    [InlineData("device", "no-such-host.invalid", "--device: cannot resolve device host 'no-such-host.invalid'")]
    [InlineData("pc", "192.0.2", "--pc: '192.0.2' is not an IPv4 address")]
    [InlineData("pc", "2001:db8::1", "--pc: '2001:db8::1' is not an IPv4 address")]
    [InlineData("device-address", "192.0.2.1", "--pc and --device-address must differ")]
    [InlineData("name", "a-name-far-too-long", "--name: 'a-name-far-too-long' is not an interface name")]
    [InlineData("name", "bad/name", "--name: 'bad/name' is not an interface name")]
    [InlineData("mtu", "9000", "--mtu: 9000 is outside 576..1472")]
    public void Refuses_bad_settings_with_one_line(string option, string value, string message)
    {
        TunCommand.Settings settings = option switch
        {
            "device" => Good with { Device = value },
            "pc" => Good with { Pc = value },
            "device-address" => Good with { DeviceAddress = value },
            "name" => Good with { Name = value },
            "mtu" => Good with { Mtu = int.Parse(value) },
            _ => throw new ArgumentException(option),
        };
        var output = new StringWriter();
        var error = new StringWriter();

        int exit = TunCommand.Run(settings, output, error);

        Assert.Equal(TunCommand.ExitCannotStart, exit);
        Assert.Equal("", output.ToString());
        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("nanotcp tun: " + message, lines[0]);
    }

    [Fact]
    public void The_bridge_passes_IPv4_TCP_and_counts_the_rest()
    {
        var counters = new DirectionCounters();
        byte[] tcp = Ipv4Packet(protocol: 6, totalLength: 40);

        Assert.True(counters.Accept(tcp, 40));
        Assert.False(counters.Accept(Ipv4Packet(protocol: 1, totalLength: 40), 40)); // ICMP
        Assert.False(counters.Accept(new byte[] { 0x60, 0, 0, 0, 0, 0, 0, 0 }, 8)); // IPv6
        Assert.False(counters.Accept("STATUS"u8.ToArray(), 6)); // a text query: 'S' reads as version 5
        Assert.False(counters.Accept(tcp, 30)); // cut short of its headers
        Assert.False(counters.Accept(Ipv4Packet(protocol: 6, totalLength: 60), 40)); // shorter than its total length

        Assert.Equal(1, counters.Forwarded);
        Assert.Equal(1, counters.NotTcp);
        Assert.Equal(2, counters.NotIpv4);
        Assert.Equal(2, counters.Malformed);
        Assert.Equal("1 packet, 5 dropped (2 not IPv4, 1 not TCP, 2 malformed)", counters.ToString());
    }

    static byte[] Ipv4Packet(int protocol, int totalLength)
    {
        byte[] p = new byte[Math.Max(totalLength, 40)];
        p[0] = 0x45;
        p[2] = (byte)(totalLength >> 8);
        p[3] = (byte)totalLength;
        p[9] = (byte)protocol;
        return p;
    }
}
