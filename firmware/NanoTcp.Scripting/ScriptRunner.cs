using System;
using System.Collections;

namespace NanoTcp.Scripting
{
    /// <summary>
    /// Runs a script against one <see cref="TcpEngine"/> on a virtual clock. The script plays the
    /// remote peer and the application: '&lt;' lines are injected, '&gt;' lines must match what the
    /// engine sends, system calls drive the engine's socket API.
    /// </summary>
    /// <remarks>
    /// Timing. Each event has a script time (absolute, or relative to the previous event's script
    /// time; after a '*' or 'a~b' packet, relative to when it was actually sent, as packetdrill
    /// adjusts). Before a non-outbound event at time T the clock advances to T, running every engine
    /// timer due on the way. An outbound event waits (running timers) until a packet is sent or its
    /// tolerance passes. A packet the engine sends must be consumed by a '&gt;' line: one still
    /// waiting when an event more than --tolerance_usecs later runs, or at the end, fails the
    /// script. A packet sent about when a later event runs may be matched after it, so a
    /// read(...) written between an inbound segment and the ACK it causes still passes.
    /// </remarks>
    public sealed partial class ScriptRunner : ITcpLink, ILogSink
    {
        /// <summary>Port of bind() and of connect()'s remote end.</summary>
        public const int ScriptPort = 8080;
        /// <summary>The peer's port toward an engine that listens.</summary>
        public const int PeerPort = 40000;
        /// <summary>Window of an inbound segment written without 'win'.</summary>
        public const int DefaultWindow = 65535;

        const long NoDeadline = long.MaxValue;
        /// <summary>Longest a '*' packet is waited for while the engine has timers armed.</summary>
        const long AnyTimeLimit = 3600L * 1000000L;

        readonly ILogSink liveLog;
        readonly ScriptResult result = new ScriptResult();
        Script script;
        TcpEngine engine;

        /// <summary>Virtual time, microseconds.</summary>
        long clock;
        /// <summary>Script time of the previous event: relative times count from here.</summary>
        long baseTime;
        /// <summary>OutboundPacket items not matched yet, oldest first.</summary>
        readonly ArrayList outbound = new ArrayList();
        ScriptEvent current;

        // The script's connection. The engine's side is learned from its SYN or SYN-ACK.
        int enginePort = ScriptPort;
        int peerPort = PeerPort;
        uint iss;
        int ipId;

        long lastTickTime = -1;
        int ticksAtSameTime;

        ScriptRunner(ILogSink liveLog)
        {
            this.liveLog = liveLog;
        }

        /// <summary>Runs the script text; never throws.</summary>
        public static ScriptResult Run(string text)
        {
            return Run(text, null);
        }

        /// <summary>Runs the script text, copying each engine log line to liveLog as well; never throws.</summary>
        public static ScriptResult Run(string text, ILogSink liveLog)
        {
            ScriptRunner runner = new ScriptRunner(liveLog);
            runner.Execute(text);
            return runner.result;
        }

        void Execute(string text)
        {
            try
            {
                script = ScriptParser.Parse(text);
                result.Warnings = script.Warnings;
                if (!HasWork(script)) throw new ScriptFailure(0, "the script has no events: nothing to run or check (a packet, a system call or a state check)", null, null);
                engine = new TcpEngine(CreateConfig(), this, this);
                for (int i = 0; i < script.Events.Count; i++)
                {
                    current = (ScriptEvent)script.Events[i];
                    result.Events++;
                    RunEvent(current);
                }
                current = null;
                Finish();
                result.Passed = true;
            }
            catch (ScriptFailure f)
            {
                Fail(f.Line, f.Message, f.Expected, f.Actual, text);
            }
            catch (Exception e)
            {
                Fail(current != null ? current.Line : 0, "the engine or interpreter threw " + e.GetType().FullName + ": " + e.Message, null, null, text);
            }
            result.VirtualMicros = clock;
        }

