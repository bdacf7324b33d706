using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Drives one engine directly: plays a remote peer that builds real IPv4/TCP bytes, and records
/// what the engine transmits and logs. Time is virtual (ms).
/// </summary>
public sealed class Harness : ITcpLink, ILogSink
{
    public static readonly uint PeerAddr = Ipv4.Address(192, 0, 2, 1);
    public static readonly uint LocalAddr = Ipv4.Address(192, 0, 2, 2);

    public readonly TcpEngine Engine;
    public readonly List<(long Time, byte[] Bytes)> Sent = new();
    public readonly List<string> Log = new();
    public long Now;
    readonly byte[] _buf = new byte[70000];
    int _ipId;

    public Harness(Action<TcpConfig>? configure = null)
    {
        var cfg = new TcpConfig { LocalAddress = LocalAddr };
        configure?.Invoke(cfg);
        Engine = new TcpEngine(cfg, this, this);
    }

    public bool Recording = true;

    public void Transmit(byte[] packet, int offset, int length)
    {
        if (Recording) Sent.Add((Now, packet.AsSpan(offset, length).ToArray()));
    }

    public void WriteLine(char[] line, int length)
    {
        if (Recording) Log.Add(new string(line, 0, length));
    }

    /// <summary>Injects a segment from the peer.</summary>
    public void Inject(int flags, uint seq, uint ack, int srcPort, int dstPort, int payload = 0, int window = 65535, int mss = 0)
    {
        byte[] opts = new byte[4];
        int optLen = 0;
        if (mss > 0) { opts[0] = 2; opts[1] = 4; opts[2] = (byte)(mss >> 8); opts[3] = (byte)mss; optLen = 4; }
        int hl = Wire.HeaderLength(optLen);
        Array.Clear(_buf, hl, payload);
        int len = Wire.Build(_buf, 0, PeerAddr, LocalAddr, srcPort, dstPort, seq, ack, flags, window, opts, optLen, payload, _ipId++);
        Engine.Input(Now, _buf, 0, len);
    }

    /// <summary>Advances virtual time, firing every timer on the way.</summary>
    public void Advance(long ms)
    {
        long target = Now + ms;
        while (Engine.NextDeadline <= target)
        {
            Now = Engine.NextDeadline;
            Engine.Tick(Now);
        }
        Now = target;
    }

    /// <summary>Clears Sent, advances timer by timer until the engine sends something, and returns when it did.</summary>
    public long NextTransmission(long within = 100000)
    {
        Sent.Clear();
        long end = Now + within;
        while (Sent.Count == 0 && Engine.NextDeadline <= end) Advance(Engine.NextDeadline - Now);
        Assert.NotEmpty(Sent);
        return Sent[0].Time;
    }

    public Segment Last()
    {
        var s = new Segment();
        var b = Sent[^1].Bytes;
        Assert.Equal(DropReason.None, Wire.Parse(b, 0, b.Length, s));
        return s;
    }

    public Segment TakeOnly()
    {
        Assert.Single(Sent);
        var s = Last();
        Sent.Clear();
        return s;
    }

    public static Segment Parse(byte[] b)
    {
        var s = new Segment();
        Assert.Equal(DropReason.None, Wire.Parse(b, 0, b.Length, s));
        return s;
    }
}
