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
            string Pack()
            {
                Run(Dotnet, ["pack", RepoPaths.Full("peer/Nanotcp"), "-c", "Release", "-o", packages, "--nologo"]);
                string newest = Directory.GetFiles(packages, "*.nupkg").OrderBy(File.GetLastWriteTimeUtc).Last();
                var name = System.Text.RegularExpressions.Regex.Match(Path.GetFileName(newest), @"^NanoTcp\.Peer\.(?<version>0\.1\.\d+\.\d+)\.nupkg$");
                Assert.True(name.Success, $"unexpected package name {Path.GetFileName(newest)}");
                return name.Groups["version"].Value;
            }
            string first = Pack();
            string package = Assert.Single(Directory.GetFiles(packages, "*.nupkg"));
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
            Run(Dotnet, ["tool", "install", "--tool-path", tools, "--configfile", config, "NanoTcp.Peer"]);

            string nanotcp = Path.Combine(tools, OperatingSystem.IsWindows() ? "nanotcp.exe" : "nanotcp");
            string help = Run(nanotcp, ["--help"]);
            foreach (string command in new[] { "connect", "monitor", "status", "script" })
                Assert.Matches($@"\n  {command}\b", help);
            Assert.Contains("nanotcp connect [options]", Run(nanotcp, ["connect", "--help"]));
            Assert.StartsWith(first, Run(nanotcp, ["--version"]));

            // A re-pack is a new version, so the README's `dotnet tool update` installs it.
            string second = Pack();
            Assert.True(NuGetOrder(second, first) > 0, $"the second pack's version {second} is not above the first's {first}");
            string update = Run(Dotnet, ["tool", "update", "--tool-path", tools, "--configfile", config, "NanoTcp.Peer"]);
            Assert.Contains(second, update);
            Assert.StartsWith(second, Run(nanotcp, ["--version"]));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Compares two all-numeric versions part by part, as NuGet orders them.</summary>
    static int NuGetOrder(string a, string b) => new Version(a).CompareTo(new Version(b));

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
