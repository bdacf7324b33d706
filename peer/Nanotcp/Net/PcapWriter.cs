namespace Nanotcp.Net;

/// <summary>
/// Writes IPv4 packets to a classic pcap file (LINKTYPE_IPV4 = 228) that Wireshark and tshark
/// open directly. Timestamps are microseconds since the Unix epoch.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    public const int LinkTypeIpv4 = 228;
    readonly Stream _out;
    readonly byte[] _header = new byte[16];
    readonly object _gate = new();

    public PcapWriter(Stream output)
    {
        _out = output;
        Span<byte> h = stackalloc byte[24];
        BitConverter.TryWriteBytes(h[0..], 0xA1B2C3D4u); // magic: microsecond timestamps, writer's byte order
        BitConverter.TryWriteBytes(h[4..], (ushort)2);
        BitConverter.TryWriteBytes(h[6..], (ushort)4);
        BitConverter.TryWriteBytes(h[8..], 0);            // thiszone
        BitConverter.TryWriteBytes(h[12..], 0u);          // sigfigs
        BitConverter.TryWriteBytes(h[16..], 65535u);      // snaplen
        BitConverter.TryWriteBytes(h[20..], (uint)LinkTypeIpv4);
        _out.Write(h);
    }

    public static PcapWriter Create(string path) => new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read));

    public int Count { get; private set; }

    /// <summary>Appends one packet captured at the given time.</summary>
    public void Write(DateTimeOffset time, byte[] packet, int offset, int length)
    {
        long micros = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        lock (_gate)
        {
            BitConverter.TryWriteBytes(_header.AsSpan(0), (uint)(micros / 1_000_000));
            BitConverter.TryWriteBytes(_header.AsSpan(4), (uint)(micros % 1_000_000));
            BitConverter.TryWriteBytes(_header.AsSpan(8), (uint)length);
            BitConverter.TryWriteBytes(_header.AsSpan(12), (uint)length);
            _out.Write(_header);
            _out.Write(packet, offset, length);
            _out.Flush();
            Count++;
        }
    }

    public void Dispose() => _out.Dispose();
}
