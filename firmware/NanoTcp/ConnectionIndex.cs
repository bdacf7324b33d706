namespace NanoTcp
{
    /// <summary>
    /// The table's lookup index: 4-tuple (local port, remote address, remote port) → slot, and
    /// local port → listener (a listener is filed under its port with remote address and port 0,
    /// which no segment can carry). Open addressing with linear probing in one int array of
    /// at least twice as many entries as slots, allocated once with the table. Insertion is
    /// Robin Hood (an entry farther from its home takes the place of one nearer to its own), so
    /// the first connection opened and the last wait the same few probes; removal shifts the
    /// following entries back, so a lookup never wades through deleted entries. A lookup costs
    /// the same for slot 0 and for slot 65 535.
    ///
    /// The keys are read from the slots themselves, so a slot's ports and address must not
    /// change while it is filed. The hash is seeded from the ISN secret, so a peer cannot pick
    /// ports that all land in one cluster.
    /// </summary>
    internal sealed class ConnectionIndex
    {
        readonly Tcb[] _table;
        readonly int[] _entries; // slot + 1; 0 = empty
        readonly int _mask;
        readonly uint _seed;
        int _count;

        public ConnectionIndex(Tcb[] table, ulong seed)
        {
            _table = table;
            int size = 4;
            while (size < 2 * table.Length) size <<= 1;
            _entries = new int[size];
            _mask = size - 1;
            _seed = (uint)seed ^ (uint)(seed >> 32);
        }

        public int Count { get { return _count; } }

        /// <summary>Probe steps taken by lookups so far: a cost counter for tests.</summary>
        public long Probes;

        int Home(int localPort, uint remoteAddr, int remotePort)
        {
            uint h = (remoteAddr ^ _seed) * 0x9E3779B1u;
            h ^= (uint)((localPort << 16) | remotePort);
            h *= 0x85EBCA6Bu;
            h ^= h >> 13;
            h *= 0xC2B2AE35u;
            h ^= h >> 16;
            return (int)(h & (uint)_mask);
        }

        int HomeOf(Tcb t) { return Home(t.LocalPort, t.RemoteAddr, t.RemotePort); }

        /// <summary>Files a slot under its current 4-tuple (several slots may share one).</summary>
        public void Add(Tcb t)
        {
            int e = t.Slot + 1;
            int i = HomeOf(t);
            int distance = 0; // of e from its home
            while (_entries[i] != 0)
            {
                int other = (i - HomeOf(_table[_entries[i] - 1])) & _mask;
                if (other < distance)
                {
                    int displaced = _entries[i];
                    _entries[i] = e;
                    e = displaced;
                    distance = other;
                }
                i = (i + 1) & _mask;
                distance++;
            }
            _entries[i] = e;
            _count++;
        }

        /// <summary>Takes a slot out; it must have been added with the tuple it holds now.</summary>
        public void Remove(Tcb t)
        {
            int i = HomeOf(t);
            int want = t.Slot + 1;
            while (_entries[i] != want)
            {
                if (_entries[i] == 0) return; // not filed
                i = (i + 1) & _mask;
            }
            _entries[i] = 0;
            _count--;
            // Backward shift: move up every later entry of the run whose home does not lie in (i, j].
            int j = i;
            while (true)
            {
                j = (j + 1) & _mask;
                int e = _entries[j];
                if (e == 0) return;
                int k = HomeOf(_table[e - 1]);
                bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
                if (stays) continue;
                _entries[i] = e;
                _entries[j] = 0;
                i = j;
            }
        }

        /// <summary>
        /// The slot with this 4-tuple: one not CLOSED when there is one, else (with closedToo) a
        /// CLOSED one the application still holds; null when none. Listeners never match (port 0).
        /// </summary>
        public Tcb Find(int localPort, uint remoteAddr, int remotePort, bool closedToo)
        {
            Tcb closed = null;
            int i = Home(localPort, remoteAddr, remotePort);
            while (true)
            {
                Probes++;
                int e = _entries[i];
                if (e == 0) return closed;
                Tcb t = _table[e - 1];
                if (t.LocalPort == localPort && t.RemotePort == remotePort && t.RemoteAddr == remoteAddr)
                {
                    if (t.State != TcpState.Closed) return t;
                    if (closedToo && closed == null) closed = t;
                }
                i = (i + 1) & _mask;
            }
        }

        /// <summary>The listener on a local port, or null.</summary>
        public Tcb FindListener(int port)
        {
            int i = Home(port, 0, 0);
            while (true)
            {
                Probes++;
                int e = _entries[i];
                if (e == 0) return null;
                Tcb t = _table[e - 1];
                if (t.LocalPort == port && t.RemotePort == 0 && t.State == TcpState.Listen) return t;
                i = (i + 1) & _mask;
            }
        }
    }
}
