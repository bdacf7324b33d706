using System.Diagnostics;
using System.Net;
using Nanotcp.Net;
using NanoTcp.Board;
using NanoTcp.Device;

namespace NanoTcp.Bench.SideBySide;

/// <summary>
/// The product as a user runs it: the desktop peer's stack (PeerStack on a DeviceLink, recording
/// nothing) on this thread, a virtual board (DeviceApp on its UDP link) on its own, real UDP on
/// loopback between them.
/// </summary>
public sealed class BoardLink : IDisposable
{
    readonly VirtualBoard _board;
    readonly DeviceLink _link;
    readonly PeerStack _pc;
    readonly byte[] _data = new byte[65536];
    readonly byte[] _buf = new byte[4096];

    public BoardLink(Action<DeviceSettings> device, Action<TcpConfig> pc)
    {
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.None };
        device(options.Device);
        DatagramSize = Wire.HeaderLength(0) + options.Device.Tcp.Mss;
        _board = VirtualBoard.Start(options);
        _link = new DeviceLink(_board.LinkEndPoint);
        _pc = new PeerStack(_link, pc);
    }

    /// <summary>The link's largest datagram: one IPv4 packet with a full segment of the device's MSS.</summary>
    public int DatagramSize { get; }

    TcpEngine Engine => _pc.Engine;

    void Until(Func<bool> condition, string what)
    {
        if (!_pc.RunUntil(condition, 10000)) throw new InvalidOperationException("timed out waiting for " + what);
    }

    int Connect(int port)
    {
        int h = Engine.Connect(_pc.Now, 0, PeerStack.DeviceAddress, port);
        if (h < 0) throw new InvalidOperationException("connect: " + TcpError.Name(-h));
        Until(() => (Engine.Poll(h) & TcpEvents.Connected) != 0, "the handshake");
        return h;
    }

    /// <summary>
    /// Echo connections one after another for ms: connect, 64 B there and back, the PC closes,
    /// until its TIME_WAIT. The PC's application acts as soon as its event arrives, in the same
    /// step (the data as the handshake completes, the close as the echo is read), and the PC holds
    /// its ACKs to the end of the step, so they ride on that data and that FIN. Per second.
    /// </summary>
    public double Lifecycles(int ms)
    {
        _pc.HoldAcks = true;
        var watch = Stopwatch.StartNew();
        long n = 0;
        while (watch.ElapsedMilliseconds < ms)
        {
            int h = Engine.Connect(_pc.Now, 0, PeerStack.DeviceAddress, 7);
            if (h < 0) throw new InvalidOperationException("connect: " + TcpError.Name(-h));
            int port = Engine.LocalPort(h);
            bool sent = false;
            int got = 0;
            Until(() =>
            {
                if (!sent && (Engine.Poll(h) & TcpEvents.Connected) != 0)
                {
                    if (Engine.Send(_pc.Now, h, _data, 0, 64) != 64) throw new InvalidOperationException("send");
                    sent = true;
                }
                if (!sent) return false;
                int r = Engine.Receive(_pc.Now, h, _buf, 0, _buf.Length);
                if (r > 0) got += r;
                if (got < 64) return false;
                Engine.Close(_pc.Now, h);
                return true;
            }, "the echo");
            Until(() => Engine.StateOf(port, PeerStack.DeviceAddress, 7) is TcpState.TimeWait or TcpState.Closed, "the four-way close");
            n++;
        }
        _pc.HoldAcks = false;
        return n * 1000.0 / watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Sends to discard for ms as fast as the device acknowledges; Gbit/s of payload acknowledged.</summary>
    public double BulkToDiscard(int ms)
    {
        int h = Connect(9);
        int empty = Engine.SendSpace(h);
        long queued = 0;
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < ms)
        {
            int n = Engine.Send(_pc.Now, h, _data, 0, _data.Length);
            if (n > 0) queued += n;
            _pc.Pump(1);
        }
        long acked = queued - (empty - Engine.SendSpace(h));
        double seconds = watch.Elapsed.TotalSeconds;
        // Done: a reset frees both ends at once (the next measurement opens a new connection).
        Engine.SetLinger(h, true, 0);
        Engine.Close(_pc.Now, h);
        _pc.RunFor(20);
        return acked * 8 / seconds / 1e9;
    }

    public void Dispose()
    {
        _board.Dispose();
        _link.Dispose();
    }
}
