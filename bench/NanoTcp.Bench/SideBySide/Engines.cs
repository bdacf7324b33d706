using System.Diagnostics;
using NanoTcp.Device;

namespace NanoTcp.Bench.SideBySide;

/// <summary>Two engines joined in memory: each one's segments are queued and handed to the other's Input.</summary>
public static class MemoryPair
{
    const int Mss = 65495;  // the largest the engine takes, as the kernel's on loopback (MTU 65 536)
    // 256 KB, past 64 KB: window scaling (shift 3) lets the receiver advertise it all. 1 MB
    // buffers measured a third to a half as fast on the 2-core machine (README, "Benchmarks").
    const int Buffer = 1 << 18;
    public static string Describe => $"{Buffer:N0} B buffers, MSS {Mss:N0} B";

    sealed class Queue : ITcpLink, ILogSink
    {
        readonly byte[][] _packets = new byte[64][];
        readonly int[] _lengths = new int[64];
        int _count;

        public Queue() { for (int i = 0; i < _packets.Length; i++) _packets[i] = new byte[Mss + 120]; }

        public void Transmit(byte[] packet, int offset, int length)
        {
            if (_count == _packets.Length) return; // a full queue drops, as a link would
            System.Buffer.BlockCopy(packet, offset, _packets[_count], 0, length);
            _lengths[_count++] = length;
        }

        public void WriteLine(char[] line, int length) { }

        public void DeliverTo(TcpEngine e, long now)
        {
            for (int i = 0; i < _count; i++) e.Input(now, _packets[i], 0, _lengths[i]);
            _count = 0;
        }
    }

    static TcpConfig Config(uint address) => new()
    {
        LocalAddress = address, Capacity = 2, RcvBuf = Buffer, SndBuf = Buffer, Mss = Mss,
    };

    /// <summary>The client writes as fast as the server's application reads; Gbit/s read.</summary>
    public static double Gbps(int ms)
    {
        uint a = Ipv4.Address(10, 0, 0, 1), b = Ipv4.Address(10, 0, 0, 2);
        var toB = new Queue();
        var toA = new Queue();
        var client = new TcpEngine(Config(a), toB, toB);
        var server = new TcpEngine(Config(b), toA, toA);
        var watch = Stopwatch.StartNew();
        long Now() => watch.ElapsedMilliseconds;
        int l = server.Listen(Now(), 5001, 1);
        int c = client.Connect(Now(), 0, b, 5001);
        for (int i = 0; i < 3; i++) { toB.DeliverTo(server, Now()); toA.DeliverTo(client, Now()); }
        int s = server.Accept(Now(), l);
        if (s < 0 || client.StateOf(c) != TcpState.Established) throw new InvalidOperationException("in-memory handshake failed");

        var data = new byte[Buffer];
        var sink = new byte[Buffer];
        long read = 0;
        watch.Restart();
        while (watch.ElapsedMilliseconds < ms)
        {
            client.Send(Now(), c, data, 0, data.Length);
            toB.DeliverTo(server, Now());
            int n;
            while ((n = server.Receive(Now(), s, sink, 0, sink.Length)) > 0) read += n;
            toA.DeliverTo(client, Now());
        }
        double seconds = watch.Elapsed.TotalSeconds;
        if (client.Counters.Retransmissions > 0) throw new InvalidOperationException("in-memory pair retransmitted: the queue is too short");
        return read * 8 / seconds / 1e9;
    }
}

/// <summary>
/// A table of N slots filled with established connections (one listener, the rest accepted
/// children, each from its own peer port): how fast it fills, and what a data segment costs for
/// the first connection and for the last.
/// </summary>
public sealed class TableCost
{
    const int Payload = 100;
    const uint PeerIss = 1000;
    readonly int _slots;
    EnginePeer? _peer;
    int _first, _last, _firstPort, _lastPort;
    uint _firstIss, _lastIss;
    uint _firstSeq, _lastSeq;
    readonly byte[] _syn = EnginePeer.Segment(1, TcpFlags.Syn, PeerIss, 0, 0);
    readonly byte[] _ack = EnginePeer.Segment(1, TcpFlags.Ack, PeerIss + 1, 0, 0);
    readonly byte[] _data = EnginePeer.Segment(1, TcpFlags.Ack | TcpFlags.Psh, PeerIss + 1, 0, Payload);
    readonly byte[] _read = new byte[256];

