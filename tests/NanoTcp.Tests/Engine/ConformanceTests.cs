using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// RFC 9293 behaviours that need more than one script can show: two NanoTcp engines talking to
/// each other over a virtual wire, and absolute sequence numbers across incarnations.
/// </summary>
public class ConformanceTests
{
    /// <summary>Two engines joined by a wire that delivers every segment after a fixed delay (virtual ms).</summary>
    sealed class Wire2
    {
        sealed class End : ITcpLink, ILogSink
        {
            public readonly Wire2 W;
            public readonly bool IsA;
            public readonly List<string> Log = new();
            public End(Wire2 w, bool a) { W = w; IsA = a; }
            public void Transmit(byte[] packet, int offset, int length)
            {
                if (W.Loss > 0 && W._random.NextDouble() < W.Loss) return;
                W.InFlight.Add((W.Now + W.DelayMs, !IsA, packet.AsSpan(offset, length).ToArray()));
            }
            public void WriteLine(char[] line, int length) => Log.Add(new string(line, 0, length));
        }

        public readonly TcpEngine A, B;
        readonly End _a, _b;
        public readonly List<(long At, bool ToA, byte[] Bytes)> InFlight = new();
        public long Now;
        public int DelayMs = 10;
        public int SegmentsAToB, SegmentsBToA;
        /// <summary>Drops each segment with this probability (a fixed seed: the same losses every run).</summary>
        public double Loss;
        readonly Random _random = new(9293);

        public Wire2(Action<TcpConfig> configure)
        {
            _a = new End(this, true);
            _b = new End(this, false);
            var ca = new TcpConfig { LocalAddress = Ipv4.Address(192, 0, 2, 1) };
            var cb = new TcpConfig { LocalAddress = Ipv4.Address(192, 0, 2, 2) };
            configure(ca); configure(cb);
            A = new TcpEngine(ca, _a, _a);
            B = new TcpEngine(cb, _b, _b);
        }

        public IReadOnlyList<string> LogA => _a.Log;
        public IReadOnlyList<string> LogB => _b.Log;

        /// <summary>Runs segments and timers of both engines in time order until <paramref name="until"/>.</summary>
        public void RunUntil(long until)
        {
            while (true)
            {
                long next = long.MaxValue;
                foreach (var p in InFlight) if (p.At < next) next = p.At;
                if (A.NextDeadline < next) next = A.NextDeadline;
                if (B.NextDeadline < next) next = B.NextDeadline;
                if (next > until) break;
                Now = next;
                int i = InFlight.FindIndex(p => p.At == next);
                if (i >= 0)
                {
                    var p = InFlight[i];
                    InFlight.RemoveAt(i);
                    if (p.ToA) { SegmentsBToA++; A.Input(Now, p.Bytes, 0, p.Bytes.Length); }
                    else { SegmentsAToB++; B.Input(Now, p.Bytes, 0, p.Bytes.Length); }
                    continue;
                }
                A.Tick(Now);
                B.Tick(Now);
            }
            Now = until;
        }
    }

