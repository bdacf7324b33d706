using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NanoTcp.Tests.Kernel;

/// <summary>
/// A device side run by the test itself: a NanoTcp engine at 192.0.2.2 whose packets travel one
/// per UDP datagram, as on the device's link (docs/design.md §4). Unlike the device application it can
/// open connections, so the kernel can be the listening side. Like the device, it learns where
/// the PC is from the first datagram it receives, and answers the status query. Single-threaded:
/// the test drives it with <see cref="RunUntil"/>.
/// </summary>
public sealed class UdpEngine : ITcpLink, ILogSink, IDisposable
{
    readonly Socket _socket;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly byte[] _rx = new byte[65536];
    readonly List<string> _log = [];
    EndPoint? _pc;

    public UdpEngine(Socket socket, int mslMs)
    {
        _socket = socket;
        var config = new TcpConfig { MslMs = mslMs, Capacity = 4 };
        config.IsnKey0 = (ulong)Random.Shared.NextInt64();
        config.IsnKey1 = (ulong)Random.Shared.NextInt64();
        Engine = new TcpEngine(config, this, this);
    }

    public TcpEngine Engine { get; }
    public long Now => _clock.ElapsedMilliseconds;
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;
    public IReadOnlyList<string> Log => _log;

    void ITcpLink.Transmit(byte[] packet, int offset, int length)
    {
        if (_pc != null) _socket.SendTo(packet, offset, length, SocketFlags.None, _pc);
    }

    void ILogSink.WriteLine(char[] line, int length) => _log.Add(new string(line, 0, length));

    /// <summary>Runs timers and handles at most one datagram, waiting up to maxWaitMs for it.</summary>
    void Pump(int maxWaitMs)
    {
        Engine.Tick(Now);
        long next = Engine.NextDeadline;
        long wait = next == long.MaxValue ? maxWaitMs : Math.Clamp(next - Now, 0, maxWaitMs);
        if (_socket.Poll(TimeSpan.FromMilliseconds(wait), SelectMode.SelectRead))
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = _socket.ReceiveFrom(_rx, ref from);
            _pc = from;
            if (Encoding.ASCII.GetString(_rx, 0, n).TrimEnd() == "STATUS")
            {
                byte[] reply = Encoding.ASCII.GetBytes($"NanoTcp {Ipv4.ToText(Engine.Config.LocalAddress)} (the test's engine)\n");
                _socket.SendTo(reply, from);
            }
            else Engine.Input(Now, _rx, 0, n);
        }
        Engine.Tick(Now);
    }

    /// <summary>Pumps until the condition holds; false when the time is up first.</summary>
    public bool RunUntil(Func<bool> condition, TimeSpan timeout)
    {
        long deadline = Now + (long)timeout.TotalMilliseconds;
        while (!condition())
        {
            if (Now >= deadline) return false;
            Pump((int)Math.Min(deadline - Now, 20));
        }
        return true;
    }

    /// <summary>Whether the PC's side (the bridge) has been heard from.</summary>
    public bool KnowsPc => _pc != null;

    public void Dispose() => _socket.Dispose();
}
