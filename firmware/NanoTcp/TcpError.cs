namespace NanoTcp
{
    /// <summary>
    /// Error codes the socket API returns, negated (e.g. -TcpError.WouldBlock). Values are Linux
    /// errno numbers so scripts written for Linux read the same.
    /// </summary>
    public static class TcpError
    {
        public const int None = 0;
        public const int Pipe = 32;               // EPIPE: send after shutdown(SHUT_WR)/close
        public const int BadHandle = 9;           // EBADF
        public const int WouldBlock = 11;         // EAGAIN
        public const int Invalid = 22;            // EINVAL
        public const int AddressInUse = 98;       // EADDRINUSE
        public const int ConnectionAborted = 103; // ECONNABORTED
        public const int ConnectionReset = 104;   // ECONNRESET
        public const int NoBuffers = 105;         // ENOBUFS: connection table full
        public const int IsConnected = 106;       // EISCONN
        public const int NotConnected = 107;      // ENOTCONN
        public const int TimedOut = 110;          // ETIMEDOUT: retry limit reached
        public const int ConnectionRefused = 111; // ECONNREFUSED: RST in SYN_SENT
        public const int InProgress = 115;        // EINPROGRESS
        public const int Already = 114;           // EALREADY
        public const int NoProtocolOption = 92;   // ENOPROTOOPT: unknown socket option

        public static string Name(int errno)
        {
            if (errno < 0) errno = -errno;
            switch (errno)
            {
                case None: return "OK";
                case Pipe: return "EPIPE";
                case BadHandle: return "EBADF";
                case WouldBlock: return "EAGAIN";
                case Invalid: return "EINVAL";
                case AddressInUse: return "EADDRINUSE";
                case ConnectionAborted: return "ECONNABORTED";
                case ConnectionReset: return "ECONNRESET";
                case NoBuffers: return "ENOBUFS";
                case IsConnected: return "EISCONN";
                case NotConnected: return "ENOTCONN";
                case TimedOut: return "ETIMEDOUT";
                case ConnectionRefused: return "ECONNREFUSED";
                case InProgress: return "EINPROGRESS";
                case Already: return "EALREADY";
                case NoProtocolOption: return "ENOPROTOOPT";
            }
            return "E?";
        }

        /// <summary>Parses an errno name such as "EAGAIN"; -1 when unknown. EWOULDBLOCK is EAGAIN.</summary>
        public static int Parse(string name)
        {
            switch (name)
            {
                case "EPIPE": return Pipe;
                case "EBADF": return BadHandle;
                case "EAGAIN": case "EWOULDBLOCK": return WouldBlock;
                case "EINVAL": return Invalid;
                case "EADDRINUSE": return AddressInUse;
                case "ECONNABORTED": return ConnectionAborted;
                case "ECONNRESET": return ConnectionReset;
                case "ENOBUFS": return NoBuffers;
                case "EISCONN": return IsConnected;
                case "ENOTCONN": return NotConnected;
                case "ETIMEDOUT": return TimedOut;
                case "ECONNREFUSED": return ConnectionRefused;
                case "EINPROGRESS": return InProgress;
                case "EALREADY": return Already;
                case "ENOPROTOOPT": return NoProtocolOption;
            }
            return -1;
        }
    }
}
