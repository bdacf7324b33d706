using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using NanoTcp;

namespace NanoTcp.Bench;

/// <summary>
/// A whole connection, per operation: open, 100 bytes each way, four-way close.
///
/// Engine row: one endpoint, pure computation in memory, with virtual time (TIME_WAIT's 2·MSL
/// passes in one Tick). Kernel row: connect/accept/send/recv/close through the Linux kernel's
/// TCP on 127.0.0.1, both endpoints, system calls, the loopback device and the .NET Socket
/// objects included.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
public class ConnectionBenchmarks
{
    const int Payload = 100;
    const int PeerPort = 40000;
    const uint PeerIss = 1000;

    EnginePeer _peer = null!;
    long _now;
    byte[] _syn = null!, _ackOfSyn = null!, _data = null!, _ackOfData = null!, _ackOfFin = null!, _fin = null!;
    byte[] _buffer = null!;
    Socket? _listener;

    [GlobalSetup(Target = nameof(Engine_OpenDataClose))]
    public void SetupEngine()
    {
        _peer = new EnginePeer(new TcpConfig()); // the device's defaults: MSL 2000 ms, so TIME_WAIT lasts 4 s
        _now = 1;
        uint seq = PeerIss + 1;
        _syn = EnginePeer.Segment(PeerPort, TcpFlags.Syn, PeerIss, 0, 0);
        _ackOfSyn = EnginePeer.Segment(PeerPort, TcpFlags.Ack, seq, 0, 0);
        _data = EnginePeer.Segment(PeerPort, TcpFlags.Ack | TcpFlags.Psh, seq, 0, Payload);
        _ackOfData = EnginePeer.Segment(PeerPort, TcpFlags.Ack, seq + Payload, 0, 0);
        _ackOfFin = EnginePeer.Segment(PeerPort, TcpFlags.Ack, seq + Payload, 0, 0);
        _fin = EnginePeer.Segment(PeerPort, TcpFlags.Fin | TcpFlags.Ack, seq + Payload, 0, 0);
        _buffer = new byte[2048];

        long sentBefore = _peer.Sent, linesBefore = _peer.Lines;
        const int n = 1000;
        for (int i = 0; i < n; i++)
            if (Engine_OpenDataClose() != Payload) throw new InvalidOperationException("connection " + i + " did not echo");
        _peer.CheckNothingDropped();
        // SYN-ACK, ACK of the data, the echo, FIN, ACK of the peer's FIN.
        if (_peer.Sent - sentBefore != 5L * n) throw new InvalidOperationException($"expected 5 segments out per connection, saw {(_peer.Sent - sentBefore) / (double)n}");
        // LISTEN->SYN_RECEIVED->ESTABLISHED->FIN_WAIT_1->FIN_WAIT_2->TIME_WAIT, timeout, ->CLOSED.
        if (_peer.Lines - linesBefore < 7L * n) throw new InvalidOperationException("the close was not logged");
        if (_peer.Engine.StateOf(EnginePeer.LocalPort, EnginePeer.PeerAddress, PeerPort) != TcpState.Closed) throw new InvalidOperationException("connection not closed");
        WarmUp.Run(Engine_OpenDataClose);
    }

    /// <summary>
    /// SYN in, SYN-ACK out, ACK in, Accept; 100 bytes in, ACK out, Receive; Send 100 bytes, ACK in;
    /// Close: FIN out, ACK in, the peer's FIN in, ACK out (TIME_WAIT); Tick after 2·MSL: CLOSED, slot free.
    /// </summary>
    [Benchmark, BenchmarkCategory("Engine")]
    public int Engine_OpenDataClose()
    {
        TcpEngine e = _peer.Engine;
        long now = _now += 1;
        e.Input(now, _syn, 0, _syn.Length);
        uint una = _peer.LastSeq + 1; // our ISS + 1
        EnginePeer.SetAck(_ackOfSyn, una);
        e.Input(now, _ackOfSyn, 0, _ackOfSyn.Length);
        int h = e.Accept(now, _peer.Listener);

        EnginePeer.SetAck(_data, una);
        e.Input(now, _data, 0, _data.Length);
        int n = e.Receive(now, h, _buffer, 0, _buffer.Length);
        n = e.Send(now, h, _buffer, 0, n);
        EnginePeer.SetAck(_ackOfData, una + (uint)n);
        e.Input(now, _ackOfData, 0, _ackOfData.Length);

        e.Close(now, h);
        EnginePeer.SetAck(_ackOfFin, una + (uint)n + 1);
        e.Input(now, _ackOfFin, 0, _ackOfFin.Length);
        EnginePeer.SetAck(_fin, una + (uint)n + 1);
        e.Input(now, _fin, 0, _fin.Length);

        _now = now += 2L * e.Config.MslMs;
        e.Tick(now);
        return n;
    }

    [GlobalSetup(Target = nameof(Kernel_ConnectSendClose))]
    public void SetupKernel()
    {
        _listener = Loopback.Listen();
        _buffer = new byte[Payload];
        WarmUp.Run(Kernel_ConnectSendClose);
    }

    [GlobalCleanup(Target = nameof(Kernel_ConnectSendClose))]
    public void CleanupKernel() { _listener?.Dispose(); }

    /// <summary>
    /// connect() and accept(); 100 bytes client→server and back; the server closes first (its
    /// end keeps the TIME_WAIT, as the engine's does), the client reads end-of-stream and closes.
    /// </summary>
    [Benchmark, BenchmarkCategory("Kernel")]
    public int Kernel_ConnectSendClose()
    {
        var (client, server) = Loopback.Connect(_listener!);
        using (client)
        {
            using (server)
            {
                Loopback.WriteAll(client, _buffer, Payload);
                Loopback.ReadExactly(server, _buffer, Payload);
                Loopback.WriteAll(server, _buffer, Payload);
                Loopback.ReadExactly(client, _buffer, Payload);
            }
            if (client.Receive(_buffer) != 0) throw new InvalidOperationException("expected end of stream");
        }
        return Payload;
    }
}
