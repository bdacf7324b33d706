using System.Text.Json;
using NanoTcp.Device;
using NanoTcp.Tests.SubsetGuard;

namespace NanoTcp.Tests.Device;

/// <summary>The device application's small parts, without sockets.</summary>
public class DevicePartsTests
{
    [Fact]
    public void Endpoint_table_reuses_tokens_and_replaces_the_least_recently_seen()
    {
        var table = new EndpointTable(2);
        int a = table.Intern("a"), b = table.Intern("b");
        Assert.NotEqual(a, b);
        Assert.Equal(a, table.Intern("a")); // "b" is now the least recently seen
        int c = table.Intern("c");
        Assert.Equal(b, c);
        Assert.Equal("c", table.Get(c));
        Assert.Null(table.Get(7));
    }

    /// <summary>Records where each packet went.</summary>
    sealed class RecordingLink : IDatagramLink
    {
        public readonly List<int> SentTo = new();
        public int Receive(byte[] buffer, int timeoutMs, out int endpoint) { endpoint = -1; return -1; }
        public void Send(int endpoint, byte[] data, int offset, int length) => SentTo.Add(endpoint);
    }

    static readonly uint Peer = Ipv4.Address(192, 0, 2, 1), Device = Ipv4.Address(192, 0, 2, 2);

    static byte[] Packet(uint src, uint dst, int srcPort, int dstPort, int flags)
    {
        var b = new byte[40];
        Wire.Build(b, 0, src, dst, srcPort, dstPort, 1, 1, flags, 1000, Array.Empty<byte>(), 0, 0, 0);
        return b;
    }

    /// <summary>The engine's answer to a datagram from a link endpoint.</summary>
    static void Exchange(LinkRouter router, int endpoint, int inboundFlags)
    {
        router.BeginInput(Packet(Peer, Device, 5000, 7, inboundFlags), 0, 40, endpoint);
        router.Transmit(Packet(Device, Peer, 7, 5000, TcpFlags.Ack), 0, 40);
        router.EndInput();
    }

    [Fact]
    public void Link_router_answers_a_connection_where_its_SYN_came_from()
    {
        var link = new RecordingLink();
        var router = new LinkRouter(link, 4);
        Exchange(router, endpoint: 3, TcpFlags.Syn);                 // SYN from endpoint 3: the route
        Exchange(router, endpoint: 5, TcpFlags.Ack);                 // mid-connection from elsewhere: no change
        router.Transmit(Packet(Device, Peer, 7, 5000, TcpFlags.Fin | TcpFlags.Ack), 0, 40); // a timer's FIN
        Exchange(router, endpoint: 6, TcpFlags.Syn);                 // a new connection, same 4-tuple: new route
        Assert.Equal(new[] { 3, 3, 3, 6 }, link.SentTo);
        Assert.Equal(0, router.Unroutable);
    }

    [Fact]
    public void Link_router_counts_packets_it_cannot_route()
    {
        var router = new LinkRouter(new RecordingLink(), 4);
        router.Transmit(Packet(Device, Peer, 7, 5000, TcpFlags.Ack), 0, 40);
        Assert.Equal(1, router.Unroutable);
    }

    [Theory]
    [InlineData("capacity", "0", "0 is out of range")]
    [InlineData("msl_ms", "soon", "'soon' is not a whole number")]
    [InlineData("address", "192.0.2.300", "'192.0.2.300' is not an IPv4 address")]
    [InlineData("colour", "red", "unknown setting")]
    public void Settings_reject_bad_values_with_a_reason(string name, string value, string reason) =>
        Assert.Equal(reason, new DeviceSettings().Set(name, value));

    [Fact]
    public void Settings_give_each_service_a_listener_slot_and_capacity_counts_connections()
    {
        var s = new DeviceSettings();
        Assert.Null(s.Validate());
        Assert.Equal(ServiceHost.ServiceCount, s.Tcp.Listeners);
        Assert.Null(s.Set("capacity", "1")); // one connection: the listeners do not need room in it
        Assert.Null(s.Validate());
        s.Tcp.Listeners = ServiceHost.ServiceCount - 1;
        Assert.StartsWith("listeners must be at least 5", s.Validate());
    }

    [Fact]
    public void Board_profile_defaults_are_the_device_defaults()
    {
        using var profile = JsonDocument.Parse(File.ReadAllText(RepoPaths.Full("boards/esp32/board.json")));
        var d = profile.RootElement.GetProperty("defaults");
        var s = new DeviceSettings();
        var t = s.Tcp;
        var expected = new Dictionary<string, long>
        {
            ["capacity"] = t.Capacity, ["listeners"] = t.Listeners, ["msl_ms"] = t.MslMs, ["time_wait_ms"] = 2L * t.MslMs,
            ["rto_initial_ms"] = t.RtoInitialMs, ["rto_min_ms"] = t.RtoMinMs, ["rto_max_ms"] = t.RtoMaxMs,
            ["max_retries"] = t.MaxRetries, ["syn_max_retries"] = t.SynMaxRetries, ["fin_wait2_timeout_ms"] = t.FinWait2TimeoutMs,
            ["keepalive_idle_ms"] = t.KeepAliveIdleMs, ["rcv_buf"] = t.RcvBuf, ["snd_buf"] = t.SndBuf, ["mss"] = t.Mss,
            ["farewell_lines"] = s.FarewellLines, ["farewell_interval_ms"] = s.FarewellIntervalMs,
        };
        Assert.Equal(expected, d.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()));
        Assert.Equal(s.LinkPort, profile.RootElement.GetProperty("link").GetProperty("port").GetInt32());
    }
}
