namespace NanoTcp
{
    /// <summary>
    /// Formats one serial-log line into a preallocated buffer and hands it to the sink: writing a
    /// log line allocates nothing. Grammar: see README "The state log".
    /// </summary>
    public sealed class LogWriter
    {
        readonly char[] _buf = new char[256];
        readonly char[] _digits = new char[20];
        readonly ILogSink _sink;
        int _n;

        public LogWriter(ILogSink sink) { _sink = sink; }

        public bool Enabled { get { return _sink != null; } }

        public LogWriter Begin(long nowMs) { _n = 0; return Int(nowMs); }

        public void End() { if (_sink != null) _sink.WriteLine(_buf, _n); _n = 0; }

        public LogWriter Char(char c) { if (_n < _buf.Length) _buf[_n++] = c; return this; }

        public LogWriter Str(string s)
        {
            for (int i = 0; i < s.Length; i++) Char(s[i]);
            return this;
        }

        /// <summary>A space, then key=.</summary>
        public LogWriter Key(string key) { Char(' '); Str(key); return Char('='); }

        public LogWriter Int(long v)
        {
            if (v < 0) { Char('-'); if (v == long.MinValue) return Str("9223372036854775808"); v = -v; }
            int d = 0;
            do { _digits[d++] = (char)('0' + (int)(v % 10)); v /= 10; } while (v != 0);
            while (d > 0) Char(_digits[--d]);
            return this;
        }

        public LogWriter Addr(uint address, int port)
        {
            Int(address >> 24).Char('.').Int((address >> 16) & 0xFF).Char('.').Int((address >> 8) & 0xFF).Char('.').Int(address & 0xFF);
            return Char(':').Int(port);
        }

        /// <summary>tcpdump-style flags in tcpdump's order F S R P . U E W: [S], [S.], [FP.], [R], [.] ("." is ACK).</summary>
        public LogWriter Flags(int flags)
        {
            Char('[');
            if ((flags & TcpFlags.Fin) != 0) Char('F');
            if ((flags & TcpFlags.Syn) != 0) Char('S');
            if ((flags & TcpFlags.Rst) != 0) Char('R');
            if ((flags & TcpFlags.Psh) != 0) Char('P');
            if ((flags & TcpFlags.Ack) != 0) Char('.');
            if ((flags & TcpFlags.Urg) != 0) Char('U');
            if ((flags & TcpFlags.Ece) != 0) Char('E');
            if ((flags & TcpFlags.Cwr) != 0) Char('W');
            return Char(']');
        }
    }
}