    public TableCost(int slots) { _slots = slots; }

    static TcpConfig Config(int slots) => new() { Capacity = slots, SynBacklog = slots, RcvBuf = 256, SndBuf = 64 };

    /// <summary>Handshake from a peer port with prebuilt segments (ports and numbers patched in place), then accept.</summary>
    static int Open(EnginePeer peer, long now, int port, byte[] syn, byte[] ack, out uint iss)
    {
        EnginePeer.SetSourcePort(syn, port);
        peer.Engine.Input(now, syn, 0, syn.Length);
        iss = peer.LastSeq;
        EnginePeer.SetSourcePort(ack, port);
        EnginePeer.SetAck(ack, iss + 1);
        peer.Engine.Input(now, ack, 0, ack.Length);
        return peer.Engine.Accept(now, peer.Listener);
    }

    /// <summary>Builds a new table and fills it, timed; keeps it for <see cref="SegmentNs"/>. Opens per second.</summary>
    public double FillOpensPerSecond()
    {
        _peer = null;
        GC.Collect();
        var peer = new EnginePeer(Config(_slots));
        var watch = Stopwatch.StartNew();
        int opened = 0;
        for (int port = 1; ; port++)
        {
            int h = Open(peer, 1, port, _syn, _ack, out uint iss);
            if (h < 0) break; // the table is full (the SYN was answered with RST)
            if (opened == 0) { _first = h; _firstPort = port; _firstIss = iss; }
            _last = h; _lastPort = port; _lastIss = iss;
            opened++;
        }
        double seconds = watch.Elapsed.TotalSeconds;
        if (opened < _slots / 2) throw new InvalidOperationException($"only {opened} connections in {_slots} slots");
        peer.CheckNothingDropped();
        _peer = peer;
        _firstSeq = _lastSeq = PeerIss + 1;
        return opened / seconds;
    }

    /// <summary>One 100-byte data segment in and read, on the first or the last connection of the full table; ns each.</summary>
    public double SegmentNs(bool last)
    {
        if (_peer == null) FillOpensPerSecond();
        EnginePeer peer = _peer!;
        int h = last ? _last : _first;
        EnginePeer.SetSourcePort(_data, last ? _lastPort : _firstPort);
        EnginePeer.SetAck(_data, (last ? _lastIss : _firstIss) + 1);
        uint seq = last ? _lastSeq : _firstSeq;
        int n = 0;
        var watch = Stopwatch.StartNew();
        do
        {
            for (int i = 0; i < 64; i++, n++)
            {
                EnginePeer.SetSeq(_data, seq);
                peer.Engine.Input(2, _data, 0, _data.Length);
                if (peer.Engine.Receive(2, h, _read, 0, _read.Length) != Payload) throw new InvalidOperationException("the segment was not taken");
                seq += Payload;
            }
        } while (watch.ElapsedMilliseconds < 100 && n < 2_000_000);
        double ns = watch.Elapsed.TotalMilliseconds * 1e6 / n;
        if (last) _lastSeq = seq; else _firstSeq = seq;
        return ns;
    }

    /// <summary>An 8-slot table filled, emptied (untimed) and filled again for ms: opens per second.</summary>
    public static double SmallTableOpensPerSecond(int ms)
    {
        var peer = new EnginePeer(Config(8));
        byte[] syn = EnginePeer.Segment(1, TcpFlags.Syn, PeerIss, 0, 0);
        byte[] ack = EnginePeer.Segment(1, TcpFlags.Ack, PeerIss + 1, 0, 0);
        var handles = new int[8];
        var filling = new Stopwatch();
        var total = Stopwatch.StartNew();
        long opened = 0;
        while (total.ElapsedMilliseconds < ms)
        {
            int k = 0;
            filling.Start();
            for (int port = 1; ; port++)
            {
                int h = Open(peer, 1, port, syn, ack, out _);
                if (h < 0) break;
                handles[k++] = h;
            }
            filling.Stop();
            opened += k;
            for (int i = 0; i < k; i++) { peer.Engine.SetLinger(handles[i], true, 0); peer.Engine.Close(1, handles[i]); }
        }
        return opened / filling.Elapsed.TotalSeconds;
    }
}

