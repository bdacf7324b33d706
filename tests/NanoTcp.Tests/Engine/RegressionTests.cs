using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Behaviour the engine once got wrong: each test states the rule it checks.
/// </summary>
public class RegressionTests
{
    /// <summary>
    /// RFC 6298 §5.1 / RFC 9293 §3.8.1: sending a segment that occupies sequence space (here the
    /// SYN) starts the retransmission timer. TcpEngine.Connect sets RtxAt (through Output) but never
    /// files it in the deadline heap (no UpdateTimer after Output), so Tick never sees it: a lost
    /// SYN is never sent again and the connection stays in SYN_SENT for ever.
    /// </summary>
    [Fact]
    public void ConnectArmsTheSynRetransmissionTimer()
    {
        var h = new Harness(c => c.SynMaxRetries = 2);
        int c = h.Engine.Connect(0, 5000, Harness.PeerAddr, 80);
        h.TakeOnly();
        Assert.Equal(1000, h.Engine.NextDeadline);

        Assert.Equal(1000, h.NextTransmission());
        Assert.Equal(TcpFlags.Syn, h.Last().Flags);
        Assert.Equal(3000, h.NextTransmission());

        // After SynMaxRetries the attempt ends with ETIMEDOUT.
        h.Advance(10000);
        Assert.Equal(TcpState.Closed, h.Engine.StateOf(c));
        Assert.Equal(TcpError.TimedOut, h.Engine.TakeError(c));
    }

    /// <summary>
    /// Karn's rule on an active open: the SYN is lost, sent again at 1000 ms and answered at
    /// 1010 ms. The SYN-ACK must not be timed (a 10 ms sample would bring the RTO to the 200 ms
    /// floor); the next data segment waits at least the backed-off RTO.
    /// </summary>
    [Fact]
    public void SynAckAfterASynRetransmissionIsNotTimed()
    {
        var h = new Harness();
        int c = h.Engine.Connect(0, 5000, Harness.PeerAddr, 80);
        var syn = h.TakeOnly();
        Assert.Equal(1000, h.NextTransmission());

        h.Advance(10);
        h.Inject(TcpFlags.Syn | TcpFlags.Ack, 7000, syn.Seq + 1, 80, 5000);
        Assert.Equal(TcpState.Established, h.Engine.StateOf(c));

        h.Advance(990); // t = 2000
        h.Sent.Clear();
        h.Engine.Send(h.Now, c, new byte[10], 0, 10);
        Assert.True(h.NextTransmission() >= 4000);
    }

    /// <summary>
    /// RFC 6298 §5.7: "If the timer expires awaiting the ACK of a SYN segment and the TCP
    /// implementation is using an RTO less than 3 seconds, the RTO MUST be re-initialized to 3
    /// seconds when data transmission begins." Here the SYN-ACK is lost once (RTO 1000 ms, backed
    /// off to 2000 ms) and the handshake completes without a sample (Karn); the first data segment
    /// must then wait 3000 ms. The engine keeps the backed-off 2000 ms (nothing in
    /// AcknowledgeUpTo/SetState(ESTABLISHED) applies the 3 s floor).
    /// </summary>
    [Fact]
    public void RtoIsThreeSecondsAfterAHandshakeTimeout()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, 7, 4);
        h.Inject(TcpFlags.Syn, 5000, 0, 40000, 7, mss: 1460);
        var synAck = h.TakeOnly();
        Assert.Equal(1000, h.NextTransmission()); // SYN-ACK again

        h.Advance(10);
        h.Inject(TcpFlags.Ack, 5001, synAck.Seq + 1, 40000, 7);
        int c = h.Engine.Accept(h.Now, l);

        h.Advance(990); // t = 2000
        h.Engine.Send(h.Now, c, new byte[10], 0, 10);
        Assert.Equal(5000, h.NextTransmission());
    }

    /// <summary>
    /// Wire.Parse promises never to throw, but it checks the range with `offset + length > b.Length`,
    /// which overflows for a large offset and lets b[offset] throw IndexOutOfRangeException;
    /// TcpEngine.Input passes the exception on. The range check needs to be overflow-safe
    /// (e.g. `offset > b.Length - length`).
    /// </summary>
    [Fact]
    public void ParseNeverThrowsForAHugeOffset()
    {
        var b = new byte[100];
        Assert.Equal(DropReason.Short, Wire.Parse(b, int.MaxValue - 10, 60, new Segment()));
        var h = new Harness();
        h.Engine.Input(0, b, int.MaxValue - 10, 60);
        Assert.Equal(1, h.Engine.Counters.DroppedBy[DropReason.Short]);
    }

    /// <summary>
    /// LogWriter.Flags claims tcpdump style, but tcpdump (print-tcp.c, tcp_flag_values) prints the
    /// flags in the order F S R P . U E W: ACK's "." comes straight after P. The engine puts "."
    /// last, so an ECN-setup SYN-ACK reads [SE.] where tcpdump shows [S.E]. Cosmetic, but the
    /// desktop peer and users compare these with tcpdump output.
    /// </summary>
    [Theory]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece, "[S.E]")]
    [InlineData(TcpFlags.Ack | TcpFlags.Cwr, "[.W]")]
    [InlineData(TcpFlags.Psh | TcpFlags.Ack | TcpFlags.Urg, "[P.U]")]
    public void FlagsWithUrgEceCwrFollowTcpdump(int flags, string text)
    {
        var sink = new LineSink();
        new LogWriter(sink).Flags(flags).End();
        Assert.Equal(text, Assert.Single(sink.Lines));
    }

    sealed class LineSink : ILogSink
    {
        public readonly List<string> Lines = new();
        public void WriteLine(char[] line, int length) => Lines.Add(new string(line, 0, length));
    }
}