        /// <summary>Whether any line runs or checks something: a script of comments, options and skipped lines proves nothing.</summary>
        static bool HasWork(Script s)
        {
            for (int i = 0; i < s.Events.Count; i++)
            {
                int kind = ((ScriptEvent)s.Events[i]).Kind;
                if (kind == EventKind.Packet || kind == EventKind.Syscall || kind == EventKind.AssertState) return true;
            }
            return false;
        }

        void Fail(int line, string message, string expected, string actual, string text)
        {
            result.Passed = false;
            result.Line = line;
            result.Message = message;
            result.Expected = expected;
            result.Actual = actual;
            result.SourceLine = SourceLine(text, line);
        }

        static string SourceLine(string text, int line)
        {
            if (text == null || line <= 0) return null;
            string[] lines = text.Split(new char[] { '\n' });
            return line <= lines.Length ? ScriptText.Strip(lines[line - 1]) : null;
        }

        TcpConfig CreateConfig()
        {
            TcpConfig config = new TcpConfig();
            config.LocalAddress = script.LocalAddress;
            int line = 0;
            for (int i = 0; i < script.Settings.Count; i++)
            {
                ScriptSetting s = (ScriptSetting)script.Settings[i];
                line = s.Line;
                if (!config.Set(s.Name, s.Value))
                    throw ScriptFailure.Syntax(s.Line, "unknown option --" + s.Name + " (or " + s.Value.ToString() + " is out of its range)");
            }
            string invalid = config.Validate();
            if (invalid != null) throw ScriptFailure.Syntax(line, "invalid engine settings: " + invalid);
            return config;
        }

        // ---- events ------------------------------------------------------------------------

        void RunEvent(ScriptEvent e)
        {
            long start = e.TimeRelative ? baseTime + e.Time : e.Time;
            if (e.TimeKind != TimeKind.Any && start < baseTime)
                throw new ScriptFailure(e.Line, "time goes backwards: this line is at " + ScriptText.Seconds(start) + " s, the previous one at " + ScriptText.Seconds(baseTime) + " s", null, null);

            if (e.Kind == EventKind.Packet && !((PacketEvent)e).Inbound)
            {
                baseTime = Expect((PacketEvent)e, start, Tolerance(baseTime, start));
                return;
            }
            ArriveAt(start);
            switch (e.Kind)
            {
                case EventKind.Packet:
                    Inject((PacketEvent)e);
                    break;
                case EventKind.Syscall:
                    long end = e.TimeRelative ? baseTime + e.BlockingEnd : e.BlockingEnd;
                    if (e.Blocking && end < start) throw new ScriptFailure(e.Line, "a blocking call cannot return (" + ScriptText.Seconds(end) + " s) before it starts (" + ScriptText.Seconds(start) + " s)", null, null);
                    Call((SyscallEvent)e, start, e.Blocking ? end : start);
                    break;
                case EventKind.AssertState:
                    CheckState((AssertStateEvent)e);
                    break;
                case EventKind.PeerPort:
                    peerPort = ((PeerPortEvent)e).Port;
                    iss = IssFor(peerPort);
                    break;
            }
            baseTime = start;
        }

        /// <summary>--tolerance_usecs or 12.5 % of the gap since the previous event, whichever is larger.</summary>
        long Tolerance(long from, long to)
        {
            long share = (to - from) / 8;
            return share > script.ToleranceMicros ? share : script.ToleranceMicros;
        }

        /// <summary>
        /// Advances to t for a non-outbound event. A packet sent more than --tolerance_usecs
        /// before t that no line took fails here; one sent about now may still be expected by a
        /// later '&gt;' line.
        /// </summary>
        void ArriveAt(long t)
        {
            AdvanceTo(t);
            if (outbound.Count > 0)
            {
                OutboundPacket op = (OutboundPacket)outbound[0];
                if (op.Time < t - script.ToleranceMicros)
                    throw new ScriptFailure(current.Line, "unexpected outbound packet (sent at " + ScriptText.Seconds(op.Time) + " s, before this line at " + ScriptText.Seconds(t) + " s)",
                        "nothing sent before " + ScriptText.Seconds(t) + " s", Format(op));
            }
        }

