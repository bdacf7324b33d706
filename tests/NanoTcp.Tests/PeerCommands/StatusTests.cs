using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Nanotcp.Commands;
using Nanotcp.Monitor;

namespace NanoTcp.Tests.PeerCommands;

/// <summary><c>nanotcp status</c> against the virtual board, and when there is no device.</summary>
public class StatusTests
{
    static readonly string[] Listeners = ["192.0.2.2:7", "192.0.2.2:9", "192.0.2.2:13", "192.0.2.2:19", "192.0.2.2:2019"];

    [Fact]
    public void TheTableListsTheFiveListenersAndTheCounters()
    {
        using var board = Boards.Start(new SyncLog());
        var output = new SyncWriter();
        var error = new SyncWriter();
        Assert.Equal(0, StatusCommand.Run(Boards.Device(board), 5000, false, output, error));
        Assert.Equal("", error.ToString());

        string[] lines = output.ToString().Split('\n');
        Assert.StartsWith("NanoTcp 192.0.2.2 (link 127.0.0.1:", lines[0]);
        Assert.Contains("0 of 8 connections in use, 5 listeners", lines[0]); // listeners are not connections
        Assert.Equal("Slot  State   Local Address:Port  Peer Address:Port  Timer", lines[1]);
        for (int i = 0; i < Listeners.Length; i++)
            Assert.Equal($"{i,-4}  LISTEN  {Listeners[i],-18}  *:*", lines[2 + i]);
        Assert.Equal("Counters", lines[8]);
        foreach (string counter in new[] { "segments_in", "segments_out", "retransmissions", "rsts_sent", "table_full", "dropped" })
            Assert.Matches($@"\b{counter} +\d+\b", output.ToString());
    }

    [Fact]
    public void JsonHasSlotsAndCounters()
    {
        using var board = Boards.Start(new SyncLog());
        // One connection in TIME_WAIT first (daytime closes first), so a slot has a timer.
        Assert.Equal(0, ConnectCommand.Run(new ConnectOptions { Device = Boards.Device(board), Port = 13, Quiet = true },
            new WaitingReader(), new SyncWriter(), new SyncWriter(), false, ConnectSignals.None));

        var output = new SyncWriter();
        Assert.Equal(0, StatusCommand.Run(Boards.Device(board), 5000, true, output, new SyncWriter()));
        using JsonDocument doc = JsonDocument.Parse(output.ToString());
        JsonElement root = doc.RootElement;
        Assert.Equal("192.0.2.2", root.GetProperty("device").GetString());
        Assert.Equal(8, root.GetProperty("capacity").GetInt32());
        Assert.Equal(5, root.GetProperty("listeners").GetInt32());
        var slots = root.GetProperty("slots").EnumerateArray().ToList();
        Assert.Equal(Listeners, slots.Where(s => s.GetProperty("state").GetString() == "LISTEN").Select(s => s.GetProperty("local").GetString()));
        JsonElement timeWait = Assert.Single(slots, s => s.GetProperty("state").GetString() == "TIME_WAIT");
        Assert.Equal("192.0.2.2:13", timeWait.GetProperty("local").GetString());
        Assert.InRange(timeWait.GetProperty("timer_ms").GetInt64(), 1, 4000);
        JsonElement counters = root.GetProperty("counters");
        Assert.True(counters.GetProperty("segments_in").GetInt64() >= 3);
        Assert.Equal(0, counters.GetProperty("drop.short").GetInt64());
    }

    [Fact]
    public void NoAnswerIsOneLineAndExitOne()
    {
        // A UDP port that is open (no ICMP error) but never answers, like a device that is off.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var output = new SyncWriter();
        var error = new SyncWriter();
        int port = ((IPEndPoint)silent.LocalEndPoint!).Port;
        Assert.Equal(1, StatusCommand.Run($"127.0.0.1:{port}", 300, false, output, error));
        Assert.Equal($"nanotcp status: no answer from 127.0.0.1:{port} within 300 ms (is the device running, and is that its link port?)" + Environment.NewLine,
            error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1:99999", "nanotcp status: bad port in '127.0.0.1:99999' (expected HOST[:PORT], port 1..65535)")]
    [InlineData("127.0.0.1:x", "nanotcp status: bad port in '127.0.0.1:x' (expected HOST[:PORT], port 1..65535)")]
    [InlineData("no-such-host.invalid", "nanotcp status: cannot resolve device host 'no-such-host.invalid'")]
    public void BadDeviceIsOneLineAndExitTwo(string device, string message)
    {
        var error = new SyncWriter();
        Assert.Equal(2, StatusCommand.Run(device, 300, false, new SyncWriter(), error));
        Assert.Equal(message + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void TheParserReadsColumnsByTheirHeader()
    {
        // Recv-Q and Send-Q are not in today's reply; a device that adds them is read without a change.
        const string reply =
            "NanoTcp 192.0.2.2 uptime_ms=5123 capacity=8 in_use=1 listeners=5\n" +
            "Slot  State         Recv-Q  Send-Q  Local               Peer                  Timer_ms\n" +
            "0     LISTEN        0       0       192.0.2.2:7         *:*                   -\n" +
            "7     TIME_WAIT     0       12      192.0.2.2:13        192.0.2.1:40001       3870\n" +
            "... 4 more slots\n" +
            "segments_in=12 segments_out=9 dropped=2\n" +
            "drop.short=1 drop.ip-version=1\n";
        DeviceStatus status = DeviceStatus.Parse(reply, out string? error)!;
        Assert.Null(error);
        Assert.Equal(5123, status.UptimeMs);
        Assert.Equal(5, status.Listeners);
        Assert.Equal(4, status.MoreSlots);
        Assert.Equal(3870, status.Slots[1].Timer);
        Assert.Equal(12, status.Slots[1].Number("Send-Q"));
        Assert.Equal(1, status.Counter("drop.ip-version"));

        string table = StatusCommand.Table(status, IPEndPoint.Parse("127.0.0.1:9293"));
        Assert.Contains("Slot  State      Recv-Q  Send-Q  Local Address:Port  Peer Address:Port  Timer", table);
        Assert.Contains("7     TIME_WAIT       0      12  192.0.2.2:13        192.0.2.1:40001    3870 ms", table);
        Assert.Contains("... and 4 more slots", table);
        Assert.Contains("drop.ip-version", table);

        Assert.Null(DeviceStatus.Parse("hello", out error));
        Assert.NotNull(error);
    }
}
