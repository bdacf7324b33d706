namespace NanoTcp
{
    /// <summary>The eleven connection states of RFC 9293 §3.3.2.</summary>
    public enum TcpState
    {
        Closed = 0,
        Listen = 1,
        SynSent = 2,
        SynReceived = 3,
        Established = 4,
        FinWait1 = 5,
        FinWait2 = 6,
        CloseWait = 7,
        Closing = 8,
        LastAck = 9,
        TimeWait = 10
    }

    /// <summary>State names as the log and the scripts print them (RFC 9293 spelling).</summary>
    public static class TcpStates
    {
        static readonly string[] Names =
        {
            "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
            "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"
        };

        public static string Name(TcpState state)
        {
            int i = (int)state;
            return i >= 0 && i < Names.Length ? Names[i] : "?";
        }

        /// <summary>
        /// Parses an RFC 9293 name ("TIME_WAIT", "TIME-WAIT"), a Linux one ("TCP_TIME_WAIT",
        /// "TCP_SYN_RECV", ...) or a FreeBSD one ("TCPI_TIME_WAIT", "TCPS_SYN_RECEIVED"). Returns -1 when unknown.
        /// </summary>
        public static int Parse(string name)
        {
            if (name == null) return -1;
            string n = name.ToUpper();
            if (n.StartsWith("TCP_")) n = n.Substring(4);
            else if (n.StartsWith("TCPI_") || n.StartsWith("TCPS_")) n = n.Substring(5);
            switch (n)
            {
                case "CLOSE": case "CLOSED": return (int)TcpState.Closed;
                case "LISTEN": return (int)TcpState.Listen;
                case "SYN_SENT": case "SYN-SENT": return (int)TcpState.SynSent;
                case "SYN_RECV": case "SYN_RECEIVED": case "SYN-RECEIVED": return (int)TcpState.SynReceived;
                case "ESTABLISHED": return (int)TcpState.Established;
                case "FIN_WAIT1": case "FIN_WAIT_1": case "FIN-WAIT-1": return (int)TcpState.FinWait1;
                case "FIN_WAIT2": case "FIN_WAIT_2": case "FIN-WAIT-2": return (int)TcpState.FinWait2;
                case "CLOSE_WAIT": case "CLOSE-WAIT": return (int)TcpState.CloseWait;
                case "CLOSING": return (int)TcpState.Closing;
                case "LAST_ACK": case "LAST-ACK": return (int)TcpState.LastAck;
                case "TIME_WAIT": case "TIME-WAIT": return (int)TcpState.TimeWait;
            }
            return -1;
        }
    }
}
