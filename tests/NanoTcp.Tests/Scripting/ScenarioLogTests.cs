using System.Text.RegularExpressions;
using NanoTcp.Scripting;
using NanoTcp.Tests.SubsetGuard;

namespace NanoTcp.Tests.Scripting;

/// <summary>
/// Runs the close scenarios through the interpreter and checks what the device's serial log says
/// about them: the exact sequence of state transitions of the script's connection, and their
/// timing (TIME_WAIT lasts 2·MSL, FIN retransmissions follow the doubling RTO). The log is read
/// only through its documented grammar, one regex for every line that names a connection:
///
///     &lt;ms&gt; #&lt;slot&gt; &lt;local&gt; &lt;remote&gt; &lt;FROM&gt;-&gt;&lt;TO&gt; &lt;cause...&gt;     a transition
///     &lt;ms&gt; #&lt;slot&gt; &lt;local&gt; &lt;remote&gt; &lt;EVENT&gt; &lt;key=value...&gt;  RTX, TIMEOUT, RST-OUT, ...
///     &lt;ms&gt; - &lt;local&gt; &lt;remote&gt; &lt;EVENT&gt; &lt;key=value...&gt;        an event with no slot
/// </summary>
public class ScenarioLogTests
{
    static readonly Regex LogLine = new(
        @"^(?<ms>\d+) (?:#(?<slot>\d+)|-) (?<local>\d+\.\d+\.\d+\.\d+:\d+) (?<remote>\d+\.\d+\.\d+\.\d+:\d+|\*:\*) " +
        @"(?:(?<from>[A-Z][A-Z0-9_]*)->(?<to>[A-Z][A-Z0-9_]*)|(?<event>[A-Z][A-Z0-9_-]*))(?: (?<cause>.*))?$",
        RegexOptions.CultureInvariant);

    sealed record Entry(long Ms, int? Slot, string Local, string Remote, string? From, string? To, string? Event, string Cause, string Text)
    {
        public bool IsTransition => From != null;
        public string Transition => From + "->" + To;

        /// <summary>The value of key=value in the cause, or null.</summary>
        public string? Value(string key)
        {
            Match m = Regex.Match(Cause, @"(?:^| )" + Regex.Escape(key) + @"=(?<v>\S+)");
            return m.Success ? m.Groups["v"].Value : null;
        }
    }

    static Entry? Parse(string line)
    {
        Match m = LogLine.Match(line);
        if (!m.Success) return null;
        return new Entry(
            long.Parse(m.Groups["ms"].Value),
            m.Groups["slot"].Success ? int.Parse(m.Groups["slot"].Value) : null,
            m.Groups["local"].Value,
            m.Groups["remote"].Value,
            m.Groups["from"].Success ? m.Groups["from"].Value : null,
            m.Groups["to"].Success ? m.Groups["to"].Value : null,
            m.Groups["event"].Success ? m.Groups["event"].Value : null,
            m.Groups["cause"].Success ? m.Groups["cause"].Value : "",
            line);
    }

    /// <summary>Runs a script of tests/scripts, which must pass, and returns its text and its parsed log.</summary>
    static (string Text, List<Entry> Log) Run(string name)
    {
        string path = "tests/scripts/" + name;
        string text = File.ReadAllText(RepoPaths.Full(path));
        ScriptResult result = ScriptRunner.Run(text);
        Assert.True(result.Passed, ScriptFilesTests.Report(path, result));
        var log = new List<Entry>();
        foreach (string line in result.Log.Cast<string>())
        {
            Entry? e = Parse(line);
            Assert.True(e != null, $"{path}: log line does not follow the grammar: {line}");
            log.Add(e!);
        }
        return (text, log);
    }

    /// <summary>An engine setting from the script's option lines ("--msl_ms=2000").</summary>
    static int Option(string scriptText, string name)
    {
        Match m = Regex.Match(scriptText, @"^--" + Regex.Escape(name) + @"=(\d+)\s*$", RegexOptions.Multiline);
        Assert.True(m.Success, $"the script sets no --{name}");
        return int.Parse(m.Groups[1].Value);
    }

    /// <summary>
    /// The lines of the script's connection: the 4-tuple of the first transition out of LISTEN
    /// (passive open) or into SYN_SENT (active open). Listener lines (remote *:*) never belong to it.
    /// </summary>
    static List<Entry> Connection(List<Entry> log)
    {
        Entry? open = log.FirstOrDefault(e => e.IsTransition && e.Remote != "*:*" && (e.From == "LISTEN" || e.To == "SYN_SENT"));
        Assert.True(open != null, "no connection opened in the log:\n" + string.Join("\n", log.Select(e => e.Text)));
        return log.Where(e => e.Local == open!.Local && e.Remote == open.Remote).ToList();
    }

