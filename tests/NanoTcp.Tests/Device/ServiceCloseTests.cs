using System.Net;
using NanoTcp.Board;

namespace NanoTcp.Tests.Device;

/// <summary>One virtual board for the end-to-end tests: UDP link on loopback, serial log on a real pseudo-terminal.</summary>
public sealed class PtyBoardFixture : IDisposable
{
    public const int FarewellIntervalMs = 100;

    internal VirtualBoard Board { get; }
    internal PtyReader Serial { get; }

    public PtyBoardFixture()
    {
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.Pty };
        Assert.Null(options.Set("msl_ms", "100")); // TIME_WAIT lasts 200 ms here
        Assert.Null(options.Set("capacity", "12"));
        Assert.Null(options.Set("farewell_interval_ms", FarewellIntervalMs.ToString()));
        Board = VirtualBoard.Start(options);
        Assert.StartsWith("/dev/", Board.SerialPath);
        Serial = new PtyReader(Board.SerialPath!);
    }

    public void Dispose()
    {
        Board.Dispose();
        Serial.Dispose();
    }
}

/// <summary>
/// Each service, open to close, through real UDP sockets on loopback against the virtual board;
/// the device's transitions are read from its serial port (the pseudo-terminal).
/// </summary>
public class ServiceCloseTests(PtyBoardFixture fixture) : IClassFixture<PtyBoardFixture>
{
    readonly VirtualBoard _board = fixture.Board;
    readonly PtyReader _serial = fixture.Serial;

    /// <summary>
    /// The device's transitions for one connection, read from the serial port once the last one
    /// is there; the peer keeps answering meanwhile (its ACKs and FIN are part of the close).
    /// </summary>
    List<DeviceLog.Transition> DeviceTransitions(LoopbackPeer peer, int devicePort, int peerPort, string last)
    {
        peer.RunUntil(() => DeviceLog.Reached(_serial.Lines, devicePort, peerPort, last), $"{last} on port {devicePort}",
            context: () => "serial log:\n  " + string.Join("\n  ", _serial.Lines));
        return DeviceLog.Of(_serial.Lines, devicePort, peerPort);
    }

    static void AssertChanges(IEnumerable<DeviceLog.Transition> transitions, params string[] expected) =>
        Assert.Equal(expected, transitions.Select(t => t.Change));

    [Fact]
    public void Echo_peer_closes_first_and_the_device_goes_CLOSE_WAIT_LAST_ACK()
    {
        using var peer = new LoopbackPeer(_board.LinkEndPoint, 41000);
        int h = peer.Connect(7);
        int port = peer.Engine.LocalPort(h);
        peer.Send(h, "hello, echo\r\n");
        Assert.Equal("hello, echo\r\n", peer.Read(h, 13));
        peer.Engine.Close(peer.Now, h);

        var device = DeviceTransitions(peer, 7, port, "LAST_ACK->CLOSED");
        AssertChanges(device, "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->CLOSE_WAIT",
            "CLOSE_WAIT->LAST_ACK", "LAST_ACK->CLOSED");
        Assert.StartsWith("rx=[F.]", device[2].Cause);
        Assert.Equal("app=close", device[3].Cause);
    }

    [Fact]
    public void Discard_reads_everything_and_closes_after_the_peer()
    {
        using var peer = new LoopbackPeer(_board.LinkEndPoint, 42000);
        int h = peer.Connect(9);
        int port = peer.Engine.LocalPort(h);
        peer.Send(h, new string('x', 6000)); // more than either side's buffers: flow control at work
        peer.Engine.Close(peer.Now, h);
        peer.RunUntil(() => peer.Engine.StateOf(port, LoopbackPeer.DeviceAddress, 9) == TcpState.Closed, "the peer's close to finish");

        var device = DeviceTransitions(peer, 9, port, "LAST_ACK->CLOSED");
        AssertChanges(device, "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->CLOSE_WAIT",
            "CLOSE_WAIT->LAST_ACK", "LAST_ACK->CLOSED");
    }

    [Fact]
    public void Daytime_device_closes_first_FIN_WAIT_1_FIN_WAIT_2_TIME_WAIT()
    {
        using var peer = new LoopbackPeer(_board.LinkEndPoint, 43000);
        int h = peer.Connect(13);
        int port = peer.Engine.LocalPort(h);
        string line = peer.ReadToEnd(h);
        Assert.Matches(@"^NanoTcp uptime \d+d \d\d:\d\d:\d\d\.\d{3}\r\n$", line);
        peer.Engine.Close(peer.Now, h); // the peer's FIN, after the device's

        var device = DeviceTransitions(peer, 13, port, "TIME_WAIT->CLOSED");
        AssertChanges(device, "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->FIN_WAIT_1",
            "FIN_WAIT_1->FIN_WAIT_2", "FIN_WAIT_2->TIME_WAIT", "TIME_WAIT->CLOSED");
        Assert.Equal("app=close", device[2].Cause);
        Assert.Equal("timer=2msl", device[5].Cause);
        Assert.InRange(device[5].Ms - device[4].Ms, 200, 5000); // 2·MSL with --msl-ms 100
    }

    [Fact]
    public void Chargen_streams_until_the_peer_half_closes()
    {
        using var peer = new LoopbackPeer(_board.LinkEndPoint, 44000);
        int h = peer.Connect(19);
        int port = peer.Engine.LocalPort(h);
        string start = peer.Read(h, 3000);
        string[] lines = start.Split("\r\n");
        Assert.Equal(new string(Enumerable.Range(32, 72).Select(c => (char)c).ToArray()), lines[0]);
        Assert.Equal(new string(Enumerable.Range(33, 72).Select(c => (char)c).ToArray()), lines[1]);

        peer.Engine.Shutdown(peer.Now, h, ShutdownHow.Write); // half-close: the peer still reads
        string rest = peer.ReadToEnd(h);
        Assert.True(rest.Length >= 0);
        peer.Engine.Close(peer.Now, h);

        var device = DeviceTransitions(peer, 19, port, "LAST_ACK->CLOSED");
        AssertChanges(device, "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->CLOSE_WAIT",
            "CLOSE_WAIT->LAST_ACK", "LAST_ACK->CLOSED");
    }

    [Fact]
    public void Farewell_keeps_sending_in_CLOSE_WAIT_before_its_FIN()
    {
        using var peer = new LoopbackPeer(_board.LinkEndPoint, 45000);
        int h = peer.Connect(2019);
        int port = peer.Engine.LocalPort(h);
        Assert.StartsWith("farewell: half-close your side", peer.ReadLine(h));

        peer.Engine.Shutdown(peer.Now, h, ShutdownHow.Write);
        string afterHalfClose = peer.ReadToEnd(h);
        Assert.Contains("farewell 1/3: still sending in CLOSE_WAIT\r\n", afterHalfClose);
        Assert.EndsWith("farewell 3/3: still sending in CLOSE_WAIT\r\n", afterHalfClose);
        peer.Engine.Close(peer.Now, h);

        var device = DeviceTransitions(peer, 2019, port, "LAST_ACK->CLOSED");
        AssertChanges(device, "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->CLOSE_WAIT",
            "CLOSE_WAIT->LAST_ACK", "LAST_ACK->CLOSED");
        // Segment 2 (the ACK of the peer's FIN) left at CLOSE_WAIT; segment 3 (the device's FIN) only
        // after three lines a farewell interval apart: they could not have been one segment.
        Assert.InRange(device[3].Ms - device[2].Ms, 3 * PtyBoardFixture.FarewellIntervalMs, 10000);
    }
}
