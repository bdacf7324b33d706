using System.Collections;

namespace NanoTcp.Scripting
{
    /// <summary>
    /// Turns script text (packetdrill dialect) into a <see cref="Script"/>. Every syntax error is
    /// a <see cref="ScriptFailure"/> carrying the line number.
    /// </summary>
    public static class ScriptParser
    {
        public static Script Parse(string text)
        {
            Script script = new Script();
            ArrayList lines = LogicalLines(text == null ? "" : text);
            for (int i = 0; i < lines.Count; i++)
            {
                LogicalLine l = (LogicalLine)lines[i];
                if (l.Text.StartsWith("--"))
                {
                    if (script.Events.Count > 0) throw ScriptFailure.Syntax(l.Number, "option lines (--name=value) must come before the first event");
                    ParseOptionLine(script, l.Text, l.Number);
                    continue;
                }
                ScriptEvent e = ParseEvent(l.Text, l.Number, script.Warnings);
                script.Events.Add(e);
            }
            return script;
        }

        // ---- lines and comments ------------------------------------------------------------

        sealed class LogicalLine
        {
            public int Number;
            public string Text;
            public LogicalLine(int number, string text) { Number = number; Text = text; }
        }

        /// <summary>
        /// Removes // and /* */ comments (not inside %{ }% or `...`), then joins the lines of a
        /// %{ }% block into one. Blank lines are dropped; line numbers are kept.
        /// </summary>
        static ArrayList LogicalLines(string text)
        {
            char[] c = text.ToCharArray();
            const int Normal = 0, BlockComment = 1, Code = 2, Shell = 3;
            int mode = Normal, line = 1, modeLine = 0;
            for (int i = 0; i < c.Length; i++)
            {
                char ch = c[i];
                char next = i + 1 < c.Length ? c[i + 1] : '\0';
                if (ch == '\n') line++;
                switch (mode)
                {
                    case Normal:
                        if (ch == '/' && next == '/') { while (i < c.Length && c[i] != '\n') c[i++] = ' '; i--; }
                        else if (ch == '/' && next == '*') { c[i] = ' '; c[i + 1] = ' '; i++; mode = BlockComment; modeLine = line; }
                        else if (ch == '%' && next == '{') { i++; mode = Code; modeLine = line; }
                        else if (ch == '`') { mode = Shell; modeLine = line; }
                        break;
                    case BlockComment:
                        if (ch == '*' && next == '/') { c[i] = ' '; c[i + 1] = ' '; i++; mode = Normal; }
                        else if (ch != '\n') c[i] = ' ';
                        break;
                    case Code:
                        if (ch == '}' && next == '%') { i++; mode = Normal; }
                        break;
                    case Shell:
                        if (ch == '`') mode = Normal;
                        break;
                }
            }
            if (mode == BlockComment) throw ScriptFailure.Syntax(modeLine, "unterminated /* comment");
            if (mode == Code) throw ScriptFailure.Syntax(modeLine, "unterminated %{ block (no }%)");
            if (mode == Shell) throw ScriptFailure.Syntax(modeLine, "unterminated `shell command`");

            ArrayList result = new ArrayList();
            string[] physical = new string(c).Split(new char[] { '\n' });
            for (int n = 0; n < physical.Length; n++)
            {
                string s = ScriptText.Strip(physical[n]);
                if (s.Length == 0) continue;
                int first = n + 1;
                int open = s.IndexOf("%{");
                if (s.IndexOf('`') >= 0 && (open < 0 || s.IndexOf('`') < open) && Count(s, '`') % 2 == 1)
                {
                    // A `shell command` over several lines (packetdrill allows it): one event at its first line.
                    while (++n < physical.Length)
                    {
                        s = s + "\n" + physical[n];
                        if (physical[n].IndexOf('`') >= 0) break;
                    }
                    s = ScriptText.Strip(s);
                }
                else if (open >= 0 && s.IndexOf("}%", open) < 0)
                {
                    // A %{ }% block over several lines: one event at its first line.
                    while (++n < physical.Length)
                    {
                        s = s + "\n" + physical[n];
                        if (physical[n].IndexOf("}%") >= 0) break;
                    }
                    s = ScriptText.Strip(s);
                }
                result.Add(new LogicalLine(first, s));
            }
            return result;
        }

