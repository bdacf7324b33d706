using System.Net;
using System.Net.Sockets;
using NanoTcp.Device;

namespace NanoTcp.Esp32
{
    /// <summary>The device's link: one UDP socket on the link port, any sender accepted.</summary>
    sealed class UdpLink : IDatagramLink
    {
        readonly Socket _socket;
        readonly EndpointTable _endpoints = new EndpointTable(8);

        public UdpLink(int port)
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _socket.Bind(new IPEndPoint(IPAddress.Any, port));
        }

        public int Receive(byte[] buffer, int timeoutMs, out int endpoint)
        {
            endpoint = -1;
            try
            {
                if (!_socket.Poll(timeoutMs * 1000, SelectMode.SelectRead)) return -1;
                // A new endpoint object each time: the table keeps the ones it hands out tokens for.
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int n = _socket.ReceiveFrom(buffer, ref from);
                endpoint = _endpoints.Intern(from);
                return n;
            }
            catch (SocketException)
            {
                return -1; // e.g. Wi-Fi lost for a moment: TCP above retransmits
            }
        }

        public void Send(int endpoint, byte[] data, int offset, int length)
        {
            EndPoint to = _endpoints.Get(endpoint) as EndPoint;
            if (to == null) return;
            try
            {
                _socket.SendTo(data, offset, length, SocketFlags.None, to);
            }
            catch (SocketException)
            {
                // a datagram that cannot leave is lost, as on any UDP link
            }
        }
    }
}
