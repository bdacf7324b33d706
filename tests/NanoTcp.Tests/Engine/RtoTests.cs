using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>RtoEstimator against RFC 6298, and Karn's rule as the engine applies it.</summary>
public class RtoTests
{
    const int Initial = 1000, Min = 200, Max = 60000;

    /// <summary>RFC 6298 §2 written out with exact fractions; G = 1 ms, K = 4, RTO rounded up to whole ms.</summary>
    sealed class Rfc6298
    {
        public decimal Srtt, RttVar;
        bool _first = true;

        public int Sample(int r, int min = Min, int max = Max)
        {
            if (_first) { Srtt = r; RttVar = r / 2m; _first = false; }
            else
            {
                RttVar = 0.75m * RttVar + 0.25m * Math.Abs(Srtt - r); // uses the old SRTT (§2.3)
                Srtt = 0.875m * Srtt + 0.125m * r;
            }
            decimal rto = Math.Ceiling(Srtt + Math.Max(1m, 4 * RttVar));
            return (int)Math.Min(Math.Max(rto, min), max);
        }
    }

    [Fact]
    public void StartsAtTheInitialRto()
    {
        var e = new RtoEstimator(Initial, Min, Max);
        Assert.Equal(1000, e.RtoMs);
        Assert.False(e.HasSample);
        Assert.Equal(0, e.SrttMs);
    }

    [Fact]
    public void FirstSample()
    {
        // SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4·RTTVAR) = 100 + 200.
        var e = new RtoEstimator(Initial, Min, Max);
        e.Sample(100);
        Assert.True(e.HasSample);
        Assert.Equal(100, e.SrttMs);
        Assert.Equal(50, e.RttVarMs);
        Assert.Equal(300, e.RtoMs);
    }

    [Fact]
    public void SubsequentSamplesFollowTheFormulas()
    {
        var e = new RtoEstimator(Initial, Min, Max);
        var model = new Rfc6298();
        int[] samples = { 100, 200, 50, 400, 400, 80, 1000, 120, 120, 120 };
        foreach (int r in samples)
        {
            e.Sample(r);
            int expected = model.Sample(r);
            Assert.Equal(expected, e.RtoMs);
            Assert.Equal((int)model.Srtt, e.SrttMs);
        }
        // Spot-check the second step by hand: RTTVAR = 3/4·50 + 1/4·|100 − 200| = 62.5,
        // SRTT = 7/8·100 + 1/8·200 = 112.5, RTO = ⌈112.5 + 250⌉ = 363.
        var e2 = new RtoEstimator(Initial, Min, Max);
        e2.Sample(100);
        e2.Sample(200);
        Assert.Equal(363, e2.RtoMs);
        Assert.Equal(112, e2.SrttMs);
        Assert.Equal(62, e2.RttVarMs);
    }

    [Fact]
    public void ClampedToTheMinimum()
    {
        var e = new RtoEstimator(Initial, Min, Max);
        e.Sample(10); // 10 + 20 = 30 ms < 200
        Assert.Equal(Min, e.RtoMs);
        for (int i = 0; i < 50; i++) e.Sample(10);
        Assert.Equal(Min, e.RtoMs);
    }

    [Fact]
    public void ClampedToTheMaximum()
    {
        var e = new RtoEstimator(Initial, Min, Max);
        e.Sample(50000); // 50 000 + 100 000
        Assert.Equal(Max, e.RtoMs);
    }

    [Fact]
    public void GranularityTermWhenVarianceIsZero()
    {
        // RFC 6298 §2: with RTTVAR at zero the variance term is G (1 ms here), never zero.
        var e = new RtoEstimator(Initial, 1, Max);
        e.Sample(0);
        Assert.Equal(1, e.RtoMs);
        var f = new RtoEstimator(Initial, 1, Max);
        for (int i = 0; i < 100; i++) f.Sample(10); // RTTVAR decays towards 0
        Assert.Equal(11, f.RtoMs);
    }

    [Fact]
    public void BackoffDoublesUpToTheMaximum()
    {
        var e = new RtoEstimator(Initial, Min, Max);
        int[] expected = { 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000 };
        foreach (int x in expected)
        {
            e.Backoff();
            Assert.Equal(x, e.RtoMs);
        }
    }

    [Fact]
    public void SampleClearsTheBackoff()
    {
        var e = new RtoEstimator(Initial, Min, Max);
        e.Sample(100);
        e.Backoff();
        e.Backoff();
        Assert.Equal(1200, e.RtoMs);
        e.Sample(100); // SRTT 100, RTTVAR 37.5: RTO 250, not 1200 or 2400
        Assert.Equal(250, e.RtoMs);
    }

