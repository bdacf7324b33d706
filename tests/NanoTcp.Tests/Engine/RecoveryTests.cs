using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Loss recovery in detail: the out-of-order ranges kept in the receive buffer (RFC 9293
/// §3.10.7.4), what counts as a duplicate ACK (RFC 5681 §2, RFC 6675 §2), fast retransmit and
/// NewReno (RFC 5681 §3.2, RFC 6582), and early retransmit (RFC 5827). The scripts
/// tests/scripts/out-of-order-*.pkt and fast-retransmit-*.pkt show the common cases on the wire.
/// </summary>
public class RecoveryTests
{
    const int Port = 7, PeerPort = 40000;
    const uint PeerIsn = 5000;

    static (Harness H, int C, uint Iss) Open(Action<TcpConfig>? configure = null, int mss = 1000)
    {
        var h = new Harness(configure);
        int l = h.Engine.Listen(0, Port, 4);
        var (c, iss) = h.OpenPassive(l, Port, PeerPort, PeerIsn, mss: mss);
        return (h, c, iss);
    }

    static List<Segment> Taken(Harness h)
    {
        var list = h.Sent.Select(s => Harness.Parse(s.Bytes)).ToList();
        h.Sent.Clear();
        return list;
    }

    // ------------------------------------------------------------------ reassembly

    [Fact]
    public void AtMostFourRangesAreKeptTheWindowStaysHonestAndEverythingArrivesInOrder()
    {
        var (h, c, iss) = Open();
        var data = Packets.Pattern(1200);
        uint first = PeerIsn + 1;
        // Five segments beyond a hole at 0..199, each followed by a gap: four ranges are kept, the fifth is not.
        foreach (int off in new[] { 200, 400, 600, 800, 1000 })
        {
            h.InjectData(TcpFlags.Ack, first + (uint)off, iss + 1, PeerPort, Port, data.AsSpan(off, 100).ToArray());
            var ack = h.TakeOnly();
            Assert.Equal(first, ack.Ack); // a duplicate ACK each time
            Assert.True(ack.Window + h.Engine.Available(c) <= h.Engine.Config.RcvBuf, "window beyond the free space");
        }
        Assert.Equal(4, h.Engine.Counters.OutOfOrderQueued);
        Assert.Equal(0, h.Engine.Available(c));

        // The gaps fill in reverse order; the last, at RCV.NXT, delivers the whole run up to 900.
        foreach (int off in new[] { 700, 500, 300, 0 })
        {
            int len = off == 0 ? 200 : 100;
            h.InjectData(TcpFlags.Ack, first + (uint)off, iss + 1, PeerPort, Port, data.AsSpan(off, len).ToArray());
            var ack = h.TakeOnly();
            Assert.True(ack.Window + h.Engine.Available(c) <= h.Engine.Config.RcvBuf, "window beyond the free space");
        }
        Assert.Equal(900, h.Engine.Available(c));
        // 900..999 and 1000..1099 (which was not kept) arrive again.
        h.InjectData(TcpFlags.Ack, first + 900, iss + 1, PeerPort, Port, data.AsSpan(900, 300).ToArray());
        Assert.Equal(first + 1200, h.TakeOnly().Ack);
        var got = new byte[2000];
        Assert.Equal(1200, h.Engine.Receive(h.Now, c, got, 0, got.Length));
        Assert.Equal(data, got.Take(1200).ToArray());
    }

    [Fact]
    public void KeptDataSurvivesTheApplicationEmptyingTheBuffer()
    {
        var (h, c, iss) = Open();
        var data = Packets.Pattern(300);
        uint first = PeerIsn + 1;
        h.InjectData(TcpFlags.Ack, first, iss + 1, PeerPort, Port, data.AsSpan(0, 100).ToArray());
        h.InjectData(TcpFlags.Ack, first + 200, iss + 1, PeerPort, Port, data.AsSpan(200, 100).ToArray());
        var got = new byte[300];
        Assert.Equal(100, h.Engine.Receive(h.Now, c, got, 0, 300)); // the buffer is empty now; the kept bytes lie beyond it
        h.InjectData(TcpFlags.Ack, first + 100, iss + 1, PeerPort, Port, data.AsSpan(100, 100).ToArray());
        Assert.Equal(200, h.Engine.Receive(h.Now, c, got, 100, 200));
        Assert.Equal(data, got);
    }

    [Fact]
    public void AFinBeyondAHoleIsTakenWhenTheHoleFills()
    {
        var (h, c, iss) = Open();
        var data = Packets.Pattern(200);
        uint first = PeerIsn + 1;
        h.InjectData(TcpFlags.Ack | TcpFlags.Fin, first + 100, iss + 1, PeerPort, Port, data.AsSpan(100, 100).ToArray());
        Assert.Equal(first, h.TakeOnly().Ack);
        Assert.Equal(TcpState.Established, h.Engine.StateOf(c));
        h.InjectData(TcpFlags.Ack, first, iss + 1, PeerPort, Port, data.AsSpan(0, 100).ToArray());
        Assert.Equal(first + 201, h.TakeOnly().Ack); // both segments and the FIN
        Assert.Equal(TcpState.CloseWait, h.Engine.StateOf(c));
        var got = new byte[300];
        Assert.Equal(200, h.Engine.Receive(h.Now, c, got, 0, 300));
        Assert.Equal(0, h.Engine.Receive(h.Now, c, got, 0, 300)); // end of stream
    }

    [Fact]
    public void NothingIsKeptAfterShutdownRead()
    {
        var (h, c, iss) = Open();
        h.Engine.Shutdown(h.Now, c, ShutdownHow.Read);
        h.InjectData(TcpFlags.Ack, PeerIsn + 101, iss + 1, PeerPort, Port, Packets.Pattern(100));
        Assert.Equal(0, h.Engine.Counters.OutOfOrderQueued);
        h.InjectData(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, Packets.Pattern(100));
        Assert.Equal(PeerIsn + 101, h.Last().Ack);
        Assert.Equal(0, h.Engine.Available(c));
    }

    // ------------------------------------------------------------------ duplicate ACKs

    [Fact]
    public void WithoutSackThreeDuplicateAcksAreNeededAndWindowUpdatesAreNotDuplicates()
    {
        var (h, c, iss) = Open();
        h.Engine.Send(h.Now, c, Packets.Pattern(2000), 0, 2000);
        Assert.Equal(2, Taken(h).Count);
        // Same ACK, other windows: window updates, not duplicates (RFC 5681 §2 (e)).
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, window: 60000);
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, window: 61000);
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, window: 62000);
        Assert.Empty(h.Sent);
        // Two true duplicates are not enough without SACK, the third is.
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, window: 62000);
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, window: 62000);
        Assert.Empty(h.Sent);
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, window: 62000);
        var rtx = Assert.Single(Taken(h));
        Assert.Equal(iss + 1, rtx.Seq);
        Assert.Equal(1000, rtx.PayloadLength);
        Assert.Equal(1, h.Engine.Counters.FastRetransmits);
        Assert.Contains(h.Log, x => x.EndsWith("RTX tx=[.] seq=1 ack=1 len=1000 why=dup-acks"));
    }

    [Fact]
    public void AfterATimeoutDuplicateAcksDoNotStartARecovery()
    {
        var (h, c, iss) = Open(cfg => cfg.SndBuf = 8192);
        h.Engine.Send(h.Now, c, Packets.Pattern(4000), 0, 4000);
        Assert.Equal(4, Taken(h).Count);
        h.NextTransmission(); // the RTO: go back to SND.UNA
        h.Sent.Clear();
        // Duplicates of the old ACK, as the go-back's copies of segments the peer already had would draw.
        for (int i = 0; i < 4; i++) h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port);
        Assert.Empty(h.Sent);
        Assert.Equal(0, h.Engine.Counters.FastRetransmits);
    }

    [Fact]
    public void WithSackOnlyAnAckThatSacksNewDataCounts()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, Port, 4);
        h.InjectBytes(Packets.FromPeer(TcpFlags.Syn, PeerIsn, 0, PeerPort, Port, options: new byte[] { 2, 4, 3, 0xE8, 4, 2, 1, 1 }));
        uint iss = h.TakeOnly().Seq;
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port);
        int c = h.Engine.Accept(h.Now, l);
        h.Sent.Clear();
        h.Engine.Send(h.Now, c, Packets.Pattern(2000), 0, 2000);
        Assert.Equal(2, Taken(h).Count);

        byte[] Sack(uint left, uint right)
        {
            var o = new byte[12] { 1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0 };
            Wire.WriteU32(o, 4, left);
            Wire.WriteU32(o, 8, right);
            return o;
        }
        // A duplicate ACK with no SACK block proves nothing: not counted.
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port);
        Assert.Empty(h.Sent);
        // One that SACKs the second segment: with two segments out and nothing new to send, enough (RFC 5827).
        h.InjectBytes(Packets.FromPeer(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, options: Sack(iss + 1001, iss + 2001)));
        var rtx = Assert.Single(Taken(h));
        Assert.Equal(iss + 1, rtx.Seq);
        // Its duplicate SACKs nothing new: nothing more.
        h.InjectBytes(Packets.FromPeer(TcpFlags.Ack, PeerIsn + 1, iss + 1, PeerPort, Port, options: Sack(iss + 1001, iss + 2001)));
        Assert.Empty(h.Sent);
        h.Inject(TcpFlags.Ack, PeerIsn + 1, iss + 2001, PeerPort, Port);
        Assert.Equal(1, h.Engine.Counters.FastRetransmits);
        Assert.Equal(1, h.Engine.Counters.Retransmissions);
    }

    /// <summary>
    /// Random segments of one byte stream (in and out of order, overlapping, duplicated, some with
    /// FIN at the stream's end, some beyond the window), random reads: whatever is read is exactly
    /// the stream's next bytes, the window never exceeds the free space, and the stream completes.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomArrivalsAlwaysReadAsTheStreamInOrder(int seed)
    {
        var rng = new Random(seed);
        var (h, c, iss) = Open(cfg => cfg.RcvBuf = 3000);
        const int Total = 20000;
        var stream = Packets.Pattern(Total);
        uint first = PeerIsn + 1;
        int read = 0;
        var buf = new byte[4096];
        // Each segment sent must offer no more than the free space at the moment it was sent.
        void CheckWindows()
        {
            foreach (var sent in Taken(h))
                Assert.True(sent.Window <= h.Engine.Config.RcvBuf - h.Engine.Available(c), $"window {sent.Window} beyond the free space: {h.Engine.Available(c)} buffered");
        }
        for (int i = 0; i < 20000 && read < Total; i++)
        {
            int off = Math.Max(0, read + rng.Next(-500, 4000));
            int len = Math.Min(rng.Next(1, 1200), Total - Math.Min(off, Total));
            if (off >= Total || len <= 0) { off = read; len = Math.Min(100, Total - read); }
            int flags = TcpFlags.Ack | (rng.Next(4) == 0 ? TcpFlags.Psh : 0);
            if (off + len == Total && rng.Next(2) == 0) flags |= TcpFlags.Fin;
            h.InjectData(flags, first + (uint)off, iss + 1, PeerPort, Port, stream.AsSpan(off, len).ToArray());
            CheckWindows();
            if (rng.Next(3) == 0)
            {
                int n = h.Engine.Receive(h.Now, c, buf, 0, rng.Next(1, buf.Length));
                CheckWindows();
                if (n > 0)
                {
                    Assert.Equal(stream.AsSpan(read, n).ToArray(), buf.AsSpan(0, n).ToArray());
                    read += n;
                }
            }
        }
        int m;
        while ((m = h.Engine.Receive(h.Now, c, buf, 0, buf.Length)) > 0)
        {
            Assert.Equal(stream.AsSpan(read, m).ToArray(), buf.AsSpan(0, m).ToArray());
            read += m;
        }
        Assert.Equal(Total, read);
        Assert.True(h.Engine.Counters.OutOfOrderQueued > 0);
    }

    [Fact]
    public void TcpNoOptTurnsSackOffAndACookieInheritsIt()
    {
        var h = new Harness(c => c.SynBacklog = 1);
        int l = h.Engine.Listen(0, Port, 4);
        Assert.Equal(0, h.Engine.SetOption(0, l, SocketOption.NoOpt, 1));
        byte[] sackOk = { 2, 4, 3, 0xE8, 4, 2, 1, 1 };
        h.InjectBytes(Packets.FromPeer(TcpFlags.Syn, PeerIsn, 0, PeerPort, Port, options: sackOk));
        var synAck = h.TakeOnly();
        Assert.Equal(40, synAck.PayloadOffset - 0); // 20 + 20: no options at all
        // Beyond the one half-open slot: a cookie, with no options either; its connection keeps TCP_NOOPT.
        h.InjectBytes(Packets.FromPeer(TcpFlags.Syn, 9000, 0, PeerPort + 1, Port, options: sackOk));
        var cookie = h.TakeOnly();
        Assert.Equal(40, cookie.PayloadOffset);
        h.Inject(TcpFlags.Ack, 9001, cookie.Seq + 1, PeerPort + 1, Port);
        Assert.Equal(TcpState.Established, h.StateOf(Port, PeerPort + 1));
        h.InjectData(TcpFlags.Ack, 9101, cookie.Seq + 1, PeerPort + 1, Port, Packets.Pattern(100));
        var dup = h.TakeOnly();
        Assert.Equal(9001u, dup.Ack);
        Assert.Equal(0, dup.SackBlocks); // SACK was not negotiated
        Assert.Equal(40, dup.PayloadOffset);
    }
}