        void Finish()
        {
            if (pending != null)
            {
                AdvanceTo(pending.End + pending.Tolerance);
                if (pending != null) throw PendingOverdue();
            }
            if (outbound.Count > 0 && script.StrictEnd)
            {
                OutboundPacket op = (OutboundPacket)outbound[0];
                throw new ScriptFailure(0, "unexpected outbound packet after the last line of the script (--" + ScriptParser.StrictEndOption + "=1)", "no more packets", Format(op));
            }
            // As packetdrill: what the engine sends after the last line is not checked, but it is shown.
            for (int i = 0; i < outbound.Count; i++)
                result.Warnings.Add("not checked: sent after the last line at " + ScriptText.Seconds(((OutboundPacket)outbound[i]).Time) + " s: "
                    + Format((OutboundPacket)outbound[i]) + " (--" + ScriptParser.StrictEndOption + "=1 fails the script instead)");
        }

        // ---- packets -----------------------------------------------------------------------

        void Inject(PacketEvent p)
        {
            int optionsLength = p.OptionBytes.Length;
            byte[] packet = new byte[Wire.HeaderLength(optionsLength) + p.Length]; // payload: zeros
            uint ack = p.HasAck ? unchecked((uint)p.Ack + iss) : 0;
            int window = p.HasWindow ? p.Window : DefaultWindow;
            int length = Wire.Build(packet, 0, script.RemoteAddress, script.LocalAddress, peerPort, enginePort,
                (uint)p.Seq, ack, p.Flags, window, p.OptionBytes, optionsLength, p.Length, ipId++);
            engine.Input(Now, packet, 0, length);
            RetryPending();
        }

        /// <summary>Waits for the next outbound packet and checks it against p. Returns the time later relative times count from.</summary>
        long Expect(PacketEvent p, long t, long tolerance)
        {
            long earliest, latest;
            if (p.TimeKind == TimeKind.Any) { earliest = 0; latest = NoDeadline; }
            else if (p.TimeKind == TimeKind.Range)
            {
                long end = p.TimeEndRelative ? baseTime + p.TimeEnd : p.TimeEnd;
                if (end < t) throw new ScriptFailure(p.Line, "the range ends (" + ScriptText.Seconds(end) + " s) before it starts (" + ScriptText.Seconds(t) + " s)", null, null);
                earliest = t - script.ToleranceMicros;
                latest = end + script.ToleranceMicros;
            }
            else { earliest = t - tolerance; latest = t + tolerance; }

            string expected = ExpectedText(p, t);
            WaitForPacket(latest);
            if (outbound.Count == 0)
                throw new ScriptFailure(p.Line, "expected an outbound packet" + (latest == NoDeadline ? "" : " by " + ScriptText.Seconds(latest) + " s") + ", nothing was sent",
                    expected, "nothing sent (clock at " + ScriptText.Seconds(clock) + " s)");

            OutboundPacket op = (OutboundPacket)outbound[0];
            outbound.RemoveAt(0);
            string diff = Differences(p, op);
            if (diff != null) throw new ScriptFailure(p.Line, "outbound packet does not match: " + diff, expected, Format(op));
            if (op.Time < earliest || op.Time > latest)
                throw new ScriptFailure(p.Line, "outbound packet sent at " + ScriptText.Seconds(op.Time) + " s, expected " + WhenText(p, t, earliest, latest), expected, Format(op));
            return p.TimeKind == TimeKind.Any || p.TimeKind == TimeKind.Range ? op.Time : t;
        }

        static string WhenText(PacketEvent p, long t, long earliest, long latest)
        {
            if (p.TimeKind == TimeKind.Range) return "between " + ScriptText.Seconds(earliest) + " and " + ScriptText.Seconds(latest) + " s";
            return "at " + ScriptText.Seconds(t) + " s (tolerance " + ScriptText.Seconds(latest - t) + " s)";
        }

        string ExpectedText(PacketEvent p, long t)
        {
            if (p.TimeKind == TimeKind.Any) return "* " + p.Body;
            if (p.TimeKind == TimeKind.Range) return ScriptText.Seconds(t) + "~" + ScriptText.Seconds(p.TimeEndRelative ? baseTime + p.TimeEnd : p.TimeEnd) + " " + p.Body;
            return ScriptText.Seconds(t) + " " + p.Body;
        }