    [Fact]
    public void ResetForgetsEverything()
    {
        var e = new RtoEstimator(Initial, Min, Max);
        e.Sample(300);
        e.Backoff();
        e.Reset();
        Assert.Equal(Initial, e.RtoMs);
        Assert.False(e.HasSample);
        e.Sample(100);
        Assert.Equal(300, e.RtoMs); // treated as a first sample again
    }

    // ------------------------------------------------------------------ Karn's rule in the engine

    const int Port = 7, PeerPort = 40000;
    const uint PeerIsn = 5000;

    /// <summary>Sends n bytes from the application and returns the segment the engine put out.</summary>
    static Segment SendData(Harness h, int c, int n)
    {
        h.Sent.Clear();
        Assert.Equal(n, h.Engine.Send(h.Now, c, Packets.Pattern(n), 0, n));
        return h.TakeOnly();
    }

    /// <summary>
    /// The handshake gives one valid sample (SYN-ACK answered after 100 ms: RTO 300). A data segment
    /// is then lost and retransmitted (RTO backs off to 600); the ACK of the retransmission arrives
    /// 10 ms later. Karn: that ACK is ambiguous and must not be timed, so the next segment still
    /// waits the backed-off 600 ms. Had it been timed (310 ms from the first send, or 10 ms from the
    /// retransmission) the RTO would have collapsed to 487 or 200.
    /// </summary>
    [Fact]
    public void AckOfARetransmissionIsNotTimed()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, Port, 4);
        var (c, iss) = h.OpenPassive(l, Port, PeerPort, PeerIsn, ackDelayMs: 100);
        uint peerNxt = PeerIsn + 1;

        h.Advance(900); // t = 1000
        var lost = SendData(h, c, 10);
        Assert.Equal(1300, h.NextTransmission()); // RTO 300 from the handshake sample
        Assert.Equal(lost.Seq, h.Last().Seq);
        Assert.Contains(h.Log, x => x.StartsWith("1300 ") && x.Contains(" RTX ") && x.Contains(" rto=300 try=1")); // the timeout that expired

        h.Advance(10);
        h.Inject(TcpFlags.Ack, peerNxt, lost.Seq + 10, PeerPort, Port);
        Assert.Equal(h.Engine.SendSpace(c), h.Engine.Config.SndBuf);

        h.Advance(690); // t = 2000
        SendData(h, c, 10);
        Assert.Equal(2600, h.NextTransmission()); // still the backed-off 600 ms
        Assert.Contains(h.Log, x => x.StartsWith("2600 ") && x.Contains(" RTX ") && x.Contains(" rto=600 try=1"));
    }

    /// <summary>Control for the test above: an ACK of a segment sent once is timed, and it clears the backoff.</summary>
    [Fact]
    public void AckOfAFreshSegmentIsTimedAndClearsTheBackoff()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, Port, 4);
        var (c, iss) = h.OpenPassive(l, Port, PeerPort, PeerIsn, ackDelayMs: 100); // SRTT 100, RTTVAR 50
        uint peerNxt = PeerIsn + 1;

        h.Advance(900);
        var lost = SendData(h, c, 10);
        Assert.Equal(1300, h.NextTransmission()); // backs off to 600
        h.Inject(TcpFlags.Ack, peerNxt, lost.Seq + 10, PeerPort, Port);

        h.Advance(1000); // t = 2300
        var timed = SendData(h, c, 10);
        h.Advance(50);
        h.Inject(TcpFlags.Ack, peerNxt, timed.Seq + 10, PeerPort, Port);
        // Sample 50: RTTVAR = 3/4·50 + 1/4·50 = 50, SRTT = 7/8·100 + 1/8·50 = 93.75, RTO = ⌈293.75⌉ = 294.

        h.Advance(650); // t = 3000
        SendData(h, c, 10);
        Assert.Equal(3294, h.NextTransmission());
    }

    /// <summary>
    /// Karn on the handshake: an ACK answering a retransmitted SYN-ACK is not timed either. The
    /// SYN-ACK is lost, resent after 1000 ms and answered 10 ms later; a timed answer would bring the
    /// RTO down to the 200 ms floor, an untimed one leaves it at least at the backed-off 2000 ms.
    /// </summary>
    [Fact]
    public void AckOfARetransmittedSynAckIsNotTimed()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, Port, 4);
        h.Inject(TcpFlags.Syn, PeerIsn, 0, PeerPort, Port, mss: 1460);
        var synAck = h.TakeOnly();
        Assert.Equal(1000, h.NextTransmission());
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, h.Last().Flags);

        h.Advance(10);
        h.Inject(TcpFlags.Ack, PeerIsn + 1, synAck.Seq + 1, PeerPort, Port);
        int c = h.Engine.Accept(h.Now, l);
        Assert.Equal(TcpState.Established, h.Engine.StateOf(c));

        h.Advance(990); // t = 2000
        SendData(h, c, 10);
        long rtx = h.NextTransmission();
        Assert.True(rtx >= 4000, "retransmitted at " + rtx);
    }
}
