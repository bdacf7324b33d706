using System.Net;
using System.Net.Sockets;

namespace Nanotcp.Net;

/// <summary>
/// The PC's end of a device's link: one UDP socket that carries one IPv4 packet per datagram to
/// the device's link port, and receives what the device sends back. Datagrams from any other
/// source are ignored. Also carries the device's STATUS query. Sending and receiving allocate
/// nothing: the device's address is serialized once, and senders are received into one reused
/// address.
/// </summary>
public sealed class DeviceLink : IDisposable
{
    readonly Socket _socket;
    readonly SocketAddress _device;
    readonly SocketAddress _from;

    public DeviceLink(IPEndPoint device)
    {
        Device = device;
        _socket = new Socket(device.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(device.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        _device = device.Serialize();
        _from = new SocketAddress(device.AddressFamily, SocketAddress.GetMaximumAddressSize(device.AddressFamily));
    }

    public IPEndPoint Device { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public void Send(byte[] packet, int offset, int length) =>
        _socket.SendTo(packet.AsSpan(offset, length), SocketFlags.None, _device);

    /// <summary>Waits up to timeoutMs for a datagram from the device; returns its length, or 0 when none came.</summary>
    public int Receive(byte[] buffer, int timeoutMs)
    {
        long deadline = Environment.TickCount64 + Math.Max(0, timeoutMs);
        while (true)
        {
            // Poll(0) is a system call too; Available is cheaper when a datagram is already queued.
            if (_socket.Available == 0)
            {
                long left = deadline - Environment.TickCount64;
                if (!_socket.Poll((int)Math.Clamp(left, 0, int.MaxValue / 1000) * 1000, SelectMode.SelectRead)) return 0;
            }
            int n;
            _from.Size = _from.Buffer.Length;
            try { n = _socket.ReceiveFrom(buffer, SocketFlags.None, _from); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { continue; } // ICMP port unreachable from an earlier send
            if (_from.Equals(_device)) return n;
        }
    }

    /// <summary>Waits up to timeoutMs until a datagram waits to be received, without taking it.</summary>
    public bool WaitReadable(int timeoutMs) => _socket.Poll(Math.Clamp(timeoutMs, 0, int.MaxValue / 1000) * 1000, SelectMode.SelectRead);

    /// <summary>Sends the text query (e.g. "STATUS") and returns the device's text reply, or null when none came in time.</summary>
    public string? Query(string text, int timeoutMs)
    {
        byte[] q = System.Text.Encoding.ASCII.GetBytes(text);
        _socket.SendTo(q, Device);
        byte[] buf = new byte[65536];
        long deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            int n = Receive(buf, (int)(deadline - Environment.TickCount64));
            if (n == 0) return null;
            if (IsIpv4Packet(buf, n)) continue; // a segment still in flight, not the reply
            return System.Text.Encoding.ASCII.GetString(buf, 0, n);
        }
        return null;
    }

    /// <summary>
    /// Version 4 and an IPv4 total length equal to the datagram's. The version nibble alone is not
    /// enough: the STATUS reply begins with 'N' (0x4E), whose high nibble is 4 as well.
    /// </summary>
    static bool IsIpv4Packet(byte[] d, int n) => n >= 20 && (d[0] >> 4) == 4 && ((d[2] << 8) | d[3]) == n;

    public void Dispose() => _socket.Dispose();

    /// <summary>Parses "HOST[:PORT]" (default port 9293) into an endpoint; null with an error message when it is not one.</summary>
    public static IPEndPoint? ParseDevice(string text, out string? error, int defaultPort = 9293)
    {
        error = null;
        string host = text;
        int port = defaultPort;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':') == colon)
        {
            host = text[..colon];
            if (!int.TryParse(text[(colon + 1)..], out port) || port < 1 || port > 65535)
            {
                error = $"bad port in '{text}' (expected HOST[:PORT], port 1..65535)";
                return null;
            }
        }
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address)) return new IPEndPoint(address, port);
        try
        {
            IPAddress[] found = Dns.GetHostAddresses(host);
            IPAddress? v4 = Array.Find(found, a => a.AddressFamily == AddressFamily.InterNetwork) ?? (found.Length > 0 ? found[0] : null);
            if (v4 != null) return new IPEndPoint(v4, port);
        }
        catch (SocketException) { }
        error = $"cannot resolve device host '{host}'";
        return null;
    }
}
