using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// ACKs held to the end of a step (<see cref="TcpEngine.HoldAcks"/>, <see cref="TcpEngine.FlushAcks"/>):
/// the ACK of a data segment and the window update after the application's read leave as one
/// segment, data sent meanwhile carries the ACK, and the ACK of a FIN is never held.
/// </summary>
public class HeldAckTests
{
    const int Port = 8080, PeerPort = 40000;

    /// <summary>An accepted connection on a 2048-byte receive buffer (the device default); returns (harness, handle, ISS).</summary>
    static (Harness H, int Handle, uint Iss) Established()
    {
        var h = new Harness(c => { c.RcvBuf = 2048; c.Mss = 1024; });
        int l = h.Engine.Listen(h.Now, Port, 4);
        h.Inject(TcpFlags.Syn, 1000, 0, PeerPort, Port, mss: 1024);
        uint iss = h.Last().Seq;
        h.Inject(TcpFlags.Ack, 1001, iss + 1, PeerPort, Port);
        int c = h.Engine.Accept(h.Now, l);
        Assert.True(c >= 0);
        h.Sent.Clear();
        return (h, c, iss);
    }

    [Fact]
    public void Data_then_a_read_in_one_step_draw_one_ACK_with_the_reopened_window()
    {
        var (h, c, iss) = Established();
        h.Engine.HoldAcks();
        h.Inject(TcpFlags.Ack | TcpFlags.Psh, 1001, iss + 1, PeerPort, Port, payload: 1024);
        Assert.Empty(h.Sent);
        Assert.Equal(1024, h.Engine.Receive(h.Now, c, new byte[2048], 0, 2048));
        Assert.Empty(h.Sent);
        h.Engine.FlushAcks(h.Now);
        Segment ack = h.TakeOnly();
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(1001u + 1024, ack.Ack);
        Assert.Equal(2048, ack.Window);
    }

    [Fact]
    public void Without_holding_the_same_step_sends_the_ACK_and_then_the_window_update()
    {
        var (h, c, iss) = Established();
        h.Inject(TcpFlags.Ack | TcpFlags.Psh, 1001, iss + 1, PeerPort, Port, payload: 1024);
        h.Engine.Receive(h.Now, c, new byte[2048], 0, 2048);
        Assert.Equal(2, h.Sent.Count);
        Assert.Equal(1024, Harness.Parse(h.Sent[0].Bytes).Window);
        Assert.Equal(2048, Harness.Parse(h.Sent[1].Bytes).Window);
    }

    [Fact]
    public void Data_sent_in_the_step_carries_the_held_ACK()
    {
        var (h, c, iss) = Established();
        h.Engine.HoldAcks();
        h.Inject(TcpFlags.Ack | TcpFlags.Psh, 1001, iss + 1, PeerPort, Port, payload: 64);
        var buf = new byte[64];
        Assert.Equal(64, h.Engine.Receive(h.Now, c, buf, 0, 64));
        Assert.Equal(64, h.Engine.Send(h.Now, c, buf, 0, 64));
        h.Engine.FlushAcks(h.Now);
        Segment echo = h.TakeOnly();
        Assert.Equal(64, echo.PayloadLength);
        Assert.Equal(1001u + 64, echo.Ack);
    }

    [Fact]
    public void Two_segments_in_one_step_draw_one_cumulative_ACK()
    {
        var (h, c, iss) = Established();
        h.Engine.HoldAcks();
        h.Inject(TcpFlags.Ack, 1001, iss + 1, PeerPort, Port, payload: 512);
        h.Inject(TcpFlags.Ack, 1513, iss + 1, PeerPort, Port, payload: 512);
        h.Engine.FlushAcks(h.Now);
        Assert.Equal(1001u + 1024, h.TakeOnly().Ack);
    }

    [Fact]
    public void The_ACK_of_a_FIN_is_never_held_so_close_segments_2_and_3_stay_apart()
    {
        var (h, c, iss) = Established();
        h.Engine.HoldAcks();
        h.Inject(TcpFlags.Ack | TcpFlags.Fin, 1001, iss + 1, PeerPort, Port);
        Segment ack = h.TakeOnly();
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(1002u, ack.Ack);
        h.Engine.Close(h.Now, c);
        Assert.Equal(TcpFlags.Fin | TcpFlags.Ack, h.TakeOnly().Flags);
        h.Engine.FlushAcks(h.Now);
        Assert.Empty(h.Sent);
    }

    [Fact]
    public void A_held_ACK_of_a_connection_freed_in_the_step_is_dropped()
    {
        var (h, c, iss) = Established();
        h.Engine.HoldAcks();
        h.Inject(TcpFlags.Ack, 1001, iss + 1, PeerPort, Port, payload: 100);
        h.Inject(TcpFlags.Rst, 1101, 0, PeerPort, Port);
        h.Engine.FlushAcks(h.Now);
        Assert.Empty(h.Sent);
    }
}
