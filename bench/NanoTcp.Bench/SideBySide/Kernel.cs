using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NanoTcp.Bench.SideBySide;

/// <summary>An echo server on the kernel's TCP (127.0.0.1) on its own thread, and a client's lifecycles against it.</summary>
public sealed class KernelEcho : IDisposable
{
    readonly Socket _listener = Loopback.Listen();
    readonly Thread _thread;
    volatile bool _stopping;

    public KernelEcho()
    {
        _thread = new Thread(Serve) { IsBackground = true, Name = "kernel echo" };
        _thread.Start();
    }

    void Serve()
    {
        var buf = new byte[4096];
        while (!_stopping)
        {
            Socket s;
            try { s = _listener.Accept(); }
            catch (SocketException) { return; }
            catch (ObjectDisposedException) { return; }
            using (s)
            {
                s.NoDelay = true;
                int n;
                while ((n = s.Receive(buf)) > 0) s.Send(buf, 0, n, SocketFlags.None);
            }
        }
    }

    /// <summary>As the board's row: connect, 64 B there and back, the client's FIN, until the server's FIN arrives. Per second.</summary>
    public double Lifecycles(int ms)
    {
        var data = new byte[64];
        var buf = new byte[4096];
        var watch = Stopwatch.StartNew();
        long n = 0;
        while (watch.ElapsedMilliseconds < ms)
        {
            using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            c.Connect(_listener.LocalEndPoint!);
            c.Send(data);
            Loopback.ReadExactly(c, buf, 64);
            c.Shutdown(SocketShutdown.Send);
            if (c.Receive(buf) != 0) throw new InvalidOperationException("expected the server's FIN");
            n++;
        }
        return n * 1000.0 / watch.Elapsed.TotalMilliseconds;
    }

    public void Dispose()
    {
        _stopping = true;
        _listener.Dispose();
    }
}

/// <summary>Bulk over the kernel's TCP on 127.0.0.1: one connection, a reader thread that drops what it reads.</summary>
public sealed class KernelSink : IDisposable
{
    readonly Socket _client, _server;
    readonly Thread _thread;
    long _received;

    public KernelSink()
    {
        using Socket listener = Loopback.Listen();
        (_client, _server) = Loopback.Connect(listener);
        _thread = new Thread(Drain) { IsBackground = true, Name = "kernel sink" };
        _thread.Start();
    }

    void Drain()
    {
        var buf = new byte[1 << 20];
        try
        {
            int n;
            while ((n = _server.Receive(buf)) > 0) Interlocked.Add(ref _received, n);
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    public double Gbps(int ms)
    {
        var data = new byte[1 << 16];
        long start = Interlocked.Read(ref _received);
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < ms) _client.Send(data);
        long got = Interlocked.Read(ref _received) - start;
        return got * 8 / watch.Elapsed.TotalSeconds / 1e9;
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }
}

/// <summary>Raw UDP on 127.0.0.1: datagrams of one size as fast as one sender can, counted by a receiver thread.</summary>
public static class RawUdp
{
    public static double Gbps(int size, int ms)
    {
        using var rx = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rx.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        rx.ReceiveTimeout = 200;
        using var tx = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        SocketAddress to = rx.LocalEndPoint!.Serialize();
        long received = 0;
        using var stop = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            var buf = new byte[65536];
            while (!stop.IsCancellationRequested)
            {
                try { Interlocked.Add(ref received, rx.Receive(buf)); }
                catch (SocketException) { }
            }
        }) { IsBackground = true, Name = "udp sink" };
        reader.Start();
        var datagram = new byte[size];
        long start = Interlocked.Read(ref received);
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < ms) tx.SendTo(datagram, SocketFlags.None, to);
        long got = Interlocked.Read(ref received) - start;
        double seconds = watch.Elapsed.TotalSeconds;
        stop.Cancel();
        reader.Join();
        return got * 8 / seconds / 1e9;
    }
}