    static Entry Single(List<Entry> lines, string transition)
    {
        List<Entry> found = lines.Where(e => e.IsTransition && e.Transition == transition).ToList();
        Assert.True(found.Count == 1, $"expected exactly one {transition} line, found {found.Count}:\n" + string.Join("\n", lines.Select(e => e.Text)));
        return found[0];
    }

    static void AssertTransitions(List<Entry> connection, params string[] expected)
    {
        string[] actual = connection.Where(e => e.IsTransition).Select(e => e.Transition).ToArray();
        Assert.True(expected.SequenceEqual(actual),
            "transitions of the connection:\n  expected: " + string.Join(", ", expected) + "\n  actual:   " + string.Join(", ", actual));
    }

    [Fact]
    public void Retransmission_lines_say_whether_a_timeout_or_go_back_N_sent_them_and_rx_is_the_segment_as_it_arrived()
    {
        (_, List<Entry> log) = Run("log-lines-name-what-happened.pkt");
        List<Entry> c = Connection(log);
        List<Entry> rtx = c.Where(e => e.Event == "RTX").ToList();
        Assert.Equal(2, rtx.Count);
        // The timeout's own resend: the timeout that expired and the try; no why.
        Assert.Equal(("1", "1000", "1", (string?)null), (rtx[0].Value("seq"), rtx[0].Value("rto"), rtx[0].Value("try"), rtx[0].Value("why")));
        // The segment that followed on the next ACK: go-back-N, with no stale rto= or try=0.
        Assert.Equal(("1001", (string?)null, (string?)null, "go-back-n"), (rtx[1].Value("seq"), rtx[1].Value("rto"), rtx[1].Value("try"), rtx[1].Value("why")));
        // The FIN segment that repeated 10 received bytes: seq and len as it arrived.
        Entry fin = Single(c, "ESTABLISHED->CLOSE_WAIT");
        Assert.Equal(("[FP.]", "1", "20"), (fin.Value("rx"), fin.Value("seq"), fin.Value("len")));
    }

    [Fact]
    public void Data_after_close_ends_the_connection_with_the_segment_as_its_cause()
    {
        (_, List<Entry> log) = Run("close-with-unread-data-rst.pkt");
        Entry rst = log.Last(e => e.Event == "RST-OUT");
        Assert.Equal("data-after-close", rst.Value("why"));
        Entry closed = log.Last(e => e.IsTransition && e.To == "CLOSED" && e.Remote != "*:*");
        Assert.Null(closed.Value("app"));
        Assert.Equal(("[P.]", "1", "50"), (closed.Value("rx"), closed.Value("seq"), closed.Value("len")));
    }

    [Fact]
    public void Active_close_goes_FIN_WAIT_1_FIN_WAIT_2_TIME_WAIT_CLOSED_and_TIME_WAIT_lasts_2_MSL()
    {
        (string text, List<Entry> log) = Run("four-way-close-active.pkt");
        List<Entry> c = Connection(log);
        AssertTransitions(c,
            "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED",
            "ESTABLISHED->FIN_WAIT_1", "FIN_WAIT_1->FIN_WAIT_2", "FIN_WAIT_2->TIME_WAIT", "TIME_WAIT->CLOSED");

        // Each step's cause, with the seed's numbers: our FIN is 161, the peer's data ends at 733.
        Assert.Equal("close", Single(c, "ESTABLISHED->FIN_WAIT_1").Value("app"));
        Entry ackOfFin = Single(c, "FIN_WAIT_1->FIN_WAIT_2");
        Assert.Equal(("[.]", "734", "162"), (ackOfFin.Value("rx"), ackOfFin.Value("seq"), ackOfFin.Value("ack")));
        Entry peerFin = Single(c, "FIN_WAIT_2->TIME_WAIT");
        Assert.Equal(("[F.]", "734", "162"), (peerFin.Value("rx"), peerFin.Value("seq"), peerFin.Value("ack")));
        Entry closed = Single(c, "TIME_WAIT->CLOSED");
        Assert.Equal("2msl", closed.Value("timer"));

        int msl = Option(text, "msl_ms");
        Assert.Equal(2L * msl, closed.Ms - peerFin.Ms);
    }

    [Fact]
    public void Passive_close_goes_CLOSE_WAIT_LAST_ACK_CLOSED_without_TIME_WAIT()
    {
        (_, List<Entry> log) = Run("four-way-close-passive.pkt");
        List<Entry> c = Connection(log);
        AssertTransitions(c,
            "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED",
            "ESTABLISHED->CLOSE_WAIT", "CLOSE_WAIT->LAST_ACK", "LAST_ACK->CLOSED");

        Entry peerFin = Single(c, "ESTABLISHED->CLOSE_WAIT");
        Assert.Equal(("[F.]", "301"), (peerFin.Value("rx"), peerFin.Value("seq")));
        Assert.Equal("close", Single(c, "CLOSE_WAIT->LAST_ACK").Value("app"));
        Entry ackOfFin = Single(c, "LAST_ACK->CLOSED");
        Assert.Equal(("[.]", "302", "202"), (ackOfFin.Value("rx"), ackOfFin.Value("seq"), ackOfFin.Value("ack")));
        // CLOSE_WAIT lasts as long as the application takes: 5 s in the script.
        Assert.Equal(5000L, Single(c, "CLOSE_WAIT->LAST_ACK").Ms - peerFin.Ms);
    }

