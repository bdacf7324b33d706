namespace NanoTcp
{
    /// <summary>
    /// A TCP endpoint (RFC 9293) over a fixed connection table. Pure: every call takes the time
    /// (monotonic ms); packets leave through <see cref="ITcpLink"/>, log lines through
    /// <see cref="ILogSink"/>, readiness through <see cref="OnEvent"/>. No threads, no clock, no
    /// I/O of its own, and no allocation after construction.
    ///
    /// The engine is split by concern: this file holds the table and the socket API;
    /// TcpEngine.Input.cs "segment arrives" (RFC 9293 §3.10.7); TcpEngine.Output.cs what is sent;
    /// TcpEngine.Timers.cs the timers; TcpEngine.Log.cs the state log and its one choke point
    /// for state changes, <see cref="SetState"/>; TcpEngine.Reassembly.cs out-of-order segments;
    /// TcpEngine.Recovery.cs fast retransmit and recovery; TcpEngine.SynCookies.cs SYN cookies.
    /// </summary>
    public sealed partial class TcpEngine
    {
        readonly TcpConfig _cfg;
        readonly ITcpLink _link;
        readonly LogWriter _log;
        readonly Tcb[] _table;
        readonly DeadlineHeap _timers;
        readonly TcpCounters _counters = new TcpCounters();
        readonly Segment _seg = new Segment();
        int _nextEphemeral;

        /// <summary>Called when a handle's readiness changes (see <see cref="TcpEvents"/>).</summary>
        public TcpEventHandler OnEvent;

        public TcpEngine(TcpConfig config, ITcpLink link, ILogSink log)
        {
            string bad = config.Validate();
            if (bad != null) throw new System.ArgumentException(bad);
            _cfg = config;
            _link = link;
            _log = new LogWriter(log);
            _table = new Tcb[config.Capacity + config.Listeners];
            CreateTable(config);
            _timers = new DeadlineHeap(_table.Length);
            _ooo = new uint[_table.Length * 2 * OooRanges];
            _heldAcks = new int[_table.Length];
            _txBuf = new byte[Wire.HeaderLength(MaxOptions) + config.Mss];
            _nextEphemeral = config.EphemeralPortFirst;
        }

        public TcpConfig Config { get { return _cfg; } }
        /// <summary>The engine's serial-log writer, for the application's own lines (one line buffer for both).</summary>
        public LogWriter Log { get { return _log; } }
        public TcpCounters Counters { get { return _counters; } }
        /// <summary>Connections the table holds at most (listeners have slots of their own, see <see cref="SlotCount"/>).</summary>
        public int Capacity { get { return _cfg.Capacity; } }

        /// <summary>Earliest armed timer of any connection; long.MaxValue when none.</summary>
        public long NextDeadline { get { return _timers.MinDeadline; } }

        // ---------------------------------------------------------------- socket API

        /// <summary>Opens a listener (passive OPEN). Returns a handle, or -EADDRINUSE / -ENOBUFS / -EINVAL.</summary>
        public int Listen(long now, int port, int backlog)
        {
            if (port < 1 || port > 65535) return -TcpError.Invalid;
            if (FindListener(port) != null) return -TcpError.AddressInUse;
            Tcb t = AllocateListener(now, port);
            if (t == null) return -TcpError.NoBuffers;
            t.AppOwned = true;
            StartListening(now, t, port, backlog);
            return t.Handle;
        }

        void StartListening(long now, Tcb t, int port, int backlog)
        {
            t.Opened = false;
            t.LocalPort = port;
            t.Backlog = backlog < 1 ? 1 : backlog;
            Cause(CauseApp, "listen");
            SetState(now, t, TcpState.Listen);
        }

        /// <summary>Takes the oldest established connection of a listener. Returns its handle or -EAGAIN.</summary>
        public int Accept(long now, int listener)
        {
            Tcb l = Lookup(listener);
            if (l == null) return -TcpError.BadHandle;
            if (l.State != TcpState.Listen) return -TcpError.Invalid;
            Tcb best = TakeReadyChild(l); // the first to complete its handshake
            if (best == null) return -TcpError.WouldBlock;
            best.Accepted = true;
            best.AppOwned = true;
            best.Listener = -1;
            return best.Handle;
        }

        /// <summary>Active OPEN: sends SYN. Returns a handle at once (SYN_SENT), or -ENOBUFS / -EINVAL / -EADDRINUSE.</summary>
        public int Connect(long now, int localPort, uint remoteAddress, int remotePort)
        {
            int bad = CheckConnect(ref localPort, remoteAddress, remotePort);
            if (bad != 0) return bad;
            Tcb t = Allocate(now, false);
            if (t == null) return -TcpError.NoBuffers;
            t.AppOwned = true;
            StartConnecting(now, t, localPort, remoteAddress, remotePort);
            return t.Handle;
        }

        /// <summary>Validates connect's addresses and picks an ephemeral port for 0. Returns 0 or -errno.</summary>
        int CheckConnect(ref int localPort, uint remoteAddress, int remotePort)
        {
            if (remotePort < 1 || remotePort > 65535 || localPort < 0 || localPort > 65535 || remoteAddress == 0) return -TcpError.Invalid;
            if (localPort == 0) localPort = PickEphemeralPort(remoteAddress, remotePort);
            else if (TupleInUse(localPort, remoteAddress, remotePort)) return -TcpError.AddressInUse;
            if (localPort == 0) return -TcpError.AddressInUse;
            return 0;
        }

        void StartConnecting(long now, Tcb t, int localPort, uint remoteAddress, int remotePort)
        {
            t.Opened = false;
            t.LocalPort = localPort;
            t.RemoteAddr = remoteAddress;
            t.RemotePort = remotePort;
            InitSendSequence(now, t);
            t.SndMss = _cfg.Mss;
            t.SndWnd = 1; // until the SYN-ACK tells us: room for the SYN
            Cause(CauseApp, "connect");
            SetState(now, t, TcpState.SynSent);
            Output(now, t);
            UpdateTimer(t);
        }

        /// <summary>Queues data. Returns the bytes accepted (maybe fewer than length), -EAGAIN when the buffer is full, -EPIPE after shutdown, or the connection's error.</summary>
        public int Send(long now, int handle, byte[] data, int offset, int length)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            if (length < 0 || offset < 0 || data == null || offset + length > data.Length) return -TcpError.Invalid;
            switch (t.State)
            {
                case TcpState.SynSent:
                case TcpState.SynReceived:
                case TcpState.Established:
                case TcpState.CloseWait:
                    break;
                case TcpState.Listen:
                    return -TcpError.NotConnected;
                case TcpState.Closed:
                    if (t.Error != 0) return -TakeError(handle);
                    return -TcpError.Pipe;
                default:
                    return -TcpError.Pipe;
            }
            if (t.FinQueued) return -TcpError.Pipe;
            if (length == 0) return 0;
            int room = t.SndSpace; // SO_SNDBUF may allow less than the slot holds
            int n = t.SndBuf.Write(data, offset, length < room ? length : room);
            if (n == 0) return -TcpError.WouldBlock;
            Output(now, t);
            UpdateTimer(t);
            return n;
        }

        /// <summary>Reads received data. Returns bytes read, 0 at end of stream (peer's FIN), -EAGAIN when none yet, or the connection's error once.</summary>
        public int Receive(long now, int handle, byte[] data, int offset, int length)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            if (length < 0 || offset < 0 || data == null || offset + length > data.Length) return -TcpError.Invalid;
            if (t.State == TcpState.Listen) return -TcpError.NotConnected;
            int n = t.RcvBuf.Read(data, offset, length);
            if (n > 0)
            {
                MaybeWindowUpdate(now, t);
                return n;
            }
            if (t.Error != 0) return -TakeError(handle);
            if (t.FinReceived || t.ReadShut || t.State == TcpState.Closed) return 0;
            return -TcpError.WouldBlock;
        }

        /// <summary>shutdown(2). Write sends FIN after the queued data (ESTABLISHED → FIN_WAIT_1, CLOSE_WAIT → LAST_ACK).</summary>
        public int Shutdown(long now, int handle, int how)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            if (how < ShutdownHow.Read || how > ShutdownHow.Both) return -TcpError.Invalid;
            if (t.State == TcpState.Listen || t.State == TcpState.Closed) return -TcpError.NotConnected;
            if (how != ShutdownHow.Write)
            {
                t.ReadShut = true;
                t.RcvBuf.Clear();
            }
            if (how != ShutdownHow.Read) CloseSend(now, t, "shutdown");
            UpdateTimer(t);
            return 0;
        }

        /// <summary>
        /// close(2): the handle is released and the connection finishes its close alone. Sends RST
        /// instead of FIN when SO_LINGER {on, 0} is set or received data was never read (RFC 1122 §4.2.2.13).
        /// </summary>
        public int Close(long now, int handle)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            if (t.State == TcpState.Listen)
            {
                CloseListener(now, t);
                return 0;
            }
            t.AppOwned = false;
            t.AppClosed = true;
            if (t.Linger0) { AbortConnection(now, t, "close(linger=0)"); return 0; }
            if (t.RcvBuf.Count > 0 && CloseWithUnreadData(now, t)) return 0;
            switch (t.State)
            {
                case TcpState.Closed:
                    Release(t);
                    return 0;
                case TcpState.SynSent:
                    Cause(CauseApp, "close");
                    SetState(now, t, TcpState.Closed);
                    return 0;
                case TcpState.FinWait2:
                    t.KeepAliveAt = DeadlineHeap.Never; // an orphan now: the FIN_WAIT_2 timeout ends it
                    ArmFinWait2(now, t);
                    break;
                default:
                    CloseSend(now, t, "close");
                    break;
            }
            UpdateTimer(t);
            return 0;
        }

        /// <summary>
        /// close() while received data waits unread: that data is lost, and RFC 1122 §4.2.2.13 says
        /// to show it with a RST. Where the peer still holds the connection open, or waits for our
        /// FIN's ACK (LAST_ACK, CLOSING), it is reset; TIME_WAIT, where the peer has everything,
        /// just drops the data and lasts its 2·MSL (MUST-13). Returns true when the connection ended.
        /// </summary>
        bool CloseWithUnreadData(long now, Tcb t)
        {
            switch (t.State)
            {
                case TcpState.Closed:
                    return false;
                case TcpState.LastAck:
                case TcpState.Closing:
                    SendReset(now, t, "close(unread-data)");
                    Cause(CauseApp, "close(unread-data)");
                    SetState(now, t, TcpState.Closed);
                    return true;
                case TcpState.TimeWait:
                    t.RcvBuf.Clear();
                    return false;
            }
            AbortConnection(now, t, "close(unread-data)");
            return true;
        }

        /// <summary>ABORT (RFC 9293 §3.10.5): RST to the peer where synchronized, then CLOSED. The handle stays until Close.</summary>
        public int Abort(long now, int handle)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            if (t.State == TcpState.Listen) { CloseListener(now, t); return 0; }
            AbortConnection(now, t, "abort");
            return 0;
        }

        /// <summary>SO_LINGER. With on and 0 seconds, Close aborts with RST and skips TIME_WAIT.</summary>
        public int SetLinger(int handle, bool on, int seconds)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            t.Linger0 = on && seconds == 0;
            return 0;
        }

        /// <summary>SO_ERROR: the pending error (positive errno) or 0, and clears it.</summary>
        public int TakeError(int handle)
        {
            Tcb t = Lookup(handle);
            if (t == null) return TcpError.BadHandle;
            int e = t.Error;
            t.Error = 0;
            return e;
        }

        /// <summary>Readiness bits (<see cref="TcpEvents"/>) of a handle; 0 for an unknown handle.</summary>
        public int Poll(int handle)
        {
            Tcb t = Lookup(handle);
            return t == null ? 0 : Readiness(t);
        }

        public TcpState StateOf(int handle)
        {
            Tcb t = Lookup(handle);
            return t == null ? TcpState.Closed : t.State;
        }

        /// <summary>State of the connection with this 4-tuple, whether or not the application still holds it; CLOSED when the table has none.</summary>
        public TcpState StateOf(int localPort, uint remoteAddress, int remotePort)
        {
            Tcb t = _index.Find(localPort, remoteAddress, remotePort, true);
            return t == null ? TcpState.Closed : t.State;
        }

        public int LocalPort(int handle) { Tcb t = Lookup(handle); return t == null ? 0 : t.LocalPort; }
        public int RemotePort(int handle) { Tcb t = Lookup(handle); return t == null ? 0 : t.RemotePort; }
        public uint RemoteAddress(int handle) { Tcb t = Lookup(handle); return t == null ? 0 : t.RemoteAddr; }

        /// <summary>Bytes waiting to be read on a handle.</summary>
        public int Available(int handle) { Tcb t = Lookup(handle); return t == null ? 0 : t.RcvBuf.Count; }

        /// <summary>Room in a handle's send buffer.</summary>
        public int SendSpace(int handle) { Tcb t = Lookup(handle); return t == null ? 0 : t.SndSpace; }

        // ---------------------------------------------------------------- table inspection (status query)

        /// <summary>State of a slot (CLOSED when free).</summary>
        public TcpState SlotState(int slot) { Tcb t = _table[slot]; return t.InUse ? t.State : TcpState.Closed; }
        public bool SlotInUse(int slot) { return _table[slot].InUse; }
        public int SlotLocalPort(int slot) { return _table[slot].LocalPort; }
        public uint SlotRemoteAddress(int slot) { return _table[slot].RemoteAddr; }
        public int SlotRemotePort(int slot) { return _table[slot].RemotePort; }
        /// <summary>Milliseconds until the slot's next timer, -1 when none.</summary>
        public long SlotTimerRemaining(int slot, long now)
        {
            long d = _table[slot].NextDeadline;
            return d == DeadlineHeap.Never ? -1 : (d > now ? d - now : 0);
        }

        // ---------------------------------------------------------------- table

        void InitSendSequence(long now, Tcb t)
        {
            SetIss(t, Isn.Generate(_cfg.IsnKey0, _cfg.IsnKey1, _cfg.LocalAddress, t.LocalPort, t.RemoteAddr, t.RemotePort, now));
            t.Cwnd = InitialWindow(_cfg.Mss);
            t.Ssthresh = 65535;
        }

        static void SetIss(Tcb t, uint iss)
        {
            t.Iss = iss;
            t.SndUna = iss;
            t.SndNxt = iss;
            t.SndMax = iss;
            t.SndBufSeq = iss + 1;
            t.Recover = iss; // RFC 6582: recover starts at the ISS
        }

        /// <summary>RFC 5681 §3.1 initial window.</summary>
        static int InitialWindow(int mss)
        {
            if (mss > 2190) return 2 * mss;
            if (mss > 1095) return 3 * mss;
            return 4 * mss;
        }

        void CloseListener(long now, Tcb l)
        {
            // Connections not yet accepted die with their listener, as in BSD and Linux.
            Tcb c;
            while ((c = FirstChild(l)) != null)
            {
                ChildUnlink(c);
                c.Listener = -1;
                AbortConnection(now, c, "listener-closed");
                if (c.InUse) Release(c);
            }
            Cause(CauseApp, "close");
            SetState(now, l, TcpState.Closed);
            Release(l);
        }

        /// <summary>No more data from the application: queue FIN (RFC 9293 §3.10.4 CLOSE).</summary>
        void CloseSend(long now, Tcb t, string call)
        {
            switch (t.State)
            {
                case TcpState.SynReceived:
                case TcpState.Established:
                    t.FinQueued = true;
                    Cause(CauseApp, call);
                    SetState(now, t, TcpState.FinWait1);
                    Output(now, t);
                    break;
                case TcpState.CloseWait:
                    t.FinQueued = true;
                    Cause(CauseApp, call);
                    SetState(now, t, TcpState.LastAck);
                    Output(now, t);
                    break;
                case TcpState.SynSent:
                    Cause(CauseApp, call);
                    SetState(now, t, TcpState.Closed);
                    break;
                case TcpState.FinWait2:
                    if (t.AppClosed) ArmFinWait2(now, t);
                    break;
            }
        }

        /// <summary>RST where the peer holds state, then CLOSED (RFC 9293 §3.10.5 ABORT).</summary>
        void AbortConnection(long now, Tcb t, string call)
        {
            switch (t.State)
            {
                case TcpState.SynReceived:
                case TcpState.Established:
                case TcpState.FinWait1:
                case TcpState.FinWait2:
                case TcpState.CloseWait:
                    SendReset(now, t, call);
                    break;
            }
            if (t.State == TcpState.Closed)
            {
                if (t.AppClosed) Release(t);
                return;
            }
            Cause(CauseApp, call);
            SetState(now, t, TcpState.Closed);
        }

        int Readiness(Tcb t)
        {
            int ev = 0;
            if (t.State == TcpState.Listen) return CountChildren(t, false) > 0 ? TcpEvents.Incoming : 0;
            if (t.State >= TcpState.Established) ev |= TcpEvents.Connected;
            if (t.RcvBuf.Count > 0 || t.FinReceived || t.State == TcpState.Closed) ev |= TcpEvents.Readable;
            if (t.FinReceived) ev |= TcpEvents.PeerClosed;
            if ((t.State == TcpState.Established || t.State == TcpState.CloseWait) && !t.FinQueued && t.SndSpace > 0) ev |= TcpEvents.Writable;
            if (t.State == TcpState.Closed) ev |= TcpEvents.Closed;
            if (t.Error != 0) ev |= TcpEvents.Error;
            return ev;
        }

        /// <summary>Tells the application a handle's readiness may have changed (a listener for an unaccepted child).</summary>
        void Notify(Tcb t)
        {
            TcpEventHandler h = OnEvent;
            if (h == null) return;
            if (t.AppOwned) h(t.Handle, Readiness(t));
            else if (t.Listener >= 0 && !t.Accepted)
            {
                Tcb l = _table[t.Listener];
                if (l.InUse && l.AppOwned) h(l.Handle, Readiness(l));
            }
        }
    }
}
