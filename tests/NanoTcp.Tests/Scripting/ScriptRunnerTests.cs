using NanoTcp.Scripting;

namespace NanoTcp.Tests.Scripting;

/// <summary>Running scripts against the engine: timing, blocking calls, and how failures are reported.</summary>
public class ScriptRunnerTests
{
    // Lines 1-3.
    const string Listen =
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
        "+0 bind(3, ..., ...) = 0\n" +
        "+0 listen(3, 1) = 0\n";

    // Lines 1-7: an established connection on fd 4 at time 0.
    const string Established = Listen +
        "+0 < S 0:0(0) win 32792 <mss 1000>\n" +
        "+0 > S. 0:0(0) ack 1 <mss 1024>\n" +
        "+0 < . 1:1(0) ack 1 win 32792\n" +
        "+0 accept(3, ..., ...) = 4\n";

    // Lines 1-11: our FIN at 0 is lost; the retransmission timeout is 1 s, whatever RTT was measured.
    const string FinLost = "--rto_initial_ms=1000\n--rto_min_ms=1000\n" + Established +
        "+0 close(4) = 0\n" +
        "+0 > F. 1:1(0) ack 1\n";

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

    [Fact]
    public void A_passing_script_counts_events_and_virtual_time()
    {
        ScriptResult result = Passes(Established + "+0.25 close(4) = 0\n+0 > F. 1:1(0) ack 1\n");
        Assert.Equal(9, result.Events);
        Assert.Equal(250_000, result.VirtualMicros);
        Assert.NotEmpty(result.Log);
    }

    [Fact]
    public void Engine_log_lines_also_reach_a_live_sink()
    {
        var live = new CollectingLog();
        ScriptResult result = ScriptRunner.Run(Established, live);
        Assert.True(result.Passed, result.FailureText());
        Assert.Equal(result.Log.Cast<string>(), live.Lines);
    }

    [Fact]
    public void Wrong_return_value_shows_both_results()
    {
        ScriptResult r = Fails("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n", 1, "socket returned 3, expected 4");
        Assert.Equal("socket(..., SOCK_STREAM, IPPROTO_TCP) = 4", r.Expected);
        Assert.Equal("socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", r.Actual);
        Assert.Equal("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4", r.SourceLine);
    }

    [Fact]
    public void Descriptors_without_an_engine_handle()
    {
        Passes("0 close(3) = -1 EBADF\n" +
               "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
               "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n" +
               "+0 close(3) = 0\n" +
               "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
               "+0 fcntl(4, F_GETFL) = O_RDWR\n" +
               "+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n" +
               "+0 fcntl(4, F_GETFL) = O_RDWR|O_NONBLOCK\n" +
               "+0 read(4, ..., 10) = -1 ENOTCONN\n");
    }

    [Fact]
    public void Packet_field_mismatch_prints_both_packets_in_script_syntax()
    {
        ScriptResult r = Fails(Listen + "+0.1 < S 0:0(0) win 32792 <mss 1000>\n+0 > S. 0:0(0) ack 1 win 1000\n", 5, "does not match: win");
        Assert.Equal("0.100 > S. 0:0(0) ack 1 win 1000", r.Expected);
        Assert.Equal("0.100 > S. 0:0(0) ack 1 win 2048 <mss 1024>", r.Actual);
    }

    [Fact]
    public void Sequence_numbers_are_shown_relative_to_the_engines_isn()
    {
        ScriptResult r = Fails(Established + "+0 close(4) = 0\n+0 > F. 2:2(0) ack 1 <mss 1024>\n", 9, "does not match: seq, options");
        Assert.Equal("0.000 > F. 1:1(0) ack 1 win 2048", r.Actual);
    }

    [Fact]
    public void Expected_packet_that_never_comes()
    {
        ScriptResult r = Fails(Established + "+0.1 > F. 1:1(0) ack 1\n", 8, "nothing was sent");
        Assert.Equal("0.100 > F. 1:1(0) ack 1", r.Expected);
    }

    [Fact]
    public void Packet_that_no_line_expects_fails_at_the_next_event()
    {
        ScriptResult r = Fails(Listen + "+0 < S 0:0(0) win 32792 <mss 1000>\n+0.1 < . 1:1(0) ack 1 win 32792\n", 5, "unexpected outbound packet");
        Assert.Equal("0.000 > S. 0:0(0) ack 1 win 2048 <mss 1024>", r.Actual);
    }

    [Fact]
    public void Packet_left_over_at_the_end_fails()
    {
        ScriptResult r = Fails("--strict_end=1\n" + Listen + "+0 < S 0:0(0) win 32792 <mss 1000>\n", 0, "after the last line");
        Assert.StartsWith("0.000 > S. 0:0(0) ack 1", r.Actual);
    }

    [Fact]
    public void A_packet_sent_at_the_same_moment_may_be_expected_after_a_call()
    {
        Passes(Established + "+0.1 < F. 1:1(0) ack 1 win 32792\n+0 read(4, ..., 100) = 0\n+0 > . 1:1(0) ack 2\n");
    }

    [Fact]
    public void Call_that_would_block_without_a_time_range_fails_with_advice()
    {
        ScriptResult r = Fails(Listen + "+0 accept(3, ..., ...) = 4\n", 4, "would block");
        Assert.Contains("start...end", r.Message);
        Assert.Contains("O_NONBLOCK", r.Message);
    }

