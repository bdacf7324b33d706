using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>Initial sequence numbers per RFC 6528: ISN = M + F(4-tuple, key), F = SipHash-2-4, M a 4 µs clock.</summary>
public class IsnTests
{
    // The key of the SipHash reference vectors: bytes 00 01 .. 0f, read as two little-endian words.
    const ulong K0 = 0x0706050403020100UL, K1 = 0x0F0E0D0C0B0A0908UL;

    [Fact]
    public void SipHash24MatchesTheReferenceVector()
    {
        // SipHash reference code, vectors.h, vectors_sip64[16] (key 00..0f, message 00..0f):
        // { 0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f }, the 64-bit result in little-endian order.
        Assert.Equal(0x3f2acc7f57c29bdbUL, Isn.SipHash24(K0, K1, 0x0706050403020100UL, 0x0F0E0D0C0B0A0908UL));
    }

    [Fact]
    public void SipHash24DependsOnEveryInput()
    {
        ulong h = Isn.SipHash24(K0, K1, 1, 2);
        Assert.NotEqual(h, Isn.SipHash24(K0 ^ 1, K1, 1, 2));
        Assert.NotEqual(h, Isn.SipHash24(K0, K1 ^ (1UL << 63), 1, 2));
        Assert.NotEqual(h, Isn.SipHash24(K0, K1, 3, 2));
        Assert.NotEqual(h, Isn.SipHash24(K0, K1, 1, 3));
        Assert.NotEqual(h, Isn.SipHash24(K0, K1, 2, 1)); // word order matters
    }

    static readonly uint Local = Ipv4.Address(192, 0, 2, 2), Remote = Ipv4.Address(192, 0, 2, 1);

    static uint Gen(uint local = 0, int lport = 80, uint remote = 0, int rport = 40000, long now = 12345, ulong k0 = K0, ulong k1 = K1)
        => Isn.Generate(k0, k1, local == 0 ? Local : local, lport, remote == 0 ? Remote : remote, rport, now);

    [Fact]
    public void IsnsDifferAcrossFourTuples()
    {
        var isns = new HashSet<uint>
        {
            Gen(),
            Gen(local: Ipv4.Address(192, 0, 2, 3)),
            Gen(lport: 81),
            Gen(remote: Ipv4.Address(192, 0, 2, 9)),
            Gen(rport: 40001),
            Gen(lport: 40000, rport: 80), // ports swapped
            Gen(k0: K0 + 1),              // another device's secret
        };
        Assert.Equal(7, isns.Count);
    }

    [Fact]
    public void IsnAdvancesWithTheFourMicrosecondClock()
    {
        // RFC 6528: M is a timer ticking every 4 µs, i.e. 250 per ms.
        Assert.Equal(250u, Gen(now: 1001) - Gen(now: 1000));
        Assert.Equal(250_000u, Gen(now: 2000) - Gen(now: 1000));
        // 2^32 ticks of 4 µs is about 4.77 hours: the clock wraps and the difference is still exact mod 2^32.
        long wrap = 17_179_869; // ms, about 2^32 / 250
        Assert.Equal(unchecked((uint)(wrap * 250)), Gen(now: wrap) - Gen(now: 0));
    }

    [Fact]
    public void TheEngineUsesItForActiveOpens()
    {
        var h = new Harness();
        var cfg = h.Engine.Config;
        int c = h.Engine.Connect(0, 5000, Harness.PeerAddr, 80);
        var syn1 = h.TakeOnly();
        Assert.Equal(Isn.Generate(cfg.IsnKey0, cfg.IsnKey1, Harness.LocalAddr, 5000, Harness.PeerAddr, 80, 0), syn1.Seq);
        h.Engine.Close(0, c);

        // The same 4-tuple a second later: the ISN has moved on by exactly one second of clock.
        h.Now = 1000;
        h.Engine.Connect(h.Now, 5000, Harness.PeerAddr, 80);
        var syn2 = h.TakeOnly();
        Assert.Equal(syn1.Seq + 250_000u, syn2.Seq);
    }

    [Fact]
    public void TheEngineUsesItForPassiveOpens()
    {
        var h = new Harness();
        var cfg = h.Engine.Config;
        h.Engine.Listen(0, 7, 4);
        h.Inject(TcpFlags.Syn, 100, 0, 40000, 7);
        var a = h.TakeOnly();
        h.Inject(TcpFlags.Syn, 100, 0, 40001, 7); // same moment, another port
        var b = h.TakeOnly();
        Assert.Equal(Isn.Generate(cfg.IsnKey0, cfg.IsnKey1, Harness.LocalAddr, 7, Harness.PeerAddr, 40000, 0), a.Seq);
        Assert.NotEqual(a.Seq, b.Seq);
    }

    [Fact]
    public void TheKeyComesFromTheConfiguration()
    {
        var a = new Harness();
        var b = new Harness(c => { c.IsnKey0 = 0x1111; c.IsnKey1 = 0x2222; });
        a.Engine.Connect(0, 5000, Harness.PeerAddr, 80);
        b.Engine.Connect(0, 5000, Harness.PeerAddr, 80);
        Assert.NotEqual(a.TakeOnly().Seq, b.TakeOnly().Seq);
    }
}
