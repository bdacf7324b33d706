namespace NanoTcp
{
    /// <summary>
    /// One slot of the connection table: a transmission control block (RFC 9293 §3.3.1).
    /// A slot carrying a connection borrows its two buffers from the table's pool (allocated
    /// once with the table); a listener's slot has none. Reset reuses the slot.
    /// Field names follow the RFC: SND.UNA is SndUna, RCV.NXT is RcvNxt, and so on.
    /// </summary>
    internal sealed class Tcb
    {
        public readonly int Slot;
        // Generation (15 bits, from 17) and Listener + 1 (17 bits: -1..65 535) share one word.
        int _owner;
        /// <summary>Counts the slot's reuses, so a stale handle does not reach its next occupant (0..0x7FFF).</summary>
        public int Generation
        {
            get { return (_owner >> 17) & 0x7FFF; }
            set { _owner = (_owner & 0x1FFFF) | ((value & 0x7FFF) << 17); }
        }
        public TcpState State;
        /// <summary>When the current state was entered (ms); also the age used by recycling.</summary>
        public long StateSince;

        public int LocalPort;
        public uint RemoteAddr;
        public int RemotePort;

        /// <summary>The listener's slot, for a child not yet accepted; -1 otherwise.</summary>
        public int Listener
        {
            get { return (_owner & 0x1FFFF) - 1; }
            set { _owner = (_owner & ~0x1FFFF) | ((value + 1) & 0x1FFFF); }
        }
        /// <summary>Pending SO_ERROR, a positive errno (bits 22..29 of the flags word).</summary>
        public int Error
        {
            get { return (_flags >> 22) & 0xFF; }
            set { _flags = (_flags & ~(0xFF << 22)) | ((value & 0xFF) << 22); }
        }
        /// <summary>A listener's accept-queue limit (listen(2)'s backlog); 0 for a connection.</summary>
        public int Backlog
        {
            get { return Queues == null ? 0 : Queues.Backlog; }
            set { if (Queues != null) Queues.Backlog = value; }
        }

        // Send sequence space (RFC 9293 §3.3.1, Figure 3).
        public uint Iss, SndUna, SndNxt, SndWl1, SndWl2;
        /// <summary>Highest sequence number sent + 1: SND.NXT before a go-back-N rewind.</summary>
        public uint SndMax;
        public int SndWnd, MaxSndWnd, SndMss;
        /// <summary>Sequence number of SndBuf's first byte.</summary>
        public uint SndBufSeq;
        public ByteRing SndBuf;

        // Receive sequence space.
        public uint Irs, RcvNxt;
        /// <summary>Right edge of the window we last advertised (RCV.NXT + RCV.WND then).</summary>
        public uint RcvAdv;
        public ByteRing RcvBuf;

        // Timers: absolute deadlines in ms, DeadlineHeap.Never when off.
        public long RtxAt, TimeWaitAt, FinWait2At, KeepAliveAt, DelAckAt;
        int _counts; // two 16-bit counters in one word (TcpConfig.Validate keeps their limits below 65 536)
        /// <summary>Consecutive retransmission timeouts.</summary>
        public int Retries
        {
            get { return _counts & 0xFFFF; }
            set { _counts = (_counts & ~0xFFFF) | (value & 0xFFFF); }
        }
        /// <summary>Unanswered keep-alive probes.</summary>
        public int KeepAliveProbes
        {
            get { return (_counts >> 16) & 0xFFFF; }
            set { _counts = (_counts & 0xFFFF) | ((value & 0xFFFF) << 16); }
        }

        // RTT measurement (one segment at a time; Karn's rule).
        public RtoEstimator Rto;     // a value in the slot: use it as t.Rto.X, never through a copy
        public uint RttSeq;
        public long RttStart;

        // Congestion control (RFC 5681).
        public int Cwnd, Ssthresh;
        // Loss recovery: out-of-order ranges (RFC 9293 §3.10.7.4), SACK (RFC 2018), fast
        // retransmit and NewReno (RFC 5681 §3.2, RFC 6582), packed in one word beside three numbers.
        int _loss; // bits 0-2 OooCount, 3-10 DupAcks, 11 OooFin, 12 SackOk, 13 InRecovery; 14-17, 18-21, 22: window scaling
        /// <summary>Out-of-order ranges held (their edges live in the engine's table-wide array).</summary>
        public int OooCount { get { return _loss & 7; } set { _loss = (_loss & ~7) | (value & 7); } }
        /// <summary>Consecutive duplicate ACKs (at most 255).</summary>
        public int DupAcks { get { return (_loss >> 3) & 0xFF; } set { _loss = (_loss & ~(0xFF << 3)) | ((value & 0xFF) << 3); } }
        /// <summary>The peer's FIN arrived beyond a hole, at OooFinSeq: taken when RCV.NXT reaches it.</summary>
        public bool OooFin { get { return (_loss & (1 << 11)) != 0; } set { LossBit(11, value); } }
        /// <summary>Both SYNs carried SACK-permitted (RFC 2018 §2): our ACKs report out-of-order ranges.</summary>
        public bool SackOk { get { return (_loss & (1 << 12)) != 0; } set { LossBit(12, value); } }
        public bool InRecovery { get { return (_loss & (1 << 13)) != 0; } set { LossBit(13, value); } }
        // Window scaling (RFC 7323 §2): two shift counts of 0..14, 4 bits each, and whether both SYNs carried the option.
        /// <summary>Snd.Wind.Shift: the peer's shift, applied to the window field of every segment it sends but a SYN.</summary>
        public int SndShift { get { return (_loss >> 14) & 0xF; } set { _loss = (_loss & ~(0xF << 14)) | ((value & 0xF) << 14); } }
        /// <summary>Rcv.Wind.Shift: ours, applied to the window we advertise on every segment but a SYN.</summary>
        public int RcvShift { get { return (_loss >> 18) & 0xF; } set { _loss = (_loss & ~(0xF << 18)) | ((value & 0xF) << 18); } }
        /// <summary>The peer's SYN carried Window Scale (and we offer it): our SYN-ACK carries it too, and once both SYNs have, both sides scale.</summary>
        public bool WsOk { get { return (_loss & (1 << 22)) != 0; } set { LossBit(22, value); } }
        void LossBit(int bit, bool on) { if (on) _loss |= 1 << bit; else _loss &= ~(1 << bit); }
        public uint OooFinSeq;
        /// <summary>RFC 6582 "recover": SND.MAX when recovery began; recovery ends when it is acknowledged.</summary>
        public uint Recover;
        /// <summary>Highest right edge the peer's SACK blocks have reported: a duplicate ACK must SACK beyond it (RFC 6675 §2).</summary>
        public uint HighSacked;

        // Yes/no state, one bit each in one word: a slot is small on a device where every field
        // takes a heap cell of its own.
        int _flags;
        const int FInUse = 1, FAppOwned = 2, FAccepted = 4, FAppClosed = 8, FReadShut = 0x10, FLinger0 = 0x20,
            FPassive = 0x40, FFinQueued = 0x80, FFinAcked = 0x100, FFinReceived = 0x200, FSynTimedOut = 0x400,
            FRttTiming = 0x800, FAckNow = 0x1000, FIndexed = 0x2000,
            // Options (bits 14, 15, 30, 31; 16..29 hold AgeList, ChildQueue and Error).
            FKeepAlive = 0x4000, FNoOpt = 0x8000, FOpened = 1 << 30, FNoDelay = 1 << 31;
        bool Get(int f) { return (_flags & f) != 0; }
        void Put(int f, bool on) { if (on) _flags |= f; else _flags &= ~f; }

        public bool InUse { get { return Get(FInUse); } set { Put(FInUse, value); } }
        // Ownership: the application holds a handle until it calls Close. A child of a listener
        // belongs to the listener until accepted.
        public bool AppOwned { get { return Get(FAppOwned); } set { Put(FAppOwned, value); } }
        public bool Accepted { get { return Get(FAccepted); } set { Put(FAccepted, value); } }
        /// <summary>Close called: an orphan that finishes its close alone.</summary>
        public bool AppClosed { get { return Get(FAppClosed); } set { Put(FAppClosed, value); } }
        /// <summary>shutdown(SHUT_RD).</summary>
        public bool ReadShut { get { return Get(FReadShut); } set { Put(FReadShut, value); } }
        /// <summary>SO_LINGER {on, 0}: close sends RST.</summary>
        public bool Linger0 { get { return Get(FLinger0); } set { Put(FLinger0, value); } }
        /// <summary>Born from a listener (SYN_RECEIVED goes back to nothing on RST).</summary>
        public bool Passive { get { return Get(FPassive); } set { Put(FPassive, value); } }
        /// <summary>The application will send no more: FIN follows the data.</summary>
        public bool FinQueued { get { return Get(FFinQueued); } set { Put(FFinQueued, value); } }
        public bool FinAcked { get { return Get(FFinAcked); } set { Put(FFinAcked, value); } }
        public bool FinReceived { get { return Get(FFinReceived); } set { Put(FFinReceived, value); } }
        /// <summary>Our SYN or SYN-ACK had to be retransmitted (RFC 6298 §5.7).</summary>
        public bool SynTimedOut { get { return Get(FSynTimedOut); } set { Put(FSynTimedOut, value); } }
        public bool RttTiming { get { return Get(FRttTiming); } set { Put(FRttTiming, value); } }
        public bool AckNow { get { return Get(FAckNow); } set { Put(FAckNow, value); } }
        /// <summary>An owed ACK waits for the end of the step (<see cref="TcpEngine.HoldAcks"/>); the flags word has no bit left.</summary>
        public bool AckHeld;

        // The table's bookkeeping (TcpEngine.Table.cs): filed in the index, place in its state's
        // age list, place in a listener's half-open list or accept queue, a listener's queues.
        public bool Indexed { get { return Get(FIndexed); } set { Put(FIndexed, value); } }
        /// <summary>The state whose age list holds the slot, -1 for none (bits 16..19 of the flags word).</summary>
        public int AgeList
        {
            get { return ((_flags >> 16) & 0xF) - 1; }
            set { _flags = (_flags & ~(0xF << 16)) | ((value + 1) << 16); }
        }
        /// <summary>Which of its listener's lists a child is on (bits 20..21): none, half-open, accept queue.</summary>
        public int ChildQueue
        {
            get { return (_flags >> 20) & 3; }
            set { _flags = (_flags & ~(3 << 20)) | (value << 20); }
        }
        /// <summary>
        /// Neighbours in the one list the slot is on: an age list (TIME_WAIT, LAST_ACK, CLOSING)
        /// or its listener's half-open list or accept queue. A child not yet accepted never
        /// reaches those three states (they follow our FIN, which only the application sends).
        /// A free slot's Next links the free list.
        /// </summary>
        public int Prev = -1, Next = -1;
        /// <summary>A listener's children not yet accepted; null for a connection.</summary>
        public AcceptQueue Queues;

        // Per-connection options (SocketOption), set from TcpConfig when the slot is taken and
        // copied from the listener to each connection it spawns.
        /// <summary>Keep-alive on (SO_KEEPALIVE), after KeepIdleMs idle, then every KeepIntervalMs, KeepCount probes (RFC 9293 §3.8.4).</summary>
        public bool KeepAlive { get { return Get(FKeepAlive); } set { Put(FKeepAlive, value); } }
        public int KeepIdleMs, KeepIntervalMs, KeepCount;
        /// <summary>R2 (TCP_USER_TIMEOUT): give up after this long without progress; 0 = after MaxRetries retransmissions.</summary>
        public int UserTimeoutMs;
        /// <summary>TCP_KEEPINIT: give up a handshake after this long; 0 = after SynMaxRetries.</summary>
        public int KeepInitMs;
        /// <summary>TCP_NOOPT: our SYN or SYN-ACK carries no options.</summary>
        public bool NoOpt { get { return Get(FNoOpt); } set { Put(FNoOpt, value); } }
        /// <summary>SO_RCVBUF / SO_SNDBUF: how much of the slot's buffers the connection may use.</summary>
        public int RcvLimit, SndLimit;
        /// <summary>When the oldest unacknowledged segment was sent, once it has timed out (for UserTimeoutMs and KeepInitMs).</summary>
        public long StalledSince;
        /// <summary>This connection's challenge ACKs in the current second (RFC 5961 §7).</summary>
        public long ChallengeSecond;
        public int ChallengeCount;
        /// <summary>Taken by Open and not yet connected or listening: neither buffers nor accept queue yet.</summary>
        public bool Opened { get { return Get(FOpened); } set { Put(FOpened, value); } }
        /// <summary>TCP_NODELAY: Nagle's algorithm (RFC 9293 §3.7.4) off for this connection.</summary>
        public bool NoDelay { get { return Get(FNoDelay); } set { Put(FNoDelay, value); } }

        // A connection reopened from TIME_WAIT by a new SYN (RFC 9293 §3.6.1) remembers the old
        // incarnation, to return to it for the rest of its 2·MSL if the SYN proves an old duplicate.
        public long ReopenedTimeWaitAt;
        public uint ReopenedIss, ReopenedIrs, ReopenedSndMax, ReopenedRcvNxt;

        public Tcb(int slot, ByteRing noBuffer, TcpConfig cfg)
        {
            Slot = slot;
            SndBuf = noBuffer;
            RcvBuf = noBuffer;
            Rto = new RtoEstimator(cfg.RtoInitialMs, cfg.RtoMinMs, cfg.RtoMaxMs);
        }

        public int Handle { get { return (Generation << 16) | Slot; } }

        /// <summary>Data bytes in the send buffer not yet sent (from SND.NXT on).</summary>
        public int Unsent
        {
            get
            {
                int sent = (int)(SndNxt - SndBufSeq);
                if (sent < 0) sent = 0;
                int n = SndBuf.Count - sent;
                return n < 0 ? 0 : n;
            }
        }

        /// <summary>RCV.BUFF as SO_RCVBUF allows: room left for data to arrive.</summary>
        public int RcvSpace
        {
            get
            {
                int room = RcvLimit - RcvBuf.Count;
                if (room > RcvBuf.Free) room = RcvBuf.Free;
                return room < 0 ? 0 : room;
            }
        }

        /// <summary>Room for the application's data as SO_SNDBUF allows.</summary>
        public int SndSpace
        {
            get
            {
                int room = SndLimit - SndBuf.Count;
                if (room > SndBuf.Free) room = SndBuf.Free;
                return room < 0 ? 0 : room;
            }
        }

        /// <summary>The FIN's sequence number, once queued: right after the last data byte.</summary>
        public uint FinSeq { get { return SndBufSeq + (uint)SndBuf.Count; } }

        public void Reset()
        {
            _flags &= FIndexed | (0x3F << 16); // the table clears its own bookkeeping
            State = TcpState.Closed; StateSince = 0;
            LocalPort = 0; RemoteAddr = 0; RemotePort = 0;
            Listener = -1;
            Iss = SndUna = SndNxt = SndWl1 = SndWl2 = SndMax = 0;
            SndWnd = MaxSndWnd = SndMss = 0; SndBufSeq = 0; SndBuf.Clear();
            Irs = RcvNxt = RcvAdv = 0; RcvBuf.Clear();
            RtxAt = TimeWaitAt = FinWait2At = KeepAliveAt = DelAckAt = DeadlineHeap.Never;
            _counts = 0;
            Rto.Reset(); RttSeq = 0; RttStart = 0;
            Cwnd = 0; Ssthresh = 0; AckHeld = false;
            KeepIdleMs = KeepIntervalMs = KeepCount = 0; UserTimeoutMs = 0; KeepInitMs = 0;
            RcvLimit = SndLimit = 0; StalledSince = 0;
            ChallengeSecond = -1; ChallengeCount = 0;
            _loss = 0; OooFinSeq = 0; Recover = 0; HighSacked = 0;
            ReopenedTimeWaitAt = DeadlineHeap.Never;
            ReopenedIss = ReopenedIrs = ReopenedSndMax = ReopenedRcvNxt = 0;
        }

        /// <summary>The earliest armed timer.</summary>
        public long NextDeadline
        {
            get
            {
                long d = RtxAt;
                if (TimeWaitAt < d) d = TimeWaitAt;
                if (FinWait2At < d) d = FinWait2At;
                if (KeepAliveAt < d) d = KeepAliveAt;
                if (DelAckAt < d) d = DelAckAt;
                return d;
            }
        }
    }
}
