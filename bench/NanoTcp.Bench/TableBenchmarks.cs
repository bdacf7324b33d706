using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using NanoTcp;

namespace NanoTcp.Bench;

/// <summary>
/// Cost against table size: a data segment for the connection in the first and in the last
/// slot of a full table of 8, 1 024 or 65 535 connections. With the lookup index both cost the
/// same; a table scan would make the last slot's cost grow with the table.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
public class TableBenchmarks
{
    [Params(8, 1024, 65535)]
    public int Slots;

    TableWorkload _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w = new TableWorkload(Slots);
        WarmUp.Run(Engine_SegmentToFirstSlot);
        WarmUp.Run(Engine_SegmentToLastSlot);
    }

    /// <summary>A 100-byte data segment in (ACKed at once) and read, for the connection opened first.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Engine")]
    public int Engine_SegmentToFirstSlot() => _w.Segment(0);

    /// <summary>The same for the connection opened last, in the table's last slot.</summary>
    [Benchmark, BenchmarkCategory("Engine")]
    public int Engine_SegmentToLastSlot() => _w.Segment(_w.Count - 1);
}

/// <summary>
/// A full table of connections on one listener and a data segment for any of them: the engine
/// workloads behind the table-size rows, callable from any harness (BenchmarkDotNet above, or a
/// side-by-side report). Buffers are small (1024 / 64 bytes) so 65 535 connections fit in memory.
/// </summary>
public sealed class TableWorkload
{
    const uint PeerIss = 1000;
    public const int Payload = 100;

    public readonly EnginePeer Peer;
    public readonly int Count;
    readonly int[] _handle;
    readonly uint[] _iss;
    readonly uint[] _next;  // each connection's next peer sequence number
    readonly byte[][] _data;
    readonly byte[] _read = new byte[Payload];
    long _now = 1;

    /// <summary>Milliseconds the constructor took to open every connection (the engine's construction not included).</summary>
    public readonly double OpenMs;

    /// <summary>Opens and accepts slots connections (peer ports 1 … slots); the first open takes slot 1, after the listener.</summary>
    public TableWorkload(int slots)
    {
        Peer = new EnginePeer(new TcpConfig { Capacity = slots, Listeners = 1, SynBacklog = slots, RcvBuf = 1024, SndBuf = 64 });
        Count = slots;
        _handle = new int[slots];
        _iss = new uint[slots];
        _next = new uint[slots];
        _data = new byte[slots == 1 ? 1 : 2][];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < slots; i++)
        {
            _handle[i] = Peer.Open(_now, PortOf(i), PeerIss, out _iss[i]);
            _next[i] = PeerIss + 1;
        }
        OpenMs = clock.Elapsed.TotalMilliseconds;
        // Segments for the first and the last connection, built once; only their seq changes per use.
        _data[0] = EnginePeer.Segment(PortOf(0), TcpFlags.Ack | TcpFlags.Psh, _next[0], _iss[0] + 1, Payload);
        if (slots > 1) _data[1] = EnginePeer.Segment(PortOf(slots - 1), TcpFlags.Ack | TcpFlags.Psh, _next[slots - 1], _iss[slots - 1] + 1, Payload);
        Segment(0);
        Segment(slots - 1);
        Peer.CheckNothingDropped();
    }

    static int PortOf(int i) => 1 + i;

    /// <summary>One data segment in for the first (index 0) or the last connection, and the read. Returns the bytes read.</summary>
    public int Segment(int index)
    {
        byte[] d = index == 0 ? _data[0] : _data[1];
        _now++;
        EnginePeer.SetSeq(d, _next[index]);
        _next[index] += Payload;
        Peer.Engine.Input(_now, d, 0, d.Length);
        return Peer.Engine.Receive(_now, _handle[index], _read, 0, _read.Length);
    }

    /// <summary>Nanoseconds per segment for the first or the last connection: the best of five runs of count segments.</summary>
    public double SegmentNs(bool last, int count = 200_000)
    {
        int index = last ? Count - 1 : 0;
        double best = double.MaxValue;
        for (int run = 0; run < 5; run++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) if (Segment(index) != Payload) throw new InvalidOperationException("read failed");
            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / count);
        }
        return best;
    }

    /// <summary>Milliseconds to open every connection of an empty table of slots (each open: SYN in, SYN-ACK out, ACK in, Accept; the two segments built afresh).</summary>
    public static double FillMs(int slots) => new TableWorkload(slots).OpenMs;

    /// <summary>
    /// Managed bytes per connection slot, its buffers' bytes left out, by GC.GetTotalMemory
    /// around engines of n and 2n slots (the buffer objects themselves are counted).
    /// </summary>
    public static double HeapPerSlot(int rcvBuf = 2048, int sndBuf = 1024)
    {
        const int n = 4096;
        long Engine(int slots)
        {
            long before = GC.GetTotalMemory(true);
            var e = new TcpEngine(new TcpConfig { Capacity = slots, Listeners = 0, RcvBuf = rcvBuf, SndBuf = sndBuf }, null!, null!);
            long after = GC.GetTotalMemory(true);
            GC.KeepAlive(e);
            return after - before;
        }
        Engine(n);
        return (Engine(2 * n) - Engine(n)) / (double)n - rcvBuf - sndBuf;
    }

    /// <summary>The table-size rows as text: segment cost for the first and the last slot at 8, 1 024 and 65 535 connections, fill time, heap per slot.</summary>
    public static void Report(TextWriter o)
    {
        o.WriteLine("Table size: a 100-byte data segment in and read, for the first and the last connection of a full table");
        o.WriteLine($"{"connections",12} {"first slot",12} {"last slot",12} {"ratio",7} {"fill",10} {"opens/s",12}");
        FillMs(4096); // warm-up: JIT
        foreach (int n in new[] { 8, 1024, 65535 })
        {
            var w = new TableWorkload(n);
            double fill = w.OpenMs;
            w.SegmentNs(false, 20_000);
            double first = w.SegmentNs(false), last = w.SegmentNs(true);
            o.WriteLine($"{n,12} {first,9:F0} ns {last,9:F0} ns {last / first,6:F2}x {fill,7:F0} ms {n / fill * 1000,12:N0}");
        }
        o.WriteLine($"Managed heap per connection slot, buffers' bytes excluded (GC.GetTotalMemory): {HeapPerSlot():F0} B");
    }
}