        static int Count(string s, char c)
        {
            int n = 0;
            for (int i = 0; i < s.Length; i++) if (s[i] == c) n++;
            return n;
        }

        // ---- option lines ------------------------------------------------------------------

        /// <summary>"--strict_end=1": a packet the engine sends after the last line fails the script (packetdrill does not check them).</summary>
        public const string StrictEndOption = "strict_end";

        static void ParseOptionLine(Script script, string text, int line)
        {
            string[] words = text.Split(new char[] { ' ', '\t' });
            for (int i = 0; i < words.Length; i++)
            {
                string w = ScriptText.Strip(words[i]);
                if (w.Length == 0) continue;
                int eq = w.IndexOf('=');
                if (!w.StartsWith("--") || eq < 3) throw ScriptFailure.Syntax(line, "expected --name=value but found '" + w + "'");
                string name = w.Substring(2, eq - 2);
                string value = w.Substring(eq + 1);
                if (name == "local_ip" || name == "remote_ip")
                {
                    uint address;
                    if (!Ipv4.TryParse(value, out address)) throw ScriptFailure.Syntax(line, "--" + name + " needs an IPv4 address, not '" + value + "'");
                    if (name == "local_ip") script.LocalAddress = address; else script.RemoteAddress = address;
                    continue;
                }
                if (name == "ip_version")
                {
                    // packetdrill's address family: NanoTcp is IPv4 only.
                    if (value != "ipv4") throw ScriptFailure.Syntax(line, "--ip_version=" + value + " is not supported: NanoTcp speaks IPv4 only (--ip_version=ipv4)");
                    continue;
                }
                long v;
                if (!ScriptText.TryParseLong(value, out v)) throw ScriptFailure.Syntax(line, "--" + name + " needs a number, not '" + value + "'");
                if (name == "tolerance_usecs")
                {
                    if (v < 0) throw ScriptFailure.Syntax(line, "--tolerance_usecs must not be negative");
                    script.ToleranceMicros = v;
                }
                else if (name == StrictEndOption)
                {
                    if (v != 0 && v != 1) throw ScriptFailure.Syntax(line, "--" + StrictEndOption + " takes 0 or 1");
                    script.StrictEnd = v == 1;
                }
                else script.Settings.Add(new ScriptSetting(line, name, v));
            }
        }

        // ---- events ------------------------------------------------------------------------

        static ScriptEvent ParseEvent(string text, int line, ArrayList warnings)
        {
            Cursor c = new Cursor(text, line);
            c.SkipSpaces();
            ScriptEvent timing = new ScriptEvent();
            char first = c.Peek;
            if (first == '%' || first == '`')
            {
                timing.TimeKind = TimeKind.Relative; // packetdrill writes a time here; "+0" when left out
                timing.TimeRelative = true;
            }
            else ParseTime(c, timing);

            c.SkipSpaces();
            int bodyStart = c.Position;
            ScriptEvent e;
            char k = c.Peek;
            if (k == '<' || k == '>') e = ParsePacket(c, line);
            else if (k == '%' && c.PeekAt(1) == '{') e = ParseCodeBlock(c.Rest(), line, warnings);
            else if (k == '`')
            {
                e = new ScriptEvent();
                e.Kind = EventKind.Skipped;
                warnings.Add("line " + line.ToString() + ": shell command skipped: " + ScriptText.OneLine(c.Rest()));
            }
            else if (ScriptText.IsIdentStart(k)) e = ParseSyscall(c, line);
            else throw c.Error("expected a packet ('<' or '>'), a system call or %{ }% after the time, but found " + c.Describe());

            e.Line = line;
            e.Text = text;
            e.Body = ScriptText.Strip(text.Substring(bodyStart));
            e.TimeKind = timing.TimeKind;
            e.Time = timing.Time;
            e.TimeRelative = timing.TimeRelative;
            e.TimeEnd = timing.TimeEnd;
            e.TimeEndRelative = timing.TimeEndRelative;
            e.Blocking = timing.Blocking;
            e.BlockingEnd = timing.BlockingEnd;

            bool outbound = e.Kind == EventKind.Packet && !((PacketEvent)e).Inbound;
            if ((e.TimeKind == TimeKind.Any || e.TimeKind == TimeKind.Range) && !outbound)
                throw ScriptFailure.Syntax(line, "only outbound packets ('>') may use '*' or 'a~b' times");
            if (e.Blocking && e.Kind != EventKind.Syscall)
                throw ScriptFailure.Syntax(line, "only system calls may use 'a...b' (blocking) times");
            return e;
        }

