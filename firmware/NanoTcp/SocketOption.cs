namespace NanoTcp
{
    /// <summary>
    /// Per-connection options for <see cref="TcpEngine.SetOption"/> and <see cref="TcpEngine.GetOption"/>,
    /// the engine's setsockopt(2). Each connection starts with the defaults of <see cref="TcpConfig"/>;
    /// a connection accepted from a listener starts with the listener's options (as BSD and Linux do).
    /// Times are milliseconds; switches are 0 (off) or 1 (on).
    /// </summary>
    public static class SocketOption
    {
        /// <summary>TCP_NODELAY: 1 turns Nagle's algorithm off (RFC 9293 §3.7.4).</summary>
        public const int NoDelay = 1;
        /// <summary>SO_KEEPALIVE: 1 sends keep-alive probes on an idle connection (RFC 9293 §3.8.4, MUST-24).</summary>
        public const int KeepAlive = 2;
        /// <summary>TCP_KEEPIDLE: idle time before the first keep-alive probe, ms (at least 1).</summary>
        public const int KeepIdleMs = 3;
        /// <summary>TCP_KEEPINTVL: time between unanswered keep-alive probes, ms (at least 1).</summary>
        public const int KeepIntervalMs = 4;
        /// <summary>TCP_KEEPCNT: unanswered probes before the connection is given up (at least 1).</summary>
        public const int KeepCount = 5;
        /// <summary>TCP_USER_TIMEOUT: R2 of RFC 9293 §3.8.3, ms without progress before giving up; 0 = after max_retries.</summary>
        public const int UserTimeoutMs = 6;
        /// <summary>SO_RCVBUF: bytes of the slot's receive buffer the connection may use (clamped to the slot).</summary>
        public const int RcvBuf = 7;
        /// <summary>SO_SNDBUF: bytes of the slot's send buffer the connection may use (clamped to the slot).</summary>
        public const int SndBuf = 8;
        /// <summary>TCP_KEEPINIT (FreeBSD): ms a handshake may take before it is given up; 0 = after syn_max_retries.</summary>
        public const int KeepInitMs = 9;
        /// <summary>TCP_NOOPT (FreeBSD): 1 sends the SYN or SYN-ACK without options (the peer then assumes MSS 536).</summary>
        public const int NoOpt = 10;

        /// <summary>Whether a value suits the option: 0, -ENOPROTOOPT for an unknown option, -EINVAL out of range.</summary>
        public static int Check(int option, int value)
        {
            switch (option)
            {
                case NoDelay:
                case KeepAlive:
                case NoOpt:
                case UserTimeoutMs:
                case KeepInitMs:
                    return value < 0 ? -TcpError.Invalid : 0;
                case KeepIdleMs:
                case KeepIntervalMs:
                case KeepCount:
                case RcvBuf:
                case SndBuf:
                    return value < 1 ? -TcpError.Invalid : 0;
            }
            return -TcpError.NoProtocolOption;
        }

        /// <summary>The option's name as the socket API spells it; "?" when unknown.</summary>
        public static string Name(int option)
        {
            switch (option)
            {
                case NoDelay: return "TCP_NODELAY";
                case KeepAlive: return "SO_KEEPALIVE";
                case KeepIdleMs: return "TCP_KEEPIDLE";
                case KeepIntervalMs: return "TCP_KEEPINTVL";
                case KeepCount: return "TCP_KEEPCNT";
                case UserTimeoutMs: return "TCP_USER_TIMEOUT";
                case RcvBuf: return "SO_RCVBUF";
                case SndBuf: return "SO_SNDBUF";
                case KeepInitMs: return "TCP_KEEPINIT";
                case NoOpt: return "TCP_NOOPT";
            }
            return "?";
        }
    }
}
