using System.Net;
using System.Text.Json;
using Nanotcp.Commands;
using Nanotcp.Scenarios;
using NanoTcp.Board;

namespace NanoTcp.Tests.Peer;

/// <summary>
/// The demo and scenario commands: their output, their errors on bad input (one line, a non-zero
/// exit, never a stack trace), JSON, and the scenario command against a board that runs on its
/// own, with the device's side read from its serial port or, without one, from STATUS polling.
/// </summary>
public class ScenarioCommandTests
{
    [Fact]
    public void ListNamesEveryScenarioWithItsBoardSettings()
    {
        var output = new StringWriter();
        Assert.Equal(0, ScenarioCommand.List(output));
        string text = output.ToString();
        Assert.All(ScenarioLibrary.All, s => Assert.Contains(s.Name + " ", text));
        Assert.Contains("--keepalive-idle-ms 300", text);
    }

    /// <summary>Every setting --list recommends is one the virtual board accepts.</summary>
    [Fact]
    public void EveryBoardOptionAScenarioNamesIsAcceptedByTheBoard()
    {
        foreach (Scenario s in ScenarioLibrary.All)
        {
            string[] args = s.BoardOptions.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            BoardOptions? parsed = BoardOptions.Parse(args, out string? error, out _);
            Assert.True(parsed != null, $"{s.Name}: the board rejects '{s.BoardOptions}': {error}");
            var wanted = new NanoTcp.Device.DeviceSettings();
            s.Board?.Invoke(wanted);
            Assert.Equal(wanted.Tcp.SynBacklog, parsed!.Device.Tcp.SynBacklog);
            Assert.Equal(wanted.Tcp.KeepAliveIdleMs, parsed.Device.Tcp.KeepAliveIdleMs);
        }
    }

    [Fact]
    public void ListAsJsonIsJson()
    {
        var (code, output, _) = Invoke(ScenarioCommand.Create(), ["--list", "--format", "json"]);
        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(ScenarioLibrary.All.Count, json.RootElement.GetArrayLength());
        JsonElement keepalive = Assert.Single(json.RootElement.EnumerateArray(), e => e.GetProperty("name").GetString() == "keepalive");
        Assert.Contains("--keepalive-idle-ms 300", keepalive.GetProperty("board_options").GetString());
        Assert.DoesNotContain("\\u", output); // → and · as they are
    }

    /// <summary>
    /// A device with the default settings has keep-alive off: the keepalive scenario is skipped,
    /// naming the setting that would enable it, and the run still exits 0.
    /// </summary>
    [Fact]
    public void AScenarioTheDeviceCannotShowIsSkippedNotFailed()
    {
        if (!OperatingSystem.IsLinux()) return; // the board's serial banner comes through a pseudo-terminal
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.Pty };
        using VirtualBoard board = VirtualBoard.Start(options);
        var (code, output, error) = Invoke(ScenarioCommand.Create(),
            ["keepalive", "--device", board.LinkEndPoint.ToString(), "--serial", board.SerialPath!]);
        Assert.True(code == 0, error + output);
        Assert.Contains("– keepalive: skipped: keep-alive is off on the device (keepalive_idle_ms=0)", output);
        Assert.Contains("--keepalive-idle-ms 300", output);
        Assert.Contains("0 passed, 0 failed, 1 skipped", output);

