using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NanoTcp;

namespace NanoTcp.Tests.Device;

/// <summary>
/// The PC's side of the link, as the desktop peer will be: a TCP engine at 192.0.2.1 whose
/// packets travel in UDP datagrams to the board over loopback. Its timers run on the real clock;
/// <see cref="RunUntil"/> feeds it datagrams and ticks until a condition holds.
/// </summary>
sealed class LoopbackPeer : ITcpLink, ILogSink, IDisposable
{
    public static readonly uint Address = Ipv4.Address(192, 0, 2, 1);
    public static readonly uint DeviceAddress = Ipv4.Address(192, 0, 2, 2);

    readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    readonly IPEndPoint _board;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly byte[] _datagram = new byte[65536];
    readonly List<string> _log = new();

    public TcpEngine Engine { get; }

    /// <param name="firstPort">The peer's first ephemeral port: tests use distinct ranges so their 4-tuples never meet.</param>
    public LoopbackPeer(IPEndPoint board, int firstPort)
    {
        _board = board;
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Engine = new TcpEngine(new TcpConfig { LocalAddress = Address, Capacity = 4, EphemeralPortFirst = firstPort, MslMs = 100 }, this, this);
    }

    public long Now => _clock.ElapsedMilliseconds;

    public void Transmit(byte[] packet, int offset, int length) => _udp.SendTo(packet, offset, length, SocketFlags.None, _board);

    public void WriteLine(char[] line, int length) => _log.Add(new string(line, 0, length));

    /// <summary>Opens a connection to a device port and waits until it is established.</summary>
    public int Connect(int port)
    {
        int h = Engine.Connect(Now, 0, DeviceAddress, port);
        Assert.True(h >= 0, "connect: " + TcpError.Name(h));
        RunUntil(() => (Engine.Poll(h) & TcpEvents.Connected) != 0, $"the handshake with port {port}");
        return h;
    }

    /// <summary>Sends all of text, waiting for send-buffer room as the device acknowledges.</summary>
    public void Send(int h, string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        int done = 0;
        RunUntil(() =>
        {
            int n = Engine.Send(Now, h, bytes, done, bytes.Length - done);
            Assert.True(n >= 0 || n == -TcpError.WouldBlock, "send: " + TcpError.Name(n));
            if (n > 0) done += n;
            return done == bytes.Length;
        }, "room to send");
    }

    /// <summary>Reads until at least count bytes arrived (or the end of the stream).</summary>
    public string Read(int h, int count, StringBuilder? into = null)
    {
        var text = into ?? new StringBuilder();
        int start = text.Length;
        RunUntil(() => ReadAvailable(h, text) == 0 || text.Length - start >= count, $"{count} bytes");
        return text.ToString(start, text.Length - start);
    }

    /// <summary>Reads up to and including the next line feed (or to the end of the stream).</summary>
    public string ReadLine(int h)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        RunUntil(() =>
        {
            int n;
            while ((n = Engine.Receive(Now, h, one, 0, 1)) == 1)
            {
                text.Append((char)one[0]);
                if (one[0] == '\n') return true;
            }
            return n == 0;
        }, "a line");
        return text.ToString();
    }

    /// <summary>Reads until the device's FIN: everything that arrived before it.</summary>
    public string ReadToEnd(int h)
    {
        var text = new StringBuilder();
        RunUntil(() => ReadAvailable(h, text) == 0, "the device's FIN");
        return text.ToString();
    }

    /// <summary>Appends what can be read now. Returns 0 at the end of the stream, else 1.</summary>
    int ReadAvailable(int h, StringBuilder text)
    {
        var buf = new byte[4096];
        while (true)
        {
            int n = Engine.Receive(Now, h, buf, 0, buf.Length);
            if (n > 0) { text.Append(Encoding.ASCII.GetString(buf, 0, n)); continue; }
            if (n == 0) return 0;
            Assert.True(n == -TcpError.WouldBlock, "receive: " + TcpError.Name(n));
            return 1;
        }
    }

    /// <summary>
    /// Feeds datagrams and timers to the peer's engine until done holds; fails after timeoutMs
    /// with the peer's log, and context (e.g. the device's log) when given.
    /// </summary>
    public void RunUntil(Func<bool> done, string what, int timeoutMs = 15000, Func<string>? context = null)
    {
        long deadline = Now + timeoutMs;
        while (!done())
        {
            if (Now > deadline)
                Assert.Fail($"timed out waiting for {what}; peer log:\n  " + string.Join("\n  ", _log) + "\n" + context?.Invoke());
            long wait = Math.Clamp(Engine.NextDeadline - Now, 0, 20);
            if (_udp.Poll(TimeSpan.FromMilliseconds(wait), SelectMode.SelectRead))
            {
                int n = _udp.Receive(_datagram);
                Engine.Input(Now, _datagram, 0, n);
            }
            Engine.Tick(Now);
        }
    }

    public void Dispose() => _udp.Dispose();
}