        /// <summary>Which fields of op differ from the script's packet, or null when it matches.</summary>
        string Differences(PacketEvent p, OutboundPacket op)
        {
            if (op.Malformed != DropReason.None) return "the engine sent a malformed packet (" + DropReason.Name(op.Malformed) + ")";
            Segment s = op.Segment;
            string diff = null;
            if (s.Flags != p.Flags) diff = Add(diff, "flags");
            if (unchecked(s.Seq - IssFor(s.DstPort)) != (uint)p.Seq) diff = Add(diff, "seq");
            if (s.PayloadLength != p.Length) diff = Add(diff, "length");
            if (p.HasAck && (s.Flags & TcpFlags.Ack) != 0 && s.Ack != (uint)p.Ack) diff = Add(diff, "ack");
            if (p.HasWindow && s.Window != p.Window) diff = Add(diff, "win");
            if (p.Ecn >= 0 && (op.Bytes[1] & 3) != p.Ecn) diff = Add(diff, "ecn"); // the IPv4 header's second byte: DSCP and ECN
            if (p.Options != null && !TcpOption.SameMeaning(p.Options, op.Options)) diff = Add(diff, "options");
            if (s.SrcAddr != script.LocalAddress || s.DstAddr != script.RemoteAddress || s.SrcPort != enginePort || s.DstPort != peerPort)
                diff = Add(diff, "addresses/ports");
            // With no <...> written, options the engine adds are accepted (packetdrill would
            // require <...>): our engine sends MSS on every SYN, and scripts stay shorter.
            return diff;
        }

        static string Add(string list, string item) { return list == null ? item : list + ", " + item; }

        string Format(OutboundPacket op)
        {
            return op.Format(IssFor(op.Segment.DstPort), script.LocalAddress, enginePort, script.RemoteAddress, peerPort);
        }

        // ---- flows: one ISS per peer port ("%{ peer_port = N }%" switches between them) ----------

        readonly int[] flowPorts = new int[256];
        readonly uint[] flowIss = new uint[256];
        int flowCount;

        void RememberIss(int port, uint value)
        {
            for (int i = 0; i < flowCount; i++)
                if (flowPorts[i] == port) { flowIss[i] = value; return; }
            if (flowCount == flowPorts.Length) return;
            flowPorts[flowCount] = port;
            flowIss[flowCount++] = value;
        }

        /// <summary>The engine's ISS on the connection to a peer port; 0 until its SYN or SYN-ACK was seen.</summary>
        uint IssFor(int port)
        {
            for (int i = 0; i < flowCount; i++)
                if (flowPorts[i] == port) return flowIss[i];
            return 0;
        }

        // ---- time --------------------------------------------------------------------------

        long Now { get { return clock / 1000; } }

        /// <summary>The engine's next timer in microseconds, NoDeadline when none.</summary>
        long NextDeadline()
        {
            long ms = engine.NextDeadline;
            if (ms == long.MaxValue || ms > long.MaxValue / 1000 - 1) return NoDeadline;
            return ms * 1000;
        }

        /// <summary>Runs every timer due up to t, then sets the clock to t.</summary>
        void AdvanceTo(long t)
        {
            while (true)
            {
                long d = NextDeadline();
                if (d == NoDeadline || d > t) break;
                Tick(d);
            }
            if (t > clock) clock = t;
            if (pending != null && clock > pending.End + pending.Tolerance) throw PendingOverdue();
        }

        /// <summary>Runs timers until a packet is sent or latest passes (for NoDeadline: until no timer is armed).</summary>
        void WaitForPacket(long latest)
        {
            long limit = latest == NoDeadline ? clock + AnyTimeLimit : latest;
            while (outbound.Count == 0)
            {
                long d = NextDeadline();
                if (d == NoDeadline || d > limit) break;
                Tick(d);
            }
            if (outbound.Count == 0 && latest != NoDeadline && latest > clock) clock = latest;
            if (pending != null && clock > pending.End + pending.Tolerance) throw PendingOverdue();
        }

