using NanoTcp;

namespace NanoTcp.Tests.Reliability;

/// <summary>
/// Two engines on one virtual clock: A, the client (192.0.2.1), and B, the server
/// (192.0.2.2), which listens on <see cref="ServerPort"/>. What each transmits goes to
/// <see cref="OnTransmit"/> (the network in between is the caller's: a lossy path, a model
/// checker's in-flight set); <see cref="Deliver"/> hands a packet to its destination. Each
/// engine's log is kept in a ring of recent lines for failure reports.
/// </summary>
public sealed class EnginePair
{
    public static readonly uint AddrA = Ipv4.Address(192, 0, 2, 1), AddrB = Ipv4.Address(192, 0, 2, 2);
    public const int ServerPort = 80;

    public readonly TcpEngine A, B;
    public readonly int Listener;
    public long Now;

    /// <summary>A packet one engine sent: (true when A sent it, the bytes, a copy owned by the callee).</summary>
    public Action<bool, byte[]>? OnTransmit;

    /// <summary>The same without the copy (the bytes are valid only during the call), for callers that must not allocate; takes precedence.</summary>
    public Action<bool, byte[], int, int>? OnTransmitRaw;

    readonly Side _a, _b;

    public EnginePair(Action<TcpConfig>? configure = null, bool keepLog = true, int logLines = 4096)
    {
        _a = new Side(this, true, keepLog ? logLines : 1);
        _b = new Side(this, false, keepLog ? logLines : 1);
        var ca = new TcpConfig { LocalAddress = AddrA, IsnKey0 = 0x1111, IsnKey1 = 0x2222 };
        var cb = new TcpConfig { LocalAddress = AddrB, IsnKey0 = 0x3333, IsnKey1 = 0x4444 };
        configure?.Invoke(ca);
        configure?.Invoke(cb);
        ca.LocalAddress = AddrA;
        cb.LocalAddress = AddrB;
        A = new TcpEngine(ca, _a, keepLog ? _a : null);
        B = new TcpEngine(cb, _b, keepLog ? _b : null);
        Listener = B.Listen(0, ServerPort, cb.Capacity);
        if (Listener < 0) throw new InvalidOperationException("listen: " + TcpError.Name(Listener));
    }

    /// <summary>Hands a packet to the engine it is addressed to (toB: to the server).</summary>
    public void Deliver(bool toB, byte[] packet) => (toB ? B : A).Input(Now, packet, 0, packet.Length);

    /// <summary>Runs both engines' timers due by now.</summary>
    public void Tick()
    {
        A.Tick(Now);
        B.Tick(Now);
    }

    public long NextDeadline => Math.Min(A.NextDeadline, B.NextDeadline);

    /// <summary>Recent log lines of one engine that mention a port (both sides name the client's port).</summary>
    public IEnumerable<string> RecentLog(bool a, int port) => (a ? _a : _b).Recent(port);

    /// <summary>One engine's link and log. The log ring keeps characters, not strings, so logging allocates nothing.</summary>
    sealed class Side(EnginePair pair, bool isA, int keep) : ITcpLink, ILogSink
    {
        readonly char[][] _ring = NewRing(keep);
        readonly int[] _length = new int[keep];
        int _next;

        static char[][] NewRing(int n)
        {
            var r = new char[n][];
            for (int i = 0; i < n; i++) r[i] = new char[256];
            return r;
        }

        public void Transmit(byte[] packet, int offset, int length)
        {
            if (pair.OnTransmitRaw != null) pair.OnTransmitRaw(isA, packet, offset, length);
            else pair.OnTransmit?.Invoke(isA, packet.AsSpan(offset, length).ToArray());
        }

        public void WriteLine(char[] line, int length)
        {
            int n = Math.Min(length, 256);
            Array.Copy(line, _ring[_next], n);
            _length[_next] = n;
            _next = (_next + 1) % _ring.Length;
        }

        public IEnumerable<string> Recent(int port)
        {
            string tag = ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ";
            for (int i = 0; i < _ring.Length; i++)
            {
                int k = (_next + i) % _ring.Length;
                if (_length[k] == 0) continue;
                string l = new(_ring[k], 0, _length[k]);
                if (l.Contains(tag) || l.Contains(" - ")) yield return l;
            }
        }
    }
}
