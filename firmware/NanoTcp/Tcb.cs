namespace NanoTcp
{
    /// <summary>
    /// One slot of the connection table: a transmission control block (RFC 9293 §3.3.1).
    /// Its buffers and estimator are allocated once with the table; Reset reuses them.
    /// Field names follow the RFC: SND.UNA is SndUna, RCV.NXT is RcvNxt, and so on.
    /// </summary>
    internal sealed class Tcb
    {
        public readonly int Slot;
        public int Generation;
        public bool InUse;
        public TcpState State;
        /// <summary>When the current state was entered (ms); also the age used by recycling.</summary>
        public long StateSince;
        /// <summary>Creation order, for "oldest first" decisions (accept queue, recycling).</summary>
        public long Order;

        public int LocalPort;
        public uint RemoteAddr;
        public int RemotePort;

        // Ownership: the application holds a handle until it calls Close. A child of a listener
        // belongs to the listener until accepted.
        public bool AppOwned;
        public int Listener = -1;
        public bool Accepted;
        public bool AppClosed;  // Close called: an orphan that finishes its close alone
        public bool ReadShut;   // shutdown(SHUT_RD)
        public bool Linger0;    // SO_LINGER {on, 0}: close sends RST
        public int Error;       // pending SO_ERROR, positive errno
        public bool Passive;    // born from a listener (SYN_RECEIVED goes back to nothing on RST)
        public int Backlog;     // listeners only

        // Send sequence space (RFC 9293 §3.3.1, Figure 3).
        public uint Iss, SndUna, SndNxt, SndWl1, SndWl2;
        /// <summary>Highest sequence number sent + 1: SND.NXT before a go-back-N rewind.</summary>
        public uint SndMax;
        public int SndWnd, MaxSndWnd, SndMss;
        /// <summary>Sequence number of SndBuf's first byte.</summary>
        public uint SndBufSeq;
        public readonly ByteRing SndBuf;
        public bool FinQueued;  // the application will send no more: FIN follows the data
        public bool FinAcked;

        // Receive sequence space.
        public uint Irs, RcvNxt;
        /// <summary>Right edge of the window we last advertised (RCV.NXT + RCV.WND then).</summary>
        public uint RcvAdv;
        public readonly ByteRing RcvBuf;
        public bool FinReceived;

        // Timers: absolute deadlines in ms, DeadlineHeap.Never when off.
        public long RtxAt, TimeWaitAt, FinWait2At, KeepAliveAt, DelAckAt;
        public int Retries;          // consecutive retransmission timeouts
        public bool SynTimedOut;     // our SYN or SYN-ACK had to be retransmitted (RFC 6298 §5.7)
        public int KeepAliveProbes;  // unanswered keep-alive probes

        // RTT measurement (one segment at a time; Karn's rule).
        public readonly RtoEstimator Rto;
        public bool RttTiming;
        public uint RttSeq;
        public long RttStart;

        // Congestion control (RFC 5681).
        public int Cwnd, Ssthresh;

        public bool AckNow;
        /// <summary>An owed ACK waits for the end of the step (<see cref="TcpEngine.HoldAcks"/>).</summary>
        public bool AckHeld;

        // Per-connection options (SocketOption), set from TcpConfig when the slot is taken and
        // copied from the listener to each connection it spawns.
        /// <summary>Keep-alive on (SO_KEEPALIVE), after KeepIdleMs idle, then every KeepIntervalMs, KeepCount probes (RFC 9293 §3.8.4).</summary>
        public bool KeepAlive;
        public int KeepIdleMs, KeepIntervalMs, KeepCount;
        /// <summary>R2 (TCP_USER_TIMEOUT): give up after this long without progress; 0 = after MaxRetries retransmissions.</summary>
        public int UserTimeoutMs;
        /// <summary>TCP_KEEPINIT: give up a handshake after this long; 0 = after SynMaxRetries.</summary>
        public int KeepInitMs;
        /// <summary>TCP_NOOPT: our SYN or SYN-ACK carries no options.</summary>
        public bool NoOpt;
        /// <summary>SO_RCVBUF / SO_SNDBUF: how much of the slot's buffers the connection may use.</summary>
        public int RcvLimit, SndLimit;
        /// <summary>When the oldest unacknowledged segment was sent, once it has timed out (for UserTimeoutMs and KeepInitMs).</summary>
        public long StalledSince;
        /// <summary>This connection's challenge ACKs in the current second (RFC 5961 §7).</summary>
        public long ChallengeSecond;
        public int ChallengeCount;
        /// <summary>Taken by Open and not yet connected or listening.</summary>
        public bool Opened;
        /// <summary>TCP_NODELAY: Nagle's algorithm (RFC 9293 §3.7.4) off for this connection.</summary>
        public bool NoDelay;

        // A connection reopened from TIME_WAIT by a new SYN (RFC 9293 §3.6.1) remembers the old
        // incarnation, to return to it for the rest of its 2·MSL if the SYN proves an old duplicate.
        public long ReopenedTimeWaitAt;
        public uint ReopenedIss, ReopenedIrs, ReopenedSndMax, ReopenedRcvNxt;

        public Tcb(int slot, TcpConfig cfg)
        {
            Slot = slot;
            SndBuf = new ByteRing(cfg.SndBuf);
            RcvBuf = new ByteRing(cfg.RcvBuf);
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
            InUse = false; State = TcpState.Closed; StateSince = 0; Order = 0;
            LocalPort = 0; RemoteAddr = 0; RemotePort = 0;
            AppOwned = false; Listener = -1; Accepted = false; AppClosed = false; ReadShut = false;
            Linger0 = false; Error = 0; Passive = false; Backlog = 0;
            Iss = SndUna = SndNxt = SndWl1 = SndWl2 = SndMax = 0;
            SndWnd = MaxSndWnd = SndMss = 0; SndBufSeq = 0; SndBuf.Clear(); FinQueued = false; FinAcked = false;
            Irs = RcvNxt = RcvAdv = 0; RcvBuf.Clear(); FinReceived = false;
            RtxAt = TimeWaitAt = FinWait2At = KeepAliveAt = DelAckAt = DeadlineHeap.Never;
            Retries = 0; KeepAliveProbes = 0; SynTimedOut = false;
            Rto.Reset(); RttTiming = false; RttSeq = 0; RttStart = 0;
            Cwnd = 0; Ssthresh = 0; AckNow = false; AckHeld = false;
            KeepAlive = false; KeepIdleMs = KeepIntervalMs = KeepCount = 0; UserTimeoutMs = 0; KeepInitMs = 0; NoOpt = false;
            RcvLimit = RcvBuf.Capacity; SndLimit = SndBuf.Capacity; StalledSince = 0;
            ChallengeSecond = -1; ChallengeCount = 0; Opened = false;
            NoDelay = false;
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