    /// <summary>
    /// A reader that pauses: B's buffer fills, it advertises a zero window, and A probes it. RFC
    /// 9293 §3.8.6.1 (MUST-37): as long as the probes are answered, the connection stays open,
    /// however many there are (here many more than max_retries). Before probes were acknowledged,
    /// A gave up after max_retries probes and reset the connection with ETIMEDOUT.
    /// </summary>
    [Fact]
    public void TwoEnginesKeepAConnectionWhoseReaderPausedOpen()
    {
        var w = new Wire2(c => { c.MaxRetries = 3; c.RtoInitialMs = 200; c.RtoMinMs = 200; c.RtoMaxMs = 2000; });
        int l = w.B.Listen(w.Now, 7, 1);
        int a = w.A.Connect(w.Now, 0, Ipv4.Address(192, 0, 2, 2), 7);
        w.RunUntil(100);
        int b = w.B.Accept(w.Now, l);
        Assert.True(b >= 0);
        Assert.Equal(TcpState.Established, w.A.StateOf(a));

        // A writes far more than B's 2048-byte buffer holds; B's application does not read.
        var data = Packets.Pattern(2048);
        int written = 0;
        for (int i = 0; i < 4; i++)
        {
            int n = w.A.Send(w.Now, a, data, 0, data.Length);
            if (n > 0) written += n;
            w.RunUntil(w.Now + 500);
        }
        Assert.Equal(2048, w.B.Available(b));

        // A minute of zero window: dozens of probes, each answered.
        w.RunUntil(w.Now + 60000);
        Assert.Equal(TcpState.Established, w.A.StateOf(a));
        Assert.Equal(TcpState.Established, w.B.StateOf(b));
        Assert.Contains(w.LogA, line => line.Contains(" PROBE "));
        Assert.DoesNotContain(w.LogA, line => line.Contains("RST-OUT"));

        // The reader comes back: everything written arrives, in order.
        var got = new List<byte>();
        var buf = new byte[4096];
        for (int i = 0; i < 20 && got.Count < written; i++)
        {
            int n = w.B.Receive(w.Now, b, buf, 0, buf.Length);
            if (n > 0) got.AddRange(buf.Take(n));
            w.RunUntil(w.Now + 3000);
        }
        Assert.Equal(written, got.Count);
        for (int i = 0; i < got.Count; i++) Assert.Equal(data[i % data.Length], got[i]);
    }

    /// <summary>
    /// 64 KB each way between two engines over a link that loses one segment in ten, with small
    /// reads on one side (windows that close and reopen), or a reader that stops for a minute
    /// (zero window, probes, lost probes and lost answers): every byte arrives, in order, and
    /// neither side gives up. Before retransmissions were exempt from silly-window avoidance and
    /// small windows had their override timer, the first two cases stalled part-way (26 KB and
    /// 40 KB of 64 KB delivered in 1000 s).
    /// </summary>
    [Theory]
    [InlineData(0.1, 1, false)]
    [InlineData(0.1, 100, false)]
    [InlineData(0.2, 700, false)]
    [InlineData(0.1, 700, true)]
    public void TwoEnginesTransferEverythingOverALossyLink(double loss, int readSize, bool readerPauses)
    {
        var w = new Wire2(c => { c.RtoInitialMs = 200; c.RtoMinMs = 200; c.RtoMaxMs = 3000; c.MaxRetries = 12; c.SynMaxRetries = 12; });
        w.Loss = loss;
        int l = w.B.Listen(w.Now, 7, 1);
        int a = w.A.Connect(w.Now, 0, Ipv4.Address(192, 0, 2, 2), 7);
        int b = -1;
        for (int i = 0; i < 100 && b < 0; i++) { w.RunUntil(w.Now + 100); b = w.B.Accept(w.Now, l); }
        Assert.True(b >= 0, "no connection");

        var data = Packets.Pattern(65536);
        int sentA = 0, sentB = 0;
        var gotA = new List<byte>();
        var gotB = new List<byte>();
        var buf = new byte[4096];
        long pauseEnd = 0;
        for (int step = 0; step < 200000 && (gotA.Count < data.Length || gotB.Count < data.Length); step++)
        {
            if (sentA < data.Length) { int n = w.A.Send(w.Now, a, data, sentA, Math.Min(1500, data.Length - sentA)); if (n > 0) sentA += n; }
            if (sentB < data.Length) { int n = w.B.Send(w.Now, b, data, sentB, Math.Min(1500, data.Length - sentB)); if (n > 0) sentB += n; }
            // The pausing reader stops for a minute once 20 KB have arrived: zero window, probes, losses.
            bool paused = readerPauses && gotB.Count >= 20000 && w.Now < pauseEnd;
            if (readerPauses && gotB.Count >= 20000 && pauseEnd == 0) { pauseEnd = w.Now + 60000; paused = true; }
            int r = paused ? 0 : w.B.Receive(w.Now, b, buf, 0, readSize);
            if (r > 0) gotB.AddRange(buf.Take(r));
            r = w.A.Receive(w.Now, a, buf, 0, buf.Length);
            if (r > 0) gotA.AddRange(buf.Take(r));
            Assert.Equal(TcpState.Established, w.A.StateOf(a));
            Assert.Equal(TcpState.Established, w.B.StateOf(b));
            w.RunUntil(w.Now + 5);
        }
        Assert.Equal(data, gotB.ToArray());
        Assert.Equal(data, gotA.ToArray());
        Assert.True(w.A.Counters.Retransmissions > 0 && w.B.Counters.Retransmissions > 0, "the link must have lost something");
        if (readerPauses) Assert.Contains(w.LogA, line => line.Contains(" PROBE "));
    }

