namespace NanoTcp
{
    /// <summary>
    /// Per-connection options (setsockopt/getsockopt, <see cref="SocketOption"/>), and a socket
    /// that exists before it connects or listens, so that options reach the first SYN.
    /// </summary>
    public sealed partial class TcpEngine
    {
        /// <summary>
        /// socket(2): takes a slot in CLOSED with the default options, for <see cref="SetOption"/>
        /// before <see cref="Connect(long, int, int, uint, int)"/> or <see cref="Listen(long, int, int, int)"/>.
        /// Returns a handle or -ENOBUFS. <see cref="Close"/> gives the slot back.
        /// </summary>
        public int Open(long now)
        {
            Tcb t = AllocateBare(now);
            if (t == null) return -TcpError.NoBuffers;
            t.AppOwned = true;
            t.Opened = true;
            return t.Handle;
        }

        /// <summary>Active OPEN on a handle from <see cref="Open"/>: its options apply to the SYN. Returns 0 or -errno.</summary>
        public int Connect(long now, int handle, int localPort, uint remoteAddress, int remotePort)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            if (!t.Opened) return t.State == TcpState.Closed ? -TcpError.Invalid : -TcpError.IsConnected;
            int bad = CheckConnect(ref localPort, remoteAddress, remotePort);
            if (bad != 0) return bad;
            if (!ConnectionRoom()) return -TcpError.NoBuffers;
            AttachBuffers(t);
            StartConnecting(now, t, localPort, remoteAddress, remotePort);
            return 0;
        }

