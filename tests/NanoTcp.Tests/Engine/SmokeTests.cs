using NanoTcp;

namespace NanoTcp.Tests.Engine;

public class SmokeTests
{
    [Fact]
    public void PassiveOpenDataAndPeerClose()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, 7, 4);
        Assert.True(l >= 0);
        h.Inject(TcpFlags.Syn, 1000, 0, 50000, 7, mss: 1460);
        var synAck = h.TakeOnly();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(1001u, synAck.Ack);
        uint iss = synAck.Seq;
        h.Inject(TcpFlags.Ack, 1001, iss + 1, 50000, 7, payload: 5);
        var ack = h.TakeOnly();
        Assert.Equal(1006u, ack.Ack);
        int c = h.Engine.Accept(0, l);
        Assert.True(c >= 0);
        var buf = new byte[100];
        Assert.Equal(5, h.Engine.Receive(0, c, buf, 0, 100));
        h.Inject(TcpFlags.Fin | TcpFlags.Ack, 1006, iss + 1, 50000, 7);
        Assert.Equal(TcpState.CloseWait, h.Engine.StateOf(c));
        h.Sent.Clear();
        Assert.Equal(0, h.Engine.Close(0, c));
        var fin = h.TakeOnly();
        Assert.Equal(TcpFlags.Fin | TcpFlags.Ack, fin.Flags);
        h.Inject(TcpFlags.Ack, 1007, iss + 2, 50000, 7);
        Assert.Equal(TcpState.Closed, h.Engine.StateOf(7, Harness.PeerAddr, 50000));
        Assert.Contains(h.Log, x => x.Contains("CLOSE_WAIT->LAST_ACK"));
        Assert.Contains(h.Log, x => x.Contains("LAST_ACK->CLOSED"));
    }
}