        void Tick(long deadline)
        {
            if (deadline < clock) deadline = clock;
            if (deadline == lastTickTime)
            {
                if (++ticksAtSameTime > 10000)
                    throw new ScriptFailure(current != null ? current.Line : 0, "engine timers do not advance: NextDeadline stays at " + (deadline / 1000).ToString() + " ms after Tick", null, null);
            }
            else { lastTickTime = deadline; ticksAtSameTime = 0; }
            clock = deadline;
            engine.Tick(Now);
            RetryPending();
            if (pending != null && clock > pending.End + pending.Tolerance) throw PendingOverdue();
        }

        // ---- ITcpLink, ILogSink ------------------------------------------------------------

        public void Transmit(byte[] packet, int offset, int length)
        {
            OutboundPacket op = new OutboundPacket(clock, packet, offset, length);
            if (op.Malformed == DropReason.None && op.Segment.Has(TcpFlags.Syn) && op.Segment.DstAddr == script.RemoteAddress)
            {
                // The engine's SYN or SYN-ACK: the ISS of that flow, and (for connect) the engine's port.
                RememberIss(op.Segment.DstPort, op.Segment.Seq);
                bool activeOpen = !op.Segment.Has(TcpFlags.Ack); // connect(): the script's connection by definition
                if (activeOpen) peerPort = op.Segment.DstPort;
                if (op.Segment.DstPort == peerPort)
                {
                    iss = op.Segment.Seq;
                    enginePort = op.Segment.SrcPort;
                }
            }
            outbound.Add(op);
        }

        public void WriteLine(char[] line, int length)
        {
            result.Log.Add(new string(line, 0, length));
            if (liveLog != null) liveLog.WriteLine(line, length);
        }

        // ---- %{ assert tcpi_state == ... }% --------------------------------------------------

        static readonly string[] LinuxStateNames =
        {
            "TCP_CLOSE", "TCP_LISTEN", "TCP_SYN_SENT", "TCP_SYN_RECV", "TCP_ESTABLISHED", "TCP_FIN_WAIT1",
            "TCP_FIN_WAIT2", "TCP_CLOSE_WAIT", "TCP_CLOSING", "TCP_LAST_ACK", "TCP_TIME_WAIT"
        };

        /// <summary>FreeBSD's names (tcp_info's TCPI_ and the kernel's TCPS_ spell them alike), in TcpState order.</summary>
        static readonly string[] FreeBsdStateNames =
        {
            "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
            "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"
        };

        /// <summary>A state's name in the family the script wrote it in (Linux TCP_, FreeBSD TCPI_ or TCPS_).</summary>
        static string StateName(int state, string written)
        {
            if (state < 0 || state >= LinuxStateNames.Length) return "state " + state.ToString();
            if (written != null && (written.StartsWith("TCPI_") || written.StartsWith("TCPS_"))) return written.Substring(0, 5) + FreeBsdStateNames[state];
            return LinuxStateNames[state];
        }

        /// <summary>
        /// tcpi_state of the socket under test: the connection of the current flow (even after the
        /// application closed it), or the listening socket while that flow has no connection yet,
        /// as packetdrill asks the listener until a SYN makes a child.
        /// </summary>
        void CheckState(AssertStateEvent a)
        {
            int state = (int)engine.StateOf(enginePort, script.RemoteAddress, peerPort);
            bool listener = state == (int)TcpState.Closed && IssFor(peerPort) == 0 && Listening();
            if (listener) state = (int)TcpState.Listen;
            if (state != a.State)
                throw new ScriptFailure(a.Line, (listener ? "the listener on port " + enginePort.ToString() : "connection " + Ipv4.ToText(script.LocalAddress) + ":" + enginePort.ToString() + " <-> "
                    + Ipv4.ToText(script.RemoteAddress) + ":" + peerPort.ToString()) + " is in the wrong state at " + ScriptText.Seconds(clock) + " s",
                    "tcpi_state == " + StateName(a.State, a.StateName), "tcpi_state == " + StateName(state, a.StateName));
        }
    }
}
