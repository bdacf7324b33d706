using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using NanoTcp;

namespace NanoTcp.Bench;

/// <summary>
/// One segment on an established connection, per operation.
///
/// Engine rows: one endpoint, pure computation in memory (parse and checksum the inbound segment,
/// RFC 9293 processing, build and checksum the ACK, hand it to a link that only counts it).
/// Kernel rows: the same workload through the Linux kernel's TCP on 127.0.0.1, with both
/// endpoints, the system calls and the loopback device included.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
public class SegmentBenchmarks
{
    const int PeerPort = 40000;
    const uint PeerIss = 1000;

    [Params(100, 1000)]
    public int PayloadBytes;

    EnginePeer _peer = null!;
    int _handle;
    long _now;
    uint _peerNext;   // the peer's next sequence number
    uint _ourNext;    // the engine's next sequence number (what the peer acknowledges)
    byte[] _data = null!;
    byte[] _ack = null!;
    byte[] _app = null!;
    byte[] _read = null!;

    Socket? _listener, _client, _server;

    // ------------------------------------------------------------------ engine

    void OpenEngine()
    {
        _peer = new EnginePeer(new TcpConfig()); // the device's defaults: 8 slots, 2048-byte buffers, MSS 1024
        _now = 1;
        _handle = _peer.Open(_now, PeerPort, PeerIss, out uint iss);
        _peerNext = PeerIss + 1;
        _ourNext = iss + 1;
        _data = EnginePeer.Segment(PeerPort, TcpFlags.Ack | TcpFlags.Psh, _peerNext, _ourNext, PayloadBytes);
        _ack = EnginePeer.Segment(PeerPort, TcpFlags.Ack, _peerNext, _ourNext, 0);
        _app = new byte[PayloadBytes];
        _read = new byte[2048];
    }

    /// <summary>Runs an operation a few thousand times and checks what it did: segments out per operation, nothing dropped, still ESTABLISHED.</summary>
    void Check(Func<int> operation, int segmentsOutEach)
    {
        const int n = 5000;
        long sentBefore = _peer.Sent;
        for (int i = 0; i < n; i++)
            if (operation() != PayloadBytes) throw new InvalidOperationException("operation " + i + " moved the wrong number of bytes");
        _peer.CheckNothingDropped();
        if (_peer.Sent - sentBefore != (long)n * segmentsOutEach)
            throw new InvalidOperationException($"expected {segmentsOutEach} segment(s) out per operation, saw {(_peer.Sent - sentBefore) / (double)n}");
        if (_peer.Engine.StateOf(_handle) != TcpState.Established) throw new InvalidOperationException("connection left ESTABLISHED");
    }

    [GlobalSetup(Target = nameof(Engine_DataSegmentIn))]
    public void SetupDataIn() { OpenEngine(); Check(Engine_DataSegmentIn, 1); WarmUp.Run(Engine_DataSegmentIn); }

    [GlobalSetup(Target = nameof(Engine_SendAndAck))]
    public void SetupSendAndAck() { OpenEngine(); Check(Engine_SendAndAck, 1); WarmUp.Run(Engine_SendAndAck); }

    [GlobalSetup(Target = nameof(Engine_EchoRoundTrip))]
    public void SetupEcho() { OpenEngine(); Check(Engine_EchoRoundTrip, 2); WarmUp.Run(Engine_EchoRoundTrip); }

    /// <summary>An in-window data segment arrives (Input; the engine ACKs it at once) and the application reads it (Receive).</summary>
    [Benchmark, BenchmarkCategory("Engine")]
    public int Engine_DataSegmentIn()
    {
        _now++;
        EnginePeer.SetSeq(_data, _peerNext);
        _peerNext += (uint)PayloadBytes;
        _peer.Engine.Input(_now, _data, 0, _data.Length);
        return _peer.Engine.Receive(_now, _handle, _read, 0, _read.Length);
    }

    /// <summary>The application writes (Send: one data segment out, RTO armed) and the peer's ACK for it arrives (Input: RTT sample, RTO disarmed).</summary>
    [Benchmark, BenchmarkCategory("Engine")]
    public int Engine_SendAndAck()
    {
        _now++;
        int n = _peer.Engine.Send(_now, _handle, _app, 0, PayloadBytes);
        _ourNext += (uint)n;
        EnginePeer.SetAck(_ack, _ourNext);
        _peer.Engine.Input(_now, _ack, 0, _ack.Length);
        return n;
    }

    /// <summary>
    /// One echo round trip at the engine's end: the peer's data arrives (acknowledging the last
    /// echo), the engine ACKs it, the application reads it and writes it back.
    /// </summary>
    [Benchmark, BenchmarkCategory("Engine")]
    public int Engine_EchoRoundTrip()
    {
        _now++;
        EnginePeer.SetSeq(_data, _peerNext);
        EnginePeer.SetAck(_data, _ourNext);
        _peerNext += (uint)PayloadBytes;
        _peer.Engine.Input(_now, _data, 0, _data.Length);
        int n = _peer.Engine.Receive(_now, _handle, _read, 0, _read.Length);
        n = _peer.Engine.Send(_now, _handle, _read, 0, n);
        _ourNext += (uint)n;
        return n;
    }

    // ------------------------------------------------------------------ kernel

    [GlobalSetup(Targets = new[] { nameof(Kernel_WriteRead), nameof(Kernel_RoundTrip) })]
    public void SetupKernel()
    {
        _listener = Loopback.Listen();
        (_client, _server) = Loopback.Connect(_listener);
        _app = new byte[PayloadBytes];
        _read = new byte[PayloadBytes];
        WarmUp.Run(Kernel_WriteRead);
        WarmUp.Run(Kernel_RoundTrip);
    }

    [GlobalCleanup(Targets = new[] { nameof(Kernel_WriteRead), nameof(Kernel_RoundTrip) })]
    public void CleanupKernel()
    {
        _client?.Dispose();
        _server?.Dispose();
        _listener?.Dispose();
    }

    /// <summary>One write of PayloadBytes on one socket (send(), TCP_NODELAY) and the read of it on the other (recv()).</summary>
    [Benchmark, BenchmarkCategory("Kernel")]
    public int Kernel_WriteRead()
    {
        Loopback.WriteAll(_client!, _app, PayloadBytes);
        Loopback.ReadExactly(_server!, _read, PayloadBytes);
        return PayloadBytes;
    }

    /// <summary>One echo round trip: write, read on the other side, write back, read.</summary>
    [Benchmark, BenchmarkCategory("Kernel")]
    public int Kernel_RoundTrip()
    {
        Loopback.WriteAll(_client!, _app, PayloadBytes);
        Loopback.ReadExactly(_server!, _read, PayloadBytes);
        Loopback.WriteAll(_server!, _read, PayloadBytes);
        Loopback.ReadExactly(_client!, _read, PayloadBytes);
        return PayloadBytes;
    }
}
