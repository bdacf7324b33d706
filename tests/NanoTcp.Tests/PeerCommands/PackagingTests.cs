using System.Diagnostics;
using NanoTcp.Tests.SubsetGuard;

namespace NanoTcp.Tests.PeerCommands;

/// <summary>
/// The README's way of installing the peer: pack it as a .NET tool, install the package, run
/// `nanotcp`. The install reads only the freshly made package (a nuget.config that clears every
/// other source), so it needs no network: a tool package carries its dependencies inside it.
/// Packing builds the peer again, so this runs alone, after the parallel tests: it would
/// otherwise take their CPU from the ones that measure time.
/// </summary>
[Collection(nameof(PackagingTests))]
public class PackagingTests
{
    [Fact]
    public void PackInstallAndRunTheTool()
    {
        string temp = Directory.CreateTempSubdirectory("nanotcp-pack-").FullName;
        try
        {
            string packages = Path.Combine(temp, "nupkg");
            string tools = Path.Combine(temp, "tools");
            Run(Dotnet, ["pack", RepoPaths.Full("peer/Nanotcp"), "-c", "Release", "-o", packages, "--nologo"]);
            string package = Assert.Single(Directory.GetFiles(packages, "*.nupkg"));
            Assert.Equal("NanoTcp.Peer.0.1.0.nupkg", Path.GetFileName(package));
            using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
            {
                Assert.Contains(zip.Entries, e => e.FullName == "README.md");
                Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/any/NanoTcp.Peer.dll");
            }

            string config = Path.Combine(temp, "nuget.config");
            File.WriteAllText(config,
                $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{packages}" />
                  </packageSources>
                </configuration>
                """);
            Run(Dotnet, ["tool", "install", "--tool-path", tools, "--configfile", config, "NanoTcp.Peer", "--version", "0.1.0"]);

            string nanotcp = Path.Combine(tools, OperatingSystem.IsWindows() ? "nanotcp.exe" : "nanotcp");
            string help = Run(nanotcp, ["--help"]);
            foreach (string command in new[] { "connect", "monitor", "status", "script" })
                Assert.Matches($@"\n  {command}\b", help);
            Assert.Contains("nanotcp connect [options]", Run(nanotcp, ["connect", "--help"]));
            Assert.StartsWith("0.1.0", Run(nanotcp, ["--version"]));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>The dotnet that runs these tests (the SDK sets DOTNET_HOST_PATH for what it starts).</summary>
    static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Runs a program to its end (five minutes at most); returns its standard output, failing the test on a non-zero exit.</summary>
    static string Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The installed tool's launcher finds the runtime through DOTNET_ROOT when it is not in a standard place.
        if (Path.IsPathRooted(Dotnet)) start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(Dotnet);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(300_000), $"{program} {string.Join(' ', arguments)} did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0,
            $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}

[CollectionDefinition(nameof(PackagingTests), DisableParallelization = true)]
public class PackagingCollection;