        (code, output, error) = Invoke(ScenarioCommand.Create(),
            ["keepalive", "--device", board.LinkEndPoint.ToString(), "--device-setting", "keepalive_idle_ms=0", "--format", "json"]);
        Assert.True(code == 0, error + output);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.StartsWith("keep-alive is off", json.RootElement[0].GetProperty("skipped").GetString());
        Assert.False(json.RootElement[0].GetProperty("passed").GetBoolean());
    }

    public static TheoryData<string[], string> BadDemoInput => new()
    {
        { ["--only", "no-such-scenario"], "no scenario named 'no-such-scenario'" },
        { ["--format", "xml"], "--format: 'xml' is neither text nor json" },
        { ["--jobs", "0"], "--jobs: 0 is outside 1..64" },
        { ["--bogus"], "unknown option '--bogus'" },
        { ["all", "lost-fin", "--bogus"], "unknown option '--bogus'" },
        { ["--pcap", "/no/such/dir/x.pcap"], "--pcap: cannot write /no/such/dir/x.pcap" },
    };

    [Theory]
    [MemberData(nameof(BadDemoInput))]
    public void DemoRejectsBadInputWithOneLine(string[] args, string message)
    {
        var (code, output, error) = Invoke(DemoCommand.Create(), args);
        Assert.Equal(ScenarioSession.ExitUsage, code);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("nanotcp demo: " + message, line);
    }

    public static TheoryData<string[], string> BadScenarioInput => new()
    {
        { ["all"], "--device HOST[:PORT] is required" },
        { ["--device", "127.0.0.1:9293"], "name a scenario, or all" },
        { ["nope", "--device", "127.0.0.1:9293"], "no scenario named 'nope'" },
        { ["all", "--bogus", "--device", "127.0.0.1:9293"], "unknown option '--bogus'" },
        { ["all", "--device", "127.0.0.1:99999"], "bad port in '127.0.0.1:99999'" },
        { ["all", "--device", "127.0.0.1", "--baud", "fast", "--serial", "/dev/null"], "--baud: 'fast' is not a whole number" },
        { ["all", "--device", "127.0.0.1", "--baud", "9600"], "--baud needs --serial" },
        { ["all", "--device", "127.0.0.1", "--device-setting", "msl=5"], "--device-setting msl=5: expected NAME=VALUE" },
        { ["all", "--device", "127.0.0.1", "--device-setting", "msl_ms=soon"], "--device-setting msl_ms=soon: 'soon' is not a whole number" },
        { ["all", "--device", "127.0.0.1", "--serial", "/no/such/tty"], "--serial: no such serial port: /no/such/tty" },
    };

    [Theory]
    [MemberData(nameof(BadScenarioInput))]
    public void ScenarioRejectsBadInputWithOneLine(string[] args, string message)
    {
        var (code, output, error) = Invoke(ScenarioCommand.Create(), args);
        Assert.Equal(ScenarioSession.ExitUsage, code);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("nanotcp scenario: " + message, line);
    }

    [Fact]
    public void ADeviceThatDoesNotAnswerIsOneLineAndExitOne()
    {
        // A UDP port nobody listens on (bound and closed again at once).
        int port;
        using (var probe = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0))) port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        var (code, _, error) = Invoke(ScenarioCommand.Create(), ["handshake", "--device", $"127.0.0.1:{port}"]);
        Assert.Equal(ScenarioSession.ExitFailed, code);
        Assert.Contains("does not answer the STATUS query", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void JsonHasOneObjectPerScenarioWithPacketsAndBothSidesTransitions()
    {
        var (code, output, error) = Invoke(DemoCommand.Create(), ["--only", "close-device-first,close-pc-first", "--format", "json"]);
        Assert.True(code == 0, error + output);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetArrayLength());
        JsonElement first = json.RootElement[0];
        Assert.Equal("close-device-first", first.GetProperty("name").GetString());
        Assert.True(first.GetProperty("passed").GetBoolean());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("reason").GetString()));
        JsonElement syn = first.GetProperty("packets")[0];
        Assert.Equal("pc->device", syn.GetProperty("dir").GetString());
        Assert.Equal("[SYN]", syn.GetProperty("flags").GetString());
        Assert.Equal(0u, syn.GetProperty("seq").GetUInt32());
        Assert.False(syn.GetProperty("lost").GetBoolean());
        Assert.Contains(first.GetProperty("device").EnumerateArray(), t => t.GetProperty("to").GetString() == "TIME_WAIT");
        Assert.Contains(first.GetProperty("pc").EnumerateArray(), t => t.GetProperty("to").GetString() == "LAST_ACK");
        // One key style across commands (snake_case, as status and monitor write), no negative times, text unescaped.
        Assert.True(first.TryGetProperty("duration_ms", out _), output);
        Assert.True(first.TryGetProperty("device_source", out _), output);
        foreach (JsonElement scenario in json.RootElement.EnumerateArray())
            foreach (string list in new[] { "packets", "device", "pc" })
                Assert.All(scenario.GetProperty(list).EnumerateArray(), e => Assert.True(e.GetProperty("time_ms").GetDouble() >= 0, e.ToString()));
        Assert.DoesNotContain("\\u", output);
        Assert.Contains("→", output);
        Assert.Contains("scenario 1/2", error); // progress goes to stderr, never into the JSON
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ScenarioCommandChecksAStandaloneBoard(bool serial)
    {
        if (serial && !OperatingSystem.IsLinux()) return; // the pseudo-terminal is a Linux/macOS feature
        // One board for both scenarios: started as a user would, with the settings they were designed for.
        string[] names = ["close-device-first", "lost-ack-of-fin"];
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = serial ? SerialKind.Pty : SerialKind.None };
        ScenarioLibrary.QuickTimers(options.Device);
        using VirtualBoard board = VirtualBoard.Start(options);

        var args = new List<string>(names) { "--device", board.LinkEndPoint.ToString() };
        if (serial) args.AddRange(["--serial", board.SerialPath!]);
        // Without a serial banner the peer is told the settings (with one, it reads them from the CONFIG lines).
        else args.AddRange(["--device-setting", "msl_ms=250", "--device-setting", "rto_initial_ms=200", "--device-setting", "rto_min_ms=150"]);

        var (code, output, error) = Invoke(ScenarioCommand.Create(), args.ToArray());
        Assert.True(code == 0, error + output);
        string source = serial ? "serial log" : "STATUS polling";
        Assert.Contains($"✔ close-device-first: passed", output);
        Assert.Contains($"device side from its {source}", output);
        Assert.Contains("2 passed, 0 failed", output);
        Assert.Contains("TIME_WAIT lasts 2·MSL: device TIME_WAIT held", output);
    }

    /// <summary>Parses and runs a command as the nanotcp executable would, with its own output and error streams.</summary>
    static (int Code, string Output, string Error) Invoke(System.CommandLine.Command command, string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run([command.Name, .. args], output, error);
        return (code, output.ToString(), error.ToString());
    }
}
