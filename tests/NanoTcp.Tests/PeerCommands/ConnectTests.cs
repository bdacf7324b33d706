using Nanotcp.Commands;

namespace NanoTcp.Tests.PeerCommands;

/// <summary><c>nanotcp connect</c> against the virtual board on loopback, standard input and output redirected.</summary>
public class ConnectTests
{
    static int Connect(string device, int port, TextReader input, SyncWriter output, SyncWriter trace,
        ConnectSignals? signals = null, string? serial = null, int localPort = 0) =>
        ConnectCommand.Run(new ConnectOptions { Device = device, Port = port, Serial = serial, LocalPort = localPort },
            input, output, trace, false, signals ?? ConnectSignals.None);

    /// <summary>
    /// Standard input that cannot be read (closed, or opened for writing only, as under some job
    /// control) is the end of input, not a crash of the reading thread that takes the process down.
    /// </summary>
    [Fact]
    public void Standard_input_that_cannot_be_read_is_the_end_of_input()
    {
        using var board = Boards.Start(new SyncLog());
        using var writeOnly = new FileStream("/dev/null", FileMode.Open, FileAccess.Write);
        using var output = new MemoryStream();
        var trace = new SyncWriter();
        int code = ConnectCommand.Run(new ConnectOptions { Device = Boards.Device(board), Port = 13 },
            writeOnly, output, trace, false, ConnectSignals.None);
        Assert.Equal(0, code);
        Assert.StartsWith("NanoTcp uptime", System.Text.Encoding.ASCII.GetString(output.ToArray()));
    }

    [Fact]
    public void EchoRoundTripThenTheCloseCompletes()
    {
        var log = new SyncLog();
        using var board = Boards.Start(log);
        var output = new SyncWriter();
        var trace = new SyncWriter();

        Assert.Equal(0, Connect(Boards.Device(board), 7, new StringReader("hello\nsecond line\n"), output, trace));

        Assert.Equal("hello\nsecond line\n", output.ToString());
        string t = trace.ToString();
        // End of input half-closes: the PC closes first and ends in TIME_WAIT; the echo service closes after it.
        Assert.Matches(@"PC       ESTABLISHED  -> FIN_WAIT_1    app=shutdown", t);
        Assert.Matches(@"PC       FIN_WAIT_2   -> TIME_WAIT     rx=\[F\.\]|PC       FIN_WAIT_1   -> (TIME_WAIT|CLOSING)", t);
        Assert.Contains("──────>  [SYN] Seq=0 Win=65535 Len=0 MSS=1400", t);
        Assert.Contains("<──────  [SYN, ACK] Seq=0 Ack=1", t);
        Assert.Contains("──────>  [PSH, ACK] Seq=1 Ack=1", t);
        Boards.WaitFor(() => log.Lines.Any(l => l.Contains("LAST_ACK->CLOSED")), "the device's side to close");
    }

    [Fact]
    public void HalfCloseKeepsReadingWhileTheDeviceTalksInCloseWait()
    {
        var log = new SyncLog();
        using var board = Boards.Start(log);
        var output = new SyncWriter();
        var trace = new SyncWriter();

        Assert.Equal(0, Connect(Boards.Device(board), 2019, new StringReader(""), output, trace));

        // The device's lines came after our FIN: our side stayed readable in FIN_WAIT_2.
        string o = output.ToString();
        Assert.StartsWith("farewell: half-close your side", o);
        Assert.Contains("farewell 3/3: still sending in CLOSE_WAIT", o);
        string t = trace.ToString();
        int finWait2 = t.IndexOf("-> FIN_WAIT_2", StringComparison.Ordinal);
        int lastData = t.LastIndexOf("[PSH, ACK]", StringComparison.Ordinal);
        int timeWait = t.IndexOf("-> TIME_WAIT", StringComparison.Ordinal);
        Assert.True(finWait2 > 0 && finWait2 < lastData && lastData < timeWait, t);
        string[] device = log.Lines;
        Assert.Contains(device, l => l.Contains("ESTABLISHED->CLOSE_WAIT"));
        Assert.Contains(device, l => l.Contains("CLOSE_WAIT->LAST_ACK app=close"));
    }

