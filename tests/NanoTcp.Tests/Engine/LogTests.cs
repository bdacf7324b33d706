using System.Text.RegularExpressions;
using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// The serial log: LogWriter's formatting, and the grammar every engine line follows.
///
/// Grammar (one line per event; N is a decimal number, ADDR is a.b.c.d:port, FLAGS is "[" then any
/// of F S R P . U E W in that order (tcpdump's) then "]", STATE an RFC 9293 name such as FIN_WAIT_1, WORD a
/// token without spaces):
///
///   line       = TIME " " ( "#" SLOT " " ADDR " " PEER " " conn-event | "-" " " free-event )
///   PEER       = ADDR | "*:*"                                   (a listener has no peer)
///   conn-event = STATE "->" STATE " " cause [" iss=" N] [" irs=" N]           (a transition)
///              | ("RTX" | "RST-OUT" | "CHALLENGE-ACK" | "KEEPALIVE" | "PROBE")
///                  " tx=" FLAGS " seq=" N [" ack=" N] " len=" N [" rto=" N " try=" N] [" why=" WORD]
///              | "TIMEOUT timer=" WORD | "RECYCLE state=" STATE " age=" N " why=" WORD
///              | "RST-IGNORED why=" WORD | "TIME_WAIT-RESTART timer=2msl" | "CHALLENGE-ACK suppressed=" WORD
///              | "SYN-COOKIE rx=" FLAGS " seq=" N " ack=" N " len=" N " mss=" N     (a connection built from a returned cookie)
///   cause      = "rx=" FLAGS " seq=" N [" ack=" N] " len=" N | "app=" WORD | "timer=" WORD | "recycled=" WORD
///   free-event = "DROP reason=" WORD " len=" N [" from=" ADDR]
///              | ADDR " " ADDR (" TABLE-FULL" | " SYN-DROPPED") " rx=" FLAGS " seq=" N " len=" N [" why=" WORD]
///              | ADDR " " ADDR " RST-OUT tx=" FLAGS " seq=" N [" ack=" N] " why=" WORD
///              | ADDR " " ADDR " SYN-COOKIE tx=" FLAGS " seq=" N " ack=" N " mss=" N   (a SYN-ACK sent as a cookie, no slot)
///              | "SUPPRESSED lines=" N          (free-event lines past the second's budget, not written)
///
/// As a regular expression every line starts ^(\d+) (#\d+|-) ; <see cref="Grammar"/> below is the
/// whole grammar as one expression, built from the same parts.
///
/// On an RTX line sent by a retransmission timeout, rto= is the timeout that expired and try= the
/// retransmission's number; other retransmissions say why= instead (go-back-n: resent as ACKs
/// arrive after a timeout; dup-syn: the SYN-ACK again for a repeated SYN; dup-acks and partial-ack:
/// fast retransmit, RFC 5681 §3.2 and RFC 6582).
/// In a transition, seq and ack are relative to each side's initial sequence number, as Wireshark
/// shows them; in a free-event (no connection) they are absolute.
/// </summary>
public class LogTests
{
    sealed class Sink : ILogSink
    {
        public readonly List<string> Lines = new();
        public void WriteLine(char[] line, int length) => Lines.Add(new string(line, 0, length));
    }

    static string Line(Action<LogWriter> write)
    {
        var sink = new Sink();
        var w = new LogWriter(sink);
        write(w);
        w.End();
        return Assert.Single(sink.Lines);
    }

