using System.Net;
using System.Net.Sockets;
using NanoTcp.Device;

namespace NanoTcp.Board;

/// <summary>
/// The device's link on a real UDP socket. Senders become tokens through an <see cref="EndpointTable"/>
/// of <see cref="SocketAddress"/>es. After start-up it allocates nothing per datagram: it receives
/// into one reused address and buffer, and only a sender never seen before costs a copy of its address.
/// </summary>
public sealed class UdpLink : IDatagramLink, IDisposable
{
    readonly Socket _socket;
    readonly EndpointTable _endpoints = new(16);
    readonly SocketAddress _from;
    // Every datagram fits here; a longer one than the device's buffer arrives cut, and the engine drops it by its IPv4 length.
    readonly byte[] _datagram = new byte[65536];

    public UdpLink(IPEndPoint bindTo)
    {
        _socket = new Socket(bindTo.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _from = new SocketAddress(bindTo.AddressFamily, SocketAddress.GetMaximumAddressSize(bindTo.AddressFamily));
        try
        {
            _socket.Bind(bindTo);
            DeepenReceiveQueue(_socket);
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

    /// <summary>
    /// A burst of datagrams (a flood, a bulk transfer) arrives while the receiving thread waits for
    /// a core, and Linux's default receive queue (about 200 KB) holds only a few hundred small ones:
    /// the rest are lost, real connections' with the burst. 4 MB, past rmem_max where root may
    /// (SO_RCVBUFFORCE), else as much as the system allows.
    /// </summary>
    public static void DeepenReceiveQueue(Socket socket)
    {
        const int Bytes = 4 << 20;
        if (OperatingSystem.IsLinux())
        {
            try { socket.SetRawSocketOption(1 /* SOL_SOCKET */, 33 /* SO_RCVBUFFORCE */, BitConverter.GetBytes(Bytes)); return; }
            catch (SocketException) { } // not root
        }
        try { socket.ReceiveBufferSize = Bytes; }
        catch (SocketException) { }
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Told of a datagram longer than the device's buffer: its length, and how much of it the device got.</summary>
    public Action<int, int>? OnTruncated { get; set; }

    public int Receive(byte[] buffer, int timeoutMs, out int endpoint)
    {
        endpoint = -1;
        // Available (one ioctl) answers "just look"; only a real wait needs Poll. (A zero-length
        // datagram is not seen by Available: it waits for the next wait, and the engine drops it anyway.)
        if (_socket.Available == 0 && (timeoutMs == 0 || !_socket.Poll(timeoutMs * 1000, SelectMode.SelectRead))) return -1;
        int n;
        try
        {
            _from.Size = _from.Buffer.Length;
            n = _socket.ReceiveFrom(_datagram, SocketFlags.None, _from);
        }
        catch (SocketException)
        {
            return -1; // e.g. an ICMP port-unreachable for an earlier send (Windows reports it here)
        }
        endpoint = _endpoints.Find(_from);
        if (endpoint < 0) endpoint = _endpoints.Intern(Copy(_from));
        int kept = Math.Min(n, buffer.Length);
        if (kept < n) OnTruncated?.Invoke(n, kept);
        Buffer.BlockCopy(_datagram, 0, buffer, 0, kept);
        return kept;
    }

    static SocketAddress Copy(SocketAddress a)
    {
        var copy = new SocketAddress(a.Family, a.Size);
        a.Buffer.Span[..a.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    public void Send(int endpoint, byte[] data, int offset, int length)
    {
        if (_endpoints.Get(endpoint) is not SocketAddress to) return;
        try
        {
            _socket.SendTo(data.AsSpan(offset, length), SocketFlags.None, to);
        }
        catch (SocketException)
        {
            // UDP: a datagram that cannot leave is lost, and TCP above retransmits.
        }
    }

    public void Dispose() => _socket.Dispose();
}