    [Fact]
    public void WithTheSerialLogTheDevicesTransitionsAreShownToo()
    {
        using var board = Boards.Start(new SyncLog(), pty: true);
        var output = new SyncWriter();
        var trace = new SyncWriter();

        Assert.Equal(0, Connect(Boards.Device(board), 7, new StringReader("ping\n"), output, trace, serial: board.SerialPath));

        Assert.Equal("ping\n", output.ToString());
        string t = trace.ToString();
        Assert.Contains("device   LISTEN       -> SYN_RECEIVED  rx=[S]", t);
        Assert.Contains("device   ESTABLISHED  -> CLOSE_WAIT    rx=[F.]", t);
        Assert.Contains("device   LAST_ACK     -> CLOSED        rx=[.]", t);
        Assert.DoesNotContain("CLOSED       -> LISTEN", t); // the listeners' boot lines are not this connection's
    }

    [Fact]
    public void CtrlCClosesWithAFinAndWaitsForTheDevice()
    {
        using var board = Boards.Start(new SyncLog());
        var trace = new SyncWriter();
        using var close = new CancellationTokenSource();
        var run = new Background(() => Connect(Boards.Device(board), 9, new WaitingReader(), new SyncWriter(), trace,
            new ConnectSignals(close.Token, CancellationToken.None)));

        Boards.WaitFor(() => trace.ToString().Contains("-> ESTABLISHED"), "the handshake");
        close.Cancel();
        Assert.Equal(0, run.Exit());
        string t = trace.ToString();
        Assert.Contains("ESTABLISHED  -> FIN_WAIT_1    app=close", t);
        Assert.Contains("-> TIME_WAIT", t); // the discard service closed after us
    }

    [Fact]
    public void ASecondCtrlCAbortsWithRst()
    {
        var log = new SyncLog();
        using var board = Boards.Start(log);
        var trace = new SyncWriter();
        using var abort = new CancellationTokenSource();
        var run = new Background(() => Connect(Boards.Device(board), 9, new WaitingReader(), new SyncWriter(), trace,
            new ConnectSignals(CancellationToken.None, abort.Token)));

        Boards.WaitFor(() => trace.ToString().Contains("-> ESTABLISHED"), "the handshake");
        abort.Cancel();
        Assert.Equal(1, run.Exit());
        Assert.Contains("──────>  [RST", trace.ToString());
        Boards.WaitFor(() => log.Lines.Any(l => l.Contains("ESTABLISHED->CLOSED rx=[R")), "the device to take the reset");
    }

