namespace NanoTcp
{
    /// <summary>
    /// Engine settings, fixed when the engine is created. Defaults are the device's (README "Defaults");
    /// every field can be set from a script option line (--msl_ms=... etc.).
    /// </summary>
    public sealed class TcpConfig
    {
        /// <summary>Our IPv4 address, host byte order (192.0.2.2 on the device).</summary>
        public uint LocalAddress = Ipv4.Address(192, 0, 2, 2);
        /// <summary>Connections the table holds (each with its buffers); listeners are not counted.</summary>
        public int Capacity = 8;
        /// <summary>Listening sockets that may be open at once; they take slots of their own, without buffers.</summary>
        public int Listeners = 5;
        /// <summary>Half-open (SYN_RECEIVED) slots per listener before the oldest is recycled; 0 = half the capacity.</summary>
        public int SynBacklog = 0;
        public int RcvBuf = 2048;
        /// <summary>The device takes 1024 (DeviceSettings), so its eight connections fit 40 KB of heap.</summary>
        public int SndBuf = 2048;
        /// <summary>Largest segment we accept (announced in our SYN) and send.</summary>
        public int Mss = 1024;

        public int RtoInitialMs = 1000;
        public int RtoMinMs = 200;
        public int RtoMaxMs = 60000;
        /// <summary>Retransmissions of data or FIN before the connection is aborted.</summary>
        public int MaxRetries = 8;
        /// <summary>
        /// Retransmissions of SYN or SYN-ACK before giving up. With the default RTOs, 7 gives up
        /// after 183 s (1+2+4+8+16+32+60+60): RFC 9293 §3.8.3 asks for at least 3 minutes.
        /// </summary>
        public int SynMaxRetries = 7;

        /// <summary>Maximum segment lifetime; TIME_WAIT lasts 2·MSL.</summary>
        public int MslMs = 2000;
        /// <summary>How long an orphaned FIN_WAIT_2 (application closed) waits for the peer's FIN.</summary>
        public int FinWait2TimeoutMs = 20000;

        /// <summary>
        /// Keep-alive idle time of every new connection; 0 = keep-alive off unless a connection turns
        /// it on (SO_KEEPALIVE), which then waits <see cref="KeepAliveDefaultIdleMs"/>.
        /// </summary>
        public int KeepAliveIdleMs = 0;
        public int KeepAliveIntervalMs = 75000;
        public int KeepAliveCount = 9;
        /// <summary>RFC 1122 §4.2.3.6: the idle time before keep-alive probes defaults to no less than two hours.</summary>
        public const int KeepAliveDefaultIdleMs = 7200000;

        /// <summary>TCP_NODELAY of every new connection: true turns Nagle's algorithm off.</summary>
        public bool NoDelay = false;
        /// <summary>R2 (TCP_USER_TIMEOUT) of every new connection, ms; 0 = give up after <see cref="MaxRetries"/>.</summary>
        public int UserTimeoutMs = 0;

        /// <summary>0 = ACK at once; otherwise the delayed-ACK timeout (RFC 9293 §3.8.6.3), under 500 ms (MUST-40).</summary>
        public int DelayedAckMs = 0;
        /// <summary>RFC 9293 §3.8.6.3, MUST-40: an ACK is delayed by less than 0.5 seconds.</summary>
        public const int DelayedAckLimitMs = 500;

        /// <summary>Offer and use SACK (RFC 2018): our ACKs report out-of-order data that is kept.</summary>
        public bool Sack = true;
        /// <summary>Once a listener's half-open slots are all taken, answer SYNs with SYN cookies (RFC 4987 §3.6) instead of recycling the oldest.</summary>
        public bool SynCookies = true;

        /// <summary>RFC 5961 challenge ACKs each connection may send per second.</summary>
        public int ChallengeAckLimit = 10;
        /// <summary>
        /// Challenge ACKs the whole engine sends per second, on average: each second's budget is
        /// drawn at random from [limit/2, limit/2 + limit), so an observer cannot count it down exactly
        /// (the side channel of CVE-2016-5696).
        /// </summary>
        public int ChallengeAckGlobalLimit = 100;

        /// <summary>
        /// Lines a second about segments of no connection (DROP, SYN-COOKIE, RST-OUT, TABLE-FULL,
        /// SYN-DROPPED); beyond it they are counted and said as one SUPPRESSED line. A flood is made
        /// of such segments, and a 115 200-baud serial port carries about 150 lines a second, so the
        /// lines about real connections must not queue behind them. 0 = every line.
        /// </summary>
        public int NoConnectionLinesPerSecond = 20;

