namespace NanoTcp
{
    /// <summary>
    /// The connection table. Capacity slots carry connections, each with its send and receive
    /// buffers, and Listeners more slots hold listening sockets, which carry no
    /// buffers. Every question the engine asks of the table is answered without looking at
    /// other slots: a 4-tuple or a listener's port through <see cref="ConnectionIndex"/>; a free
    /// slot from a free list; the oldest slot in TIME_WAIT, LAST_ACK or CLOSING (what recycling
    /// asks for) from that state's age list (slots join its tail when they enter it); a
    /// listener's half-open children and its accept queue from two lists of its own, with their
    /// counts. A slot is on one list at most, through its Prev and Next; a free slot's Next links
    /// the free list.
    /// </summary>
    public sealed partial class TcpEngine
    {
        const int StateLists = 11;           // one age list per TcpState
        const int QueueNone = 0, QueueHalfOpen = 1, QueueReady = 2;

        ConnectionIndex _index;
        int _freeHead;                        // free slots, a stack linked through their Next; -1 when none
        readonly int[] _ageHead = new int[StateLists];
        readonly int[] _ageTail = new int[StateLists];
        // Connection resources, lent to a slot while it carries a connection.
        ByteRing[] _sndPool, _rcvPool;
        int _poolCount;
        AcceptQueue[] _queuePool;
        int _queueCount;
        ByteRing _noBuffer;
        int _connections, _listeners;

        /// <summary>Builds the table and everything it owns; called once, by the constructor.</summary>
        void CreateTable(TcpConfig config)
        {
            int slots = config.Capacity + config.Listeners;
            _noBuffer = new ByteRing(0);
            for (int i = 0; i < slots; i++) _table[i] = new Tcb(i, _noBuffer, config);
            for (int i = 0; i < slots; i++) _table[i].Next = i + 1 < slots ? i + 1 : -1; // slot 0 first
            _freeHead = slots > 0 ? 0 : -1;
            for (int s = 0; s < StateLists; s++) { _ageHead[s] = -1; _ageTail[s] = -1; }
            _sndPool = new ByteRing[config.Capacity];
            _rcvPool = new ByteRing[config.Capacity];
            for (int i = 0; i < config.Capacity; i++)
            {
                _sndPool[i] = new ByteRing(config.SndBuf);
                _rcvPool[i] = new ByteRing(config.RcvBuf);
            }
            _poolCount = config.Capacity;
            _queuePool = new AcceptQueue[config.Listeners];
            for (int i = 0; i < config.Listeners; i++) _queuePool[i] = new AcceptQueue();
            _queueCount = config.Listeners;
            _index = new ConnectionIndex(_table, config.IsnKey0 ^ config.IsnKey1);
        }

        /// <summary>Connection slots in use (listeners not counted).</summary>
        public int ConnectionsInUse { get { return _connections; } }
        /// <summary>Listening sockets open.</summary>
        public int ListenersInUse { get { return _listeners; } }
        /// <summary>Slots in the table: Capacity connections plus Config.Listeners listeners. Slot numbers run 0..SlotCount-1.</summary>
        public int SlotCount { get { return _table.Length; } }
        /// <summary>Probe steps the lookup index has taken: lookups cost a few each, whatever the table size.</summary>
        public long LookupProbes { get { return _index.Probes; } }

        Tcb Lookup(int handle)
        {
            if (handle < 0) return null;
            int slot = handle & 0xFFFF;
            if (slot >= _table.Length) return null;
            Tcb t = _table[slot];
            if (!t.InUse || !t.AppOwned || t.Generation != (handle >> 16)) return null;
            return t;
        }

        /// <summary>The connection for a segment's 4-tuple (listeners and CLOSED slots excluded).</summary>
        Tcb Find(int localPort, uint remoteAddr, int remotePort)
        {
            Tcb t = _index.Find(localPort, remoteAddr, remotePort, false);
            return t != null && t.State != TcpState.Listen ? t : null;
        }

        Tcb FindListener(int port)
        {
            return _index.FindListener(port);
        }

        /// <summary>Whether any slot (TIME_WAIT and closed-but-held ones included) has this 4-tuple.</summary>
        bool TupleInUse(int localPort, uint remoteAddr, int remotePort)
        {
            return _index.Find(localPort, remoteAddr, remotePort, true) != null;
        }

