using System.Net;
using Nanotcp.Net;
using NanoTcp.Board;

namespace NanoTcp.Tests.Glue;

/// <summary>
/// How many datagrams the device sends per data segment, counted on real UDP between the desktop
/// peer and a virtual board with the device defaults: the ACK and the window update that follows
/// the service's read go out as one segment, and none when the service's reply carries the ACK.
/// </summary>
public sealed class DatagramCountTests : IDisposable
{
    VirtualBoard? _board;
    DeviceLink? _link;
    PeerStack _pc = null!;

    void Start(int delayedAckMs = 0)
    {
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.None };
        options.Device.Tcp.DelayedAckMs = delayedAckMs;
        _board = VirtualBoard.Start(options);
        _link = new DeviceLink(_board.LinkEndPoint);
        _pc = new PeerStack(_link, recordLimit: PeerStack.LadderRecordLimit);
    }

    public void Dispose()
    {
        _board?.Dispose();
        _link?.Dispose();
    }

    int Connect(int port)
    {
        int h = _pc.Engine.Connect(_pc.Now, 0, PeerStack.DeviceAddress, port);
        Assert.True(h >= 0);
        Assert.True(_pc.RunUntil(() => (_pc.Engine.Poll(h) & TcpEvents.Connected) != 0, 5000), "handshake");
        return h;
    }

    IEnumerable<Segment> Segments(bool fromPc, int pcPort) => _pc.Packets.Where(p => p.FromPc == fromPc).Select(p => p.Parse())
        .Where(s => (fromPc ? s.SrcPort : s.DstPort) == pcPort && !s.Has(TcpFlags.Syn));

    /// <summary>Also with delayed ACK on (200 ms): the ACK then rides on the window update after the service's read.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(200)]
    public void Bulk_to_discard_draws_at_most_one_ACK_per_data_segment(int delayedAckMs)
    {
        Start(delayedAckMs);
        int h = Connect(9);
        var data = new byte[64 * 1024];
        int sent = 0;
        int room = _pc.Engine.SendSpace(h);
        Assert.True(_pc.RunUntil(() =>
        {
            if (sent < data.Length)
            {
                int n = _pc.Engine.Send(_pc.Now, h, data, sent, data.Length - sent);
                if (n > 0) sent += n;
            }
            return sent == data.Length && _pc.Engine.SendSpace(h) == room; // all of it acknowledged
        }, 20000), "the device to acknowledge 64 KB");

        int port = _pc.Engine.LocalPort(h);
        int dataSegments = Segments(true, port).Count(s => s.PayloadLength > 0);
        int acks = Segments(false, port).Count(s => s.PayloadLength == 0 && s.Flags == TcpFlags.Ack);
        Assert.True(dataSegments >= 64, $"{dataSegments} data segments");
        Assert.True(acks <= dataSegments, $"the device sent {acks} ACKs for {dataSegments} data segments");
        Assert.Equal(0, _pc.PacketsNotRecorded);
    }

    [Fact]
    public void An_echoed_segment_carries_the_ACK_with_no_pure_ACK_before_it()
    {
        Start();
        int h = Connect(7);
        var ping = new byte[64];
        var buf = new byte[256];
        int port = _pc.Engine.LocalPort(h);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(64, _pc.Engine.Send(_pc.Now, h, ping, 0, ping.Length));
            int got = 0;
            Assert.True(_pc.RunUntil(() =>
            {
                int n = _pc.Engine.Receive(_pc.Now, h, buf, 0, buf.Length);
                if (n > 0) got += n;
                return got == 64;
            }, 5000), "the echo");
        }
        var fromDevice = Segments(false, port).ToList();
        Assert.Equal(20, fromDevice.Count(s => s.PayloadLength == 64));
        Assert.True(fromDevice.All(s => s.PayloadLength > 0),
            "pure ACKs from the device: " + fromDevice.Count(s => s.PayloadLength == 0));
    }

    [Fact]
    public void A_PC_holding_its_ACKs_sends_them_on_the_data_and_the_FIN_of_the_same_step()
    {
        Start();
        _pc.HoldAcks = true;
        var data = new byte[64];
        var buf = new byte[256];
        int h = _pc.Engine.Connect(_pc.Now, 0, PeerStack.DeviceAddress, 7);
        int port = _pc.Engine.LocalPort(h);
        bool sent = false;
        int got = 0;
        Assert.True(_pc.RunUntil(() =>
        {
            if (!sent && (_pc.Engine.Poll(h) & TcpEvents.Connected) != 0) sent = _pc.Engine.Send(_pc.Now, h, data, 0, 64) == 64;
            if (!sent) return false;
            int n = _pc.Engine.Receive(_pc.Now, h, buf, 0, buf.Length);
            if (n > 0) got += n;
            if (got < 64) return false;
            _pc.Engine.Close(_pc.Now, h);
            return true;
        }, 5000), "the echo");
        Assert.True(_pc.RunUntil(() => _pc.Engine.StateOf(port, PeerStack.DeviceAddress, 7) == TcpState.TimeWait, 5000), "TIME_WAIT");

        // SYN, then the data carrying the handshake's ACK, the FIN carrying the ACK of the echo, the ACK of the device's FIN.
        var fromPc = _pc.Packets.Where(p => p.FromPc).Select(p => p.Parse()).Where(s => s.SrcPort == port).ToList();
        Assert.Equal(new[] { TcpFlags.Syn, TcpFlags.Psh | TcpFlags.Ack, TcpFlags.Fin | TcpFlags.Ack, TcpFlags.Ack }, fromPc.Select(s => s.Flags));
        Assert.Equal(fromPc[1].Ack + 64, fromPc[2].Ack); // the FIN acknowledges the echo
    }
}
