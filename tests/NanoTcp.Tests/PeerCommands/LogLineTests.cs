using System.Text.Json;
using Nanotcp.Monitor;

namespace NanoTcp.Tests.PeerCommands;

/// <summary>The one parser of the serial-log grammar (Engine/LogTests.cs documents it) and its JSON form.</summary>
public class LogLineTests
{
    [Fact]
    public void ATransitionGivesItsPartsAndFields()
    {
        LogLine line = LogLine.Parse("5 #1 192.0.2.2:7 192.0.2.1:40000 LISTEN->SYN_RECEIVED rx=[S] seq=0 len=0 iss=123 irs=1000\r");
        Assert.Equal(LogLineKind.Transition, line.Kind);
        Assert.Equal(5, line.TimeMs);
        Assert.Equal(1, line.Slot);
        Assert.Equal("192.0.2.2:7", line.Local);
        Assert.Equal("192.0.2.1:40000", line.Peer);
        Assert.Equal("LISTEN", line.From);
        Assert.Equal("SYN_RECEIVED", line.To);
        Assert.Null(line.Event);
        Assert.Equal("rx=[S] seq=0 len=0 iss=123 irs=1000", line.Detail);
        Assert.Equal("[S]", line.Field("rx"));
        Assert.Equal("1000", line.Field("irs"));
        Assert.Equal("#1 192.0.2.2:7 192.0.2.1:40000", line.ConnectionKey);
        Assert.False(line.IsListener);
    }

    [Theory]
    [InlineData("1300 #1 192.0.2.2:7 192.0.2.1:40000 RTX tx=[P.] seq=1 ack=1 len=10 rto=300 try=1", LogLineKind.Event, "RTX")]
    [InlineData("4005 #5 192.0.2.2:13 192.0.2.1:50122 TIMEOUT timer=2msl", LogLineKind.Event, "TIMEOUT")]
    [InlineData("7 #3 192.0.2.2:7 192.0.2.1:41000 RECYCLE state=TIME_WAIT age=12 why=table-full", LogLineKind.Event, "RECYCLE")]
    [InlineData("7 #3 192.0.2.2:7 192.0.2.1:41000 TIME_WAIT-RESTART timer=2msl", LogLineKind.Event, "TIME_WAIT-RESTART")]
    [InlineData("7 #3 192.0.2.2:7 192.0.2.1:41000 CHALLENGE-ACK suppressed=rate", LogLineKind.Event, "CHALLENGE-ACK")]
    [InlineData("9 - 192.0.2.2:9 192.0.2.1:1 RST-OUT tx=[R.] seq=0 ack=5 why=no-listener", LogLineKind.FreeEvent, "RST-OUT")]
    [InlineData("9 - 192.0.2.2:7 192.0.2.1:42001 TABLE-FULL rx=[S] seq=6000 len=0", LogLineKind.FreeEvent, "TABLE-FULL")]
    [InlineData("9 - DROP reason=tcp-checksum len=40 from=192.0.2.1:0", LogLineKind.FreeEvent, "DROP")]
    [InlineData("9 - LOG-DROPPED lines=12", LogLineKind.FreeEvent, "LOG-DROPPED")]
    [InlineData("9 - DATAGRAM-TRUNCATED len=1500 kept=1144", LogLineKind.FreeEvent, "DATAGRAM-TRUNCATED")]
    [InlineData("2 - CONFIG msl_ms=2000 time_wait_ms=4000 fin_wait2_timeout_ms=20000", LogLineKind.Banner, "CONFIG")]
    [InlineData("2 - BOOT NanoTcp device", LogLineKind.Banner, "BOOT")]
    public void EventsAndBannerLines(string text, LogLineKind kind, string name)
    {
        LogLine line = LogLine.Parse(text);
        Assert.Equal(kind, line.Kind);
        Assert.Equal(name, line.Event);
        Assert.Null(line.From);
    }

    [Theory]
    [InlineData("13 #99999999999 192.0.2.2:7 192.0.2.1:5000 ESTABLISHED->CLOSED app=abort")]   // slot beyond an int
    [InlineData("99999999999999999999 #1 192.0.2.2:7 192.0.2.1:5000 ESTABLISHED->CLOSED app=abort")] // time beyond a long
    [InlineData("99999999999999999999 - DROP reason=tcp-checksum len=40")]
    [InlineData("99999999999999999999 - BOOT NanoTcp device")]
    public void NumbersTooBigForTheirTypeLeaveTheLineUnparsed(string text)
    {
        LogLine line = LogLine.Parse(text);
        Assert.Equal(LogLineKind.Unparsed, line.Kind);
        Assert.Equal(text, line.Text);
        Assert.Equal(-1, line.TimeMs);
    }