    /// <summary>
    /// RFC 9293 §3.6.1: a connection reopened from TIME_WAIT must start "larger than the largest
    /// sequence number it used on the previous connection incarnation". A fresh clock-driven ISN
    /// (4 µs ticks) falls behind an old connection that sent faster than about 2 Mbit/s; NanoTcp
    /// then starts at old SND.NXT + 65537, beyond any window (as Linux).
    /// </summary>
    [Fact]
    public void AReopenedConnectionStartsAboveTheOldSequenceSpace()
    {
        var h = new Harness();
        int l = h.Engine.Listen(h.Now, 7, 4);
        var (c, iss) = h.OpenPassive(l, 7, 40000, 1000);

        // One megabyte in 100 ms: 80 Mbit/s, far faster than the ISN clock.
        var data = Packets.Pattern(2048);
        uint peerNxt = 1001;
        uint acked = iss + 1;
        for (int i = 0; i < 512; i++)
        {
            Assert.Equal(2048, h.Engine.Send(h.Now, c, data, 0, data.Length));
            acked += 2048;
            h.Inject(TcpFlags.Ack, peerNxt, acked, 40000, 7);
            h.Now += 100 / 512 + 1;
        }
        Assert.Equal(0, h.Engine.Shutdown(h.Now, c, ShutdownHow.Write));
        h.Inject(TcpFlags.Ack | TcpFlags.Fin, peerNxt, acked + 1, 40000, 7);
        Assert.Equal(TcpState.TimeWait, h.StateOf(7, 40000));
        Assert.Equal(0, h.Engine.Close(h.Now, c));
        uint oldSndMax = acked + 1;

        h.Advance(100);
        h.Sent.Clear();
        h.Inject(TcpFlags.Syn, peerNxt + 100000, 0, 40000, 7, mss: 1000);
        var synAck = h.Last();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        uint fresh = Isn.Generate(h.Engine.Config.IsnKey0, h.Engine.Config.IsnKey1, Harness.LocalAddr, 7, Harness.PeerAddr, 40000, h.Now);
        Assert.True(SeqNum.Lt(fresh, oldSndMax), "the test needs a fresh ISN inside the old sequence space");
        Assert.True(SeqNum.Ge(synAck.Seq, oldSndMax + 65537), $"new ISS {synAck.Seq} must lie above old SND.NXT {oldSndMax} + 65537");
    }
}

/// <summary>
/// Nagle's algorithm is per connection (RFC 9293 §3.7.4: "a TCP implementation MUST provide a way
/// for an application to disable the Nagle algorithm on an individual connection"). The socket
/// option sets it through SetOption, so this checks the send decision alone.
/// </summary>
public class NoDelayTests
{
    static void SetNoDelay(TcpEngine engine, int handle)
    {
        Assert.Equal(0, engine.SetOption(0, handle, SocketOption.NoDelay, 1));
    }

    [Theory]
    [InlineData(false, new[] { 10 })]
    [InlineData(true, new[] { 10, 10, 10 })]
    public void SmallWritesWaitForTheAckUnlessNoDelay(bool noDelay, int[] segments)
    {
        var h = new Harness();
        int l = h.Engine.Listen(h.Now, 7, 4);
        var (c, _) = h.OpenPassive(l, 7, 40000, 1000, mss: 1000);
        if (noDelay) SetNoDelay(h.Engine, c);
        var data = Packets.Pattern(10);
        h.Sent.Clear();
        for (int i = 0; i < 3; i++) { Assert.Equal(10, h.Engine.Send(h.Now, c, data, 0, 10)); h.Now += 1; }
        Assert.Equal(segments, h.Sent.Select(s => Harness.Parse(s.Bytes).PayloadLength));
    }
}
