namespace NanoTcp.Device
{
    /// <summary>
    /// The engine's <see cref="ITcpLink"/>: each outbound IPv4 packet leaves in one datagram to the
    /// UDP sender its connection came from. A route (inner peer address and port -> link token) is
    /// learned when the engine answers a datagram: from the connection's first segment (a SYN
    /// always takes the route), and kept for the rest of the connection. So the link accepts any
    /// UDP source, and malformed datagrams, which the engine never answers, teach it nothing.
    /// </summary>
    public sealed class LinkRouter : ITcpLink
    {
        readonly IDatagramLink _link;
        readonly uint[] _address;
        readonly int[] _port;
        readonly int[] _endpoint;
        readonly long[] _lastUsed;
        long _clock;

        // The datagram the engine is handling now: its sender and the inner source it carries.
        int _inputEndpoint = -1;
        uint _inputAddress;
        int _inputPort;
        bool _inputSyn;

        /// <summary>Where a packet goes that has no route (a retransmission after its route was reused): the last sender answered.</summary>
        int _lastAnswered = -1;

        /// <summary>Outbound packets that had nowhere to go.</summary>
        public long Unroutable;

        public LinkRouter(IDatagramLink link, int routes)
        {
            _link = link;
            _address = new uint[routes];
            _port = new int[routes];
            _endpoint = new int[routes];
            _lastUsed = new long[routes];
            for (int i = 0; i < routes; i++) _endpoint[i] = -1;
        }

        /// <summary>Call before handing a datagram to the engine: replies to it may teach a route.</summary>
        public void BeginInput(byte[] packet, int offset, int length, int endpoint)
        {
            _inputEndpoint = -1;
            if (length < 40 || (packet[offset] >> 4) != 4) return;
            int ihl = (packet[offset] & 0x0F) * 4;
            if (ihl < 20 || ihl + 14 > length) return;
            _inputEndpoint = endpoint;
            _inputAddress = Wire.ReadU32(packet, offset + 12);
            _inputPort = Wire.ReadU16(packet, offset + ihl);
            _inputSyn = (packet[offset + ihl + 13] & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn;
        }

        public void EndInput() { _inputEndpoint = -1; }

        public void Transmit(byte[] packet, int offset, int length)
        {
            int ihl = (packet[offset] & 0x0F) * 4;
            uint address = Wire.ReadU32(packet, offset + 16);
            int port = Wire.ReadU16(packet, offset + ihl + 2);
            int route = Find(address, port);
            bool reply = _inputEndpoint >= 0 && address == _inputAddress && port == _inputPort;
            if (reply && (route < 0 || _inputSyn)) route = Learn(address, port, _inputEndpoint);
            if (reply) _lastAnswered = _inputEndpoint;

            int endpoint = route >= 0 ? _endpoint[route] : _lastAnswered;
            if (route >= 0) _lastUsed[route] = ++_clock;
            if (endpoint < 0) { Unroutable++; return; }
            _link.Send(endpoint, packet, offset, length);
        }

        int Find(uint address, int port)
        {
            for (int i = 0; i < _endpoint.Length; i++)
                if (_endpoint[i] >= 0 && _address[i] == address && _port[i] == port) return i;
            return -1;
        }

        /// <summary>Sets a route, in its old entry, a free one, or the least recently used.</summary>
        int Learn(uint address, int port, int endpoint)
        {
            int r = Find(address, port);
            if (r < 0)
            {
                r = 0;
                for (int i = 0; i < _endpoint.Length; i++)
                {
                    if (_endpoint[i] < 0) { r = i; break; }
                    if (_lastUsed[i] < _lastUsed[r]) r = i;
                }
            }
            _address[r] = address;
            _port[r] = port;
            _endpoint[r] = endpoint;
            return r;
        }
    }
}
