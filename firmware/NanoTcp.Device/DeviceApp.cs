namespace NanoTcp.Device
{
    /// <summary>
    /// The device: one engine, its services and the status query, driven by a single-threaded
    /// event loop. Each <see cref="Step"/> waits for a datagram or the next deadline (the
    /// engine's timers or a service's), hands everything that arrived to the engine, fires due
    /// timers, lets the services act, then sends the ACKs still owed. Nothing here blocks except the link's wait, and nothing is locked:
    /// the platform calls Step from one thread only.
    /// </summary>
    public sealed class DeviceApp
    {
        /// <summary>Written on the serial log before anything else, with the settings after it.</summary>
        public const string Banner = "NanoTcp device";

        readonly DeviceSettings _settings;
        readonly IDatagramLink _link;
        readonly IClock _clock;
        readonly LogWriter _log;
        readonly LinkRouter _router;
        readonly TcpEngine _engine;
        readonly ServiceHost _services;
        /// <summary>
        /// One buffer for the datagram that arrived, the status reply to it and the services'
        /// scratch space: each is done with it before the next one starts (see <see cref="Step"/>).
        /// </summary>
        readonly byte[] _rx;
        readonly TextBuffer _status;
        readonly TcpInfo _statusInfo = new TcpInfo();
        const int StatusMax = StatusReport.MaxLength; // one unfragmented UDP datagram

        /// <summary>Throws ArgumentException when the settings are invalid (see <see cref="DeviceSettings.Validate"/>).</summary>
        public DeviceApp(DeviceSettings settings, IDatagramLink link, ILogSink serial, IClock clock)
        {
            string bad = settings.Validate();
            if (bad != null) throw new System.ArgumentException(bad);
            _settings = settings;
            _link = link;
            _clock = clock;
            _router = new LinkRouter(link, settings.Tcp.Capacity);
            _engine = new TcpEngine(settings.Tcp, _router, serial);
            _log = _engine.Log;
            // Room for the largest packet the peer may send us (IPv4 and TCP headers with options,
            // and one MSS) and for the status reply.
            int size = 60 + 60 + settings.Tcp.Mss;
            _rx = new byte[size > StatusMax ? size : StatusMax];
            _status = new TextBuffer(_rx, StatusMax);
            _services = new ServiceHost(_engine, settings, _rx);
        }

        public TcpEngine Engine { get { return _engine; } }

        /// <summary>Prints the banner and the settings, then opens the services' listeners.</summary>
        public void Start()
        {
            long now = _clock.NowMs();
            _log.Begin(now).Str(" - BOOT ").Str(Banner).End();
            _settings.WriteBanner(_log, now);
            _log.Begin(now).Str(" - SERVICES");
            for (int i = 0; i < _services.Count; i++) _log.Key(_services.ServiceAt(i).Name).Int(_services.ServiceAt(i).Port);
            _log.Key("farewell_lines").Int(_settings.FarewellLines).Key("farewell_interval_ms").Int(_settings.FarewellIntervalMs).End();
            string bad = _services.Start(now);
            if (bad != null) throw new System.ArgumentException(bad);
            _log.Begin(_clock.NowMs()).Str(" - READY status_query=STATUS").End();
        }

        /// <summary>
        /// One turn of the loop; waits at most maxWaitMs so the caller can check for shutdown.
        /// Hands the engine every datagram already waiting (up to <see cref="MaxDatagramsPerStep"/>),
        /// fires due timers, lets the services read and write, and only then sends the ACKs the
        /// connections owe: one per connection, or none where the services' data carried it.
        /// </summary>
        public void Step(int maxWaitMs)
        {
            long now = _clock.NowMs();
            int endpoint;
            int length = _link.Receive(_rx, WaitMs(now, maxWaitMs), out endpoint);
            now = _clock.NowMs();
            _engine.HoldAcks();
            long opens = _engine.Counters.PassiveOpens;
            for (int n = 1; length >= 0; n++)
            {
                Datagram(now, length, endpoint);
                if (n == MaxDatagramsPerStep) break;
                // A connection just established gets its service's first move before more input:
                // daytime's line and FIN leave in the step that accepted it, so a byte the client
                // sends after the handshake arrives after that close, as with any server.
                if (_engine.Counters.PassiveOpens != opens) break;
                length = _link.Receive(_rx, 0, out endpoint);
                // Each datagram on the clock of its own arrival: a step can take long (a first
                // run's compilation, a slow device), and a stale time would stamp the log, the
                // RTT samples and the timers with a moment long past.
                now = _clock.NowMs();
            }
            now = _clock.NowMs();
            _engine.Tick(now);
            _services.Run(now);
            _engine.FlushAcks(now);
        }

        /// <summary>Datagrams one step takes at most, so timers and services still run under a flood.</summary>
        public const int MaxDatagramsPerStep = 32;

        /// <summary>Time to the next deadline, 0 when one is due, at most maxWaitMs.</summary>
        int WaitMs(long now, int maxWaitMs)
        {
            long next = _engine.NextDeadline;
            long due = _services.NextDeadline;
            if (due < next) next = due;
            if (next <= now) return 0;
            return next - now < maxWaitMs ? (int)(next - now) : maxWaitMs;
        }

        void Datagram(long now, int length, int endpoint)
        {
            if (StatusReport.IsQuery(_rx, length))
            {
                StatusReport.Write(_status, _statusInfo, _engine, _router, now);
                _link.Send(endpoint, _status.Bytes, 0, _status.Length);
                return;
            }
            // Everything else is an IPv4 packet to the engine, which counts and drops what is malformed.
            _router.BeginInput(_rx, 0, length, endpoint);
            _engine.Input(now, _rx, 0, length);
            _router.EndInput();
        }
    }
}
