using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NanoTcp.Tests.Kernel;

/// <summary>
/// A test that needs the real Linux kernel: root, /dev/net/tun, iproute2 (ip, ss), OpenBSD
/// netcat, and the right to create network namespaces. Where something is missing the test is
/// skipped with the reason, unless NANOTCP_REQUIRE_NETNS=1 says this machine must run it: then
/// it runs and fails with the reason (see <see cref="KernelPrerequisites.Require"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KernelFactAttribute : FactAttribute
{
    /// <param name="tools">Further programs the test runs, e.g. "tshark".</param>
    public KernelFactAttribute(params string[] tools)
    {
        string? missing = KernelPrerequisites.Missing(tools);
        if (missing != null && !KernelPrerequisites.Required)
            Skip = $"kernel interop: {missing} (set {KernelPrerequisites.RequireVariable}=1 to fail instead of skipping)";
    }
}

public static class KernelPrerequisites
{
    public const string RequireVariable = "NANOTCP_REQUIRE_NETNS";

    static readonly Lazy<string?> Check = new(Probe);

    /// <summary>Why the kernel tests (and these further tools) cannot run here, or null when they can.</summary>
    public static string? Missing(params string[] tools)
    {
        if (Check.Value != null) return Check.Value;
        string? tool = tools.FirstOrDefault(t => FindOnPath(t) == null);
        return tool == null ? null : $"'{tool}' is not installed";
    }

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Fails the calling test with the reason when the prerequisites are missing.</summary>
    public static void Require(params string[] tools)
    {
        string? missing = Missing(tools);
        if (missing != null) throw new Xunit.Sdk.XunitException($"kernel interop is required here ({RequireVariable}=1) but cannot run: {missing}");
    }

    static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "needs Linux";
        if (geteuid() != 0) return "needs root (network namespaces and TUN interfaces)";
        if (!File.Exists("/dev/net/tun")) return "/dev/net/tun is missing (modprobe tun)";
        foreach (var (tool, package) in new[] { ("ip", "iproute2"), ("ss", "iproute2"), ("nc", "netcat-openbsd") })
            if (FindOnPath(tool) == null) return $"'{tool}' is not installed (package {package})";
        Run("nc", "-h", out string help); // prints its usage and exits 1
        if (!help.Contains("OpenBSD netcat")) return "nc is not OpenBSD netcat (package netcat-openbsd)";

        // Root in a container may still lack the right to make namespaces: try once.
        string probe = "nanotcp-probe-" + Guid.NewGuid().ToString("N")[..8];
        if (Run("ip", $"netns add {probe}", out string why) != 0) return $"cannot create a network namespace: {why.Trim()}";
        Run("ip", $"netns delete {probe}", out _);
        return null;
    }

    public static string? FindOnPath(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
        {
            string path = Path.Combine(dir, tool);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    static int Run(string tool, string arguments, out string output)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        output = stdout.Result + stderr.Result;
        return p.ExitCode;
    }

    [DllImport("libc")] static extern uint geteuid();
}
