namespace NanoTcp.Device
{
    /// <summary>One accepted connection and how far its service has got with it.</summary>
    public sealed class Connection
    {
        public int Handle = -1;
        public Service Service;
        /// <summary>When the connection was accepted (ms).</summary>
        public long Since;
        /// <summary>Service-defined: which part of its conversation the service is in.</summary>
        public int Phase;
        /// <summary>Service-defined: bytes or lines sent in the current phase.</summary>
        public int Progress;
        /// <summary>When the service wants to run again even if nothing arrives (ms); long.MaxValue for never.</summary>
        public long Due = long.MaxValue;

        public bool InUse { get { return Handle >= 0; } }
    }

    /// <summary>
    /// A service on one port. <see cref="Run"/> is called for each of its connections whenever
    /// the engine may have changed something (a datagram, a timer, the connection's own deadline)
    /// and does whatever can be done without waiting: the services never block or sleep.
    /// </summary>
    public abstract class Service
    {
        public readonly string Name;
        public readonly int Port;
        /// <summary>The listener handle, once listening.</summary>
        public int Listener = -1;

        protected Service(string name, int port) { Name = name; Port = port; }

        /// <summary>Moves the connection on. Returns false once the service has closed the handle.</summary>
        public abstract bool Run(ServiceHost host, Connection c, long now);
    }
}