/// <summary>Managed heap per slot with the buffers' bytes taken out: two tables whose buffers differ by 1 KB, extrapolated to none.</summary>
public static class HeapPerSlot
{
    const int Slots = 4096;

    static double PerSlot(int buffer)
    {
        var link = new NullLink();
        long before = Heap();
        var e = new TcpEngine(new TcpConfig { Capacity = Slots, RcvBuf = buffer, SndBuf = buffer }, link, link);
        long after = Heap();
        GC.KeepAlive(e);
        return (after - before) / (double)Slots;
    }

    public static double Bytes()
    {
        double small = PerSlot(1), large = PerSlot(1025);
        double perBufferByte = (large - small) / 1024; // 2 if every slot holds both buffers, 0 if none are allocated up front
        return small - perBufferByte * 1;
    }

    internal static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }
}

sealed class NullLink : ITcpLink, ILogSink, IDatagramLink, IClock
{
    public void Transmit(byte[] packet, int offset, int length) { }
    public void WriteLine(char[] line, int length) { }
    public int Receive(byte[] buffer, int timeoutMs, out int endpoint) { endpoint = -1; return -1; }
    public void Send(int endpoint, byte[] data, int offset, int length) { }
    public long NowMs() => 0;
}

/// <summary>
/// The device application with its default settings, built and started (banner, listeners), and
/// the heap that took; then how many connections it holds at once, counted by opening them
/// through its link until one is refused.
/// </summary>
public static class DeviceHeap
{
    public readonly record struct Result(double Bytes, int Connections);

    sealed class ProbeLink : IDatagramLink, ILogSink, IClock
    {
        public byte[]? Pending;
        public int PendingLength;
        public readonly byte[] Reply = new byte[2048];
        public int ReplyLength;

        public int Receive(byte[] buffer, int timeoutMs, out int endpoint)
        {
            endpoint = -1;
            if (Pending == null) return -1;
            System.Buffer.BlockCopy(Pending, 0, buffer, 0, PendingLength);
            Pending = null;
            endpoint = 0;
            return PendingLength;
        }

        public void Send(int endpoint, byte[] data, int offset, int length)
        {
            System.Buffer.BlockCopy(data, offset, Reply, 0, length);
            ReplyLength = length;
        }

        public void WriteLine(char[] line, int length) { }
        public long NowMs() => 1;
    }

    public static Result Measure()
    {
        var link = new ProbeLink();
        long before = HeapPerSlot.Heap();
        var settings = new DeviceSettings();
        var app = new DeviceApp(settings, link, link, link);
        app.Start();
        long after = HeapPerSlot.Heap();

        uint device = settings.Tcp.LocalAddress, pc = Ipv4.Address(192, 0, 2, 1);
        var packet = new byte[64];
        var mss = new byte[] { 2, 4, 1400 >> 8, 1400 & 0xFF };
        int connections = 0;
        for (int port = 1000; port < 1100; port++)
        {
            link.PendingLength = Wire.Build(packet, 0, pc, device, port, 9, 5000, 0, TcpFlags.Syn, 65535, mss, 4, 0, 1);
            link.Pending = packet;
            link.ReplyLength = 0;
            app.Step(0);
            int flags = link.ReplyLength >= 40 ? link.Reply[33] : 0;
            if ((flags & (TcpFlags.Syn | TcpFlags.Ack)) != (TcpFlags.Syn | TcpFlags.Ack)) break;
            uint iss = Wire.ReadU32(link.Reply, 24);
            link.PendingLength = Wire.Build(packet, 0, pc, device, port, 9, 5001, iss + 1, TcpFlags.Ack, 65535, mss, 0, 0, 2);
            link.Pending = packet;
            app.Step(0);
            if (app.Engine.StateOf(9, pc, port) != TcpState.Established) break;
            connections++;
        }
        GC.KeepAlive(app);
        return new Result(after - before, connections);
    }
}