    [Fact]
    public void Blocking_accept_returns_when_the_handshake_completes()
    {
        const string Handshake =
            "+0.1 < S 0:0(0) win 32792 <mss 1000>\n+0 > S. 0:0(0) ack 1 <mss 1024>\n+0.1 < . 1:1(0) ack 1 win 32792\n";
        Passes(Listen + "+0...0.200 accept(3, ..., ...) = 4\n" + Handshake);
        Fails(Listen + "+0...0.300 accept(3, ..., ...) = 4\n" + Handshake, 4, "accept returned at 0.200 s, expected at 0.300 s");
    }

    [Fact]
    public void Blocking_call_that_never_returns()
    {
        ScriptResult r = Fails(Listen + "+0...0.100 accept(3, ..., ...) = 4\n+0.5 < S 0:0(0) win 32792 <mss 1000>\n", 4, "still blocked");
        Assert.Equal("accept(3, ..., ...) still blocked", r.Actual);
        Fails(Listen + "+0...0.100 accept(3, ..., ...) = 4\n", 4, "still blocked");
    }

    [Fact]
    public void Blocking_connect_and_a_refused_one()
    {
        Passes("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
               "+0...0.100 connect(3, ..., ...) = 0\n" +
               "+0 > S 0:0(0) win 2048 <mss 1024,sackOK,wscale 0>\n" +
               "+0.1 < S. 0:0(0) ack 1 win 5792 <mss 1460>\n" +
               "+0 > . 1:1(0) ack 1\n" +
               "+0 %{ assert tcpi_state == TCP_ESTABLISHED }%\n");
        Passes("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
               "+0...0.100 connect(3, ..., ...) = -1 ECONNREFUSED\n" +
               "+0 > S 0:0(0) <mss 1024,sackOK,wscale 0>\n" +
               "+0.1 < R. 0:0(0) ack 1 win 0\n");
    }

    [Theory]
    [InlineData("", "+1.1", null)]                      // 12.5 % of the 1.1 s gap: 137.5 ms
    [InlineData("", "+1.2", "outbound packet sent at 1.000 s, expected at 1.200 s (tolerance 0.150 s)")]
    [InlineData("--tolerance_usecs=250000\n", "+1.2", null)]
    [InlineData("", "+0.9~+1.1", null)]
    [InlineData("", "+0.5~+0.9", "expected an outbound packet by 0.904 s, nothing was sent")]
    [InlineData("", "+1.1~+1.5", "outbound packet sent at 1.000 s, expected between 1.096 and 1.504 s")]
    [InlineData("", "*", null)]
    public void Retransmission_timing_and_tolerance(string option, string time, string? failure)
    {
        // The expectation is line 12 (13 with the option).
        string text = option + FinLost + time + " > F. 1:1(0) ack 1\n";
        if (failure == null) Passes(text);
        else Fails(text, option.Length > 0 ? 13 : 12, failure);
    }

    [Theory]
    [InlineData("+0.003", true)]  // within the default 4 ms
    [InlineData("+0.005", false)]
    public void Default_tolerance_is_4_ms(string time, bool passes)
    {
        string text = Listen + "+0 < S 0:0(0) win 32792 <mss 1000>\n" + time + " > S. 0:0(0) ack 1 <mss 1024>\n";
        if (passes) Passes(text);
        else Fails(text, 5, "outbound packet sent at 0.000 s, expected at 0.005 s");
    }

    [Fact]
    public void After_a_star_packet_relative_times_count_from_when_it_was_sent()
    {
        // The first retransmission comes at 1.0 s, the second 2 s after it.
        Passes(FinLost + "* > F. 1:1(0) ack 1\n+2 > F. 1:1(0) ack 1\n");
    }

    [Fact]
    public void Tcpi_state_assert_failure_shows_both_states()
    {
        ScriptResult r = Fails(Established + "+0 %{ assert tcpi_state == TCP_CLOSE_WAIT }%\n", 8, "wrong state");
        Assert.Equal("tcpi_state == TCP_CLOSE_WAIT", r.Expected);
        Assert.Equal("tcpi_state == TCP_ESTABLISHED", r.Actual);
    }

    [Fact]
    public void So_error_after_a_reset()
    {
        const string Reset = Established + "+0.1 < R. 1:1(0) ack 1 win 0\n";
        Passes(Reset + "+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0\n");
        ScriptResult r = Fails(Reset + "+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n", 9, "SO_ERROR is ECONNRESET, expected 0");
        Assert.Equal("SO_ERROR = 0", r.Expected);
        Assert.Equal("SO_ERROR = ECONNRESET", r.Actual);
    }

    [Fact]
    public void Unknown_engine_option_and_invalid_settings()
    {
        Fails("--frobnicate_ms=1\n0 close(3) = -1 EBADF\n", 1, "unknown option --frobnicate_ms");
        Fails("--rto_min_ms=5000\n0 close(3) = -1 EBADF\n", 1, "invalid engine settings");
    }

    [Fact]
    public void Time_going_backwards_fails()
    {
        Fails("1 close(3) = -1 EBADF\n0.5 close(3) = -1 EBADF\n", 2, "time goes backwards");
    }

    [Fact]
    public void Syntax_errors_are_failures_not_exceptions()
    {
        ScriptResult r = Fails("0 close(3) = -1 EBADF\n+0 frobnicate(3) = 0\n", 2, "unknown system call 'frobnicate'");
        Assert.Equal("+0 frobnicate(3) = 0", r.SourceLine);
    }

    [Fact]
    public void Skipped_lines_become_warnings()
    {
        ScriptResult result = Passes("0 `echo hello`\n+0 %{ print(1) }%\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
        Assert.Equal(2, result.Warnings.Count);
    }

    sealed class CollectingLog : ILogSink
    {
        public readonly List<string> Lines = [];
        public void WriteLine(char[] line, int length) => Lines.Add(new string(line, 0, length));
    }
}