    [Fact]
    public void Lost_FIN_is_retransmitted_after_the_doubling_RTO_and_TIME_WAIT_still_lasts_2_MSL()
    {
        (string text, List<Entry> log) = Run("lost-fin-1-active-fin.pkt");
        List<Entry> c = Connection(log);
        AssertTransitions(c,
            "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED",
            "ESTABLISHED->FIN_WAIT_1", "FIN_WAIT_1->FIN_WAIT_2", "FIN_WAIT_2->TIME_WAIT", "TIME_WAIT->CLOSED");

        int rto = Option(text, "rto_initial_ms");
        Assert.Equal(rto, Option(text, "rto_min_ms")); // the RTT sample cannot lower the timeout
        Entry fin = Single(c, "ESTABLISHED->FIN_WAIT_1");
        List<Entry> rtx = c.Where(e => e.Event == "RTX").ToList();
        Assert.Equal(4, rtx.Count);
        long previous = fin.Ms;
        for (int i = 0; i < rtx.Count; i++)
        {
            long timeout = (long)rto << i; // 1000, 2000, 4000, 8000
            Assert.True(rtx[i].Ms - previous == timeout, $"retransmission {i + 1} came {rtx[i].Ms - previous} ms after the previous send, expected {timeout}: {rtx[i].Text}");
            Assert.Equal(timeout.ToString(), rtx[i].Value("rto"));
            Assert.Equal((i + 1).ToString(), rtx[i].Value("try"));
            Assert.Equal(("[F.]", "1"), (rtx[i].Value("tx"), rtx[i].Value("seq")));
            previous = rtx[i].Ms;
        }
        // The ACK of the last retransmission ends FIN_WAIT_1; no retransmission after it.
        Entry acked = Single(c, "FIN_WAIT_1->FIN_WAIT_2");
        Assert.True(acked.Ms > rtx[^1].Ms);
        Assert.DoesNotContain(c, e => e.Event == "RTX" && e.Ms > acked.Ms);

        Entry timeWait = Single(c, "FIN_WAIT_2->TIME_WAIT");
        Assert.Equal(2L * Option(text, "msl_ms"), Single(c, "TIME_WAIT->CLOSED").Ms - timeWait.Ms);
    }

    [Fact]
    public void A_retransmitted_FIN_in_TIME_WAIT_restarts_2_MSL()
    {
        (string text, List<Entry> log) = Run("lost-fin-4-last-ack.pkt");
        List<Entry> c = Connection(log);
        Entry timeWait = Single(c, "FIN_WAIT_2->TIME_WAIT");
        Entry restart = c.Single(e => e.Event == "TIME_WAIT-RESTART");
        Entry closed = Single(c, "TIME_WAIT->CLOSED");
        int msl = Option(text, "msl_ms");
        Assert.True(closed.Ms - timeWait.Ms > 2L * msl, "TIME_WAIT was not extended");
        Assert.Equal(2L * msl, closed.Ms - restart.Ms);
    }

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        string folder = RepoPaths.Full("tests/scripts");
        if (Directory.Exists(folder))
            foreach (string path in Directory.GetFiles(folder, "*.pkt").OrderBy(p => p, StringComparer.Ordinal))
                data.Add(Path.GetFileName(path));
        return data;
    }

    /// <summary>
    /// Every transition line of every script follows the grammar, and each connection's
    /// transitions chain: a line's FROM is the previous line's TO, until CLOSED ends that
    /// incarnation (the next may start from CLOSED or, born from a listener, from LISTEN).
    /// </summary>
    [Theory]
    [MemberData(nameof(Scripts))]
    public void Transition_lines_parse_and_chain(string name)
    {
        string path = "tests/scripts/" + name;
        ScriptResult result = ScriptRunner.Run(File.ReadAllText(RepoPaths.Full(path)));
        var last = new Dictionary<string, string>();
        foreach (string line in result.Log.Cast<string>())
        {
            if (!line.Contains("->")) continue;
            Entry? e = Parse(line);
            Assert.True(e != null && e.IsTransition, $"{path}: transition line does not follow the grammar: {line}");
            string key = e!.Slot + " " + e.Local + " " + e.Remote;
            string expectedFrom = last.TryGetValue(key, out string? to) && to != "CLOSED" ? to : null!;
            if (expectedFrom != null)
                Assert.True(e.From == expectedFrom, $"{path}: {line} does not follow the previous transition, which ended in {expectedFrom}");
            else
                Assert.True(e.From is "CLOSED" or "LISTEN", $"{path}: {line} starts a connection from {e.From}");
            last[key] = e.To!;
        }
    }
}
