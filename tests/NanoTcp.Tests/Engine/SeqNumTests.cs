using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>Sequence numbers modulo 2^32 (RFC 9293 §3.4), alone and in a connection that crosses the wrap.</summary>
public class SeqNumTests
{
    [Fact]
    public void ComparisonsAcrossTheWrap()
    {
        Assert.True(SeqNum.Lt(0xFFFFFFF0, 0x10));
        Assert.False(SeqNum.Lt(0x10, 0xFFFFFFF0));
        Assert.True(SeqNum.Gt(0x10, 0xFFFFFFF0));
        Assert.False(SeqNum.Gt(0xFFFFFFF0, 0x10));
        Assert.True(SeqNum.Le(0xFFFFFFFF, 0));
        Assert.True(SeqNum.Ge(0, 0xFFFFFFFF));
        Assert.True(SeqNum.Lt(0xFFFFFFFF, 0));
    }

    [Fact]
    public void EqualityIsNeitherLessNorGreater()
    {
        foreach (uint x in new uint[] { 0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF })
        {
            Assert.False(SeqNum.Lt(x, x));
            Assert.False(SeqNum.Gt(x, x));
            Assert.True(SeqNum.Le(x, x));
            Assert.True(SeqNum.Ge(x, x));
        }
    }

    [Fact]
    public void HalfTheSpaceAheadIsGreater()
    {
        // Anything up to 2^31 - 1 after a is greater than a, even across the wrap.
        uint a = 0xC0000000;
        Assert.True(SeqNum.Gt(a + 0x7FFFFFFF, a));
        Assert.True(SeqNum.Lt(a, a + 0x7FFFFFFF));
        // And just beyond half the space it is behind.
        Assert.True(SeqNum.Lt(a + 0x80000001, a));
    }

    [Fact]
    public void InRangeAcrossTheWrap()
    {
        Assert.True(SeqNum.InRange(0xFFFFFFF0, 0xFFFFFFF0, 0x10)); // lo is inside
        Assert.True(SeqNum.InRange(0xFFFFFFF0, 0xFFFFFFFF, 0x10));
        Assert.True(SeqNum.InRange(0xFFFFFFF0, 0x00000000, 0x10));
        Assert.True(SeqNum.InRange(0xFFFFFFF0, 0x0000000F, 0x10));
        Assert.False(SeqNum.InRange(0xFFFFFFF0, 0x10, 0x10));      // hi is outside
        Assert.False(SeqNum.InRange(0xFFFFFFF0, 0xFFFFFFEF, 0x10)); // just below lo
        Assert.False(SeqNum.InRange(0xFFFFFFF0, 0x80000000, 0x10));
        Assert.False(SeqNum.InRange(5, 5, 5));                      // an empty range holds nothing
    }

    [Fact]
    public void MaxAcrossTheWrap()
    {
        Assert.Equal(0x10u, SeqNum.Max(0xFFFFFFF0, 0x10));
        Assert.Equal(0x10u, SeqNum.Max(0x10, 0xFFFFFFF0));
        Assert.Equal(7u, SeqNum.Max(7, 7));
        Assert.Equal(200u, SeqNum.Max(100, 200));
    }

    // ------------------------------------------------------------------ a connection across the wrap

    const int Port = 7, PeerPort = 40000;
    const uint PeerIsn = 0xFFFFFF00;