        /// <summary>Passive OPEN on a handle from <see cref="Open"/>: its connections inherit its options. Returns 0 or -errno.</summary>
        public int Listen(long now, int handle, int port, int backlog)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            if (!t.Opened) return -TcpError.Invalid;
            if (port < 1 || port > 65535) return -TcpError.Invalid;
            if (FindListener(port) != null) return -TcpError.AddressInUse;
            if (!ListenerRoom()) return -TcpError.NoBuffers;
            AttachQueues(t, port);
            StartListening(now, t, port, backlog);
            return 0;
        }

        /// <summary>
        /// setsockopt(2) for one connection or listener (a listener's connections inherit the value).
        /// Returns 0, -EBADF, -ENOPROTOOPT for an unknown option, or -EINVAL for a value out of range.
        /// Buffer sizes larger than the slot's buffers are clamped to them.
        /// </summary>
        public int SetOption(long now, int handle, int option, int value)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            int bad = SocketOption.Check(option, value);
            if (bad != 0) return bad;
            switch (option)
            {
                case SocketOption.NoDelay:
                    t.NoDelay = value != 0;
                    if (t.NoDelay) Output(now, t); // data Nagle held back may go now
                    break;
                case SocketOption.KeepAlive:
                    t.KeepAlive = value != 0;
                    if (!t.KeepAlive) t.KeepAliveAt = DeadlineHeap.Never;
                    else if (t.KeepAliveAt == DeadlineHeap.Never) ArmKeepAlive(now, t);
                    break;
                case SocketOption.KeepIdleMs:
                    t.KeepIdleMs = value;
                    if (t.KeepAliveAt != DeadlineHeap.Never && t.KeepAliveProbes == 0) ArmKeepAlive(now, t); // the new idle time counts from now
                    break;
                case SocketOption.KeepIntervalMs: t.KeepIntervalMs = value; break;
                case SocketOption.KeepCount: t.KeepCount = value; break;
                case SocketOption.UserTimeoutMs: t.UserTimeoutMs = value; break;
                case SocketOption.KeepInitMs: t.KeepInitMs = value; break;
                case SocketOption.NoOpt: t.NoOpt = value != 0; break;
                case SocketOption.RcvBuf: t.RcvLimit = value < _cfg.RcvBuf ? value : _cfg.RcvBuf; break;
                case SocketOption.SndBuf: t.SndLimit = value < _cfg.SndBuf ? value : _cfg.SndBuf; break;
            }
            UpdateTimer(t);
            return 0;
        }

        /// <summary>getsockopt(2): the option's value in effect (≥ 0), -EBADF, or -ENOPROTOOPT.</summary>
        public int GetOption(int handle, int option)
        {
            Tcb t = Lookup(handle);
            if (t == null) return -TcpError.BadHandle;
            switch (option)
            {
                case SocketOption.NoDelay: return t.NoDelay ? 1 : 0;
                case SocketOption.KeepAlive: return t.KeepAlive ? 1 : 0;
                case SocketOption.KeepIdleMs: return t.KeepIdleMs;
                case SocketOption.KeepIntervalMs: return t.KeepIntervalMs;
                case SocketOption.KeepCount: return t.KeepCount;
                case SocketOption.UserTimeoutMs: return t.UserTimeoutMs;
                case SocketOption.KeepInitMs: return t.KeepInitMs;
                case SocketOption.NoOpt: return t.NoOpt ? 1 : 0;
                case SocketOption.RcvBuf: return t.RcvLimit;
                case SocketOption.SndBuf: return t.SndLimit;
            }
            return -TcpError.NoProtocolOption;
        }

        /// <summary>What <see cref="GetOption"/> returns for a connection that nobody changed: the engine's defaults.</summary>
        public int DefaultOption(int option)
        {
            switch (option)
            {
                case SocketOption.NoDelay: return _cfg.NoDelay ? 1 : 0;
                case SocketOption.KeepAlive: return _cfg.KeepAliveIdleMs > 0 ? 1 : 0;
                case SocketOption.KeepIdleMs: return _cfg.KeepAliveIdleMs > 0 ? _cfg.KeepAliveIdleMs : TcpConfig.KeepAliveDefaultIdleMs;
                case SocketOption.KeepIntervalMs: return _cfg.KeepAliveIntervalMs;
                case SocketOption.KeepCount: return _cfg.KeepAliveCount;
                case SocketOption.UserTimeoutMs: return _cfg.UserTimeoutMs;
                case SocketOption.KeepInitMs: return 0;
                case SocketOption.NoOpt: return 0;
                case SocketOption.RcvBuf: return _cfg.RcvBuf;
                case SocketOption.SndBuf: return _cfg.SndBuf;
            }
            return -TcpError.NoProtocolOption;
        }

        /// <summary>A new slot's options: the engine's defaults.</summary>
        void InitOptions(Tcb t)
        {
            t.NoDelay = _cfg.NoDelay;
            t.KeepAlive = _cfg.KeepAliveIdleMs > 0;
            t.KeepIdleMs = DefaultOption(SocketOption.KeepIdleMs);
            t.KeepIntervalMs = _cfg.KeepAliveIntervalMs;
            t.KeepCount = _cfg.KeepAliveCount;
            t.UserTimeoutMs = _cfg.UserTimeoutMs;
            t.KeepInitMs = 0;
            t.NoOpt = false;
            // The pool's buffers are all of the configured size, lent or not yet.
            t.RcvLimit = _cfg.RcvBuf;
            t.SndLimit = _cfg.SndBuf;
        }

        /// <summary>A connection born from a listener starts with the listener's options, as in BSD and Linux.</summary>
        static void InheritOptions(Tcb listener, Tcb t)
        {
            t.NoDelay = listener.NoDelay;
            t.KeepAlive = listener.KeepAlive;
            t.KeepIdleMs = listener.KeepIdleMs;
            t.KeepIntervalMs = listener.KeepIntervalMs;
            t.KeepCount = listener.KeepCount;
            t.UserTimeoutMs = listener.UserTimeoutMs;
            t.KeepInitMs = listener.KeepInitMs;
            t.NoOpt = listener.NoOpt;
            t.RcvLimit = listener.RcvLimit;
            t.SndLimit = listener.SndLimit;
        }

        // ---------------------------------------------------------------- giving up (R2, TCP_KEEPINIT)

        /// <summary>The time limit that replaces the retry count, 0 when the count applies: TCP_KEEPINIT for a handshake (else TCP_USER_TIMEOUT, as Linux), TCP_USER_TIMEOUT after it.</summary>
        static int GiveUpAfterMs(Tcb t, bool syn)
        {
            if (syn && t.KeepInitMs > 0) return t.KeepInitMs;
            return t.UserTimeoutMs;
        }

        /// <summary>
        /// At a retransmission timeout: whether to give up. R2 is a time when TCP_USER_TIMEOUT (or
        /// TCP_KEEPINIT) is set, counted from when the oldest unacknowledged segment was sent,
        /// else a number of retransmissions (RFC 9293 §3.8.3).
        /// </summary>
        bool RetriesExhausted(long now, Tcb t, bool syn)
        {
            if (t.Retries == 0) t.StalledSince = now - t.Rto.RtoMs; // the timer that just expired was armed when that segment left
            int ms = GiveUpAfterMs(t, syn);
            if (ms > 0) return now - t.StalledSince >= ms;
            return t.Retries >= (syn ? _cfg.SynMaxRetries : _cfg.MaxRetries);
        }

        /// <summary>With a time limit set, the next timeout falls no later than the limit, so the connection gives up on time.</summary>
        static void ClampToGiveUpTime(Tcb t, bool syn)
        {
            int ms = GiveUpAfterMs(t, syn);
            if (ms > 0 && t.RtxAt > t.StalledSince + ms) t.RtxAt = t.StalledSince + ms;
        }

        // ---------------------------------------------------------------- challenge ACK budget (RFC 5961 §7)

        long _challengeGlobalStart = long.MinValue / 2;
        int _challengeGlobalSpent, _challengeGlobalBudget;
        long _challengeDraws;

        /// <summary>
        /// Whether a challenge ACK may go out now: each connection has ChallengeAckLimit per second
        /// of its own, so one connection cannot spend another's; the engine as a whole has a budget
        /// per second drawn at random around ChallengeAckGlobalLimit, so counting the answers to
        /// one's own probes says nothing exact about other connections (CVE-2016-5696).
        /// </summary>
        bool ChallengeAckAllowed(long now, Tcb t)
        {
            if (now - t.ChallengeSecond >= 1000 || t.ChallengeSecond < 0) { t.ChallengeSecond = now; t.ChallengeCount = 0; }
            if (now - _challengeGlobalStart >= 1000)
            {
                _challengeGlobalStart = now;
                _challengeGlobalSpent = 0;
                _challengeGlobalBudget = ChallengeBudget(_cfg.ChallengeAckGlobalLimit, _challengeDraws++);
            }
            if (t.ChallengeCount >= _cfg.ChallengeAckLimit || _challengeGlobalSpent >= _challengeGlobalBudget) return false;
            t.ChallengeCount++;
            _challengeGlobalSpent++;
            return true;
        }

        /// <summary>One second's global budget: limit/2 plus a secret-keyed random number below limit (as Linux draws it).</summary>
        int ChallengeBudget(int limit, long draw)
        {
            if (limit <= 0) return 0;
            ulong r = Isn.SipHash24(_cfg.IsnKey1, _cfg.IsnKey0, 0x6368616c6c656e67UL, (ulong)draw); // keyed like the ISNs, a message of its own
            long budget = (limit + 1) / 2 + (long)(r % (ulong)limit);
            return budget > int.MaxValue ? int.MaxValue : (int)budget;
        }

        /// <summary>This second's global challenge-ACK budget (for tests); 0 before the first challenge ACK.</summary>
        public int ChallengeAckBudget { get { return _challengeGlobalBudget; } }
    }
}
