using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>TcpEngine.GetInfo / GetSlotInfo: a connection's control block as a snapshot, like Linux's tcp_info.</summary>
public class InfoTests
{
    const int Port = 50000;

    /// <summary>A passive open from the harness's peer (ISN 1000, window 65535, MSS 1000); returns (listener, handle, our ISS).</summary>
    static (int Listener, int Handle, uint Iss) Open(Harness h)
    {
        int l = h.Engine.Listen(h.Now, 7, 4);
        h.Inject(TcpFlags.Syn, 1000, 0, Port, 7, mss: 1000);
        uint iss = h.TakeOnly().Seq;
        h.Inject(TcpFlags.Ack, 1001, iss + 1, Port, 7);
        int c = h.Engine.Accept(h.Now, l);
        Assert.True(c >= 0);
        return (l, c, iss);
    }

    [Fact]
    public void AnEstablishedConnectionShowsItsSequenceSpaceWindowsAndEstimator()
    {
        var h = new Harness(c => { c.RtoInitialMs = 1000; c.RtoMinMs = 1000; c.RcvBuf = 2048; c.SndBuf = 4096; });
        var (_, c, iss) = Open(h);
        h.Inject(TcpFlags.Ack | TcpFlags.Psh, 1001, iss + 1, Port, 7, payload: 300, window: 8000);
        h.Sent.Clear();
        Assert.Equal(1500, h.Engine.Send(h.Now, c, new byte[1500], 0, 1500));

        var i = new TcpInfo();
        Assert.True(h.Engine.GetInfo(c, i));
        Assert.Equal(TcpState.Established, i.State);
        Assert.Equal(c, i.Handle);
        Assert.Equal((7, Harness.PeerAddr, Port), (i.LocalPort, i.RemoteAddress, i.RemotePort));
        Assert.Equal(iss, i.Iss);
        Assert.Equal(1000u, i.Irs);
        Assert.Equal(iss + 1, i.SndUna);
        Assert.Equal(iss + 1 + 1000, i.SndNxt); // one full segment; Nagle holds the 500 bytes behind it until it is acknowledged
        Assert.Equal(i.SndNxt, i.SndMax);
        Assert.Equal(1301u, i.RcvNxt);
        Assert.Equal(8000, i.SndWnd);
        Assert.Equal(1000, i.SndMss);
        Assert.Equal(300, i.RecvQ);
        Assert.Equal(1500, i.SendQ);
        Assert.Equal(2048 - 300, i.RcvBufFree);
        Assert.Equal(2048 - 300, i.RcvWnd); // what the last ACK advertised
        Assert.True(i.Cwnd >= 4000, $"cwnd {i.Cwnd}"); // at least RFC 5681's initial window for MSS 1000
        Assert.Equal(1000, i.RtoMs);
        Assert.Equal(0, i.Retries);
        Assert.Equal(h.Now + 1000, i.RtxAt);
        Assert.False(i.Persist);
        Assert.Equal("rto", i.NextTimer);
        Assert.Equal(i.RtxAt, i.NextDeadline);
        Assert.Equal(TcpInfo.Never, i.TimeWaitAt);
    }

    [Fact]
    public void RetriesBackoffAndTheTimeWaitTimerAreVisible()
    {
        var h = new Harness(c => { c.RtoInitialMs = 1000; c.RtoMinMs = 1000; c.MslMs = 2000; });
        var (_, c, iss) = Open(h);
        h.Engine.Send(h.Now, c, new byte[10], 0, 10);
        h.Advance(1000); // first RTO: resent, backed off
        var i = new TcpInfo();
        Assert.True(h.Engine.GetInfo(c, i));
        Assert.True(1 == i.Retries, string.Join("\n", h.Log));
        Assert.Equal(2000, i.RtoMs);
        Assert.Equal(1000, i.Cwnd); // one segment after a timeout
        Assert.Equal(2000, i.Ssthresh);

        h.Inject(TcpFlags.Ack, 1001, iss + 11, Port, 7);
        h.Engine.Close(h.Now, c);
        h.Inject(TcpFlags.Ack, 1001, iss + 12, Port, 7);
        h.Inject(TcpFlags.Fin | TcpFlags.Ack, 1001, iss + 12, Port, 7);
        // The application released its handle: only the slot view still sees the connection.
        Assert.False(h.Engine.GetInfo(c, i));
        Assert.False(i.InUse);
        int slot = c & 0xFFFF;
        Assert.True(h.Engine.GetSlotInfo(slot, i));
        Assert.Equal(TcpState.TimeWait, i.State);
        Assert.Equal(-1, i.Handle);
        Assert.Equal(h.Now + 4000, i.TimeWaitAt);
        Assert.Equal("2msl", i.NextTimer);
        Assert.Equal(TcpInfo.Never, i.RtxAt);
        Assert.True(i.FinQueued && i.FinAcked && i.FinReceived);

        h.Advance(4000);
        Assert.False(h.Engine.GetSlotInfo(slot, i));
        Assert.Equal(slot, i.Slot);
        Assert.False(h.Engine.GetSlotInfo(-1, i));
        Assert.False(h.Engine.GetSlotInfo(h.Engine.Capacity, i));
    }

    [Fact]
    public void AZeroWindowArmsThePersistTimer()
    {
        var h = new Harness();
        var (_, c, iss) = Open(h);
        h.Inject(TcpFlags.Ack, 1001, iss + 1, Port, 7, window: 0);
        h.Engine.Send(h.Now, c, new byte[10], 0, 10);
        var i = new TcpInfo();
        Assert.True(h.Engine.GetInfo(c, i));
        Assert.Equal(0, i.SndWnd);
        Assert.True(i.Persist);
        Assert.Equal("persist", i.NextTimer);
    }

    [Fact]
    public void ASnapshotAllocatesNothing()
    {
        var h = new Harness();
        var (l, c, _) = Open(h);
        var i = new TcpInfo();
        h.Engine.GetInfo(c, i);
        h.Engine.GetSlotInfo(0, i);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int n = 0; n < 1000; n++)
        {
            h.Engine.GetInfo(c, i);
            h.Engine.GetInfo(l, i);
            for (int s = 0; s < h.Engine.Capacity; s++) h.Engine.GetSlotInfo(s, i);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
