using System.Text.Json;
using Nanotcp.Commands;
using Nanotcp.Monitor;

namespace NanoTcp.Tests.PeerCommands;

/// <summary><c>nanotcp monitor</c> reading real pseudo-terminals: its own pair, and the virtual board's.</summary>
public class MonitorTests
{
    static readonly string[] DeviceLog =
    [
        "2 - BOOT NanoTcp device",
        "2 #0 192.0.2.2:7 *:* CLOSED->LISTEN app=listen",
        "5012 #5 192.0.2.2:7 192.0.2.1:50122 LISTEN->SYN_RECEIVED rx=[S] seq=0 len=0 iss=77 irs=1000",
        "5013 #6 192.0.2.2:13 192.0.2.1:50999 LISTEN->SYN_RECEIVED rx=[S] seq=0 len=0 iss=78 irs=2000",
        "16300 #5 192.0.2.2:7 192.0.2.1:50122 RTX tx=[P.] seq=1 ack=1 len=10 rto=300 try=1",
        "ets Jun  8 2016 00:22:57",
        "16301 - DROP reason=tcp-checksum len=40 from=192.0.2.1:0",
    ];

    /// <summary>
    /// Starts the monitor on the pty and returns once it has the port open: opening a serial port
    /// may discard what waits in it, so a test writes only after.
    /// </summary>
    internal static Background Start(TestPty pty, bool json, bool colour, SyncWriter output, SyncWriter error)
    {
        using var opened = new ManualResetEventSlim();
        var run = new Background(() => MonitorCommand.Run(pty.SlavePath, 115200, json, output, error, colour, CancellationToken.None, opened.Set));
        Boards.WaitFor(() => opened.IsSet || run.IsCompleted, "the monitor to open " + pty.SlavePath);
        return run;
    }

    /// <summary>Runs the monitor on a pty of our own, feeds it the lines, hangs up, and returns what it printed.</summary>
    static (int Exit, string Output, string Error) Monitor(bool json, bool colour, params string[] lines)
    {
        using var pty = TestPty.Open();
        var output = new SyncWriter();
        var error = new SyncWriter();
        var run = Start(pty, json, colour, output, error);
        pty.WriteLines(lines);
        // The last line must be through before the hang-up, or it could be the reader's last words unheard.
        Boards.WaitFor(() => output.ToString().Contains(lines[^1].Split(' ')[^1]) || run.IsCompleted, "the monitor to print the last line");
        pty.CloseMaster();
        return (run.Exit(), output.ToString(), error.ToString());
    }

    [Fact]
    public void PlainOutputIsAlignedAndHasNoColour()
    {
        var (exit, output, error) = Monitor(json: false, colour: false, DeviceLog);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.DoesNotContain("\e[", output, StringComparison.Ordinal); // ordinal: ICU ignores ESC
        string[] printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(1 + DeviceLog.Length, printed.Length);
        Assert.StartsWith("     ms  slot  local", printed[0]);

        // Time right-aligned, then slot, local, peer and event each starting in one column for every connection line.
        string[] connectionLines = printed.Where(l => l.Contains("192.0.2.1:5") && !l.Contains("DROP")).ToArray();
        Assert.Equal(3, connectionLines.Length);
        foreach (string column in new[] { "#", "192.0.2.2:", "192.0.2.1:" })
            Assert.Single(connectionLines.Select(l => l.IndexOf(column, StringComparison.Ordinal)).Distinct());
        int timeEnd = printed[0].IndexOf("ms", StringComparison.Ordinal) + 2;
        Assert.All(connectionLines, l => Assert.Equal(' ', l[timeEnd]));
        Assert.Equal("   5012  #5    192.0.2.2:7      192.0.2.1:50122  LISTEN       -> SYN_RECEIVED  rx=[S] seq=0 len=0 iss=77 irs=1000", printed[3]);
        Assert.Equal("  16300  #5    192.0.2.2:7      192.0.2.1:50122  RTX                           tx=[P.] seq=1 ack=1 len=10 rto=300 try=1", printed[5]);
        Assert.Equal("      2  -     BOOT NanoTcp device", printed[1]);
        Assert.Equal("ets Jun  8 2016 00:22:57", printed[6]); // not in the grammar: as it came
    }