        /// <summary>"0.1", "+0.1", "*", "a~b", "+a~+b", "a...b", "+a...b".</summary>
        static void ParseTime(Cursor c, ScriptEvent e)
        {
            if (c.TryChar('*')) { e.TimeKind = TimeKind.Any; return; }
            char p = c.Peek;
            if (p != '+' && p != '.' && !ScriptText.IsDigit(p)) throw c.Error("expected a time (e.g. 0.100 or +0.1) at the start of the line, but found " + c.Describe());
            e.TimeRelative = c.TryChar('+');
            e.TimeKind = e.TimeRelative ? TimeKind.Relative : TimeKind.Absolute;
            e.Time = c.Time();
            if (c.TryLiteral("..."))
            {
                e.Blocking = true;
                e.BlockingEnd = c.Time();
                if (!e.TimeRelative && e.BlockingEnd < e.Time) throw c.Error("a blocking call cannot return before it starts");
            }
            else if (c.TryLiteral("~"))
            {
                e.TimeKind = TimeKind.Range;
                e.TimeEndRelative = c.TryLiteral("+");
                e.TimeEnd = c.Time();
            }
            if (!ScriptText.IsSpace(c.Peek) && c.Peek != '\0') throw c.Error("expected a space after the time but found " + c.Describe());
        }

        // ---- packets -----------------------------------------------------------------------

        static PacketEvent ParsePacket(Cursor c, int line)
        {
            PacketEvent p = new PacketEvent();
            p.Kind = EventKind.Packet;
            p.Inbound = c.TryChar('<');
            if (!p.Inbound) c.Expect('>', "'<' or '>'");
            c.SkipSpaces();
            if (c.TryChar('[')) p.Ecn = ParseEcn(c, line);

            string flags = c.Word(null);
            if (flags.Length == 0) throw c.Error("expected TCP flags (S . F R P) after the direction");
            p.Flags = ParseFlags(flags, line);

            p.Seq = c.U32("the sequence number");
            c.Expect(':', "':' (seq:end(len))");
            p.End = c.U32("the end sequence number");
            c.Expect('(', "'(' (seq:end(len))");
            long len = c.Number("the payload length");
            c.Expect(')', "')' (seq:end(len))");
            if (len < 0 || len > 65000) throw ScriptFailure.Syntax(line, "payload length must be 0..65000");
            p.Length = (int)len;
            if (((p.End - p.Seq) & 0xFFFFFFFFL) != len)
                throw ScriptFailure.Syntax(line, "inconsistent seq:end(len): " + p.Seq.ToString() + ":" + p.End.ToString() + " spans " + ((p.End - p.Seq) & 0xFFFFFFFFL).ToString() + " bytes, not " + len.ToString());

            while (!c.AtEnd)
            {
                if (c.TryChar('<'))
                {
                    int start = c.Position;
                    while (!c.AtEnd && c.Peek != '>') c.Position = c.Position + 1;
                    string inner = ScriptText.Strip(c.Slice(start));
                    c.Expect('>', "'>' closing the option list");
                    if (p.Options != null || p.AnyOptions) throw ScriptFailure.Syntax(line, "more than one option list");
                    if (inner == "...") p.AnyOptions = true;
                    else if (inner.Length == 0) p.Options = new ArrayList();
                    else p.Options = TcpOption.ParseList(inner, line);
                    continue;
                }
                string word = c.TryIdentifier();
                if (word == "ack") { p.HasAck = true; p.Ack = c.U32("ack"); }
                else if (word == "win")
                {
                    long w = c.Number("win");
                    if (w < 0 || w > 65535) throw ScriptFailure.Syntax(line, "win must be 0..65535 (the 16-bit field; a scaled window is this shifted left)");
                    p.HasWindow = true;
                    p.Window = (int)w;
                }
                else throw c.Error("expected 'ack N', 'win N' or <options> but found " + (word == null ? c.Describe() : "'" + word + "'"));
            }
            if (p.Inbound && p.AnyOptions) throw ScriptFailure.Syntax(line, "<...> is only for outbound packets: an inbound packet needs its options written out");
            if (p.Inbound) p.OptionBytes = p.Options == null ? new byte[0] : TcpOption.Encode(p.Options, line);
            return p;
        }

