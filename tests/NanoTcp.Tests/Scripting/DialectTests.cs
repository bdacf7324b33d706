using Nanotcp.Commands;
using NanoTcp.Scripting;

namespace NanoTcp.Tests.Scripting;

/// <summary>
/// The dialect as packetdrill reads it, so that scripts written for Linux and FreeBSD run
/// unchanged: trailing packets, --ip_version, FreeBSD state names, a listener's tcpi_state,
/// socket options at IPPROTO_TCP, '-' for no flags, skipped lines as warnings, no empty scripts.
/// </summary>
public class DialectTests
{
    const string Listen =
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
        "+0 bind(3, ..., ...) = 0\n" +
        "+0 listen(3, 1) = 0\n";

    const string Established = Listen +
        "+0 < S 0:0(0) win 32792 <mss 1000>\n" +
        "+0 > S. 0:0(0) ack 1 <mss 1024>\n" +
        "+0 < . 1:1(0) ack 1 win 32792\n" +
        "+0 accept(3, ..., ...) = 4\n";

    static ScriptResult Passes(string text)
    {
        ScriptResult result = ScriptRunner.Run(text);
        Assert.True(result.Passed, ScriptFilesTests.Report("script", result));
        return result;
    }

    static ScriptResult Fails(string text, int line, string message)
    {
        ScriptResult result = ScriptRunner.Run(text);
        Assert.False(result.Passed, "the script passed but should fail at line " + line);
        Assert.True(line == result.Line && result.Message.Contains(message), ScriptFilesTests.Report("script", result));
        return result;
    }

    // ---- packets after the last line -------------------------------------------------------

    [Fact]
    public void Packets_after_the_last_line_are_not_checked_but_shown()
    {
        // The SYN-ACK answering the last line is not expected by any line: packetdrill ends here.
        ScriptResult r = Passes(Listen + "+0 < S 0:0(0) win 32792 <mss 1000>\n");
        string warning = Assert.Single(r.Warnings.Cast<string>());
        Assert.Contains("not checked", warning);
        Assert.Contains("> S. 0:0(0) ack 1", warning);
        Assert.Contains("--strict_end=1", warning);
    }

    [Fact]
    public void Strict_end_fails_on_a_packet_after_the_last_line()
    {
        ScriptResult r = Fails("--strict_end=1\n" + Listen + "+0 < S 0:0(0) win 32792 <mss 1000>\n", 0, "after the last line");
        Assert.StartsWith("0.000 > S. 0:0(0) ack 1", r.Actual);
    }