    [Fact]
    public void ColourGivesEachConnectionItsOwnAndDimsTheBanner()
    {
        var (exit, output, _) = Monitor(json: false, colour: true, DeviceLog);
        Assert.Equal(0, exit);
        string[] printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string first = printed.Single(l => l.Contains("192.0.2.1:50122") && l.Contains("SYN_RECEIVED"));
        string second = printed.Single(l => l.Contains("192.0.2.1:50999"));
        string rtx = printed.Single(l => l.Contains("RTX"));
        Assert.Contains("\e[36m#5", first, StringComparison.Ordinal);    // the first connection's colour
        Assert.Contains("\e[32m#6", second, StringComparison.Ordinal);   // the second's is another
        Assert.Contains("\e[36m#5", rtx, StringComparison.Ordinal);      // and a connection keeps its colour
        Assert.Contains("\e[1;36mSYN_RECEIVED", first, StringComparison.Ordinal); // states bold
        Assert.StartsWith("\e[2m", printed.Single(l => l.Contains("BOOT")), StringComparison.Ordinal); // banner dimmed
        Assert.Contains("\e[1;31mDROP", printed.Single(l => l.Contains("DROP")), StringComparison.Ordinal);
        Assert.Contains("ets Jun  8 2016 00:22:57", output);
    }

    [Fact]
    public void JsonIsOneObjectPerLine()
    {
        var (exit, output, _) = Monitor(json: true, colour: false, DeviceLog);
        Assert.Equal(0, exit);
        string[] printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(DeviceLog.Length, printed.Length);
        var kinds = printed.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("kind").GetString()!).ToArray();
        Assert.Equal(["banner", "transition", "transition", "transition", "event", "unparsed", "free-event"], kinds);
    }

    [Fact]
    public void ReadsTheVirtualBoardsPty()
    {
        var log = new SyncLog();
        using var board = Boards.Start(log, pty: true);
        Assert.NotNull(board.SerialPath);
        var output = new SyncWriter();
        using var stop = new CancellationTokenSource();
        var run = new Background(() => MonitorCommand.Run(board.SerialPath!, 115200, false, output, new SyncWriter(), false, stop.Token));

        // The banner was written before anyone opened the pty: the kernel kept it for the first reader.
        Boards.WaitFor(() => output.ToString().Contains("READY"), "the board's banner");
        int code = ConnectCommand.Run(new ConnectOptions { Device = Boards.Device(board), Port = 7, Quiet = true },
            new StringReader("hi\n"), new SyncWriter(), new SyncWriter(), false, ConnectSignals.None);
        Assert.Equal(0, code);
        Boards.WaitFor(() => output.ToString().Contains("LAST_ACK     -> CLOSED"), "the echo connection's close on the serial log");

        stop.Cancel(); // Ctrl+C
        Assert.Equal(0, run.Exit());
        Assert.Matches(@"\n +\d+  #5    192\.0\.2\.2:7      192\.0\.2\.1:\d+  LISTEN       -> SYN_RECEIVED  rx=\[S\]", output.ToString());
    }

    [Fact]
    public void AMissingPortIsOneLineAndExitTwo()
    {
        var output = new SyncWriter();
        var error = new SyncWriter();
        int code = MonitorCommand.Run("/dev/nanotcp-no-such-port", 115200, false, output, error, false, CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Equal("nanotcp monitor: no such serial port: /dev/nanotcp-no-such-port" + Environment.NewLine, error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void ASavedLogFileIsReadToItsEnd()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, string.Join("\r\n", DeviceLog)); // no newline after the last line
            var output = new SyncWriter();
            Assert.Equal(0, MonitorCommand.Run(path, 115200, false, output, new SyncWriter(), false, CancellationToken.None));
            Assert.Contains("DROP                          reason=tcp-checksum", output.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Noise on a serial line may fit the grammar with a number too big for its type: printed as it came, and the log goes on.</summary>
    [Fact]
    public void ANumberTooBigForItsTypeDoesNotEndTheMonitor()
    {
        var (exit, output, error) = Monitor(false, false,
            "13 #99999999999 192.0.2.2:7 192.0.2.1:5000 ESTABLISHED->CLOSED app=abort",
            "99999999999999999999 #1 192.0.2.2:7 192.0.2.1:5000 ESTABLISHED->CLOSED app=abort",
            "99999999999999999999 - BOOT NanoTcp device",
            "16301 - DROP reason=tcp-checksum len=40 from=192.0.2.1:0");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("13 #99999999999 192.0.2.2:7 192.0.2.1:5000 ESTABLISHED->CLOSED app=abort", output);
        Assert.Contains("DROP                          reason=tcp-checksum", output);
    }
}