        /// <summary>
        /// A connection slot with its buffers, or null when Capacity connections exist. With
        /// recycle, applies the table-full policy first (README "Table full").
        /// </summary>
        Tcb Allocate(long now, bool recycle)
        {
            if (_connections >= _cfg.Capacity && recycle) Recycle(now);
            if (!ConnectionRoom() || _freeHead < 0) return null;
            Tcb t = TakeSlot(now);
            AttachBuffers(t);
            return t;
        }

        /// <summary>A listener slot on a port (no buffers), filed in the index; null when Config.Listeners are open.</summary>
        Tcb AllocateListener(long now, int port)
        {
            if (!ListenerRoom() || _freeHead < 0) return null;
            Tcb t = TakeSlot(now);
            AttachQueues(t, port);
            return t;
        }

        /// <summary>
        /// A slot for socket(2) (<see cref="Open"/>): options only, neither buffers nor accept
        /// queue until it connects (<see cref="AttachBuffers"/>) or listens (<see cref="AttachQueues"/>).
        /// </summary>
        Tcb AllocateBare(long now)
        {
            return _freeHead < 0 ? null : TakeSlot(now);
        }

        bool ConnectionRoom() { return _connections < _cfg.Capacity && _poolCount > 0; }

        bool ListenerRoom() { return _listeners < _cfg.Listeners && _queueCount > 0; }

        /// <summary>Lends a slot a pair of buffers from the pool: it becomes one of the Capacity connections.</summary>
        void AttachBuffers(Tcb t)
        {
            _poolCount--;
            t.SndBuf = _sndPool[_poolCount];
            t.RcvBuf = _rcvPool[_poolCount];
            t.SndBuf.Clear();
            t.RcvBuf.Clear();
            _connections++;
        }

        /// <summary>Lends a slot an accept queue and files it in the index under its port: it becomes a listener.</summary>
        void AttachQueues(Tcb t, int port)
        {
            _queueCount--;
            t.Queues = _queuePool[_queueCount];
            t.Queues.Clear();
            t.LocalPort = port;
            _listeners++;
            _index.Add(t);
            t.Indexed = true;
        }

        Tcb TakeSlot(long now)
        {
            Tcb t = _table[_freeHead];
            _freeHead = t.Next;
            t.Next = -1;
            t.Reset();
            t.InUse = true;
            t.StateSince = now;
            InitOptions(t);
            return t;
        }

        /// <summary>Frees a slot: timers off, out of the index and every list, resources back to their pools, handle invalidated.</summary>
        void Release(Tcb t)
        {
            if (!t.InUse) return;
            _timers.Set(t.Slot, DeadlineHeap.Never);
            if (t.Indexed) { _index.Remove(t); t.Indexed = false; }
            AgeUnlink(t);
            ChildUnlink(t);
            if (t.Queues != null)
            {
                _queuePool[_queueCount++] = t.Queues;
                t.Queues = null;
                _listeners--;
            }
            if (t.SndBuf != _noBuffer)
            {
                _sndPool[_poolCount] = t.SndBuf;
                _rcvPool[_poolCount] = t.RcvBuf;
                _poolCount++;
                t.SndBuf = _noBuffer;
                t.RcvBuf = _noBuffer;
                _connections--;
            }
            t.Generation = (t.Generation + 1) & 0x7FFF;
            t.Reset();
            t.Next = _freeHead;
            _freeHead = t.Slot;
        }

        /// <summary>
        /// Called by SetState after every change: files a connection in the index once its
        /// 4-tuple is set, moves the slot to the tail of its new state's age list, and moves a
        /// listener's child from the half-open list to the accept queue when it leaves SYN_RECEIVED.
        /// </summary>
        void TableStateChanged(Tcb t, TcpState to)
        {
            if (!t.InUse) return;
            if (!t.Indexed && t.RemotePort != 0) { _index.Add(t); t.Indexed = true; }
            AgeUnlink(t);
            if (Aged(to))
            {
                ChildUnlink(t);
                AgeLink(t, (int)to);
                return;
            }
            if (t.Listener >= 0 && !t.Accepted && to != TcpState.Closed && to != TcpState.Listen)
            {
                int want = to == TcpState.SynReceived ? QueueHalfOpen : QueueReady;
                if (t.ChildQueue != want)
                {
                    ChildUnlink(t);
                    ChildLink(t, t.Listener, want);
                }
            }
        }