        /// <summary>First ephemeral port for connect(); ports are taken in turn up to 65535.</summary>
        public int EphemeralPortFirst = 49152;

        /// <summary>RFC 6528 secret key (SipHash-2-4); the device seeds it from its random source.</summary>
        public ulong IsnKey0 = 0x0706050403020100UL;
        public ulong IsnKey1 = 0x0F0E0D0C0B0A0908UL;

        /// <summary>
        /// Sets one option by its script name (without the leading dashes, e.g. "msl_ms").
        /// Returns false when the name is unknown or the value is out of range.
        /// </summary>
        public bool Set(string name, long value)
        {
            if (value < 0 || value > int.MaxValue) return false;
            int v = (int)value;
            switch (name)
            {
                case "msl_ms": MslMs = v; return true;
                case "rto_initial_ms": if (v < 1) return false; RtoInitialMs = v; return true;
                case "rto_min_ms": if (v < 1) return false; RtoMinMs = v; return true;
                case "rto_max_ms": if (v < 1) return false; RtoMaxMs = v; return true;
                case "max_retries": MaxRetries = v; return true;
                case "syn_max_retries": SynMaxRetries = v; return true;
                case "fin_wait2_timeout_ms": FinWait2TimeoutMs = v; return true;
                case "keepalive_idle_ms": KeepAliveIdleMs = v; return true;
                case "keepalive_interval_ms": if (v < 1) return false; KeepAliveIntervalMs = v; return true;
                case "keepalive_count": KeepAliveCount = v; return true;
                case "capacity": if (v < 1 || v > 65535) return false; Capacity = v; return true;
                case "listeners": if (v > 65535) return false; Listeners = v; return true;
                case "syn_backlog": SynBacklog = v; return true;
                case "rcv_buf": if (v < 1 || v > 65535) return false; RcvBuf = v; return true;
                case "snd_buf": if (v < 1) return false; SndBuf = v; return true;
                case "mss": if (v < 64 || v > 65495) return false; Mss = v; return true;
                case "delayed_ack_ms": DelayedAckMs = v; return true; // Validate explains a value of 500 or more
                case "challenge_ack_limit": ChallengeAckLimit = v; return true;
                case "sack": if (v > 1) return false; Sack = v == 1; return true;
                case "syn_cookies": if (v > 1) return false; SynCookies = v == 1; return true;
                case "challenge_ack_global_limit": ChallengeAckGlobalLimit = v; return true;
                case "nodelay": if (v > 1) return false; NoDelay = v == 1; return true;
                case "user_timeout_ms": UserTimeoutMs = v; return true;
                case "no_connection_lines_per_s": NoConnectionLinesPerSecond = v; return true;
            }
            return false;
        }

        /// <summary>Checks the settings; returns null when valid, else a one-line reason.</summary>
        public string Validate()
        {
            if (Capacity < 1 || Capacity > 65535) return "capacity must be 1..65535";
            if (Listeners < 0 || Capacity + Listeners > 65536) return "listeners must be 0..65536-capacity (a slot number fits 16 bits)";
            if (RcvBuf < 1 || RcvBuf > 65535) return "rcv_buf must be 1..65535";
            if (SndBuf < 1) return "snd_buf must be at least 1";
            if (Mss < 64 || Mss > 65495) return "mss must be 64..65495";
            if (RtoMinMs < 1 || RtoMinMs > RtoMaxMs) return "rto_min_ms must be 1..rto_max_ms";
            if (RtoInitialMs < RtoMinMs || RtoInitialMs > RtoMaxMs) return "rto_initial_ms must lie in rto_min_ms..rto_max_ms";
            if (DelayedAckMs < 0 || DelayedAckMs >= DelayedAckLimitMs) return "delayed_ack_ms must be 0..499: an ACK may be delayed by less than 500 ms (RFC 9293 MUST-40)";
            if (KeepAliveIntervalMs < 1) return "keepalive_interval_ms must be at least 1";
            if (UserTimeoutMs < 0) return "user_timeout_ms must not be negative";
            if (MaxRetries > 65535 || SynMaxRetries > 65535 || KeepAliveCount > 65535) return "max_retries, syn_max_retries and keepalive_count must be at most 65535";
            if (EphemeralPortFirst < 1024 || EphemeralPortFirst > 65535) return "ephemeral ports must start in 1024..65535";
            return null;
        }
    }
}