    [Fact]
    public void NobodyListeningIsConnectionRefused()
    {
        using var board = Boards.Start(new SyncLog());
        var trace = new SyncWriter();
        Assert.Equal(1, Connect(Boards.Device(board), 8, new StringReader(""), new SyncWriter(), trace));
        string[] lines = trace.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("nanotcp connect: connection refused: nothing listens on port 8 of the device", lines[^1]);
        Assert.Contains("<──────  [RST, ACK] Seq=0 Ack=1", trace.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1:70000", 7, "nanotcp connect: bad port in '127.0.0.1:70000' (expected HOST[:PORT], port 1..65535)")]
    [InlineData("127.0.0.1", 0, "nanotcp connect: --port 0: a TCP port is 1..65535")]
    [InlineData("127.0.0.1", 70000, "nanotcp connect: --port 70000: a TCP port is 1..65535")]
    [InlineData("no-such-host.invalid", 7, "nanotcp connect: cannot resolve device host 'no-such-host.invalid'")]
    public void BadInputIsOneLineAndExitTwo(string device, int port, string message)
    {
        var output = new SyncWriter();
        var error = new SyncWriter();
        Assert.Equal(2, Connect(device, port, new StringReader(""), output, error));
        Assert.Equal(message + Environment.NewLine, error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void AMissingSerialPortIsOneLineAndExitTwo()
    {
        var error = new SyncWriter();
        Assert.Equal(2, Connect("127.0.0.1:9", 7, new StringReader(""), new SyncWriter(), error, serial: "/dev/nanotcp-no-such-port"));
        Assert.Equal("nanotcp connect: no such serial port: /dev/nanotcp-no-such-port" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void ASilentDeviceTimesOut()
    {
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        string device = silent.LocalEndPoint!.ToString()!;
        var error = new SyncWriter();
        int code = ConnectCommand.Run(new ConnectOptions { Device = device, Port = 7, ConnectTimeoutMs = 300, Quiet = true },
            new StringReader(""), new SyncWriter(), error, false, ConnectSignals.None);
        Assert.Equal(1, code);
        Assert.Equal($"nanotcp connect: no answer from 192.0.2.2:7 through {device} within 300 ms" + Environment.NewLine, error.ToString());
    }

    /// <summary>
    /// Daytime closes after its line; a byte that arrives after that close is answered with RST.
    /// A connection that ends in a reset is no clean close: exit 1, as the README says.
    /// </summary>
    [Fact]
    public void AResetByTheDeviceExitsOne()
    {
        // daytime closes after its line. A byte that arrives after that close is answered with RST
        // (data after close()); one the service sees before it closes is read and dropped, and the
        // close is clean. Which happens depends on timing, so the run is repeated until the device
        // resets one: that run must exit 1 and say so, and a run that exits 0 must have seen no reset.
        var log = new SyncLog();
        using var board = Boards.Start(log);
        bool resetSeen = false;
        for (int attempt = 0; attempt < 10 && !resetSeen; attempt++)
        {
            var output = new SyncWriter();
            var error = new SyncWriter();
            int code = ConnectCommand.Run(new ConnectOptions { Device = Boards.Device(board), Port = 13, Quiet = true },
                new StringReader("x\n"), output, error, false, ConnectSignals.None);
            Assert.StartsWith("NanoTcp uptime", output.ToString());
            bool saysReset = error.ToString().Contains("nanotcp connect: the connection was reset");
            Assert.True(saysReset == (code == 1), $"exit {code} with: {error}");
            resetSeen = code == 1;
        }
        Assert.True(resetSeen, "no run ended in a reset");
        Assert.Contains(log.Lines, l => l.Contains("RST-OUT") || l.Contains("->CLOSED app=abort") || l.Contains("->CLOSED rx=[R"));
    }

    /// <summary>
    /// A single Ctrl+C while chargen still streams closes at once: what arrived since the last read
    /// stays unread, and close() with unread data is a reset (RST), so exit 1. When the Ctrl+C
    /// lands just after a read took everything, the close is a clean FIN and exits 0; which one
    /// happens is timing, so the run is repeated until one resets, and a run that exits 0 must
    /// have sent no RST.
    /// </summary>
    [Fact]
    public void CtrlCWithUnreadDataResetsAndExitsOne()
    {
        using var board = Boards.Start(new SyncLog());
        bool resetSeen = false;
        for (int attempt = 0; attempt < 10 && !resetSeen; attempt++)
        {
            var output = new SyncWriter();
            var trace = new SyncWriter();
            using var close = new CancellationTokenSource();
            var run = new Background(() => Connect(Boards.Device(board), 19, new WaitingReader(), output, trace,
                new ConnectSignals(close.Token, CancellationToken.None)));

            Boards.WaitFor(() => output.ToString().Length > 1000, "chargen to stream");
            close.Cancel();
            int code = run.Exit();
            bool reset = trace.ToString().Contains("──────>  [RST");
            Assert.True(reset == (code == 1), $"exit {code} with:\n{trace}");
            if (code == 1) Assert.Contains("nanotcp connect: the connection was reset", trace.ToString());
            resetSeen = code == 1;
        }
        Assert.True(resetSeen, "no Ctrl+C of ten left data unread");
    }
}
