using System.Net;
using System.Net.Sockets;

namespace Nanotcp.Net;

/// <summary>
/// The PC's end of a device's link (docs/design.md §4): one UDP socket that carries one IPv4 packet per
/// datagram to the device's link port, and receives what the device sends back. Datagrams from
/// any other source are ignored. Also carries the device's STATUS query.
/// </summary>
public sealed class DeviceLink : IDisposable
{
    readonly Socket _socket;

    public DeviceLink(IPEndPoint device)
    {
        Device = device;
        _socket = new Socket(device.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(device.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        // Connected, so that an ICMP port unreachable for what we send comes back to this socket
        // (the kernel only reports it to a connected UDP socket): nothing listening is known at once.
        _socket.Connect(device);
        NanoTcp.Board.UdpLink.DeepenReceiveQueue(_socket); // a burst from the device, as on the board's side
    }

    /// <summary>
    /// The device's host said nothing listens on the link port (ICMP port unreachable) since the
    /// last datagram came from it: the device is not running there, or that is not its link port.
    /// </summary>
    public bool Refused { get; private set; }

    public IPEndPoint Device { get; }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public void Send(byte[] packet, int offset, int length)
    {
        try
        {
            _socket.Send(packet, offset, length, SocketFlags.None);
        }
        catch (SocketException e) when (IsUnreachable(e))
        {
            Refused = true; // an earlier datagram's ICMP error, reported on this send; UDP loses it, TCP above retransmits
        }
    }

    // Reused for every wait: the segment path allocates nothing.
    readonly List<Socket> _readable = new(1), _failed = new(1);

    /// <summary>
    /// Waits for a datagram or a pending error: an ICMP port unreachable makes the socket report an
    /// error, not readability, so waiting for reading alone would sit out the whole timeout.
    /// </summary>
    bool WaitReadableOrError(int microseconds)
    {
        _readable.Clear();
        _failed.Clear();
        _readable.Add(_socket);
        _failed.Add(_socket);
        Socket.Select(_readable, null, _failed, microseconds);
        return _readable.Count > 0 || _failed.Count > 0;
    }

    static bool IsUnreachable(SocketException e) => e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset;

    /// <summary>Waits up to timeoutMs until a datagram (or an error) waits to be received, without taking it.</summary>
    public bool WaitReadable(int timeoutMs) => WaitReadableOrError(Math.Clamp(timeoutMs, 0, int.MaxValue / 1000) * 1000);

    /// <summary>Waits up to timeoutMs for a datagram from the device; returns its length, or 0 when none came.</summary>
    public int Receive(byte[] buffer, int timeoutMs)
    {
        long deadline = Environment.TickCount64 + Math.Max(0, timeoutMs);
        while (true)
        {
            long left = deadline - Environment.TickCount64;
            if (!WaitReadableOrError((int)Math.Clamp(left, 0, int.MaxValue / 1000) * 1000)) return 0;
            int n;
            // The socket is connected: the kernel delivers only the device's datagrams, so there is
            // no sender to check, and Receive allocates no endpoint for it.
            try { n = _socket.Receive(buffer, SocketFlags.None); }
            catch (SocketException e) when (IsUnreachable(e))
            {
                Refused = true; // ICMP port unreachable for an earlier send
                return 0;
            }
            Refused = false;
            return n;
        }
    }

    /// <summary>Sends the text query (e.g. "STATUS") and returns the device's text reply, or null when none came in time.</summary>
    public string? Query(string text, int timeoutMs)
    {
        byte[] q = System.Text.Encoding.ASCII.GetBytes(text);
        Send(q, 0, q.Length);
        byte[] buf = new byte[65536];
        long deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            int n = Receive(buf, (int)(deadline - Environment.TickCount64));
            if (n == 0 && Refused) return null;
            if (n == 0) continue;
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