        /// <summary>packetdrill's IP ECN field after the direction: [noecn] [ect0] [ect1] [ce].</summary>
        static int ParseEcn(Cursor c, int line)
        {
            string name = c.TryIdentifier();
            c.Expect(']', "']' closing the ECN field ([noecn], [ect0], [ect1], [ce])");
            switch (name)
            {
                case "noecn": return 0;
                case "ect1": return 1;
                case "ect0": return 2;
                case "ce": return 3;
            }
            throw ScriptFailure.Syntax(line, "unknown ECN field '[" + name + "]' (known: [noecn], [ect0], [ect1], [ce])");
        }

        static int ParseFlags(string word, int line)
        {
            if (word == "-") return 0; // packetdrill's spelling of a segment with no flags at all
            int flags = 0;
            for (int i = 0; i < word.Length; i++)
            {
                int f;
                switch (word[i])
                {
                    case 'S': f = TcpFlags.Syn; break;
                    case 'F': f = TcpFlags.Fin; break;
                    case 'R': f = TcpFlags.Rst; break;
                    case 'P': f = TcpFlags.Psh; break;
                    case '.': f = TcpFlags.Ack; break;
                    case 'U': f = TcpFlags.Urg; break;
                    case 'E': f = TcpFlags.Ece; break;
                    case 'W': f = TcpFlags.Cwr; break;
                    default: throw ScriptFailure.Syntax(line, "unknown TCP flag '" + word[i].ToString() + "' in '" + word + "' (flags are S . F R P U E W, or - for none)");
                }
                if ((flags & f) != 0) throw ScriptFailure.Syntax(line, "flag '" + word[i].ToString() + "' written twice in '" + word + "'");
                flags |= f;
            }
            return flags;
        }

        // ---- %{ }% blocks --------------------------------------------------------------------

        /// <summary>
        /// "%{ assert tcpi_state == TCP_TIME_WAIT }%" becomes an <see cref="AssertStateEvent"/>.
        /// Any other code is skipped with a warning.
        /// </summary>
        static ScriptEvent ParseCodeBlock(string block, int line, ArrayList warnings)
        {
            int end = block.LastIndexOf("}%");
            if (end < 0) throw ScriptFailure.Syntax(line, "%{ block without }%");
            if (ScriptText.Strip(block.Substring(end + 2)).Length > 0) throw ScriptFailure.Syntax(line, "unexpected text after }%");
            string body = block.Substring(2, end - 2);
            string[] statements = body.Split(new char[] { '\n', ';' });
            AssertStateEvent check = null;
            PeerPortEvent peer = null;
            string skipped = "";
            for (int i = 0; i < statements.Length; i++)
            {
                string s = ScriptText.Strip(statements[i]);
                if (s.Length == 0) continue;
                int port = PeerPortAssignment(s);
                if (port > 0)
                {
                    if (body.IndexOf("tcpi_state") >= 0 || peer != null) throw ScriptFailure.Syntax(line, "put peer_port = N in a %{ }% block of its own");
                    peer = new PeerPortEvent();
                    peer.Kind = EventKind.PeerPort;
                    peer.Port = port;
                    continue;
                }
                if (port == 0) throw ScriptFailure.Syntax(line, "peer_port must be a port number 1..65535");
                string name = TcpiStateAssert(s);
                if (name == null) { skipped = skipped.Length == 0 ? s : skipped + "; " + s; continue; }
                if (check != null) throw ScriptFailure.Syntax(line, "write one tcpi_state assert per %{ }% block");
                int state = TcpStates.Parse(name);
                if (state < 0) throw ScriptFailure.Syntax(line, "unknown TCP state '" + name + "' (e.g. TCP_ESTABLISHED, TCP_FIN_WAIT1, TCP_TIME_WAIT, TCP_CLOSE, or FreeBSD's TCPI_ESTABLISHED, TCPI_FIN_WAIT_1)");
                check = new AssertStateEvent();
                check.Kind = EventKind.AssertState;
                check.State = state;
                check.StateName = name;
            }
            if (skipped.Length > 0)
                warnings.Add("line " + line.ToString() + ": %{ }% code skipped (only 'assert tcpi_state == NAME' is checked): " + ScriptText.OneLine(skipped));
            if (peer != null) return peer;
            if (check != null) return check;
            ScriptEvent e = new ScriptEvent();
            e.Kind = EventKind.Skipped;
            return e;
        }

