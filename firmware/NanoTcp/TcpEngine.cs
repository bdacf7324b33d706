namespace NanoTcp
{
    /// <summary>
    /// A TCP endpoint (RFC 9293) over a fixed connection table. Pure: every call takes the time
    /// (monotonic ms); packets leave through <see cref="ITcpLink"/>, events through
    /// <see cref="ILogSink"/> and <see cref="OnEvent"/>. No threads, no clock, no I/O of its own.
    /// </summary>
    public sealed partial class TcpEngine
    {
        public TcpEngine(TcpConfig config, ITcpLink link, ILogSink log) { }

        public TcpConfig Config { get { return null; } }
        public TcpCounters Counters { get { return null; } }
        public TcpEventHandler OnEvent;

        /// <summary>Handles one inbound IPv4 datagram.</summary>
        public void Input(long now, byte[] packet, int offset, int length) { }
        /// <summary>Runs every timer due at or before now.</summary>
        public void Tick(long now) { }
        /// <summary>Earliest armed timer, long.MaxValue when none.</summary>
        public long NextDeadline { get { return long.MaxValue; } }

        public int Listen(long now, int port, int backlog) { return -TcpError.Invalid; }
        public int Accept(long now, int listener) { return -TcpError.Invalid; }
        public int Connect(long now, int localPort, uint remoteAddress, int remotePort) { return -TcpError.Invalid; }
        public int Send(long now, int handle, byte[] data, int offset, int length) { return -TcpError.Invalid; }
        public int Receive(long now, int handle, byte[] data, int offset, int length) { return -TcpError.Invalid; }
        public int Shutdown(long now, int handle, int how) { return -TcpError.Invalid; }
        public int Close(long now, int handle) { return -TcpError.Invalid; }
        public int Abort(long now, int handle) { return -TcpError.Invalid; }
        public int SetLinger(int handle, bool on, int seconds) { return -TcpError.Invalid; }
        public int TakeError(int handle) { return -TcpError.Invalid; }
        public int Poll(int handle) { return 0; }
        public TcpState StateOf(int handle) { return TcpState.Closed; }
        public TcpState StateOf(int localPort, uint remoteAddress, int remotePort) { return TcpState.Closed; }
        public int LocalPort(int handle) { return 0; }
        public int RemotePort(int handle) { return 0; }
        public uint RemoteAddress(int handle) { return 0; }
    }
}
