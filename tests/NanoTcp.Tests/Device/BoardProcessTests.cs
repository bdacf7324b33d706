using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace NanoTcp.Tests.Device;

/// <summary>The board as a user runs it: the built executable, its exit codes, its error lines and its signals.</summary>
public class BoardProcessTests
{
    /// <summary>Starts the board executable built beside the tests, with its output redirected.</summary>
    static Process StartBoard(params string[] args) => StartBoard(null, args);

    static Process StartBoard(IDictionary<string, string>? environment, string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "NanoTcp.Board.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    static (int Code, string Out, string Err) Run(params string[] args) => Run(null, args);

    static (int Code, string Out, string Err) Run(IDictionary<string, string>? environment, string[] args)
    {
        using var p = StartBoard(environment, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(30000), "the board did not exit");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Theory]
    [InlineData("capacity 0", "--capacity: 0 is out of range", "--capacity", "0")]
    [InlineData("a bad address", "--link: '300.1.2.3:9293' is not an address:port", "--link", "300.1.2.3:9293")]
    [InlineData("an address not on this machine", "no such address on this machine", "--link", "192.0.2.77:9293")]
    [InlineData("a bad inner address", "--address: '192.0.2' is not an IPv4 address", "--address", "192.0.2")]
    [InlineData("an unknown serial kind", "--serial: 'tty' is neither pty nor stdout", "--serial", "tty")]
    [InlineData("an unknown option", "unknown option --colour", "--colour", "red")]
    public void Bad_configuration_is_one_error_line_and_exit_code_2(string what, string message, params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.True(code == 2, $"{what}: exit code {code}\n{stderr}");
        Assert.Equal("", stdout);
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(message, lines[0]);
    }

    [Fact]
    public void Buffers_larger_than_the_memory_are_one_error_line_and_exit_code_2()
    {
        // A receive buffer may be up to 1 GB now that windows scale; the runtime's heap is held to
        // 256 MB here, so the first buffer cannot be had.
        var (code, stdout, stderr) = Run(new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" },
            ["--link", "127.0.0.1:0", "--serial", "stdout", "--rcv-buf", "1073725440"]);
        Assert.True(code == 2, $"exit code {code}\n{stderr}");
        Assert.Equal("", stdout);
        Assert.Equal("error: not enough memory for 8 connections with 1073725440 + 1024 buffer bytes each (--capacity, --rcv-buf, --snd-buf)\n", stderr);
    }

    [Fact]
    public void A_link_port_in_use_is_one_error_line_and_exit_code_2()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string link = taken.LocalEndPoint!.ToString()!;

        var (code, stdout, stderr) = Run("--link", link, "--serial", "stdout");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: link {link}: address already in use\n", stderr);
    }

    [Theory]
    [InlineData(Sigterm)]
    [InlineData(Sigint)]
    public void A_signal_stops_the_board_cleanly(int signal)
    {
        var clock = Stopwatch.StartNew();
        using var p = StartBoard("--link", "127.0.0.1:0", "--serial", "stdout");
        var stderr = new StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();

        // The serial log on stdout: the banner, then READY once the services listen.
        string? line;
        var log = new List<string>();
        while ((line = p.StandardOutput.ReadLine()) != null && !line.Contains(" - READY")) log.Add(line);
        Assert.NotNull(line);
        long readyMs = clock.ElapsedMilliseconds;
        Assert.Matches(@"^\d+ - BOOT NanoTcp device$", log[0]);
        Assert.Contains(log, l => l.Contains(" - CONFIG address=192.0.2.2 link_port="));
        Assert.InRange(readyMs, 0, 20000); // typically well under a second; generous for a loaded machine

        Assert.Equal(0, kill(p.Id, signal));
        Assert.True(p.WaitForExit(10000), "the board did not stop");
        p.WaitForExit(); // the redirected streams are drained
        Assert.Equal(0, p.ExitCode);
        lock (stderr)
        {
            Assert.Matches(@"^link: udp 127\.0\.0\.1:\d+\n", stderr.ToString().Replace("\r", ""));
            Assert.EndsWith("stopped\n", stderr.ToString().Replace("\r", ""));
        }
    }

    const int Sigint = 2, Sigterm = 15;
    [DllImport("libc", SetLastError = true)] static extern int kill(int pid, int signal);
}