        /// <summary>The port of "peer_port = N": N when valid, 0 when N is not a port, -1 when the statement is something else.</summary>
        static int PeerPortAssignment(string statement)
        {
            Cursor c = new Cursor(statement, 0);
            if (c.TryIdentifier() != "peer_port" || !c.TryChar('=')) return -1;
            string rest = ScriptText.Strip(statement.Substring(c.Position));
            int port = 0;
            if (rest.Length == 0 || rest.Length > 5) return 0;
            for (int i = 0; i < rest.Length; i++)
            {
                char ch = rest[i];
                if (ch < '0' || ch > '9') return 0;
                port = port * 10 + (ch - '0');
            }
            return port >= 1 && port <= 65535 ? port : 0;
        }

        /// <summary>The state name of "assert tcpi_state == NAME[, message]", else null.</summary>
        static string TcpiStateAssert(string statement)
        {
            Cursor c = new Cursor(statement, 0);
            if (c.TryIdentifier() != "assert" || c.TryIdentifier() != "tcpi_state") return null;
            if (!c.TryChar('=') || !c.TryChar('=')) return null;
            string name = c.TryIdentifier();
            if (name == null) return null;
            if (!c.AtEnd && !c.TryChar(',')) return null;
            return name;
        }

        // ---- system calls ------------------------------------------------------------------

        static SyscallEvent ParseSyscall(Cursor c, int line)
        {
            SyscallEvent s = new SyscallEvent();
            s.Kind = EventKind.Syscall;
            int callStart = c.Position;
            s.Name = c.TryIdentifier();
            c.Expect('(', "'(' after " + s.Name);
            s.Args = ParseArguments(c, line);
            s.CallText = ScriptText.Strip(c.Slice(callStart));
            c.Expect('=', "'= result' after " + s.Name + "(...)");
            s.ExpectedReturn = ParseReturn(c, s.Name, line);

            string errno = c.TryIdentifier();
            if (errno != null)
            {
                int e = TcpError.Parse(errno);
                if (e < 0) throw ScriptFailure.Syntax(line, "unknown errno '" + errno + "'");
                if (s.ExpectedReturn != -1) throw ScriptFailure.Syntax(line, "an errno goes with '= -1', as in '= -1 " + errno + "'");
                s.ExpectedErrno = e;
            }
            if (c.TryChar('('))
            {
                // A note such as "(Resource temporarily unavailable)": ignored.
                while (!c.AtEnd && c.Peek != ')') c.Position = c.Position + 1;
                c.Expect(')', "')' closing the note");
            }
            if (!c.AtEnd) throw c.Error("unexpected " + c.Describe() + " after the result");
            CheckCall(s, line);
            return s;
        }

        /// <summary>Splits "a, {b, c}, [d])" at top-level commas, up to the closing ')'.</summary>
        static string[] ParseArguments(Cursor c, int line)
        {
            ArrayList args = new ArrayList();
            int depth = 0;
            c.SkipSpaces();
            int start = c.Position;
            while (true)
            {
                if (c.Peek == '\0') throw ScriptFailure.Syntax(line, "missing ')' closing the argument list");
                char ch = c.Peek;
                if (ch == '(' || ch == '[' || ch == '{') depth++;
                else if ((ch == ')' || ch == ']' || ch == '}') && depth > 0) depth--;
                else if (depth == 0 && (ch == ',' || ch == ')'))
                {
                    string arg = ScriptText.Strip(c.Slice(start));
                    if (arg.Length == 0 && !(ch == ')' && args.Count == 0)) throw ScriptFailure.Syntax(line, "empty argument");
                    if (arg.Length > 0) args.Add(arg);
                    c.Position = c.Position + 1;
                    if (ch == ')') break;
                    start = c.Position;
                    continue;
                }
                c.Position = c.Position + 1;
            }
            string[] result = new string[args.Count];
            for (int i = 0; i < result.Length; i++) result[i] = (string)args[i];
            return result;
        }

