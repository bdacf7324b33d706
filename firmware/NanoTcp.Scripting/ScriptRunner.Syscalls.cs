using System.Collections;

namespace NanoTcp.Scripting
{
    /// <summary>A descriptor of the script: a listener or a connection handle of the engine.</summary>
    sealed class ScriptSocket
    {
        public int Fd;
        /// <summary>The engine's handle, -1 before listen/connect/accept.</summary>
        public int Handle = -1;
        public bool Listener;
        public bool NonBlocking;
        /// <summary>Port from bind(), 0 when unbound.</summary>
        public int Port;
        public bool LingerSet, LingerOn;
        public int LingerSeconds;
        /// <summary>Options set before the engine has a handle (indexed by SocketOption), applied at listen or connect.</summary>
        public readonly int[] OptionValue = new int[16];
        public readonly bool[] OptionSet = new bool[16];

        public bool Connection { get { return Handle >= 0 && !Listener; } }
    }

    /// <summary>A system call in progress: done at once, or blocked until the engine lets it finish.</summary>
    sealed class PendingCall
    {
        public readonly SyscallEvent Event;
        public readonly long Start, End, Tolerance;
        /// <summary>connect: the engine call has been made. write: bytes accepted so far.</summary>
        public bool Started;
        public int Progress;
        public long Return;
        public int Errno;
        /// <summary>getsockopt: the option's value.</summary>
        public long Value;

        public PendingCall(SyscallEvent e, long start, long end, long tolerance)
        {
            Event = e;
            Start = start;
            End = end;
            Tolerance = tolerance;
        }
    }

    public sealed partial class ScriptRunner
    {
        /// <summary>ScriptSocket items.</summary>
        readonly ArrayList sockets = new ArrayList();
        /// <summary>The blocking call in progress ("a...b"), or null.</summary>
        PendingCall pending;
        byte[] sendBuffer = new byte[0];
        byte[] receiveBuffer = new byte[0];

        void Call(SyscallEvent s, long start, long end)
        {
            if (pending != null)
                throw new ScriptFailure(s.Line, s.Name + " called while the blocking " + pending.Event.Name + " of line " + pending.Event.Line.ToString()
                    + " has not returned yet (it is expected at " + ScriptText.Seconds(pending.End) + " s)", null, null);
            PendingCall call = new PendingCall(s, start, end, Tolerance(start, end));
            if (Attempt(call)) { Complete(call); return; }
            if (!s.Blocking)
                throw new ScriptFailure(s.Line, s.CallText + " would block at " + ScriptText.Seconds(clock)
                    + " s: write its time as 'start...end' (e.g. +0...0.100) for a blocking call, or set O_NONBLOCK with fcntl",
                    s.CallText + " " + ReturnText(s.ExpectedReturn, s.ExpectedErrno), s.CallText + " blocks");
            pending = call;
        }

        /// <summary>Gives a blocked call another try after the engine did something.</summary>
        void RetryPending()
        {
            if (pending == null || !Attempt(pending)) return;
            PendingCall call = pending;
            pending = null;
            Complete(call);
        }

        ScriptFailure PendingOverdue()
        {
            SyscallEvent s = pending.Event;
            return new ScriptFailure(s.Line, s.CallText + " is still blocked at " + ScriptText.Seconds(clock) + " s; it should have returned at "
                + ScriptText.Seconds(pending.End) + " s (tolerance " + ScriptText.Seconds(pending.Tolerance) + " s)",
                s.CallText + " " + ReturnText(s.ExpectedReturn, s.ExpectedErrno), s.CallText + " still blocked");
        }

