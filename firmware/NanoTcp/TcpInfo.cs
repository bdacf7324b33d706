namespace NanoTcp
{
    /// <summary>
    /// A read-only snapshot of one connection, like Linux's tcp_info: filled by
    /// <see cref="TcpEngine.GetInfo"/> or <see cref="TcpEngine.GetSlotInfo"/> into an object the
    /// caller owns, so taking one allocates nothing. Sequence numbers are absolute; timer
    /// deadlines are absolute engine times in ms, <see cref="Never"/> when the timer is off.
    /// </summary>
    public sealed class TcpInfo
    {
        /// <summary>A timer deadline that is not armed.</summary>
        public const long Never = long.MaxValue;

        public int Slot;
        /// <summary>The application's handle for the connection, -1 when it holds none (an orphan closing alone, an unaccepted child).</summary>
        public int Handle;
        public bool InUse;
        public TcpState State;
        public int LocalPort;
        public uint RemoteAddress;
        public int RemotePort;

        /// <summary>ISS and IRS: each side's initial sequence number.</summary>
        public uint Iss, Irs;
        /// <summary>SND.UNA, SND.NXT and the highest sequence number sent + 1 (SND.NXT before a go-back-N rewind).</summary>
        public uint SndUna, SndNxt, SndMax;
        public uint RcvNxt;
        /// <summary>SND.WND (the peer's window) and the largest the peer ever offered.</summary>
        public int SndWnd, MaxSndWnd;
        /// <summary>
        /// Window scaling (RFC 7323 §2): Snd.Wind.Shift, the peer's shift applied to the windows it
        /// sends, and Rcv.Wind.Shift, ours applied to the windows we send (Linux's tcpi_snd_wscale and
        /// tcpi_rcv_wscale); both 0 unless both SYNs carried the option. Windows here are in bytes.
        /// </summary>
        public int SndWndShift, RcvWndShift;
        /// <summary>RCV.WND as advertised: the last advertised right edge minus RCV.NXT.</summary>
        public int RcvWnd;
        /// <summary>Free bytes in the receive buffer: the most that may be advertised honestly.</summary>
        public int RcvBufFree;
        public int SndMss;
        public int Cwnd, Ssthresh;
        /// <summary>RFC 6298 estimator: smoothed RTT, its variation, and the current RTO (backoff included).</summary>
        public int SrttMs, RttVarMs, RtoMs;
        /// <summary>Consecutive retransmission timeouts (persist probes included).</summary>
        public int Retries;
        /// <summary>Bytes received and not yet read by the application.</summary>
        public int RecvQ;
        /// <summary>Bytes written and not yet acknowledged by the peer (sent or not), as Linux's Send-Q.</summary>
        public int SendQ;
        public bool FinQueued, FinAcked, FinReceived;
        /// <summary>The pending SO_ERROR (positive errno), 0 when none.</summary>
        public int Error;

        /// <summary>Retransmission timer; it is the zero-window persist timer when <see cref="Persist"/> is set.</summary>
        public long RtxAt;
        public bool Persist;
        public long TimeWaitAt, FinWait2At, KeepAliveAt, DelAckAt;
        /// <summary>The earliest of the timers above, and its name as the log writes it (rto, persist, 2msl, fin_wait_2, keepalive, delack); null when none is armed.</summary>
        public long NextDeadline;
        public string NextTimer;

        /// <summary>Whether any timer is armed.</summary>
        public bool HasTimer { get { return NextDeadline != Never; } }

        public void Clear()
        {
            Slot = -1; Handle = -1; InUse = false; State = TcpState.Closed;
            LocalPort = 0; RemoteAddress = 0; RemotePort = 0;
            Iss = Irs = SndUna = SndNxt = SndMax = RcvNxt = 0;
            SndWnd = MaxSndWnd = RcvWnd = RcvBufFree = SndMss = Cwnd = Ssthresh = 0;
            SndWndShift = RcvWndShift = 0;
            SrttMs = RttVarMs = RtoMs = Retries = RecvQ = SendQ = 0;
            FinQueued = FinAcked = FinReceived = false; Error = 0;
            RtxAt = TimeWaitAt = FinWait2At = KeepAliveAt = DelAckAt = NextDeadline = Never;
            Persist = false; NextTimer = null;
        }
    }
}