        /// <summary>"= 3", "= -1", or a flag expression "= O_RDWR|O_NONBLOCK".</summary>
        static long ParseReturn(Cursor c, string call, int line)
        {
            c.SkipSpaces();
            char p = c.Peek;
            if (p == '-' || ScriptText.IsDigit(p)) return c.Number("the result");
            int start = c.Position;
            string first = c.TryIdentifier();
            if (first == null || !first.StartsWith("O_")) { c.Position = start; throw c.Error("expected the result (a number) after '=' but found " + c.Describe()); }
            while (c.TryChar('|')) { if (c.TryIdentifier() == null) throw c.Error("expected a flag name after '|'"); }
            return Flags(c.Slice(start), line);
        }

        static void CheckCall(SyscallEvent s, int line)
        {
            string[] a = s.Args;
            switch (s.Name)
            {
                case "socket":
                    ArgCount(s, 3, 3, "socket(..., SOCK_STREAM, IPPROTO_TCP)", line);
                    if (a[1] != "SOCK_STREAM" && a[1] != "...") throw ScriptFailure.Syntax(line, "only SOCK_STREAM sockets are supported");
                    break;
                case "bind":
                case "accept":
                case "connect":
                    ArgCount(s, 3, 3, s.Name + "(fd, ..., ...)", line);
                    s.Fd = Fd(a[0], line);
                    break;
                case "listen":
                    ArgCount(s, 2, 2, "listen(fd, backlog)", line);
                    s.Fd = Fd(a[0], line);
                    s.Value = Count(a[1], "backlog", line);
                    break;
                case "write":
                case "read":
                    ArgCount(s, 3, 3, s.Name + "(fd, ..., count)", line);
                    s.Fd = Fd(a[0], line);
                    s.Value = Count(a[2], "count", line);
                    break;
                case "send":
                case "recv":
                    ArgCount(s, 3, 4, s.Name + "(fd, ..., count, 0)", line);
                    s.Fd = Fd(a[0], line);
                    s.Value = Count(a[2], "count", line);
                    if (a.Length == 4 && a[3] != "0") throw ScriptFailure.Syntax(line, s.Name + " flags are not supported (write 0)");
                    break;
                case "shutdown":
                    ArgCount(s, 2, 2, "shutdown(fd, SHUT_WR)", line);
                    s.Fd = Fd(a[0], line);
                    s.Value = Symbol(a[1], line);
                    if (s.Value < 0 || s.Value > 2) throw ScriptFailure.Syntax(line, "shutdown takes SHUT_RD, SHUT_WR or SHUT_RDWR");
                    break;
                case "close":
                    ArgCount(s, 1, 1, "close(fd)", line);
                    s.Fd = Fd(a[0], line);
                    break;
                case "setsockopt":
                    ArgCount(s, 5, 5, "setsockopt(fd, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8)", line);
                    s.Fd = Fd(a[0], line);
                    s.Option = a[2];
                    if (a[2] == "SO_LINGER") { SocketLevel(a[1], a[2], line); ParseLinger(s, a[3], line); }
                    else if (a[2] == "SO_REUSEADDR") SocketLevel(a[1], a[2], line);
                    else
                    {
                        OptionOf(s, a[1], a[2], line);
                        s.Value = OptionValue(a[3], a[2], line);
                    }
                    break;
                case "getsockopt":
                    ArgCount(s, 5, 5, "getsockopt(fd, SOL_SOCKET, SO_ERROR, [0], [4])", line);
                    s.Fd = Fd(a[0], line);
                    s.Option = a[2];
                    if (a[2] == "SO_ERROR")
                    {
                        SocketLevel(a[1], a[2], line);
                        s.Value2 = ErrnoValue(Unbracket(a[3], line), line);
                    }
                    else
                    {
                        OptionOf(s, a[1], a[2], line);
                        s.Value2 = OptionValue(Unbracket(a[3], line), a[2], line);
                    }
                    break;
                case "fcntl":
                    ArgCount(s, 2, 3, "fcntl(fd, F_SETFL, O_RDWR|O_NONBLOCK)", line);
                    s.Fd = Fd(a[0], line);
                    s.Option = a[1];
                    if (a[1] == "F_SETFL") { if (a.Length != 3) throw ScriptFailure.Syntax(line, "F_SETFL needs the flags"); s.Value = Flags(a[2], line); }
                    else if (a[1] == "F_GETFL") { if (a.Length != 2) throw ScriptFailure.Syntax(line, "F_GETFL takes no third argument"); }
                    else throw ScriptFailure.Syntax(line, "unsupported fcntl command '" + a[1] + "' (supported: F_SETFL, F_GETFL)");
                    break;
                default:
                    throw ScriptFailure.Syntax(line, "unknown system call '" + s.Name + "' (supported: socket, bind, listen, accept, connect, write, send, read, recv, shutdown, close, setsockopt, getsockopt, fcntl)");
            }
        }