        /// <summary>Checks when the call returned (blocking calls) and what it returned.</summary>
        void Complete(PendingCall call)
        {
            SyscallEvent s = call.Event;
            string expected = s.CallText + " " + ReturnText(s.ExpectedReturn, s.ExpectedErrno);
            string actual = s.CallText + " " + ReturnText(call.Return, call.Errno);
            if (s.Blocking && (clock < call.End - call.Tolerance || clock > call.End + call.Tolerance))
                throw new ScriptFailure(s.Line, s.Name + " returned at " + ScriptText.Seconds(clock) + " s, expected at " + ScriptText.Seconds(call.End)
                    + " s (tolerance " + ScriptText.Seconds(call.Tolerance) + " s)", expected, actual);
            bool same = call.Return == s.ExpectedReturn && (s.ExpectedErrno == 0 || call.Errno == s.ExpectedErrno);
            if (!same) throw new ScriptFailure(s.Line, s.Name + " returned " + ReturnText(call.Return, call.Errno).Substring(2) + ", expected " + ReturnText(s.ExpectedReturn, s.ExpectedErrno).Substring(2), expected, actual);
            if (s.Name == "getsockopt" && s.OptionId == 0 && call.Value != s.Value2)
                throw new ScriptFailure(s.Line, "SO_ERROR is " + ErrnoText(call.Value) + ", expected " + ErrnoText(s.Value2),
                    "SO_ERROR = " + ErrnoText(s.Value2), "SO_ERROR = " + ErrnoText(call.Value));
            if (s.Name == "getsockopt" && s.OptionId != 0 && call.Return == 0 && call.Value != s.Value2)
                throw new ScriptFailure(s.Line, s.Option + " is " + call.Value.ToString() + ", expected " + s.Value2.ToString(),
                    s.Option + " = " + s.Value2.ToString(), s.Option + " = " + call.Value.ToString());
        }

        static string ReturnText(long value, int errno)
        {
            if (value == -1 && errno != 0) return "= -1 " + ErrnoText(errno);
            return "= " + value.ToString();
        }

        static string ErrnoText(long errno)
        {
            string name = TcpError.Name((int)errno);
            return errno == 0 || name == "E?" ? errno.ToString() : name;
        }

        // ---- the calls ---------------------------------------------------------------------

        /// <summary>Runs (or retries) a call; false while it would block.</summary>
        bool Attempt(PendingCall c)
        {
            SyscallEvent s = c.Event;
            if (s.Name == "socket") return Done(c, Allocate().Fd);
            ScriptSocket sock = Find(s.Fd);
            if (sock == null) return Error(c, TcpError.BadHandle);
            switch (s.Name)
            {
                case "bind":
                    if (sock.Port != 0 || sock.Handle >= 0) return Error(c, TcpError.Invalid);
                    sock.Port = ScriptPort;
                    return Done(c, 0);
                case "listen": return Listen(c, sock);
                case "accept": return Accept(c, sock);
                case "connect": return Connect(c, sock);
                case "write":
                case "send": return Write(c, sock);
                case "read":
                case "recv": return Read(c, sock);
                case "shutdown":
                    if (!sock.Connection) return Error(c, TcpError.NotConnected);
                    return Status(c, engine.Shutdown(Now, sock.Handle, (int)s.Value));
                case "close":
                    sockets.Remove(sock);
                    return sock.Handle < 0 ? Done(c, 0) : Status(c, engine.Close(Now, sock.Handle));
                case "setsockopt": return SetOption(c, sock);
                case "getsockopt":
                    if (s.OptionId != 0) return GetOption(c, sock);
                    int err = sock.Connection ? engine.TakeError(sock.Handle) : 0;
                    if (err < 0) return Error(c, -err);
                    c.Value = err;
                    return Done(c, 0);
                case "fcntl":
                    if (s.Option == "F_GETFL") return Done(c, ScriptParser.ORdWr | (sock.NonBlocking ? ScriptParser.ONonBlock : 0));
                    sock.NonBlocking = (s.Value & ScriptParser.ONonBlock) != 0;
                    return Done(c, 0);
            }
            throw new ScriptFailure(s.Line, "unknown system call '" + s.Name + "'", null, null);
        }

        bool Listen(PendingCall c, ScriptSocket sock)
        {
            if (sock.Listener) return Done(c, 0); // a second listen() only changes the backlog
            if (sock.Handle >= 0) return Error(c, TcpError.Invalid);
            int port = sock.Port != 0 ? sock.Port : ScriptPort;
            int h = OpenWithOptions(sock);
            if (h < 0) return Error(c, -h);
            int r = engine.Listen(Now, h, port, (int)c.Event.Value);
            if (r < 0) { engine.Close(Now, h); return Error(c, -r); }
            sock.Handle = h;
            sock.Listener = true;
            enginePort = port;
            peerPort = PeerPort;
            return Done(c, 0);
        }

