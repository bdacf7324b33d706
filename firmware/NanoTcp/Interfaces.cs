namespace NanoTcp
{
    /// <summary>Where the engine sends a packet (one IPv4 datagram). The bytes are only valid during the call.</summary>
    public interface ITcpLink
    {
        void Transmit(byte[] packet, int offset, int length);
    }

    /// <summary>The serial log: one event per call. The characters are only valid during the call.</summary>
    public interface ILogSink
    {
        void WriteLine(char[] line, int length);
    }

    /// <summary>Readiness bits passed to <see cref="TcpEventHandler"/> and returned by TcpEngine.Poll.</summary>
    public static class TcpEvents
    {
        /// <summary>Connection reached ESTABLISHED (connect completed).</summary>
        public const int Connected = 1;
        /// <summary>Data or end-of-stream can be read.</summary>
        public const int Readable = 2;
        /// <summary>Send buffer has room.</summary>
        public const int Writable = 4;
        /// <summary>The peer sent FIN: reads return 0 once the buffer is drained.</summary>
        public const int PeerClosed = 8;
        /// <summary>The connection ended (closed, reset or timed out); see GetError.</summary>
        public const int Closed = 16;
        /// <summary>A listener has a connection ready for Accept.</summary>
        public const int Incoming = 32;
        /// <summary>An error is pending (SO_ERROR).</summary>
        public const int Error = 64;
    }

    /// <summary>Called when a handle's readiness changes. handle is a socket handle (listener or connection).</summary>
    public delegate void TcpEventHandler(int handle, int events);

    /// <summary>Directions for Shutdown, as in shutdown(2).</summary>
    public static class ShutdownHow
    {
        public const int Read = 0;
        public const int Write = 1;
        public const int Both = 2;
    }
}