    [Theory]
    [InlineData("0 #0 192.0.2.2:7 *:* CLOSED->LISTEN")]                 // a transition needs its cause
    [InlineData("0 #0 192.0.2.2:7 *:* CLOSED->OPEN app=listen")]         // not a state
    [InlineData("0 #0 192.0.2.2:7 *:* RTX tx=[.P] seq=1 len=0")]         // flags out of order
    [InlineData("ets Jun  8 2016 00:22:57")]                             // the ESP32 ROM's boot noise
    [InlineData("")]
    public void AnythingElseIsKeptAsText(string text)
    {
        LogLine line = LogLine.Parse(text);
        Assert.Equal(LogLineKind.Unparsed, line.Kind);
        Assert.Equal(text, line.Text);
        Assert.Null(line.ConnectionKey);
    }

    [Fact]
    public void BannerKeysMayCarryDigits()
    {
        LogLine line = LogLine.Parse("0 - CONFIG msl_ms=2000 time_wait_ms=4000 fin_wait2_timeout_ms=20000");
        Assert.Equal("20000", line.Field("fin_wait2_timeout_ms"));
        Assert.Equal("2000", line.Field("msl_ms"));
        Assert.Null(line.Field("_timeout_ms"));
    }

    [Fact]
    public void AListenerIsMarked()
    {
        LogLine line = LogLine.Parse("0 #0 192.0.2.2:7 *:* CLOSED->LISTEN app=listen");
        Assert.True(line.IsListener);
        Assert.Equal("listen", line.Field("app"));
    }

    /// <summary>A whole life on the real board (open, data, both closes, refusals): every line is in the grammar.</summary>
    [Fact]
    public void EveryLineOfABoardRunParses()
    {
        var log = new SyncLog();
        using (var board = Boards.Start(log))
        {
            string device = Boards.Device(board);
            foreach (int port in new[] { 7, 13, 2019, 8 })
            {
                var output = new SyncWriter();
                Nanotcp.Commands.ConnectCommand.Run(new Nanotcp.Commands.ConnectOptions { Device = device, Port = port, Quiet = true },
                    new StringReader("x\n"), output, new SyncWriter(), false, Nanotcp.Commands.ConnectSignals.None);
            }
            Boards.WaitFor(() => log.Lines.Count(l => l.Contains("->CLOSED")) >= 2, "two connections to end");
        }
        LogLine[] lines = log.Lines.Select(LogLine.Parse).ToArray();
        Assert.All(lines, l => Assert.NotEqual(LogLineKind.Unparsed, l.Kind));
        Assert.Contains(lines, l => l.Kind == LogLineKind.Banner);
        Assert.Contains(lines, l => l.Kind == LogLineKind.Transition && l.To == "LAST_ACK");
        Assert.Contains(lines, l => l.Kind == LogLineKind.FreeEvent && l.Event == "RST-OUT");
    }

    [Fact]
    public void JsonCarriesThePartsThatApply()
    {
        using JsonDocument doc = JsonDocument.Parse(LogJson.Format(
            LogLine.Parse("1300 #1 192.0.2.2:7 192.0.2.1:40000 RTX tx=[P.] seq=1 ack=1 len=10 rto=300 try=1")));
        JsonElement o = doc.RootElement;
        Assert.Equal(1300, o.GetProperty("time_ms").GetInt64());
        Assert.Equal("event", o.GetProperty("kind").GetString());
        Assert.Equal(1, o.GetProperty("slot").GetInt32());
        Assert.Equal("RTX", o.GetProperty("event").GetString());
        Assert.Equal("300", o.GetProperty("fields").GetProperty("rto").GetString());
        Assert.False(o.TryGetProperty("from", out _));

        using JsonDocument raw = JsonDocument.Parse(LogJson.Format(LogLine.Parse("garbage \"quoted\"")));
        Assert.Equal("unparsed", raw.RootElement.GetProperty("kind").GetString());
        Assert.Equal("garbage \"quoted\"", raw.RootElement.GetProperty("text").GetString());
    }

    /// <summary>JSON keeps the line readable: "->" and "'" are written as they are, not as \u003E or \u0027.</summary>
    [Fact]
    public void JsonDoesNotEscapeArrowsOrQuotes()
    {
        string json = LogJson.Format(LogLine.Parse("5 #1 192.0.2.2:7 192.0.2.1:40000 LISTEN->SYN_RECEIVED rx=[S] seq=0 len=0 iss=1 irs=2"));
        Assert.Contains("LISTEN->SYN_RECEIVED", json);
        Assert.Contains("it's", LogJson.Format(LogLine.Parse("it's boot noise")));
        Assert.DoesNotContain("\\u", json);
    }
}
