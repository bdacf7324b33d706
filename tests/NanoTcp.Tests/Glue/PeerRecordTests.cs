using System.Net;
using Nanotcp.Net;
using NanoTcp.Board;

namespace NanoTcp.Tests.Glue;

/// <summary>PeerStack keeps packets and log lines only up to its record limit, and counts the rest.</summary>
public sealed class PeerRecordTests : IDisposable
{
    readonly VirtualBoard _board = VirtualBoard.Start(new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.None });

    public void Dispose() => _board.Dispose();

    /// <summary>Connects to daytime and waits until the PC's side is closed: about ten packets and a few log lines.</summary>
    static void Daytime(PeerStack pc)
    {
        int h = pc.Engine.Connect(pc.Now, 0, PeerStack.DeviceAddress, 13);
        Assert.True(pc.RunUntil(() => (pc.Engine.Poll(h) & TcpEvents.PeerClosed) != 0, 5000), "daytime's FIN");
        var buf = new byte[256];
        while (pc.Engine.Receive(pc.Now, h, buf, 0, buf.Length) > 0) { }
        pc.Engine.Close(pc.Now, h);
        Assert.True(pc.RunUntil(() => pc.Engine.StateOf(h) == TcpState.Closed, 5000), "the close");
    }

    [Fact]
    public void By_default_nothing_is_kept_but_a_pcap_and_observers_still_see_every_packet()
    {
        using var link = new DeviceLink(_board.LinkEndPoint);
        var file = new MemoryStream();
        var pcap = new PcapWriter(file);
        var pc = new PeerStack(link, pcap: pcap);
        int seen = 0;
        pc.OnPacket = _ => seen++;
        Daytime(pc);
        Assert.Empty(pc.Packets);
        Assert.Empty(pc.Log);
        Assert.Equal(0, pc.PacketsNotRecorded);
        Assert.True(seen >= 8, $"{seen} packets observed");
        Assert.Equal(seen, pcap.Count);
    }

    [Fact]
    public void Past_the_limit_packets_and_lines_are_counted_not_kept()
    {
        using var link = new DeviceLink(_board.LinkEndPoint);
        var pc = new PeerStack(link, recordLimit: 3);
        Daytime(pc);
        Assert.Equal(3, pc.Packets.Count);
        Assert.Equal(3, pc.Log.Count);
        Assert.True(pc.PacketsNotRecorded >= 5, $"{pc.PacketsNotRecorded} not recorded");
        Assert.True(pc.LogLinesNotRecorded >= 1, $"{pc.LogLinesNotRecorded} lines not recorded");
    }
}
