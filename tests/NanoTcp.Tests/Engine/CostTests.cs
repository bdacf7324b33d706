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
        // The best of five interleaved runs each: a busy machine can only make a run slower, so the
        // fastest run of each is the one that shows the tick's own cost.
        double few = double.MaxValue, many = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            few = Math.Min(few, Measure(1));
            many = Math.Min(many, Measure(2000));
        }
        Assert.True(many < few * 5 + 5, $"200k ticks, best of 5: {few:F1} ms with 1 idle connection, {many:F1} ms with 2000");
    }

    // ------------------------------------------------------------------ cost against table size

    /// <summary>A table of capacity connections on one listener, small buffers so 65 535 of them fit; every slot opened and accepted.</summary>
    static (QuietPeer Peer, int[] Handles, uint[] Iss, long FillProbes) FullTable(int capacity)
    {
        var peer = new QuietPeer();
        var cfg = new TcpConfig { LocalAddress = QuietPeer.Local, Capacity = capacity, Listeners = 1, RcvBuf = 256, SndBuf = 64 };
        peer.Engine = new TcpEngine(cfg, peer, peer);
        int l = peer.Engine.Listen(0, 7, capacity);
        var handles = new int[capacity];
        var iss = new uint[capacity];
        long before = peer.Engine.LookupProbes;
        for (int i = 0; i < capacity; i++)
        {
            int port = 1 + i; // 65 535 distinct 4-tuples from one address
            peer.Inject(0, port, 7, 1000, 0, TcpFlags.Syn, 0);
            iss[i] = peer.SentSeq();
            peer.Inject(0, port, 7, 1001, iss[i] + 1, TcpFlags.Ack, 0);
            handles[i] = peer.Engine.Accept(0, l);
            if (handles[i] < 0) throw new Exception($"accept {i} failed: {handles[i]}");
        }
        return (peer, handles, iss, peer.Engine.LookupProbes - before);
    }

    /// <summary>Data segments to the connection with this index; returns (lookup probes per segment, ms).</summary>
    static (double Probes, double Ms) Segments(QuietPeer p, int[] handles, uint[] iss, int index, int count, byte[] readBuf)
    {
        int port = 1 + index;
        uint seq = 1001;
        long probes = p.Engine.LookupProbes;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            p.Inject(0, port, 7, seq, iss[index] + 1, TcpFlags.Ack | TcpFlags.Psh, 100);
            seq += 100;
            if (p.Engine.Receive(0, handles[index], readBuf, 0, readBuf.Length) != 100) throw new Exception("read failed at " + i);
        }
        double ms = sw.Elapsed.TotalMilliseconds;
        return ((p.Engine.LookupProbes - probes) / (double)count, ms);
    }

    [Fact]
    public void ASegmentForTheLastOf65535SlotsCostsWhatOneForSlot0Costs()
    {
        const int n = 65535;
        var (p, handles, iss, _) = FullTable(n);
        Assert.Equal(n, p.Engine.ConnectionsInUse);
        var readBuf = new byte[256];
        int last = n - 1;
        Assert.Equal(n, HarnessExtensions.SlotOf(handles[last])); // the listener took slot 0, the last connection slot 65 535

        // Work: lookup probes per segment (one lookup each). A 4-tuple's probes depend on its hash
        // (its cluster in the index), not on its slot: the first 256 connections and the last 256
        // average the same, and no connection needs many.
        double firstProbes = 0, lastProbes = 0, worst = 0;
        for (int i = 0; i < 256; i++)
        {
            double a0 = Segments(p, handles, iss, i, 10, readBuf).Probes;
            double b0 = Segments(p, handles, iss, n - 1 - i, 10, readBuf).Probes;
            firstProbes += a0 / 256; lastProbes += b0 / 256;
            worst = Math.Max(worst, Math.Max(a0, b0));
        }
        Assert.True(lastProbes <= 2 * firstProbes && firstProbes <= 2 * lastProbes,
            $"probes per segment: {firstProbes:F2} for the first 256 slots, {lastProbes:F2} for the last 256 of {n}");
        Assert.True(firstProbes < 3 && lastProbes < 3 && worst <= 16, $"probes per segment: {firstProbes:F2}, {lastProbes:F2}, at most {worst}");

        // Wall clock, generous: a table scan would make the last slot thousands of times dearer.
        double a = double.MaxValue, b = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            // Fresh connections' sequence numbers keep going: re-open both with new segments of their own.
            a = Math.Min(a, TimeSegments(p, handles[0], iss[0], 1, 2000, readBuf, round));
            b = Math.Min(b, TimeSegments(p, handles[last], iss[last], 1 + last, 2000, readBuf, round));
        }
        // A scan of 65 535 slots per segment took about 230 µs: 460 ms for these 2000.
        Assert.True(b < 4 * a + 50, $"2000 segments: {a:F2} ms to the first slot, {b:F2} ms to the last of {n}");
        p = null!;
        handles = null!;
        ReleaseTable(); // 65 535 slots are tens of MB: gone before the next test measures time
    }

    static void ReleaseTable()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Times count data segments on an established connection, continuing its sequence space by round.</summary>
    static double TimeSegments(QuietPeer p, int handle, uint iss, int port, int count, byte[] readBuf, int round)
    {
        uint seq = 1001 + 100u * 10 + (uint)(round * count * 100); // after the 10 segments each connection got above
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            p.Inject(0, port, 7, seq, iss + 1, TcpFlags.Ack | TcpFlags.Psh, 100);
            seq += 100;
            if (p.Engine.Receive(0, handle, readBuf, 0, readBuf.Length) != 100) throw new Exception("read failed at " + i);
        }
        return sw.Elapsed.TotalMilliseconds;
    }

    [Fact]
    public void FillingA65535SlotTableIsLinear()
    {
        // Work: lookup probes per opened connection stay a small constant as the table grows.
        var (_, _, _, small) = FullTable(4096);
        var sw = Stopwatch.StartNew();
        var (big, _, _, large) = FullTable(65535);
        double bigMs = sw.Elapsed.TotalMilliseconds;
        double perSmall = small / 4096.0, perLarge = large / 65535.0;
        Assert.True(perLarge <= 2 * perSmall + 1, $"lookup probes per open: {perSmall:F2} at 4 096 slots, {perLarge:F2} at 65 535");
        Assert.True(perLarge <= 12, $"lookup probes per open: {perLarge:F2}");
        Assert.Equal(65535, big.Engine.ConnectionsInUse);

        // Wall clock, generous: the quadratic table took about 26 s; linear takes well under one.
        big = null!;
        ReleaseTable();
        var sw2 = Stopwatch.StartNew();
        FullTable(4096);
        double smallMs = sw2.Elapsed.TotalMilliseconds;
        Assert.True(bigMs < 4 * (65535 / 4096.0) * smallMs + 3000, // a quadratic fill would be 16 times the linear extrapolation
             $"fill: {smallMs:F0} ms for 4 096 slots, {bigMs:F0} ms for 65 535");
    }
}
