using NanoTcp.Scripting;

namespace NanoTcp.Tests.Scripting;

/// <summary>The dialect's syntax: each line kind, time forms, options, and syntax errors with their line.</summary>
public class ScriptParserTests
{
    static ScriptEvent Single(string line)
    {
        Script script = ScriptParser.Parse(line);
        return Assert.Single(script.Events.Cast<ScriptEvent>());
    }

    static ScriptFailure SyntaxError(string text)
    {
        return Assert.Throws<ScriptFailure>(() => ScriptParser.Parse(text));
    }

    [Theory]
    [InlineData("0 close(3) = 0", TimeKind.Absolute, false, 0)]
    [InlineData("0.100 close(3) = 0", TimeKind.Absolute, false, 100_000)]
    [InlineData("1.5 close(3) = 0", TimeKind.Absolute, false, 1_500_000)]
    [InlineData("+0 close(3) = 0", TimeKind.Relative, true, 0)]
    [InlineData("+.1 close(3) = 0", TimeKind.Relative, true, 100_000)]
    [InlineData("+0.000250 close(3) = 0", TimeKind.Relative, true, 250)]
    [InlineData("* > . 1:1(0) ack 1", TimeKind.Any, false, 0)]
    public void Time_column_forms(string line, int kind, bool relative, long micros)
    {
        ScriptEvent e = Single(line);
        Assert.Equal(kind, e.TimeKind);
        Assert.Equal(relative, e.TimeRelative);
        Assert.Equal(micros, e.Time);
        Assert.False(e.Blocking);
    }

    [Fact]
    public void Ranges_absolute_and_relative()
    {
        ScriptEvent a = Single("1~2.5 > F. 1:1(0) ack 1");
        Assert.Equal(TimeKind.Range, a.TimeKind);
        Assert.Equal((1_000_000L, false, 2_500_000L, false), (a.Time, a.TimeRelative, a.TimeEnd, a.TimeEndRelative));

        ScriptEvent r = Single("+0.9~+1.1 > F. 1:1(0) ack 1");
        Assert.Equal((900_000L, true, 1_100_000L, true), (r.Time, r.TimeRelative, r.TimeEnd, r.TimeEndRelative));
    }

    [Fact]
    public void Blocking_call_times()
    {
        ScriptEvent a = Single("0...0.200 accept(3, ..., ...) = 4");
        Assert.True(a.Blocking);
        Assert.Equal((0L, false, 200_000L), (a.Time, a.TimeRelative, a.BlockingEnd));

        ScriptEvent r = Single("+.1...0.400 read(4, ..., 1000) = 20");
        Assert.True(r.Blocking);
        Assert.Equal((100_000L, true, 400_000L), (r.Time, r.TimeRelative, r.BlockingEnd));
    }