        bool Accept(PendingCall c, ScriptSocket listener)
        {
            if (!listener.Listener) return Error(c, TcpError.Invalid);
            int h = engine.Accept(Now, listener.Handle);
            if (h == -TcpError.WouldBlock) return listener.NonBlocking ? Error(c, TcpError.WouldBlock) : false;
            if (h < 0) return Error(c, -h);
            ScriptSocket sock = Allocate();
            sock.Handle = h;
            if (listener.LingerSet) engine.SetLinger(sock.Handle, listener.LingerOn, listener.LingerSeconds); // inherited, as on Linux
            return Done(c, sock.Fd);
        }

        bool Connect(PendingCall c, ScriptSocket sock)
        {
            if (!c.Started)
            {
                c.Started = true;
                if (sock.Listener) return Error(c, TcpError.Invalid);
                if (sock.Handle >= 0)
                {
                    // connect() again on a connecting or connected socket.
                    int err = engine.TakeError(sock.Handle);
                    if (err > 0) return Error(c, err);
                    TcpState st = engine.StateOf(sock.Handle);
                    return Error(c, st == TcpState.SynSent || st == TcpState.SynReceived ? TcpError.Already : TcpError.IsConnected);
                }
                int h = OpenWithOptions(sock);
                if (h < 0) return Error(c, -h);
                int r = engine.Connect(Now, h, sock.Port, script.RemoteAddress, ScriptPort);
                if (r < 0) { engine.Close(Now, h); return Error(c, -r); }
                sock.Handle = h;
                int local = engine.LocalPort(h);
                if (local > 0) enginePort = local;
                peerPort = ScriptPort;
                if (sock.LingerSet) engine.SetLinger(h, sock.LingerOn, sock.LingerSeconds);
                if (sock.NonBlocking) return IsEstablished(sock) ? Done(c, 0) : Error(c, TcpError.InProgress);
            }
            if (IsEstablished(sock)) return Done(c, 0);
            int error = engine.TakeError(sock.Handle);
            if (error > 0) return Error(c, error);
            if (engine.StateOf(sock.Handle) == TcpState.Closed) return Error(c, TcpError.ConnectionAborted);
            return false;
        }

        /// <summary>ESTABLISHED or any later state: the handshake is complete.</summary>
        bool IsEstablished(ScriptSocket sock)
        {
            return (int)engine.StateOf(sock.Handle) >= (int)TcpState.Established;
        }

        /// <summary>Like a blocking write(2): returns when every byte is accepted; non-blocking: what fits.</summary>
        bool Write(PendingCall c, ScriptSocket sock)
        {
            if (!sock.Connection) return Error(c, TcpError.Pipe);
            int total = (int)c.Event.Value;
            while (c.Progress < total)
            {
                int want = total - c.Progress;
                if (sendBuffer.Length < want) sendBuffer = new byte[want];
                int r = engine.Send(Now, sock.Handle, sendBuffer, 0, want);
                if (r > 0) { c.Progress += r; continue; }
                if (r == 0 || r == -TcpError.WouldBlock)
                {
                    if (!sock.NonBlocking) return false;
                    return c.Progress > 0 ? Done(c, c.Progress) : Error(c, TcpError.WouldBlock);
                }
                return c.Progress > 0 ? Done(c, c.Progress) : Error(c, -r);
            }
            return Done(c, total);
        }

        bool Read(PendingCall c, ScriptSocket sock)
        {
            if (!sock.Connection) return Error(c, TcpError.NotConnected);
            int n = (int)c.Event.Value;
            if (receiveBuffer.Length < n) receiveBuffer = new byte[n];
            int r = engine.Receive(Now, sock.Handle, receiveBuffer, 0, n);
            if (r >= 0) return Done(c, r);
            if (r == -TcpError.WouldBlock) return sock.NonBlocking ? Error(c, TcpError.WouldBlock) : false;
            return Error(c, -r);
        }

