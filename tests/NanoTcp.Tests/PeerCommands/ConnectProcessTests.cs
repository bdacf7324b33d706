using System.Diagnostics;
using NanoTcp.Tests.Kernel;

namespace NanoTcp.Tests.PeerCommands;

/// <summary>
/// <c>nanotcp connect</c> as a real process with its standard input and output as pipes, the
/// way a shell runs it: bytes pass through unchanged, and a reader that goes away ends it.
/// </summary>
public class ConnectProcessTests
{
    static Process StartConnect(string device, int port)
    {
        var start = new ProcessStartInfo(BuiltTools.Dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { BuiltTools.Peer, "connect", "--device", device, "--port", port.ToString(), "--quiet" })
            start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    [Fact]
    public async Task BinaryDataThroughEchoComesBackByteForByte()
    {
        using var board = Boards.Start(new SyncLog());
        byte[] sent = new byte[5000];
        new Random(11).NextBytes(sent);
        using Process connect = StartConnect(Boards.Device(board), 7);
        var stderr = connect.StandardError.ReadToEndAsync();
        var received = new MemoryStream();
        var reading = connect.StandardOutput.BaseStream.CopyToAsync(received);
        connect.StandardInput.BaseStream.Write(sent);
        connect.StandardInput.Close(); // end of input: the PC half-closes, echo closes after it

        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(connect.WaitForExit(30_000), "connect did not exit within 30 s");
        Assert.Equal(0, connect.ExitCode);
        Assert.Equal("", await stderr);
        Assert.Equal(sent.Length, received.Length);
        Assert.Equal(sent, received.ToArray());
    }

    [Fact]
    public async Task AClosedStandardOutputEndsTheConnectionAsNcDoes()
    {
        var log = new SyncLog();
        using var board = Boards.Start(log);
        using Process connect = StartConnect(Boards.Device(board), 19); // chargen streams until told otherwise
        var stderr = connect.StandardError.ReadToEndAsync();
        byte[] head = new byte[300];
        int got = 0;
        while (got < head.Length)
        {
            int n = connect.StandardOutput.BaseStream.Read(head, got, head.Length - got);
            Assert.True(n > 0, "chargen's output ended early");
            got += n;
        }
        connect.StandardOutput.Close(); // as head -c 300 does once it has its bytes

        bool exited = connect.WaitForExit(15_000);
        if (!exited) connect.Kill();
        Assert.True(exited, "connect kept running after its standard output was closed");
        Assert.Equal(1, connect.ExitCode);
        Assert.Contains("standard output closed", await stderr);
        // The device hears about it too: the connection is reset, not left streaming into nothing.
        Boards.WaitFor(() => log.Lines.Any(l => l.Contains(":19 ") && l.Contains("->CLOSED rx=[R")), "the device to take the reset");
    }

    /// <summary>Standard output and error into one file (> out 2>&1): the data is not written over by the trace.</summary>
    [Fact]
    public void OutputAndTraceIntoOneFileKeepBoth()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var board = Boards.Start(new SyncLog());
        string file = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("sh") { UseShellExecute = false };
            foreach (string a in new[] { "-c", $"printf 'hello\\n' | \"$0\" \"$1\" connect -d {Boards.Device(board)} -p 7 > \"$2\" 2>&1",
                         BuiltTools.Dotnet, BuiltTools.Peer, file })
                start.ArgumentList.Add(a);
            using Process sh = Process.Start(start)!;
            Assert.True(sh.WaitForExit(30_000), "connect did not exit within 30 s");
            Assert.Equal(0, sh.ExitCode);
            string[] lines = File.ReadAllLines(file);
            Assert.Contains("hello", lines);
            Assert.Contains(lines, l => l.Contains("-> TIME_WAIT"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
