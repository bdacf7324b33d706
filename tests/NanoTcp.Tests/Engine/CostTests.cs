using System.Diagnostics;
using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// The engine's cost claims, measured: no allocation on the segment path once a connection
/// exists, and timer ticks whose cost does not grow with the number of idle connections.
/// </summary>
public class CostTests
{
    /// <summary>A peer that builds packets into one buffer and keeps nothing: measuring it must not measure the test.</summary>
    sealed class QuietPeer : ITcpLink, ILogSink
    {
        public static readonly uint Peer = Ipv4.Address(192, 0, 2, 1);
        public static readonly uint Local = Ipv4.Address(192, 0, 2, 2);
        public readonly byte[] Packet = new byte[2048];
        public readonly byte[] LastSent = new byte[2048];
        public readonly char[] LastLine = new char[256];
        public readonly byte[] NoOptions = new byte[4];
        public int SentCount, LineCount, LastSentLength;
        public TcpEngine Engine = null!;

        public void Transmit(byte[] packet, int offset, int length)
        {
            Array.Copy(packet, offset, LastSent, 0, length);
            LastSentLength = length;
            SentCount++;
        }

        public void WriteLine(char[] line, int length)
        {
            Array.Copy(line, LastLine, length);
            LineCount++;
        }

        public void Inject(long now, int srcPort, int dstPort, uint seq, uint ack, int flags, int payload)
        {
            int len = Wire.Build(Packet, 0, Peer, Local, srcPort, dstPort, seq, ack, flags, 65535, NoOptions, 0, payload, 1);
            Engine.Input(now, Packet, 0, len);
        }

        public uint SentSeq() { return Wire.ReadU32(LastSent, 24); }
    }

    static (QuietPeer Peer, int Listener) NewEngine(int capacity, int keepAliveIdleMs = 0)
    {
        var peer = new QuietPeer();
        var cfg = new TcpConfig { LocalAddress = QuietPeer.Local, Capacity = capacity, SynBacklog = capacity, RcvBuf = 4096, KeepAliveIdleMs = keepAliveIdleMs };
        peer.Engine = new TcpEngine(cfg, peer, peer);
        int l = peer.Engine.Listen(0, 7, capacity);
        Assert.True(l >= 0);
        return (peer, l);
    }

    /// <summary>Handshake from the peer's port; returns (handle, our ISS).</summary>
    static (int Handle, uint Iss) Open(QuietPeer p, int listener, int port, long now)
    {
        p.Inject(now, port, 7, 1000, 0, TcpFlags.Syn, 0);
        uint iss = p.SentSeq();
        p.Inject(now, port, 7, 1001, iss + 1, TcpFlags.Ack, 0);
        int h = p.Engine.Accept(now, listener);
        Assert.True(h >= 0, "accept failed: " + h);
        return (h, iss);
    }

    /// <summary>10 000 data segments in, each read by the application, then a full four-way close and 2·MSL.</summary>
    static void DataAndClose(QuietPeer p, int h, uint iss, int port, long start, byte[] readBuf)
    {
        long now = start;
        uint seq = 1001;
        for (int i = 0; i < 10000; i++)
        {
            p.Inject(now, port, 7, seq, iss + 1, TcpFlags.Ack | TcpFlags.Psh, 100);
            seq += 100;
            if (p.Engine.Receive(now, h, readBuf, 0, readBuf.Length) != 100) throw new Exception("read failed at " + i);
            now++;
        }
        // Active close by the device: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT -> CLOSED.
        p.Engine.Close(now, h);
        p.Inject(now, port, 7, seq, iss + 2, TcpFlags.Ack, 0);
        p.Inject(now, port, 7, seq, iss + 2, TcpFlags.Fin | TcpFlags.Ack, 0);
        now += 4000;
        p.Engine.Tick(now);
    }

    [Fact]
    public void SegmentPathAndFourWayCloseAllocateNothing()
    {
        var (p, l) = NewEngine(4);
        var readBuf = new byte[512];

        // Warm-up on one connection so that JIT and first-call work is not counted.
        var (h1, iss1) = Open(p, l, 40001, 0);
        DataAndClose(p, h1, iss1, 40001, 0, readBuf);
        Assert.Equal(TcpState.Closed, p.Engine.StateOf(7, QuietPeer.Peer, 40001));

        var (h2, iss2) = Open(p, l, 40002, 20000);
        int linesBefore = p.LineCount;
        long sentBefore = p.SentCount;
        long before = GC.GetAllocatedBytesForCurrentThread();
        DataAndClose(p, h2, iss2, 40002, 20000, readBuf);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(TcpState.Closed, p.Engine.StateOf(7, QuietPeer.Peer, 40002));
        Assert.True(p.SentCount - sentBefore >= 10000, "every data segment is acknowledged");
        Assert.True(p.LineCount - linesBefore >= 4, "the close was logged (FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT, CLOSED)");
    }

