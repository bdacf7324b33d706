namespace NanoTcp.Device
{
    /// <summary>
    /// Listens on every service's port, accepts connections, and runs each connection's service.
    /// Holds what the services share: the engine, a scratch buffer, and the input/close helpers.
    /// </summary>
    public sealed class ServiceHost
    {
        /// <summary>Echo, discard, daytime, chargen, farewell: each holds one listener slot of the table (no buffers).</summary>
        public const int ServiceCount = 5;

        /// <summary>What <see cref="Discard"/> found.</summary>
        public const int InputWaiting = 0, InputEnded = 1, InputFailed = 2;

        const int AcceptBacklog = 4;

        public readonly TcpEngine Engine;
        /// <summary>For reading and composing; its contents do not survive a call to Run (the device lends its datagram buffer).</summary>
        public readonly byte[] Scratch;
        public readonly TextBuffer Text = new TextBuffer(128);

        readonly Service[] _services;
        readonly Connection[] _connections;

        public ServiceHost(TcpEngine engine, DeviceSettings settings, byte[] scratch)
        {
            Engine = engine;
            Scratch = scratch;
            _services = new Service[]
            {
                new EchoService(), new DiscardService(), new DaytimeService(), new ChargenService(),
                new FarewellService(settings.FarewellLines, settings.FarewellIntervalMs)
            };
            _connections = new Connection[engine.Capacity];
            for (int i = 0; i < _connections.Length; i++) _connections[i] = new Connection();
        }

        public int Count { get { return _services.Length; } }
        public Service ServiceAt(int i) { return _services[i]; }

        /// <summary>Opens every listener. Returns null, or why a port could not be opened.</summary>
        public string Start(long now)
        {
            for (int i = 0; i < _services.Length; i++)
            {
                Service s = _services[i];
                s.Listener = Engine.Listen(now, s.Port, AcceptBacklog);
                if (s.Listener < 0) return s.Name + " port " + s.Port.ToString() + ": " + TcpError.Name(s.Listener);
            }
            return null;
        }

        /// <summary>Accepts what is waiting and lets every connection's service do what it can.</summary>
        public void Run(long now)
        {
            for (int i = 0; i < _services.Length; i++)
            {
                Service s = _services[i];
                int h;
                while ((h = Engine.Accept(now, s.Listener)) >= 0) Adopt(now, s, h);
            }
            for (int i = 0; i < _connections.Length; i++)
            {
                Connection c = _connections[i];
                if (!c.InUse) continue;
                // Reset by the peer or timed out: the handle only needs releasing.
                if ((Engine.Poll(c.Handle) & TcpEvents.Closed) != 0) { Close(now, c); continue; }
                c.Service.Run(this, c, now);
            }
        }

        /// <summary>The earliest deadline any connection's service asked for; long.MaxValue for none.</summary>
        public long NextDeadline
        {
            get
            {
                long d = long.MaxValue;
                for (int i = 0; i < _connections.Length; i++)
                    if (_connections[i].InUse && _connections[i].Due < d) d = _connections[i].Due;
                return d;
            }
        }

        void Adopt(long now, Service s, int handle)
        {
            for (int i = 0; i < _connections.Length; i++)
            {
                Connection c = _connections[i];
                if (c.InUse) continue;
                c.Handle = handle;
                c.Service = s;
                c.Since = now;
                c.Phase = 0;
                c.Progress = 0;
                c.Due = long.MaxValue;
                return;
            }
            Engine.Abort(now, handle); // cannot happen: the engine has no more connections than we have entries
            Engine.Close(now, handle);
        }

        // ---------------------------------------------------------------- helpers for the services

        /// <summary>Reads and drops everything received so far: InputWaiting, InputEnded (the peer's FIN) or InputFailed.</summary>
        public int Discard(long now, Connection c)
        {
            while (true)
            {
                int n = Engine.Receive(now, c.Handle, Scratch, 0, Scratch.Length);
                if (n > 0) continue;
                if (n == 0) return InputEnded;
                return n == -TcpError.WouldBlock ? InputWaiting : InputFailed;
            }
        }

        /// <summary>
        /// Sends text[from..] as far as the send buffer allows. Returns the new position:
        /// text.Length once all of it is queued. Text is ASCII.
        /// </summary>
        public int SendText(long now, Connection c, string text, int from)
        {
            int room = Engine.SendSpace(c.Handle);
            int n = 0;
            while (from + n < text.Length && n < room && n < Scratch.Length) { Scratch[n] = (byte)text[from + n]; n++; }
            if (n == 0) return from;
            int sent = Engine.Send(now, c.Handle, Scratch, 0, n);
            return sent > 0 ? from + sent : from;
        }

        /// <summary>Like SendText, for what <see cref="Text"/> holds.</summary>
        public int SendTextBuffer(long now, Connection c, int from)
        {
            int n = Text.Length - from;
            if (n <= 0) return from;
            int sent = Engine.Send(now, c.Handle, Text.Bytes, from, n);
            return sent > 0 ? from + sent : from;
        }

        /// <summary>close(2): the engine finishes the connection alone. Returns false, for Run to return.</summary>
        public bool Close(long now, Connection c)
        {
            Engine.Close(now, c.Handle);
            c.Handle = -1;
            c.Service = null;
            c.Due = long.MaxValue;
            return false;
        }
    }
}