        /// <summary>An engine socket with the options the script set before listen or connect, so they reach the first SYN.</summary>
        int OpenWithOptions(ScriptSocket sock)
        {
            int h = engine.Open(Now);
            if (h < 0) return h;
            for (int id = 0; id < sock.OptionSet.Length; id++)
            {
                if (!sock.OptionSet[id]) continue;
                int r = engine.SetOption(Now, h, id, sock.OptionValue[id]);
                if (r < 0) { engine.Close(Now, h); return r; }
            }
            return h;
        }

        /// <summary>An option in engine units, or -EINVAL when it does not fit.</summary>
        static long EngineValue(SyscallEvent s)
        {
            long v = s.Value * s.OptionScale;
            return v < 0 || v > int.MaxValue ? -TcpError.Invalid : v;
        }

        bool GetOption(PendingCall c, ScriptSocket sock)
        {
            SyscallEvent s = c.Event;
            int id = s.OptionId;
            int v;
            if (sock.Handle >= 0) v = engine.GetOption(sock.Handle, id);
            else
            {
                // No engine socket yet: what was set, else the engine's default; buffers within the slot's.
                int standard = engine.DefaultOption(id);
                v = sock.OptionSet[id] ? sock.OptionValue[id] : standard;
                if ((id == SocketOption.RcvBuf || id == SocketOption.SndBuf) && v > standard) v = standard;
            }
            if (v < 0) return Error(c, -v);
            c.Value = v / s.OptionScale;
            return Done(c, 0);
        }

        bool SetOption(PendingCall c, ScriptSocket sock)
        {
            SyscallEvent s = c.Event;
            if (s.Option == "SO_REUSEADDR") return Done(c, 0); // nothing to do: the engine never refuses a port for TIME_WAIT
            if (s.OptionId != 0)
            {
                long value = EngineValue(s);
                if (value < 0) return Error(c, TcpError.Invalid);
                if (sock.Handle >= 0) return Status(c, engine.SetOption(Now, sock.Handle, s.OptionId, (int)value));
                int bad = SocketOption.Check(s.OptionId, (int)value);
                if (bad < 0) return Error(c, -bad);
                sock.OptionSet[s.OptionId] = true;
                sock.OptionValue[s.OptionId] = (int)value;
                return Done(c, 0);
            }
            // SO_LINGER: kept on the socket; a listener passes it to the connections it accepts.
            sock.LingerSet = true;
            sock.LingerOn = s.Value != 0;
            sock.LingerSeconds = (int)s.Value2;
            if (!sock.Connection) return Done(c, 0);
            return Status(c, engine.SetLinger(sock.Handle, sock.LingerOn, sock.LingerSeconds));
        }

        static bool Done(PendingCall c, long value)
        {
            c.Return = value;
            c.Errno = 0;
            return true;
        }

        static bool Error(PendingCall c, int errno)
        {
            c.Return = -1;
            c.Errno = errno;
            return true;
        }

        /// <summary>0 for a non-negative engine result, else -1 with its errno.</summary>
        static bool Status(PendingCall c, int engineResult)
        {
            return engineResult < 0 ? Error(c, -engineResult) : Done(c, 0);
        }

        /// <summary>Whether a script socket listens on the engine's port.</summary>
        bool Listening()
        {
            for (int i = 0; i < sockets.Count; i++)
            {
                ScriptSocket s = (ScriptSocket)sockets[i];
                if (s.Listener && engine.LocalPort(s.Handle) == enginePort) return true;
            }
            return false;
        }

        ScriptSocket Find(int fd)
        {
            for (int i = 0; i < sockets.Count; i++)
            {
                ScriptSocket s = (ScriptSocket)sockets[i];
                if (s.Fd == fd) return s;
            }
            return null;
        }

        /// <summary>A new socket on the lowest free descriptor from 3 up, as a Linux process gets.</summary>
        ScriptSocket Allocate()
        {
            int fd = 3;
            while (Find(fd) != null) fd++;
            ScriptSocket s = new ScriptSocket();
            s.Fd = fd;
            sockets.Add(s);
            return s;
        }
    }
}