    /// <summary>
    /// Out-of-order segments kept and delivered, duplicate ACKs, fast retransmit and NewReno, and
    /// connections built from SYN cookies: 1 000 rounds of each, no allocation.
    /// </summary>
    [Fact]
    public void LossRecoveryAndSynCookiesAllocateNothing()
    {
        var (p, l) = NewEngine(4);
        var readBuf = new byte[512];
        var data = new byte[3 * 536]; // three full segments: none waits for Nagle
        var (h, iss) = Open(p, l, 40001, 0);
        uint rcv = 1001, una = iss + 1;
        long now = 0;
        void Round()
        {
            // Receive: the second segment first (kept), then the first (fills the hole, both delivered).
            p.Inject(now, 40001, 7, rcv + 100, una, TcpFlags.Ack, 100);
            p.Inject(now, 40001, 7, rcv, una, TcpFlags.Ack, 100);
            rcv += 200;
            int got = p.Engine.Receive(now, h, readBuf, 0, readBuf.Length); if (got != 200) throw new Exception("reassembly failed: " + got + " at round " + now + ", kept " + p.Engine.Counters.OutOfOrderQueued);
            // Send: three 536-byte segments (no MSS option), three duplicate ACKs, a partial ACK, the full ACK.
            if (p.Engine.Send(now, h, data, 0, data.Length) != data.Length) throw new Exception("send failed");
            long before = p.Engine.Counters.FastRetransmits;
            for (int k = 0; k < 3; k++) p.Inject(now, 40001, 7, rcv, una, TcpFlags.Ack, 0);
            p.Inject(now, 40001, 7, rcv, una + 536, TcpFlags.Ack, 0);
            if (p.Engine.Counters.FastRetransmits != before + 2) throw new Exception("no fast retransmit");
            una += (uint)data.Length;
            p.Inject(now, 40001, 7, rcv, una, TcpFlags.Ack, 0);
            now++;
        }
        var (c, cl) = NewEngine(8);
        // One half-open slot is the listener's whole backlog here (SynBacklog = 1 below), so every other SYN gets a cookie.
        var cookies = new TcpEngine(new TcpConfig { LocalAddress = QuietPeer.Local, Capacity = 8, SynBacklog = 1 }, c, c);
        c.Engine = cookies;
        int cookieListener = cookies.Listen(0, 7, 8);
        c.Inject(0, 30000, 7, 1, 0, TcpFlags.Syn, 0);
        void CookieRound(int i)
        {
            int port = 30001 + (i % 1000);
            c.Inject(now, port, 7, 7000, 0, TcpFlags.Syn, 0);
            uint cookie = c.SentSeq();
            c.Inject(now, port, 7, 7001, cookie + 1, TcpFlags.Ack, 0);
            int k = cookies.Accept(now, cookieListener);
            if (k < 0) throw new Exception("cookie connection not accepted");
            cookies.Abort(now, k);
            cookies.Close(now, k);
        }
        for (int i = 0; i < 20; i++) { Round(); CookieRound(i); } // warm-up
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) { Round(); CookieRound(i); }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.Equal(0, allocated);
        Assert.True(p.Engine.Counters.OutOfOrderQueued >= 1000);
        Assert.True(cookies.Counters.SynCookiesAccepted >= 1000);
    }

    [Fact]
    public void IdleConnectionsCostNothingPerTick()
    {
        foreach (int n in new[] { 1, 1000 })
        {
            var (p, l) = NewEngine(n + 1);
            for (int i = 0; i < n; i++) Open(p, l, 10000 + i, 0);
            Assert.Equal(long.MaxValue, p.Engine.NextDeadline); // idle, no keep-alive: no timer armed at all
            long checks = p.Engine.Counters.TimerChecks;
            for (long t = 1; t <= 100000; t++) p.Engine.Tick(t);
            Assert.Equal(checks, p.Engine.Counters.TimerChecks);
        }
    }

    [Fact]
    public void TickWorkIsProportionalToDueTimersNotToConnections()
    {
        // Keep-alive armed on every idle connection: ticks before the first deadline examine nothing,
        // and the first deadline examines only the connections whose timer is due.
        const int idle = 1000;
        var (p, l) = NewEngine(idle + 2, keepAliveIdleMs: 60000);
        for (int i = 0; i < idle; i++) Open(p, l, 10000 + i, 0);
        var (late, _) = Open(p, l, 30000, 5); // due 5 ms after the others
        long checks = p.Engine.Counters.TimerChecks;
        for (long t = 1; t < 60000; t += 7) p.Engine.Tick(t);
        Assert.Equal(checks, p.Engine.Counters.TimerChecks);
        p.Engine.Tick(60000);
        Assert.Equal(checks + idle, p.Engine.Counters.TimerChecks); // the 1000 due ones, each once
        p.Engine.Tick(60005);
        Assert.Equal(checks + idle + 1, p.Engine.Counters.TimerChecks);
        Assert.True(late >= 0);
    }

    [Fact]
    public void TickTimeDoesNotGrowWithIdleConnections()
    {
        // Wall-clock cross-check of the counter test above, with a generous bound.
        double Measure(int n)
        {
            var (p, l) = NewEngine(n + 1, keepAliveIdleMs: 3_600_000);
            for (int i = 0; i < n; i++) Open(p, l, 10000 + i, 0);
            for (long t = 1; t <= 20000; t++) p.Engine.Tick(t); // warm-up
            var sw = Stopwatch.StartNew();
            for (long t = 20001; t <= 220000; t++) p.Engine.Tick(t);
            return sw.Elapsed.TotalMilliseconds;
        }
        double few = Measure(1), many = Measure(2000);
        Assert.True(many < few * 5 + 5, $"200k ticks: {few:F1} ms with 1 idle connection, {many:F1} ms with 2000");
    }
}