    [Fact]
    public void Strict_end_passes_when_nothing_is_left()
    {
        ScriptResult r = Passes("--strict_end=1\n" + Established);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void Every_project_script_checks_its_end_strictly()
    {
        string folder = SubsetGuard.RepoPaths.Full("tests/scripts");
        foreach (string path in Directory.GetFiles(folder, "*.pkt"))
            Assert.True(File.ReadAllLines(path).Any(l => l.Trim() == "--strict_end=1"), $"{Path.GetFileName(path)} has no --strict_end=1 line");
    }

    // ---- option lines ----------------------------------------------------------------------

    [Fact]
    public void Ip_version_ipv4_is_accepted()
    {
        Passes("--ip_version=ipv4\n--tolerance_usecs=75000\n" + Established);
    }

    [Theory]
    [InlineData("--ip_version=ipv6")]
    [InlineData("--ip_version=ipv4-mapped-ipv6")]
    public void Other_ip_versions_are_refused_in_one_line(string option)
    {
        ScriptFailure f = Assert.Throws<ScriptFailure>(() => ScriptParser.Parse(option + "\n" + Listen));
        Assert.Equal(1, f.Line);
        Assert.Contains("IPv4 only", f.Message);
    }

    // ---- state names and the listener --------------------------------------------------------

    [Theory]
    [InlineData("TCPI_ESTABLISHED")]
    [InlineData("TCPS_ESTABLISHED")]
    [InlineData("TCP_ESTABLISHED")]
    public void FreeBsd_and_Linux_state_names(string name)
    {
        Passes(Established + "+0 %{ assert tcpi_state == " + name + " }%\n");
    }

    [Theory]
    [InlineData("TCPI_SYN_RECEIVED", TcpState.SynReceived)]
    [InlineData("TCPI_FIN_WAIT_1", TcpState.FinWait1)]
    [InlineData("TCPI_FIN_WAIT_2", TcpState.FinWait2)]
    [InlineData("TCPI_CLOSE_WAIT", TcpState.CloseWait)]
    [InlineData("TCPI_LAST_ACK", TcpState.LastAck)]
    [InlineData("TCPI_CLOSING", TcpState.Closing)]
    [InlineData("TCPI_TIME_WAIT", TcpState.TimeWait)]
    [InlineData("TCPI_CLOSED", TcpState.Closed)]
    [InlineData("TCPI_LISTEN", TcpState.Listen)]
    [InlineData("TCPI_SYN_SENT", TcpState.SynSent)]
    public void Every_FreeBsd_name_parses(string name, TcpState state)
    {
        Assert.Equal((int)state, TcpStates.Parse(name));
    }

    [Fact]
    public void A_wrong_state_is_reported_in_the_scripts_own_spelling()
    {
        ScriptResult r = Fails(Established + "+0 %{ assert tcpi_state == TCPI_CLOSE_WAIT }%\n", 8, "wrong state");
        Assert.Equal("tcpi_state == TCPI_CLOSE_WAIT", r.Expected);
        Assert.Equal("tcpi_state == TCPI_ESTABLISHED", r.Actual);
    }

    [Fact]
    public void A_listening_socket_is_in_LISTEN_until_a_connection_exists()
    {
        Passes(Listen +
               "+0 %{ assert tcpi_state == TCPI_LISTEN }%\n" +
               "+0 < S 0:0(0) win 32792 <mss 1000>\n" +
               "+0 > S. 0:0(0) ack 1 <mss 1024>\n" +
               "+0 %{ assert tcpi_state == TCP_SYN_RECV }%\n");
        ScriptResult r = Fails(Listen + "+0 %{ assert tcpi_state == TCP_CLOSE }%\n", 4, "the listener on port 8080");
        Assert.Equal("tcpi_state == TCP_LISTEN", r.Actual);
    }

    [Fact]
    public void A_socket_that_never_listened_is_closed()
    {
        Passes("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ assert tcpi_state == TCPI_CLOSED }%\n");
    }

    // ---- packets with no flags ---------------------------------------------------------------

    [Fact]
    public void A_dash_is_a_segment_without_flags()
    {
        Script s = ScriptParser.Parse("0 < - 1:1(0) win 100\n");
        Assert.Equal(0, ((PacketEvent)s.Events[0]!).Flags);
        // RFC 9293 §3.10.7.4 fifth step: "if the ACK bit is off, drop the segment": nothing is sent.
        ScriptResult r = Passes("--strict_end=1\n" + Established + "+0.1 < - 1:1(0) win 32792\n+0 %{ assert tcpi_state == TCP_ESTABLISHED }%\n");
        Assert.DoesNotContain(r.Log.Cast<string>(), l => l.Contains("->CLOSED"));
    }

    [Fact]
    public void A_dash_in_front_of_other_flags_is_still_an_error()
    {
        ScriptFailure f = Assert.Throws<ScriptFailure>(() => ScriptParser.Parse("0 < -S 0:0(0)\n"));
        Assert.Contains("unknown TCP flag '-'", f.Message);
    }

    [Fact]
    public void The_ECN_field_is_read_and_checked_on_outbound_packets()
    {
        // NanoTcp marks no packet with ECN: [noecn] matches, [ect0] does not; inbound ones are taken.
        Passes(Listen + "+0 <[ect0] S 0:0(0) win 32792 <mss 1000>\n+0 >[noecn] S. 0:0(0) ack 1 <mss 1024>\n");
        Fails(Listen + "+0 < [noecn] S 0:0(0) win 32792 <mss 1000>\n+0 > [ect0] S. 0:0(0) ack 1 <mss 1024>\n", 5, "does not match: ecn");
        ScriptFailure f = Assert.Throws<ScriptFailure>(() => ScriptParser.Parse("0 > [ecn9] S. 0:0(0) ack 1\n"));
        Assert.Contains("unknown ECN field '[ecn9]'", f.Message);
    }

    // ---- socket options ------------------------------------------------------------------------

    [Fact]
    public void Every_option_reads_its_default_sets_and_reads_back()
    {
        Passes("--keepalive_interval_ms=75000\n--keepalive_count=9\n" +
               "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_NODELAY, [0], [4]) = 0\n" +
               "+0 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0\n" +
               "+0 getsockopt(3, SOL_TCP, TCP_NODELAY, [1], [4]) = 0\n" +
               "+0 getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [0], [4]) = 0\n" +
               "+0 setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0\n" +
               "+0 getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], [4]) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [7200], [4]) = 0\n" +
               "+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [30], 4) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [30], [4]) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINTVL, [75], [4]) = 0\n" +
               "+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPINTVL, [2], 4) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINTVL, [2], [4]) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [9], [4]) = 0\n" +
               "+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [4], 4) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [4], [4]) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_USER_TIMEOUT, [0], [4]) = 0\n" +
               "+0 setsockopt(3, IPPROTO_TCP, TCP_USER_TIMEOUT, [2500], 4) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_USER_TIMEOUT, [2500], [4]) = 0\n" +
               "+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [9], 4) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [9], [4]) = 0\n" +
               "+0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [512], 4) = 0\n" +
               "+0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [512], [4]) = 0\n" +
               // After listen() the engine holds them: read back from the engine's socket.
               "+0 bind(3, ..., ...) = 0\n" +
               "+0 listen(3, 1) = 0\n" +
               "+0 getsockopt(3, SOL_TCP, TCP_NODELAY, [1], [4]) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [30], [4]) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_USER_TIMEOUT, [2500], [4]) = 0\n" +
               "+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [9], [4]) = 0\n" +
               "+0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [512], [4]) = 0\n" +
               // ...and the connection it accepts inherits them.
               "+0 < S 0:0(0) win 32792 <mss 1000>\n" +
               "+0 > S. 0:0(0) ack 1 <mss 1024>\n" +
               "+0 < . 1:1(0) ack 1 win 32792\n" +
               "+0 accept(3, ..., ...) = 4\n" +
               "+0 getsockopt(4, SOL_TCP, TCP_NODELAY, [1], [4]) = 0\n" +
               "+0 getsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], [4]) = 0\n" +
               "+0 getsockopt(4, IPPROTO_TCP, TCP_KEEPINTVL, [2], [4]) = 0\n" +
               "+0 getsockopt(4, IPPROTO_TCP, TCP_KEEPCNT, [4], [4]) = 0\n" +
               "+0 getsockopt(4, SOL_SOCKET, SO_SNDBUF, [512], [4]) = 0\n");
    }

    [Fact]
    public void A_wrong_option_value_shows_both()
    {
        ScriptResult r = Fails("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], [4]) = 0\n", 2, "SO_RCVBUF is 2048, expected 65536");
        Assert.Equal("SO_RCVBUF = 65536", r.Expected);
        Assert.Equal("SO_RCVBUF = 2048", r.Actual);
    }

    [Fact]
    public void Bad_option_values_are_EINVAL()
    {
        Passes(Established +
               "+0 setsockopt(4, IPPROTO_TCP, TCP_KEEPCNT, [0], 4) = -1 EINVAL\n" +
               "+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [-1], 4) = -1 EINVAL\n" +
               "+0 setsockopt(4, SOL_SOCKET, SO_RCVBUF, [0], 4) = -1 EINVAL\n" +
               "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5\n" +
               "+0 setsockopt(5, IPPROTO_TCP, TCP_KEEPINTVL, [0], 4) = -1 EINVAL\n" +
               "+0 setsockopt(9, IPPROTO_TCP, TCP_NODELAY, [1], 4) = -1 EBADF\n");
    }

    [Theory]
    [InlineData("0 setsockopt(3, SOL_SOCKET, TCP_NODELAY, [1], 4) = 0", "TCP_NODELAY is an IPPROTO_TCP option, not SOL_SOCKET")]
    [InlineData("0 setsockopt(3, IPPROTO_TCP, SO_KEEPALIVE, [1], 4) = 0", "SO_KEEPALIVE is a SOL_SOCKET option, not IPPROTO_TCP")]
    [InlineData("0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [1460], [4]) = 0", "unsupported socket option 'TCP_MAXSEG'")]
    [InlineData("0 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [yes], 4) = 0", "TCP_NODELAY takes an int")]
    [InlineData("--strict_end=2\n0 close(3) = 0", "--strict_end takes 0 or 1")]
    public void Option_syntax_errors_are_one_clear_line(string text, string message)
    {
        ScriptFailure f = Assert.Throws<ScriptFailure>(() => ScriptParser.Parse(text));
        Assert.Equal(1, f.Line);
        Assert.Contains(message, f.Message);
    }

    // ---- skipped lines ---------------------------------------------------------------------------

    [Fact]
    public void A_shell_command_over_several_lines_is_one_skipped_line()
    {
        ScriptResult r = Passes("0 `echo one\necho two`\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
        string warning = Assert.Single(r.Warnings.Cast<string>());
        Assert.Equal("line 1: shell command skipped: `echo one echo two`", warning);
    }

    [Fact]
    public void Code_next_to_peer_port_is_a_warning_too()
    {
        ScriptResult r = Passes("0 %{ peer_port = 40001; tcp_info_check() }%\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
        Assert.Contains(r.Warnings.Cast<string>(), w => w.Contains("tcp_info_check()"));
    }

    [Fact]
    public void The_script_command_prints_warnings_whether_the_script_passes_or_fails()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nanotcp-dialect-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string pass = Path.Combine(dir, "pass.pkt"), fail = Path.Combine(dir, "fail.pkt");
            File.WriteAllText(pass, "0 `sysctl -w net.inet.tcp.rfc1323=1`\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
            File.WriteAllText(fail, "0 %{ print(tcpi_rto) }%\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n");
            var output = new StringWriter();
            int code = ScriptCommand.Run([pass, fail], false, output, new StringWriter());
            string text = output.ToString();
            Assert.Equal(ScriptCommand.ExitFailed, code);
            Assert.Contains("warning:  line 1: shell command skipped: `sysctl -w net.inet.tcp.rfc1323=1`", text);
            Assert.Contains("warning:  line 1: %{ }% code skipped", text);
            Assert.Contains("print(tcpi_rto)", text);
        }
        finally { Directory.Delete(dir, true); }
    }

    // ---- a script must do something -------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("// only a comment\n")]
    [InlineData("--msl_ms=100\n")]
    [InlineData("0 `echo hello`\n+0 %{ print(1) }%\n")]
    [InlineData("0 %{ peer_port = 40001 }%\n")]
    public void A_script_with_no_event_is_an_error(string text)
    {
        ScriptResult r = ScriptRunner.Run(text);
        Assert.False(r.Passed);
        Assert.Contains("no events", r.Message);
    }
}