        static void ArgCount(SyscallEvent s, int min, int max, string form, int line)
        {
            int n = s.Args.Length;
            if (n < min || n > max) throw ScriptFailure.Syntax(line, s.Name + " takes " + (min == max ? min.ToString() : min.ToString() + " or " + max.ToString()) + " arguments: " + form);
        }

        static int Fd(string arg, int line)
        {
            long v;
            if (!ScriptText.TryParseLong(arg, out v) || v < 0 || v > 1023) throw ScriptFailure.Syntax(line, "expected a file descriptor but found '" + arg + "'");
            return (int)v;
        }

        static long Count(string arg, string what, int line)
        {
            long v;
            if (!ScriptText.TryParseLong(arg, out v) || v < 0 || v > 1000000) throw ScriptFailure.Syntax(line, "expected a " + what + " (0..1000000) but found '" + arg + "'");
            return v;
        }

        static void SocketLevel(string level, string option, int line)
        {
            if (level != "SOL_SOCKET") throw ScriptFailure.Syntax(line, option + " is a SOL_SOCKET option, not " + level);
        }

        const string SupportedOptions = "SOL_SOCKET: SO_LINGER, SO_REUSEADDR, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_ERROR (get); "
            + "IPPROTO_TCP or SOL_TCP: TCP_NODELAY, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT, TCP_KEEPINIT, TCP_NOOPT";

        /// <summary>
        /// The engine option behind a socket option name at its level, and its unit: TCP_KEEPIDLE,
        /// TCP_KEEPINTVL and TCP_KEEPINIT are seconds (Linux and FreeBSD), the engine's are milliseconds.
        /// </summary>
        static void OptionOf(SyscallEvent s, string level, string name, int line)
        {
            bool tcp = false;
            switch (name)
            {
                case "SO_KEEPALIVE": s.OptionId = SocketOption.KeepAlive; break;
                case "SO_RCVBUF": s.OptionId = SocketOption.RcvBuf; break;
                case "SO_SNDBUF": s.OptionId = SocketOption.SndBuf; break;
                case "TCP_NODELAY": s.OptionId = SocketOption.NoDelay; tcp = true; break;
                case "TCP_KEEPIDLE": s.OptionId = SocketOption.KeepIdleMs; s.OptionScale = 1000; tcp = true; break;
                case "TCP_KEEPINTVL": s.OptionId = SocketOption.KeepIntervalMs; s.OptionScale = 1000; tcp = true; break;
                case "TCP_KEEPCNT": s.OptionId = SocketOption.KeepCount; tcp = true; break;
                case "TCP_USER_TIMEOUT": s.OptionId = SocketOption.UserTimeoutMs; tcp = true; break;
                case "TCP_KEEPINIT": s.OptionId = SocketOption.KeepInitMs; s.OptionScale = 1000; tcp = true; break;
                case "TCP_NOOPT": s.OptionId = SocketOption.NoOpt; tcp = true; break;
                default: throw ScriptFailure.Syntax(line, "unsupported socket option '" + name + "' (supported: " + SupportedOptions + ")");
            }
            if (tcp && level != "IPPROTO_TCP" && level != "SOL_TCP") throw ScriptFailure.Syntax(line, name + " is an IPPROTO_TCP option, not " + level);
            if (!tcp) SocketLevel(level, name, line);
        }