    [Fact]
    public void Inbound_packet_with_every_field_and_its_options_encoded()
    {
        var p = Assert.IsType<PacketEvent>(Single("+0 < S. 0:0(0) ack 1 win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7,TS val 5 ecr 0>"));
        Assert.True(p.Inbound);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, p.Flags);
        Assert.Equal((0L, 0L, 0), (p.Seq, p.End, p.Length));
        Assert.True(p.HasAck);
        Assert.Equal(1, p.Ack);
        Assert.True(p.HasWindow);
        Assert.Equal(32792, p.Window);
        Assert.Equal("<mss 1000,sackOK,nop,nop,nop,wscale 7,TS val 5 ecr 0>", TcpOption.FormatList(p.Options));
        Assert.Equal(new byte[] { 2, 4, 0x03, 0xE8, 4, 2, 1, 1, 1, 3, 3, 7, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0 }, p.OptionBytes);
    }

    [Fact]
    public void Outbound_packet_flags_payload_and_option_forms()
    {
        var p = Assert.IsType<PacketEvent>(Single("+0 > FP. 1001:1101(100) ack 7"));
        Assert.False(p.Inbound);
        Assert.Equal(TcpFlags.Fin | TcpFlags.Psh | TcpFlags.Ack, p.Flags);
        Assert.Equal((1001L, 1101L, 100), (p.Seq, p.End, p.Length));
        Assert.False(p.HasWindow);
        Assert.Null(p.Options); // no <...> written: options are not checked

        var any = Assert.IsType<PacketEvent>(Single("+0 > S. 0:0(0) ack 1 <...>"));
        Assert.True(any.AnyOptions);

        var none = Assert.IsType<PacketEvent>(Single("+0 > R 1:1(0) <>"));
        Assert.Equal(TcpFlags.Rst, none.Flags);
        Assert.NotNull(none.Options);
        Assert.Empty(none.Options);

        var sack = Assert.IsType<PacketEvent>(Single("+0 < . 1:1(0) ack 1 <nop,nop,sack 100:200 300:400>"));
        Assert.Equal(new byte[] { 1, 1, 5, 18, 0, 0, 0, 100, 0, 0, 0, 200, 0, 0, 1, 44, 0, 0, 1, 144 }, sack.OptionBytes);
    }

    [Fact]
    public void Option_lists_compare_by_meaning_not_padding()
    {
        var expected = TcpOption.ParseList("mss 1024,nop,nop", 1);
        Assert.True(TcpOption.SameMeaning(expected, TcpOption.ParseList("mss 1024", 1)));
        Assert.False(TcpOption.SameMeaning(expected, TcpOption.ParseList("mss 1460", 1)));
        Assert.False(TcpOption.SameMeaning(expected, TcpOption.ParseList("mss 1024,wscale 7", 1)));
        // A TS val is the sender's clock and is not compared; ecr is.
        Assert.True(TcpOption.SameMeaning(TcpOption.ParseList("TS val 1 ecr 9", 1), TcpOption.ParseList("TS val 777 ecr 9", 1)));
        Assert.False(TcpOption.SameMeaning(TcpOption.ParseList("TS val 1 ecr 9", 1), TcpOption.ParseList("TS val 1 ecr 8", 1)));
    }

    [Fact]
    public void System_calls_and_their_results()
    {
        var socket = Assert.IsType<SyscallEvent>(Single("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3"));
        Assert.Equal("socket", socket.Name);
        Assert.Equal(3, socket.ExpectedReturn);
        Assert.Equal("socket(..., SOCK_STREAM, IPPROTO_TCP)", socket.CallText);

        var read = Assert.IsType<SyscallEvent>(Single("+0 read(4, ..., 1000) = -1 EAGAIN (Resource temporarily unavailable)"));
        Assert.Equal((4, 1000L, -1L, TcpError.WouldBlock), (read.Fd, read.Value, read.ExpectedReturn, read.ExpectedErrno));

        var send = Assert.IsType<SyscallEvent>(Single("+0 send(4, ..., 10, 0) = 10"));
        Assert.Equal((4, 10L), (send.Fd, send.Value));

        var shutdown = Assert.IsType<SyscallEvent>(Single("+0 shutdown(4, SHUT_WR) = 0"));
        Assert.Equal(ShutdownHow.Write, shutdown.Value);

        var linger = Assert.IsType<SyscallEvent>(Single("+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0"));
        Assert.Equal(("SO_LINGER", 1L, 0L), (linger.Option, linger.Value, linger.Value2));

        var error = Assert.IsType<SyscallEvent>(Single("+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0"));
        Assert.Equal(TcpError.ConnectionReset, error.Value2);

        var setfl = Assert.IsType<SyscallEvent>(Single("+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0"));
        Assert.Equal(ScriptParser.ORdWr | ScriptParser.ONonBlock, setfl.Value);

        var getfl = Assert.IsType<SyscallEvent>(Single("+0 fcntl(3, F_GETFL) = O_RDWR|O_NONBLOCK"));
        Assert.Equal(ScriptParser.ORdWr | ScriptParser.ONonBlock, getfl.ExpectedReturn);
    }

    [Fact]
    public void Tcpi_state_assert_and_skipped_lines()
    {
        Script script = ScriptParser.Parse(
            "+0 %{ assert tcpi_state == TCP_TIME_WAIT }%\n" +
            "%{\nassert tcpi_state == TCP_FIN_WAIT2, tcpi_state\n}%\n" +
            "+0 %{ print(tcpi_rto) }%\n" +
            "+0 `sysctl -q net.ipv4.tcp_timestamps=0`\n");
        var events = script.Events.Cast<ScriptEvent>().ToList();
        Assert.Equal(4, events.Count);
        var timeWait = Assert.IsType<AssertStateEvent>(events[0]);
        Assert.Equal((int)TcpState.TimeWait, timeWait.State);
        var finWait2 = Assert.IsType<AssertStateEvent>(events[1]);
        Assert.Equal((int)TcpState.FinWait2, finWait2.State);
        Assert.Equal(2, finWait2.Line);
        Assert.Equal(EventKind.Skipped, events[2].Kind);
        Assert.Equal(5, events[2].Line);
        Assert.Equal(EventKind.Skipped, events[3].Kind);
        var warnings = script.Warnings.Cast<string>().ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("line 5", warnings[0]);
        Assert.Contains("print(tcpi_rto)", warnings[0]);
        Assert.Contains("line 6", warnings[1]);
        Assert.Contains("sysctl", warnings[1]);
    }

    [Fact]
    public void Comments_are_removed_and_line_numbers_kept()
    {
        Script script = ScriptParser.Parse(
            "// a comment\n" +
            "/* a block\n   comment */ 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3  // trailing\n" +
            "\n" +
            "+0 close(3) /* inline */ = 0\n" +
            "//`../common/defaults.sh`\n");
        var events = script.Events.Cast<ScriptEvent>().ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(3, events[0].Line);
        Assert.Equal(5, events[1].Line);
        Assert.Empty(script.Warnings);
    }

    [Fact]
    public void Option_lines_set_tolerance_addresses_and_engine_settings()
    {
        Script script = ScriptParser.Parse(
            "--tolerance_usecs=10000\n--local_ip=192.0.2.2 --remote_ip=192.0.2.9\n--msl_ms=500\n0 close(3) = -1 EBADF\n");
        Assert.Equal(10_000, script.ToleranceMicros);
        Assert.Equal(Ipv4.Address(192, 0, 2, 2), script.LocalAddress);
        Assert.Equal(Ipv4.Address(192, 0, 2, 9), script.RemoteAddress);
        var setting = Assert.IsType<ScriptSetting>(Assert.Single(script.Settings.Cast<object>()));
        Assert.Equal(("msl_ms", 500L, 3), (setting.Name, setting.Value, setting.Line));
    }

    [Fact]
    public void Defaults_follow_packetdrill()
    {
        Script script = ScriptParser.Parse("");
        Assert.Equal(4000, script.ToleranceMicros);
        Assert.Equal(Ipv4.Address(192, 168, 0, 1), script.LocalAddress);
        Assert.Equal(Ipv4.Address(192, 0, 2, 1), script.RemoteAddress);
    }

    [Theory]
    [InlineData("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 frobnicate(3) = 0", 2, "unknown system call 'frobnicate'")]
    [InlineData("0 < S 0:0(0) <mss 1000,FO abc>", 1, "unknown TCP option 'FO abc'")]
    [InlineData("0 < X 0:0(0)", 1, "unknown TCP flag 'X'")]
    [InlineData("0 < SS 0:0(0)", 1, "flag 'S' written twice")]
    [InlineData("0 < . 1:11(5) ack 1", 1, "inconsistent seq:end(len)")]
    [InlineData("0 read(4, ..., 10) = -1 EFROB", 1, "unknown errno 'EFROB'")]
    [InlineData("0 read(4, ..., 10) = 5 EAGAIN", 1, "an errno goes with '= -1'")]
    [InlineData("socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", 1, "expected a time")]
    [InlineData("0 close(3) = 0\n--msl_ms=100", 2, "must come before the first event")]
    [InlineData("// fine\n/* never closed\n0 close(3) = 0", 2, "unterminated /* comment")]
    [InlineData("0 %{ assert tcpi_state == TCP_NAPPING }%", 1, "unknown TCP state 'TCP_NAPPING'")]
    [InlineData("0 setsockopt(3, SOL_SOCKET, SO_ZEROCOPY, [1], 4) = 0", 1, "unsupported socket option 'SO_ZEROCOPY'")]
    [InlineData("0 < S 0:0(0) win 70000", 1, "win must be 0..65535")]
    [InlineData("0 < S 0:0(0) <...>", 1, "<...> is only for outbound packets")]
    [InlineData("* < S 0:0(0)", 1, "only outbound packets")]
    [InlineData("0...1 < S 0:0(0)", 1, "only system calls")]
    [InlineData("0 read(4, ..., 10 = 10", 1, "missing ')'")]
    [InlineData("0 > S 0:0(0) urg 5", 1, "expected 'ack N', 'win N' or <options> but found 'urg'")]
    [InlineData("--tolerance_usecs=lots", 1, "--tolerance_usecs needs a number")]
    [InlineData("0.1234567 close(3) = 0", 1, "more than 6 decimals")]
    public void Syntax_errors_name_the_line(string text, int line, string message)
    {
        ScriptFailure f = SyntaxError(text);
        Assert.Equal(line, f.Line);
        Assert.Contains(message, f.Message);
    }
}
