using System.Diagnostics;
using System.Text.Json;
using Nanotcp.Commands;

namespace NanoTcp.Tests.Peer;

/// <summary>
/// A test that reads pcaps with tshark. Where tshark is missing it is skipped with the reason,
/// unless this machine must run everything (CI, or NANOTCP_REQUIRE_NETNS=1): then it runs and fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TsharkFactAttribute : FactAttribute
{
    public TsharkFactAttribute()
    {
        bool required = Environment.GetEnvironmentVariable("CI") is "true" or "1" || Environment.GetEnvironmentVariable("NANOTCP_REQUIRE_NETNS") == "1";
        if (Tshark.Path == null && !required)
            Skip = "tshark is not installed (Debian package tshark; .ci/run installs it): the pcap is not checked";
    }
}

static class Tshark
{
    public static readonly string? Path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
        .Select(dir => System.IO.Path.Combine(dir, "tshark")).FirstOrDefault(File.Exists);

    /// <summary>Runs tshark on a file with checksum validation on; returns its standard output.</summary>
    public static string Run(string pcap, params string[] args)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("tshark is required here but not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE" }.Concat(args)) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync(), error = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "tshark did not finish");
        Assert.True(p.ExitCode == 0, $"tshark {string.Join(' ', args)}: exit {p.ExitCode}: {error.Result}");
        return output.Result;
    }
}

/// <summary>
/// The demo's --pcap file, read by Wireshark's own dissectors (tshark): every packet well formed
/// with good IPv4 and TCP checksums, and tshark's TCP analysis (relative sequence numbers, its
/// default) agrees with the ladder on the four segments of the normal close.
/// </summary>
public class PcapTests
{
    [TsharkFact]
    public void TsharkReadsTheDemoPcapWithoutErrorsAndAgreesOnTheClose()
    {
        string dir = Directory.CreateTempSubdirectory("nanotcp-pcap-").FullName;
        try
        {
            string pcap = System.IO.Path.Combine(dir, "demo.pcap");
            var output = new StringWriter();
            var error = new StringWriter();
            int code = DemoCommand.Create().Parse(["--only", "close-device-first,lost-fin,syn-flood", "--pcap", pcap, "--format", "json"])
                .Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
            Assert.True(code == 0, error.ToString() + output);
            using JsonDocument json = JsonDocument.Parse(output.ToString());

            // Every packet that was on the wire is in the file (what the PC withheld never left it)...
            var onTheWire = json.RootElement.EnumerateArray().SelectMany(s => s.GetProperty("packets").EnumerateArray())
                .Where(p => !(p.GetProperty("lost").GetBoolean() && p.GetProperty("dir").GetString() == "pc->device")).ToList();
            string[] frames = Tshark.Run(pcap, "-T", "fields", "-e", "frame.number").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(onTheWire.Count, frames.Length);

            // ...and none is malformed, has a bad checksum, or draws an expert error.
            string bad = Tshark.Run(pcap, "-Y", "_ws.malformed || ip.checksum.status != 1 || tcp.checksum.status != 1 || _ws.expert.severity >= \"Error\"");
            Assert.True(bad.Trim().Length == 0, "tshark flags these packets:\n" + bad);
            string verbose = Tshark.Run(pcap, "-V");
            Assert.DoesNotContain("Malformed", verbose);
            Assert.DoesNotContain("incorrect", verbose);

            // The normal close as tshark's TCP analysis numbers it (relative to each side's ISN).
            JsonElement close = json.RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "close-device-first");
            int pcPort = close.GetProperty("packets")[0].GetProperty("pc_port").GetInt32();
            var stream = Tshark.Run(pcap, "-Y", $"tcp.port == {pcPort}", "-T", "fields", "-E", "separator=/t",
                    "-e", "tcp.srcport", "-e", "tcp.flags.str", "-e", "tcp.seq", "-e", "tcp.ack")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
            var last4 = stream.TakeLast(4).Select(f => (FromPc: f[0] == pcPort.ToString(), Flags: Letters(f[1]), Seq: uint.Parse(f[2]), Ack: uint.Parse(f[3]))).ToList();

            // The daytime line is N bytes: the device's FIN is Seq=N+1, and everything follows from it.
            uint n = close.GetProperty("packets").EnumerateArray().Where(p => p.GetProperty("dir").GetString() == "device->pc")
                .Select(p => p.GetProperty("len").GetUInt32()).Max();
            var expected = new[]
            {
                (FromPc: false, Flags: "AF", Seq: n + 1, Ack: 1u),
                (FromPc: true, Flags: "A", Seq: 1u, Ack: n + 2),
                (FromPc: true, Flags: "AF", Seq: 1u, Ack: n + 2),
                (FromPc: false, Flags: "A", Seq: n + 2, Ack: 2u),
            };
            Assert.Equal(expected, last4);

            // The ladder's own numbers are the same.
            var ours = close.GetProperty("packets").EnumerateArray().TakeLast(4)
                .Select(p => (FromPc: p.GetProperty("dir").GetString() == "pc->device", Flags: Letters(p.GetProperty("flags").GetString()!),
                    Seq: p.GetProperty("seq").GetUInt32(), Ack: p.GetProperty("ack").GetUInt32())).ToList();
            Assert.Equal(expected, ours);

            // The check has teeth: a flipped byte in a TCP checksum is reported.
            byte[] bytes = File.ReadAllBytes(pcap);
            bytes[24 + 16 + 20 + 16] ^= 0xFF; // the first packet's TCP checksum: pcap header, record header, IPv4 header
            string corrupt = System.IO.Path.Combine(dir, "corrupt.pcap");
            File.WriteAllBytes(corrupt, bytes);
            Assert.Contains("1", Tshark.Run(corrupt, "-Y", "tcp.checksum.status != 1", "-T", "fields", "-e", "frame.number"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The flags as letters in a fixed order: "AF" for both tshark's "·······A···F" and "[FIN, ACK]".</summary>
    static string Letters(string flags)
    {
        bool Has(char letter, string name) => flags.Contains(letter) && !flags.Contains('[') || flags.Contains(name);
        return string.Concat(new[] { ('S', "SYN"), ('A', "ACK"), ('P', "PSH"), ('R', "RST"), ('F', "FIN") }
            .Where(f => Has(f.Item1, f.Item2)).Select(f => f.Item1));
    }
}