        /// <summary>Table full: recycle the oldest TIME_WAIT slot, else the oldest LAST_ACK or CLOSING one.</summary>
        Tcb Recycle(long now)
        {
            Tcb victim = Oldest(TcpState.TimeWait, TcpState.TimeWait, -1);
            if (victim == null) victim = Oldest(TcpState.LastAck, TcpState.Closing, -1);
            if (victim == null) return null;
            RecycleSlot(now, victim, "table-full");
            return victim;
        }

        /// <summary>
        /// Ends a connection to free its slot: a RECYCLE line, RST to a peer still waiting for our
        /// FIN's ACK (LAST_ACK, CLOSING), then its transition to CLOSED, which frees the slot. The
        /// application, if it still held the handle, finds it stale.
        /// </summary>
        void RecycleSlot(long now, Tcb victim, string why)
        {
            LogRecycle(now, victim, why);
            if (victim.State == TcpState.LastAck || victim.State == TcpState.Closing) SendReset(now, victim, "recycled");
            int kind = _causeKind;
            string text = _causeText;
            victim.AppOwned = false;
            Cause(CausePolicy, why);
            SetState(now, victim, TcpState.Closed);
            Cause(kind, text);
        }

        /// <summary>
        /// The slot longest in state a or b (of one listener's children when listener ≥ 0), or
        /// null. The heads of the age lists, or of the listener's own lists: no scan of the table.
        /// </summary>
        Tcb Oldest(TcpState a, TcpState b, int listener)
        {
            if (listener >= 0)
            {
                AcceptQueue q = _table[listener].Queues;
                if (q == null) return null;
                if (a == TcpState.SynReceived && b == TcpState.SynReceived)
                    return q.HalfOpenHead < 0 ? null : _table[q.HalfOpenHead];
                Tcb best = OldestChild(q.HalfOpenHead, a, b, null);
                return OldestChild(q.ReadyHead, a, b, best);
            }
            if (!Aged(a) || !Aged(b)) return OldestByScan(a, b);
            Tcb x = _ageHead[(int)a] < 0 ? null : _table[_ageHead[(int)a]];
            if (b == a) return x;
            Tcb y = _ageHead[(int)b] < 0 ? null : _table[_ageHead[(int)b]];
            return Older(x, y);
        }

        /// <summary>The states with an age list: those recycling takes slots from.</summary>
        static bool Aged(TcpState s)
        {
            return s == TcpState.TimeWait || s == TcpState.LastAck || s == TcpState.Closing;
        }

        /// <summary>Oldest in states without an age list: a scan, which nothing on the segment path asks for.</summary>
        Tcb OldestByScan(TcpState a, TcpState b)
        {
            Tcb best = null;
            for (int i = 0; i < _table.Length; i++)
            {
                Tcb t = _table[i];
                if (t.InUse && (t.State == a || t.State == b)) best = Older(best, t);
            }
            return best;
        }

        static Tcb Older(Tcb x, Tcb y)
        {
            if (x == null) return y;
            if (y == null) return x;
            return y.StateSince < x.StateSince ? y : x;
        }

        /// <summary>Walks one of a listener's child lists (only its own children, never the table).</summary>
        Tcb OldestChild(int head, TcpState a, TcpState b, Tcb best)
        {
            for (int i = head; i >= 0; i = _table[i].Next)
            {
                Tcb c = _table[i];
                if (c.State == a || c.State == b) best = Older(best, c);
            }
            return best;
        }

        /// <summary>
        /// Half-open slots a listener may hold: SynBacklog when set, else half the connection
        /// slots, so a flood always leaves room for real connections.
        /// </summary>
        int SynBacklog()
        {
            if (_cfg.SynBacklog > 0) return _cfg.SynBacklog;
            int half = _cfg.Capacity / 2;
            return half > 0 ? half : 1;
        }

        /// <summary>A listener's unaccepted children: the half-open ones, or those past SYN_RECEIVED waiting in its accept queue.</summary>
        int CountChildren(Tcb l, bool halfOpenOnly)
        {
            if (l.Queues == null) return 0;
            return halfOpenOnly ? l.Queues.HalfOpenCount : l.Queues.ReadyCount;
        }