    // ------------------------------------------------------------------ LogWriter

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(7L, "7")]
    [InlineData(-1L, "-1")]
    [InlineData(-42L, "-42")]
    [InlineData(1234567890123L, "1234567890123")]
    [InlineData(4294967295L, "4294967295")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void Numbers(long value, string text)
    {
        Assert.Equal(text, Line(w => w.Int(value)));
    }

    [Fact]
    public void BeginStartsWithTheTime()
    {
        Assert.Equal("1500 x", Line(w => w.Begin(1500).Char(' ').Str("x")));
    }

    [Fact]
    public void Addresses()
    {
        Assert.Equal("192.0.2.1:80", Line(w => w.Addr(Ipv4.Address(192, 0, 2, 1), 80)));
        Assert.Equal("0.0.0.0:0", Line(w => w.Addr(0, 0)));
        Assert.Equal("255.255.255.255:65535", Line(w => w.Addr(0xFFFFFFFF, 65535)));
        Assert.Equal("10.200.3.4:50000", Line(w => w.Addr(Ipv4.Address(10, 200, 3, 4), 50000)));
    }

    [Fact]
    public void KeysAreSpaceSeparated()
    {
        Assert.Equal("1 seq=5 why=x", Line(w => w.Begin(1).Key("seq").Int(5).Key("why").Str("x")));
    }

    [Theory]
    [InlineData(TcpFlags.Syn, "[S]")]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack, "[S.]")]
    [InlineData(TcpFlags.Fin | TcpFlags.Ack, "[F.]")]
    [InlineData(TcpFlags.Fin | TcpFlags.Psh | TcpFlags.Ack, "[FP.]")]
    [InlineData(TcpFlags.Psh | TcpFlags.Ack, "[P.]")]
    [InlineData(TcpFlags.Rst, "[R]")]
    [InlineData(TcpFlags.Rst | TcpFlags.Ack, "[R.]")]
    [InlineData(TcpFlags.Ack, "[.]")]
    [InlineData(0, "[]")]
    [InlineData(TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr, "[SEW]")]
    public void FlagsInTcpdumpOrder(int flags, string text)
    {
        Assert.Equal(text, Line(w => w.Flags(flags)));
    }

    [Fact]
    public void AnOverlongLineIsCutNotThrown()
    {
        string line = Line(w => w.Begin(0).Str(new string('x', 400)));
        Assert.Equal(256, line.Length);
    }

    [Fact]
    public void EachLineStartsAfresh()
    {
        var sink = new Sink();
        var w = new LogWriter(sink);
        w.Begin(1).Str(" a").End();
        w.Begin(2).Str(" b").End();
        Assert.Equal(new[] { "1 a", "2 b" }, sink.Lines);
    }

    [Fact]
    public void WithoutASinkNothingHappens()
    {
        var w = new LogWriter(null!);
        Assert.False(w.Enabled);
        w.Begin(1).Str("x").End(); // must not throw
    }

    // ------------------------------------------------------------------ the engine's grammar

    const string N = @"\d+";
    const string Addr = @"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}";
    const string Flags = @"\[F?S?R?P?\.?U?E?W?\]";
    const string Word = @"\S+";
    const string State = "(?:CLOSED|LISTEN|SYN_SENT|SYN_RECEIVED|ESTABLISHED|FIN_WAIT_1|FIN_WAIT_2|CLOSE_WAIT|CLOSING|LAST_ACK|TIME_WAIT)";

    static readonly string Cause = $"(?:rx={Flags} seq={N}(?: ack={N})? len={N}|app={Word}|timer={Word}|recycled={Word})";
    static readonly string Transition = $"(?<from>{State})->(?<to>{State}) {Cause}(?: iss={N})?(?: irs={N})?";
    static readonly string TxEvent = $"(?:RTX|RST-OUT|CHALLENGE-ACK|KEEPALIVE|PROBE) tx={Flags} seq={N}(?: ack={N})? len={N}(?: rto={N} try={N})?(?: why={Word})?";
    static readonly string OtherEvent = $"(?:TIMEOUT timer={Word}|RECYCLE state={State} age={N} why={Word}|RST-IGNORED why={Word}|TIME_WAIT-RESTART timer=2msl|CHALLENGE-ACK suppressed={Word}|SYN-COOKIE rx={Flags} seq={N} ack={N} len={N} mss={N})";
    static readonly string FreeEvent =
        $"(?:DROP reason=[a-z-]+ len={N}(?: from={Addr})?" +
        $"|{Addr} {Addr} (?:TABLE-FULL|SYN-DROPPED) rx={Flags} seq={N} len={N}(?: why={Word})?" +
        $"|{Addr} {Addr} RST-OUT tx={Flags} seq={N}(?: ack={N})? why={Word}" +
        $"|LOG-DROPPED lines={N}|DATAGRAM-TRUNCATED len={N} kept={N}|SUPPRESSED lines={N}" +
        $"|{Addr} {Addr} SYN-COOKIE tx={Flags} seq={N} ack={N} mss={N})";

    /// <summary>The whole grammar as one expression.</summary>
    static readonly Regex Grammar = new(
        $"^(?<time>{N}) (?:#(?<slot>{N}) {Addr} (?:{Addr}|\\*:\\*) (?:{Transition}|{TxEvent}|{OtherEvent})|- {FreeEvent})$",
        RegexOptions.CultureInvariant);

    [Theory]
    [InlineData("0 #0 192.0.2.2:7 *:* CLOSED->LISTEN app=listen")]
    [InlineData("5 #1 192.0.2.2:7 192.0.2.1:40000 LISTEN->SYN_RECEIVED rx=[S] seq=0 len=0 iss=123 irs=1000")]
    [InlineData("1300 #1 192.0.2.2:7 192.0.2.1:40000 RTX tx=[P.] seq=1 ack=1 len=10 rto=300 try=1")]
    [InlineData("1350 #1 192.0.2.2:7 192.0.2.1:40000 RTX tx=[P.] seq=11 ack=1 len=10 why=go-back-n")]
    [InlineData("500 #1 192.0.2.2:7 192.0.2.1:40000 TIMEOUT timer=sws_override")]
    [InlineData("9 - 192.0.2.2:9 192.0.2.1:1 RST-OUT tx=[R.] seq=0 ack=5 why=no-listener")]
    [InlineData("9 - DROP reason=tcp-checksum len=40 from=192.0.2.1:0")]
    [InlineData("9 - LOG-DROPPED lines=12")]
    [InlineData("1000 - SUPPRESSED lines=4980")]
    [InlineData("9 - DATAGRAM-TRUNCATED len=1500 kept=1472")]
    [InlineData("400 - 192.0.2.2:7 192.0.2.1:50004 SYN-COOKIE tx=[S.] seq=21724242 ack=1 mss=1000")]
    [InlineData("550 #4 192.0.2.2:7 192.0.2.1:40000 SYN-COOKIE rx=[.] seq=1 ack=1 len=0 mss=1000")]
    [InlineData("1300 #1 192.0.2.2:7 192.0.2.1:40000 RTX tx=[.] seq=1 ack=1 len=1000 why=dup-acks")]
    public void GrammarAcceptsDocumentedLines(string line) => Assert.Matches(Grammar, line);

    [Theory]
    [InlineData("0 #0 192.0.2.2:7 *:* CLOSED->LISTEN")]                       // a transition needs its cause
    [InlineData("0 #0 192.0.2.2:7 *:* CLOSED->OPEN app=listen")]               // not a state
    [InlineData("x #0 192.0.2.2:7 *:* CLOSED->LISTEN app=listen")]
    [InlineData("0 #0 192.0.2.2:7 *:* CLOSED->LISTEN app=listen ")]            // trailing space
    [InlineData("0 #0 192.0.2.2:7 *:* RTX tx=[.P] seq=1 len=0")]               // flags out of order
    public void GrammarRejectsMalformedLines(string line) => Assert.DoesNotMatch(Grammar, line);

    /// <summary>
    /// Runs a full life: passive open with data, active close through TIME_WAIT (with a repeated
    /// FIN and an ignored RST), active open with a retransmission and a challenge ACK, passive
    /// close through LAST_ACK, an abort, drops, a RST for a closed port, a table-full recycle, and
    /// the listener's close. Every line must match the grammar, and after every step the
    /// transition lines must account for each slot's state exactly: one line per change.
    /// </summary>
    [Fact]
    public void EveryEngineLineMatchesTheGrammarAndTransitionsAreComplete()
    {
        var h = new Harness(c => { c.Capacity = 3; c.SynBacklog = 2; });
        var e = h.Engine;
        var tracker = new TransitionTracker(h);
        void Step(Action a) { a(); tracker.Check(); }

        int l = 0;
        Step(() => l = e.Listen(h.Now, 7, 8));

        // Passive open; the third segment carries data.
        const uint P = 1000;
        uint iss = 0;
        Step(() => h.Inject(TcpFlags.Syn, P, 0, 40000, 7, mss: 1460));
        Step(() => iss = h.Last().Seq);
        Step(() => { h.Advance(5); h.InjectData(TcpFlags.Ack | TcpFlags.Psh, P + 1, iss + 1, 40000, 7, Packets.Pattern(5)); });
        int c = 0;
        Step(() => { c = e.Accept(h.Now, l); e.Receive(h.Now, c, new byte[10], 0, 10); });
        Step(() => e.Send(h.Now, c, Packets.Pattern(26), 0, 26));
        Step(() => h.Inject(TcpFlags.Ack, P + 6, iss + 27, 40000, 7));

        // Active close: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT, the FIN again, a RST that RFC 1337 ignores, 2MSL.
        Step(() => e.Close(h.Now, c));
        Step(() => h.Inject(TcpFlags.Ack, P + 6, iss + 28, 40000, 7));
        Step(() => h.Inject(TcpFlags.Fin | TcpFlags.Ack, P + 6, iss + 28, 40000, 7));
        Step(() => { h.Advance(100); h.Inject(TcpFlags.Fin | TcpFlags.Ack, P + 6, iss + 28, 40000, 7); });
        Step(() => h.Inject(TcpFlags.Rst, P + 7, 0, 40000, 7));
        Step(() => h.Advance(4000));

        // Active open; the first data segment is lost and retransmitted; an inexact RST draws a challenge ACK.
        int a = 0;
        uint aIss = 0;
        Step(() => { a = e.Connect(h.Now, 0, Harness.PeerAddr, 80); aIss = h.Last().Seq; });
        int aPort = e.LocalPort(a);
        Step(() => h.Inject(TcpFlags.Syn | TcpFlags.Ack, 9000, aIss + 1, 80, aPort, mss: 1460));
        Step(() => e.Send(h.Now, a, Packets.Pattern(10), 0, 10));
        Step(() => h.Advance(1500));
        Step(() => h.Inject(TcpFlags.Ack, 9001, aIss + 11, 80, aPort));
        Step(() => h.Inject(TcpFlags.Rst, 9001 + 100, 0, 80, aPort));

        // Passive close: CLOSE_WAIT -> LAST_ACK -> CLOSED.
        Step(() => h.Inject(TcpFlags.Fin | TcpFlags.Ack, 9001, aIss + 11, 80, aPort));
        Step(() => e.Close(h.Now, a));
        Step(() => h.Inject(TcpFlags.Ack, 9002, aIss + 12, 80, aPort));

        // An abort sends RST and closes at once; the handle is then released silently.
        int b = 0;
        Step(() => b = h.OpenPassive(l, 7, 40001, 2000).Handle);
        Step(() => e.Abort(h.Now, b));
        Step(() => e.Close(h.Now, b));

        // A SYN flood beyond the two half-open slots is answered with a cookie; the cookie's ACK
        // builds a connection, a forged one is refused. Then the half-open ones are reset away.
        uint cookie = 0;
        Step(() => h.Inject(TcpFlags.Syn, 7000, 0, 43000, 7));
        Step(() => h.Inject(TcpFlags.Syn, 7100, 0, 43001, 7));
        Step(() => { h.Inject(TcpFlags.Syn, 7200, 0, 43002, 7); cookie = h.Last().Seq; });
        Step(() => h.Inject(TcpFlags.Ack, 7201, cookie + 1, 43002, 7));
        Step(() => h.Inject(TcpFlags.Ack, 7301, cookie + 1, 43003, 7));
        int k = 0;
        Step(() => k = e.Accept(h.Now, l));
        Step(() => e.Abort(h.Now, k));
        Step(() => e.Close(h.Now, k));
        Step(() => h.Inject(TcpFlags.Rst, 7001, 0, 43000, 7));
        Step(() => h.Inject(TcpFlags.Rst, 7101, 0, 43001, 7));

        // Drops, and a segment for a port nobody listens on.
        Step(() => { var bad = Packets.FromPeer(TcpFlags.Syn, 1, 0, 1234, 7); bad[30] ^= 1; h.InjectBytes(bad); });
        Step(() => h.InjectBytes(Packets.FromPeer(TcpFlags.Syn, 1, 0, 1234, 7, options: new byte[] { 2, 3, 0, 0 })));
        Step(() => h.Inject(TcpFlags.Syn, 77, 0, 1234, 9));

        // Table full: three connections, one in TIME_WAIT, then a fourth SYN recycles it.
        var conns = new List<(int H, uint Iss, int Port)>();
        for (int i = 0; i < 3; i++)
        {
            int port = 41000 + i;
            Step(() => { var o = h.OpenPassive(l, 7, port, 3000); conns.Add((o.Handle, o.Iss, port)); });
        }
        Step(() => e.Close(h.Now, conns[0].H));
        Step(() => h.Inject(TcpFlags.Fin | TcpFlags.Ack, 3001, conns[0].Iss + 2, conns[0].Port, 7));
        Step(() => h.Inject(TcpFlags.Syn, 5000, 0, 42000, 7));
        Step(() => h.Inject(TcpFlags.Syn, 6000, 0, 42001, 7));

        // The listener goes, and with it its unaccepted child.
        Step(() => e.Close(h.Now, l));

        Assert.All(h.Log, line => Assert.Matches(Grammar, line));
        // The scenario must have produced every kind of line it claims to cover.
        foreach (string kind in new[] { "->", " RTX ", " RST-OUT ", " CHALLENGE-ACK ", " TIMEOUT ", " RECYCLE ", " RST-IGNORED ",
                     " TIME_WAIT-RESTART ", " DROP ", " TABLE-FULL ", " SYN-COOKIE ", " app=", " timer=", " rx=" })
            Assert.Contains(h.Log, x => x.Contains(kind));
        Assert.True(tracker.Transitions >= 20, "transitions seen: " + tracker.Transitions);
    }

    /// <summary>
    /// Follows the transition lines slot by slot. Each must start where the slot's last one ended
    /// (a freed slot starts again from CLOSED, or LISTEN for a listener's child), must change the
    /// state, and after every step the last one must name the slot's actual state. A recycled slot
    /// has its own transition to CLOSED (cause recycled=WHY).
    /// </summary>
    sealed class TransitionTracker
    {
        readonly Harness _h;
        readonly Dictionary<int, string> _last = new();
        int _seen;
        public int Transitions;

        public TransitionTracker(Harness h) { _h = h; }

        public void Check()
        {
            for (; _seen < _h.Log.Count; _seen++)
            {
                string line = _h.Log[_seen];
                var m = Grammar.Match(line);
                Assert.True(m.Success, "not in the grammar: " + line);
                if (!m.Groups["slot"].Success) continue;
                int slot = int.Parse(m.Groups["slot"].Value);
                if (!m.Groups["from"].Success) continue;

                string from = m.Groups["from"].Value, to = m.Groups["to"].Value;
                string before = _last.GetValueOrDefault(slot, "CLOSED");
                Assert.NotEqual(from, to);
                if (before == "CLOSED") Assert.True(from == "CLOSED" || from == "LISTEN", "a new connection starts from " + from + ": " + line);
                else Assert.True(from == before, $"slot {slot} was {before}, the line says {from}: {line}");
                _last[slot] = to;
                Transitions++;
            }
            for (int s = 0; s < _h.Engine.SlotCount; s++)
            {
                string actual = TcpStates.Name(_h.Engine.SlotState(s));
                string logged = _last.GetValueOrDefault(s, "CLOSED");
                Assert.True(actual == logged, $"slot {s} is {actual} but the log last said {logged}");
            }
        }
    }
}
