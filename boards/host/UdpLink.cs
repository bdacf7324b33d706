using System.Net;
using System.Net.Sockets;
using NanoTcp.Device;

namespace NanoTcp.Board;

/// <summary>The device's link on a real UDP socket. Senders become tokens through an <see cref="EndpointTable"/>.</summary>
sealed class UdpLink : IDatagramLink, IDisposable
{
    readonly Socket _socket;
    readonly EndpointTable _endpoints = new(16);
    readonly EndPoint _anySender;
    // Every datagram fits here; a longer one than the device's buffer arrives cut, and the engine drops it by its IPv4 length.
    readonly byte[] _datagram = new byte[65536];

    public UdpLink(IPEndPoint bindTo)
    {
        _socket = new Socket(bindTo.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _anySender = new IPEndPoint(bindTo.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        try
        {
            _socket.Bind(bindTo);
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            string why = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "address already in use",
                SocketError.AddressNotAvailable => "no such address on this machine",
                SocketError.AccessDenied => "permission denied",
                _ => e.Message,
            };
            throw new BoardException($"link {bindTo}: {why}");
        }
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Told of a datagram longer than the device's buffer: its length, and how much of it the device got.</summary>
    public Action<int, int>? OnTruncated { get; set; }

    public int Receive(byte[] buffer, int timeoutMs, out int endpoint)
    {
        endpoint = -1;
        if (!_socket.Poll(TimeSpan.FromMilliseconds(timeoutMs), SelectMode.SelectRead)) return -1;
        EndPoint from = _anySender;
        int n;
        try
        {
            n = _socket.ReceiveFrom(_datagram, ref from);
        }
        catch (SocketException)
        {
            return -1; // e.g. an ICMP port-unreachable for an earlier send (Windows reports it here)
        }
        endpoint = _endpoints.Intern(from);
        int kept = Math.Min(n, buffer.Length);
        if (kept < n) OnTruncated?.Invoke(n, kept);
        Buffer.BlockCopy(_datagram, 0, buffer, 0, kept);
        return kept;
    }

    public void Send(int endpoint, byte[] data, int offset, int length)
    {
        if (_endpoints.Get(endpoint) is not EndPoint to) return;
        try
        {
            _socket.SendTo(data, offset, length, SocketFlags.None, to);
        }
        catch (SocketException)
        {
            // UDP: a datagram that cannot leave is lost, and TCP above retransmits.
        }
    }

    public void Dispose() => _socket.Dispose();
}