        /// <summary>The oldest child in a listener's accept queue, taken out of it; null when empty.</summary>
        Tcb TakeReadyChild(Tcb l)
        {
            if (l.Queues == null || l.Queues.ReadyHead < 0) return null;
            Tcb c = _table[l.Queues.ReadyHead];
            ChildUnlink(c);
            return c;
        }

        /// <summary>The first unaccepted child of a listener (half-open ones first), or null.</summary>
        Tcb FirstChild(Tcb l)
        {
            if (l.Queues == null) return null;
            if (l.Queues.HalfOpenHead >= 0) return _table[l.Queues.HalfOpenHead];
            if (l.Queues.ReadyHead >= 0) return _table[l.Queues.ReadyHead];
            return null;
        }

        int PickEphemeralPort(uint remoteAddr, int remotePort)
        {
            int span = 65536 - _cfg.EphemeralPortFirst;
            for (int tries = 0; tries < span; tries++)
            {
                int p = _nextEphemeral;
                _nextEphemeral = p == 65535 ? _cfg.EphemeralPortFirst : p + 1;
                if (FindListener(p) == null && !TupleInUse(p, remoteAddr, remotePort)) return p;
            }
            return 0;
        }

        // ---------------------------------------------------------------- intrusive lists

        void AgeLink(Tcb t, int list)
        {
            t.AgeList = list;
            t.Next = -1;
            t.Prev = _ageTail[list];
            if (t.Prev >= 0) _table[t.Prev].Next = t.Slot; else _ageHead[list] = t.Slot;
            _ageTail[list] = t.Slot;
        }

        void AgeUnlink(Tcb t)
        {
            int list = t.AgeList;
            if (list < 0) return;
            if (t.Prev >= 0) _table[t.Prev].Next = t.Next; else _ageHead[list] = t.Next;
            if (t.Next >= 0) _table[t.Next].Prev = t.Prev; else _ageTail[list] = t.Prev;
            t.AgeList = -1;
            t.Prev = t.Next = -1;
        }

        void ChildLink(Tcb t, int listener, int which)
        {
            AcceptQueue q = _table[listener].Queues;
            if (q == null) return;
            t.ChildQueue = which;
            t.Next = -1;
            if (which == QueueHalfOpen)
            {
                t.Prev = q.HalfOpenTail;
                if (t.Prev >= 0) _table[t.Prev].Next = t.Slot; else q.HalfOpenHead = t.Slot;
                q.HalfOpenTail = t.Slot;
                q.HalfOpenCount++;
            }
            else
            {
                t.Prev = q.ReadyTail;
                if (t.Prev >= 0) _table[t.Prev].Next = t.Slot; else q.ReadyHead = t.Slot;
                q.ReadyTail = t.Slot;
                q.ReadyCount++;
            }
        }

        void ChildUnlink(Tcb t)
        {
            if (t.ChildQueue == QueueNone) return;
            // A child leaves its listener's lists before it leaves its listener (Listener = -1).
            AcceptQueue q = t.Listener >= 0 ? _table[t.Listener].Queues : null;
            if (q == null) { t.ChildQueue = QueueNone; return; }
            if (t.ChildQueue == QueueHalfOpen)
            {
                if (t.Prev >= 0) _table[t.Prev].Next = t.Next; else q.HalfOpenHead = t.Next;
                if (t.Next >= 0) _table[t.Next].Prev = t.Prev; else q.HalfOpenTail = t.Prev;
                q.HalfOpenCount--;
            }
            else
            {
                if (t.Prev >= 0) _table[t.Prev].Next = t.Next; else q.ReadyHead = t.Next;
                if (t.Next >= 0) _table[t.Next].Prev = t.Prev; else q.ReadyTail = t.Prev;
                q.ReadyCount--;
            }
            t.ChildQueue = QueueNone;
            t.Prev = t.Next = -1;
        }
    }

    /// <summary>A listener's children not yet accepted: the half-open ones (oldest first) and the accept queue (first established first).</summary>
    internal sealed class AcceptQueue
    {
        public int HalfOpenHead, HalfOpenTail, HalfOpenCount;
        public int ReadyHead, ReadyTail, ReadyCount;
        public int Backlog;

        public void Clear()
        {
            HalfOpenHead = HalfOpenTail = ReadyHead = ReadyTail = -1;
            HalfOpenCount = ReadyCount = Backlog = 0;
        }
    }
}