        /// <summary>An option's int value: "[1]" or "1".</summary>
        static long OptionValue(string arg, string name, int line)
        {
            string text = arg.Length >= 2 && arg[0] == '[' && arg[arg.Length - 1] == ']' ? ScriptText.Strip(arg.Substring(1, arg.Length - 2)) : arg;
            long v;
            if (!ScriptText.TryParseLong(text, out v) || v < -0x7FFFFFFFL || v > 0x7FFFFFFFL) throw ScriptFailure.Syntax(line, name + " takes an int, as [1], not '" + arg + "'");
            return v;
        }

        static string Unbracket(string arg, int line)
        {
            if (arg.Length < 2 || arg[0] != '[' || arg[arg.Length - 1] != ']') throw ScriptFailure.Syntax(line, "expected [value] but found '" + arg + "'");
            return ScriptText.Strip(arg.Substring(1, arg.Length - 2));
        }

        /// <summary>A number or an errno name ("ECONNRESET").</summary>
        static long ErrnoValue(string text, int line)
        {
            long v;
            if (ScriptText.TryParseLong(text, out v)) return v;
            int e = TcpError.Parse(text);
            if (e < 0) throw ScriptFailure.Syntax(line, "unknown errno '" + text + "'");
            return e;
        }

        /// <summary>"{onoff=1, linger=0}" (l_onoff/l_linger also accepted).</summary>
        static void ParseLinger(SyscallEvent s, string arg, int line)
        {
            if (arg.Length < 2 || arg[0] != '{' || arg[arg.Length - 1] != '}') throw ScriptFailure.Syntax(line, "SO_LINGER takes {onoff=1, linger=0}");
            bool haveOn = false, haveLinger = false;
            string[] fields = arg.Substring(1, arg.Length - 2).Split(new char[] { ',' });
            for (int i = 0; i < fields.Length; i++)
            {
                string f = ScriptText.Strip(fields[i]);
                int eq = f.IndexOf('=');
                long v;
                if (eq < 0 || !ScriptText.TryParseLong(ScriptText.Strip(f.Substring(eq + 1)), out v)) throw ScriptFailure.Syntax(line, "SO_LINGER takes {onoff=1, linger=0}, not '" + arg + "'");
                string key = ScriptText.Strip(f.Substring(0, eq));
                if (key == "onoff" || key == "l_onoff") { s.Value = v; haveOn = true; }
                else if (key == "linger" || key == "l_linger") { s.Value2 = v; haveLinger = true; }
                else throw ScriptFailure.Syntax(line, "unknown SO_LINGER field '" + key + "'");
            }
            if (!haveOn || !haveLinger) throw ScriptFailure.Syntax(line, "SO_LINGER takes {onoff=1, linger=0}");
        }

        /// <summary>SHUT_* and other symbols, or a plain number.</summary>
        static long Symbol(string text, int line)
        {
            long v;
            if (ScriptText.TryParseLong(text, out v)) return v;
            switch (text)
            {
                case "SHUT_RD": return ShutdownHow.Read;
                case "SHUT_WR": return ShutdownHow.Write;
                case "SHUT_RDWR": return ShutdownHow.Both;
            }
            throw ScriptFailure.Syntax(line, "unknown name '" + text + "'");
        }

        /// <summary>Linux open-file flags as fcntl takes and returns them.</summary>
        public const long ORdOnly = 0, OWrOnly = 1, ORdWr = 2, ONonBlock = 0x800;

        /// <summary>"O_RDWR|O_NONBLOCK" or a number.</summary>
        static long Flags(string text, int line)
        {
            string[] parts = text.Split(new char[] { '|' });
            long flags = 0;
            for (int i = 0; i < parts.Length; i++)
            {
                string p = ScriptText.Strip(parts[i]);
                long v;
                if (ScriptText.TryParseLong(p, out v)) { flags |= v; continue; }
                switch (p)
                {
                    case "O_RDONLY": flags |= ORdOnly; break;
                    case "O_WRONLY": flags |= OWrOnly; break;
                    case "O_RDWR": flags |= ORdWr; break;
                    case "O_NONBLOCK": flags |= ONonBlock; break;
                    default: throw ScriptFailure.Syntax(line, "unknown flag '" + p + "' (known: O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK)");
                }
            }
            return flags;
        }
    }
}
