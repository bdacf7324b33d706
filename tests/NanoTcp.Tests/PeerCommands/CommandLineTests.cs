using Nanotcp.Commands;

namespace NanoTcp.Tests.PeerCommands;

/// <summary>
/// The command line as a user meets it: the help with no command, a mistake is one line that
/// names the command and exits 2, and every command's help follows one convention.
/// </summary>
public class CommandLineTests
{
    static (int Code, string Output, string Error) Nanotcp(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    static readonly string[] Commands = ["demo", "scenario", "script", "connect", "monitor", "status", "tun"];

    [Theory]
    [InlineData("connect", "--device", "127.0.0.1", "--port", "x")]
    [InlineData("connect", "--device", "127.0.0.1", "--port", "70000")]
    [InlineData("connect", "--device", "127.0.0.1")]
    [InlineData("status", "--device", "127.0.0.1", "--timeout", "soon")]
    [InlineData("status")]
    [InlineData("monitor", "--serial", "-", "--baud", "fast")]
    [InlineData("demo", "--jobs", "many")]
    [InlineData("tun", "--device", "127.0.0.1", "--mtu", "9000")]
    [InlineData("status", "--device", "127.0.0.1", "--format", "xml")]
    [InlineData("frobnicate")]
    public void AMistakeIsOneLineNamingTheCommandAndExits2(params string[] args)
    {
        var (code, output, error) = Nanotcp(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        string who = Commands.Contains(args[0]) ? $"nanotcp {args[0]}: " : "nanotcp: ";
        Assert.StartsWith(who, line);
        Assert.DoesNotContain("System.", line);
        Assert.DoesNotContain("expected type", line);
    }

    [Fact]
    public void ValuesThatDoNotParseAreNamedInTheHelpsWords()
    {
        Assert.Contains("nanotcp connect: --port: 'x' is not a whole number", Nanotcp("connect", "-d", "127.0.0.1", "--port", "x").Error);
        Assert.Contains("nanotcp connect: --port: 70000 is outside 1..65535", Nanotcp("connect", "-d", "127.0.0.1", "-p", "70000").Error);
        Assert.Contains("nanotcp status: --device HOST[:PORT] is required", Nanotcp("status").Error);
        Assert.Contains("nanotcp connect: --port N is required", Nanotcp("connect", "-d", "127.0.0.1").Error);
    }

    [Theory]
    [InlineData]
    [InlineData("help")]
    [InlineData("--help")]
    public void BareNanotcpAndHelpShowTheHelp(params string[] args)
    {
        var (code, output, error) = Nanotcp(args);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("Usage:", output);
        foreach (string command in Commands) Assert.Matches($@"\n  {command}\b", output);
        Assert.Contains("Examples:", output);
    }

    [Fact]
    public void HelpCommandShowsTheCommandsHelp()
    {
        var (code, output, _) = Nanotcp("help", "connect");
        Assert.Equal(0, code);
        Assert.Equal(Nanotcp("connect", "--help").Output, output);
        Assert.Equal(2, Nanotcp("help", "frobnicate").Code);
    }

    /// <summary>
    /// One convention: every command has examples that start with its own name; placeholders
    /// are upper case; defaults are written [default: X]; the shared options have one spelling.
    /// </summary>
    [Fact]
    public void EveryCommandsHelpFollowsOneConvention()
    {
        foreach (string command in Commands)
        {
            var (code, help, _) = Nanotcp(command, "--help");
            Assert.Equal(0, code);
            int examples = help.IndexOf("\nExamples:\n", StringComparison.Ordinal);
            Assert.True(examples > 0, $"{command}: no examples\n{help}");
            string[] lines = help[(examples + 11)..].Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            Assert.All(lines, l => Assert.Matches($@"^  (sudo |printf .* \| )?nanotcp {command}\b", l));

            string options = help[..examples];
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(options, @"--[a-z-]+ <(?<placeholder>[^>]+)>"))
                Assert.Matches("^[A-Z0-9|.:=\\[\\]]+$|^text\\|json$", m.Groups["placeholder"].Value);
            Assert.DoesNotMatch(@"\(default", options);
            if (options.Contains("--device <")) Assert.Contains("-d, --device <HOST[:PORT]>", options);
            if (options.Contains("--serial <")) Assert.Contains("-s, --serial <PATH>", options);
            if (options.Contains("--baud <")) Assert.Contains("-b, --baud <N>", options);
            if (options.Contains("--pcap <")) Assert.Contains("--pcap <FILE>", options);
            if (options.Contains("--format <")) Assert.Contains("-f, --format <text|json>", options);
        }
    }

    [Fact]
    public void ConnectTakesTheDeviceAsAnOptionAndStillAsAnArgument()
    {
        // Nothing listens on port 9 of loopback's UDP: both spellings get as far as trying, then fail with 1, not 2.
        var (option, _, _) = Nanotcp("connect", "--device", "127.0.0.1:9", "--port", "7", "--connect-timeout", "200", "-q");
        var (positional, _, _) = Nanotcp("connect", "127.0.0.1:9", "--port", "7", "--connect-timeout", "200", "-q");
        Assert.Equal(1, option);
        Assert.Equal(1, positional);
    }

    /// <summary>--pcap naming a directory: one line that says so, exit 2, for every command that writes one.</summary>
    [Fact]
    public void APcapThatIsADirectoryIsOneLine()
    {
        string folder = Directory.CreateTempSubdirectory("nanotcp-pcap-").FullName;
        try
        {
            foreach (string[] args in new[]
                     {
                         new[] { "demo", "handshake", "--pcap", folder },
                         new[] { "scenario", "handshake", "--device", "127.0.0.1:9", "--pcap", folder },
                         new[] { "connect", "--device", "127.0.0.1:9", "--port", "7", "--pcap", folder },
                     })
            {
                var (code, output, error) = Nanotcp(args);
                Assert.Equal(2, code);
                Assert.Equal("", output);
                Assert.Equal($"nanotcp {args[0]}: --pcap: {folder} is a directory, not a file", error.TrimEnd());
            }
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    /// <summary>
    /// A link port nobody listens on answers with ICMP port unreachable: connect, status and
    /// scenario say so at once instead of waiting out their timeouts (10 s, 2 s, 2 s).
    /// </summary>
    [Fact]
    public void NothingListeningOnTheLinkPortIsReportedAtOnce()
    {
        int port;
        using (var probe = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)))
            port = ((System.Net.IPEndPoint)probe.Client.LocalEndPoint!).Port;
        string device = $"127.0.0.1:{port}";
        foreach (string[] args in new[]
                 {
                     new[] { "connect", "--device", device, "--port", "7", "-q" },
                     new[] { "status", "--device", device, "--timeout", "10000" },
                     new[] { "scenario", "handshake", "--device", device },
                 })
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (code, _, error) = Nanotcp(args);
            Assert.Equal(1, code);
            Assert.Contains("ICMP port unreachable", error);
            Assert.True(watch.ElapsedMilliseconds < 1500, $"{args[0]} took {watch.ElapsedMilliseconds} ms to notice");
        }
    }
}