    /// <summary>The peer's sequence numbers wrap: 1000 bytes starting 255 bytes before 2^32.</summary>
    [Fact]
    public void ReceivesInOrderAcrossThePeersWrap()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, Port, 4);
        var (c, iss) = h.OpenPassive(l, Port, PeerPort, PeerIsn);
        var data = Packets.Pattern(1000);
        uint first = PeerIsn + 1; // 0xFFFFFF01

        for (int i = 0; i < 10; i++)
        {
            uint seq = first + (uint)(i * 100);
            h.InjectData(TcpFlags.Ack, seq, iss + 1, PeerPort, Port, data.AsSpan(i * 100, 100).ToArray());
            var ack = h.TakeOnly();
            Assert.Equal(seq + 100, ack.Ack); // wraps from 0xFFFFFFC9 + 100 to 0x2D on the third segment
            Assert.Equal(TcpFlags.Ack, ack.Flags);
        }
        Assert.Equal(0x2E9u, first + 1000);

        var got = new byte[2000];
        Assert.Equal(1000, h.Engine.Receive(h.Now, c, got, 0, got.Length));
        Assert.Equal(data, got.Take(1000).ToArray());

        // The FIN right after the wrapped data is acknowledged with the wrapped number too.
        h.Sent.Clear();
        h.Inject(TcpFlags.Fin | TcpFlags.Ack, 0x2E9, iss + 1, PeerPort, Port);
        Assert.Equal(0x2EAu, h.TakeOnly().Ack);
        Assert.Equal(TcpState.CloseWait, h.Engine.StateOf(c));
    }

    [Fact]
    public void OutOfOrderSegmentBeyondTheWrapIsNotDelivered()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, Port, 4);
        var (c, iss) = h.OpenPassive(l, Port, PeerPort, PeerIsn);
        uint first = PeerIsn + 1;
        var data = Packets.Pattern(400);

        // Segments: [FFFFFF01, FFFFFF65) [FFFFFF65, FFFFFFC9) [FFFFFFC9, 2D) [2D, 91)
        h.InjectData(TcpFlags.Ack, first, iss + 1, PeerPort, Port, data.AsSpan(0, 100).ToArray());
        h.InjectData(TcpFlags.Ack, first + 100, iss + 1, PeerPort, Port, data.AsSpan(100, 100).ToArray());
        h.Sent.Clear();

        // The fourth arrives before the third (which straddles 2^32): a duplicate ACK for the hole, nothing queued.
        h.InjectData(TcpFlags.Ack, 0x2D, iss + 1, PeerPort, Port, data.AsSpan(300, 100).ToArray());
        Assert.Equal(0xFFFFFFC9u, h.TakeOnly().Ack);
        Assert.Equal(200, h.Engine.Available(c));

        h.InjectData(TcpFlags.Ack, 0xFFFFFFC9, iss + 1, PeerPort, Port, data.AsSpan(200, 100).ToArray());
        Assert.Equal(0x2Du, h.TakeOnly().Ack);
        h.InjectData(TcpFlags.Ack, 0x2D, iss + 1, PeerPort, Port, data.AsSpan(300, 100).ToArray());
        Assert.Equal(0x91u, h.TakeOnly().Ack);

        // A retransmission of data from before the wrap is old: acknowledged, not delivered twice.
        h.InjectData(TcpFlags.Ack, first + 100, iss + 1, PeerPort, Port, data.AsSpan(100, 100).ToArray());
        Assert.Equal(0x91u, h.TakeOnly().Ack);

        var got = new byte[1000];
        Assert.Equal(400, h.Engine.Receive(h.Now, c, got, 0, got.Length));
        Assert.Equal(data, got.Take(400).ToArray());
    }

    /// <summary>
    /// Our ISS is M + F(4-tuple) (RFC 6528), M advancing 250 per ms: choosing the moment of the SYN
    /// places our ISS just below 2^32, so our own sequence numbers wrap while we send.
    /// </summary>
    [Fact]
    public void SendsAcrossOurOwnWrap()
    {
        var cfg = new TcpConfig { LocalAddress = Harness.LocalAddr };
        uint f = Isn.Generate(cfg.IsnKey0, cfg.IsnKey1, Harness.LocalAddr, Port, Harness.PeerAddr, PeerPort, 0);
        uint target = 0xFFFFFF00; // 255..504 bytes before 2^32: the first segment is below it, the last above
        long synTime = (target - f) / 250; // f + 250·t lands in (target - 250, target]

        var h = new Harness(o => o.SndBuf = 2048) { Now = synTime }; // room for all 1000 bytes at once
        int l = h.Engine.Listen(h.Now, Port, 4);
        var (c, iss) = h.OpenPassive(l, Port, PeerPort, 1000, mss: 300);
        Assert.InRange(iss, target - 249, target);

        var data = Packets.Pattern(1000);
        Assert.Equal(1000, h.Engine.Send(h.Now, c, data, 0, data.Length));
        // Three full segments; Nagle's algorithm holds the last 100 bytes until they are acknowledged.
        var segs = h.Sent.Select(s => Harness.Parse(s.Bytes)).ToList();
        Assert.Equal(new[] { 300, 300, 300 }, segs.Select(s => s.PayloadLength));
        h.Sent.Clear();

        // The peer's cumulative ACKs, wrapped, free the buffer; nothing is retransmitted afterwards.
        h.Inject(TcpFlags.Ack, 1001, iss + 1 + 600, PeerPort, Port);
        Assert.Equal(2048 - 400, h.Engine.SendSpace(c));
        Assert.Empty(h.Sent);
        h.Inject(TcpFlags.Ack, 1001, iss + 1 + 900, PeerPort, Port);
        segs.Add(Harness.Parse(h.Sent.Single().Bytes));
        Assert.Equal(new[] { 300, 300, 300, 100 }, segs.Select(s => s.PayloadLength));
        for (int i = 0; i < segs.Count; i++) Assert.Equal(iss + 1 + (uint)(i * 300), segs[i].Seq);
        Assert.Equal(data, segs.SelectMany(Packets.PayloadOf).ToArray());
        Assert.True(segs[^1].Seq < segs[0].Seq, "the test must cross 2^32");
        h.Sent.Clear();
        h.Inject(TcpFlags.Ack, 1001, iss + 1 + 1000, PeerPort, Port);
        Assert.Equal(2048, h.Engine.SendSpace(c));
        h.Advance(10000);
        Assert.Empty(h.Sent);
        Assert.Equal(0, h.Engine.Counters.Retransmissions);
        Assert.Equal(0, h.Engine.Counters.ChallengeAcks);

        // Our FIN carries the wrapped sequence number, and the peer's ACK of it is taken.
        h.Engine.Close(h.Now, c);
        var fin = h.TakeOnly();
        Assert.Equal(iss + 1001, fin.Seq);
        h.Inject(TcpFlags.Ack, 1001, iss + 1002, PeerPort, Port);
        Assert.Equal(TcpState.FinWait2, h.StateOf(Port, PeerPort));
    }
}
