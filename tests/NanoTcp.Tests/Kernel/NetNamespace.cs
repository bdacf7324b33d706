using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace NanoTcp.Tests.Kernel;

/// <summary>
/// A network namespace of the test's own, so the TUN interface, its addresses and every kernel
/// socket of the test stay out of the machine's real network and away from other tests. Things
/// that touch the kernel run inside it as child processes (`ip netns exec`); disposing kills them
/// and deletes the namespace, whatever happened in the test.
///
/// Every command and child is recorded, so a failure shows what ran and what it printed.
/// </summary>
public sealed class NetNamespace : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    readonly List<ChildProcess> _children = [];
    readonly StringBuilder _commands = new();
    bool _created;

    /// <param name="tools">Programs the test needs beyond the usual ones (see <see cref="KernelFactAttribute"/>).</param>
    public NetNamespace(params string[] tools)
    {
        KernelPrerequisites.Require(tools);
        Name = "nanotcp-test-" + Guid.NewGuid().ToString("N")[..8];
        Run("ip", "netns", "add", Name);
        _created = true;
        Run("ip", "-n", Name, "link", "set", "lo", "up");
    }

    public string Name { get; }

    /// <summary>Runs a command in this machine's namespace; fails the test when it exits non-zero.</summary>
    public string Run(params string[] command)
    {
        var (exit, output) = TryRun(command);
        if (exit != 0) Fail($"'{string.Join(' ', command)}' exited with {exit}");
        return output;
    }

    /// <summary>Runs a command inside the namespace and returns its output; fails the test when it exits non-zero.</summary>
    public string Exec(params string[] command) => Run(["ip", "netns", "exec", Name, .. command]);

    /// <summary>Runs a command to its end; returns its exit code and its output (stdout, then stderr).</summary>
    public (int Exit, string Output) TryRun(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in command[1..]) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Patience))
        {
            p.Kill(entireProcessTree: true);
            Fail($"'{string.Join(' ', command)}' did not end within {Patience.TotalSeconds} s");
        }
        p.WaitForExit();
        string output = stdout.Result + stderr.Result;
        lock (_commands)
        {
            _commands.AppendLine($"$ {string.Join(' ', command)}    (exit {p.ExitCode})");
            foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) _commands.AppendLine("    " + line);
        }
        return (p.ExitCode, output);
    }

    /// <summary>Starts a long-running command inside the namespace.</summary>
    public ChildProcess Start(string label, params string[] command)
    {
        var child = new ChildProcess(label, "ip", ["netns", "exec", Name, .. command]);
        lock (_children) _children.Add(child);
        return child;
    }

    /// <summary>Starts a .NET program (a built dll) inside the namespace.</summary>
    public ChildProcess StartDotnet(string label, string dll, params string[] arguments) =>
        Start(label, [BuiltTools.Dotnet, dll, .. arguments]);

    /// <summary>Waits for a line from a child; fails the test with everything recorded when none comes.</summary>
    public string WaitForLine(ChildProcess child, string what, Func<string, bool> match)
    {
        string? line = child.WaitForLine(match, Patience);
        if (line == null) Fail($"{child.Label}: no {what} within {Patience.TotalSeconds} s{(child.HasExited ? " (it ended)" : "")}");
        return line!;
    }

    /// <summary>Polls a command inside the namespace until its output satisfies the condition.</summary>
    public string WaitForOutput(string what, Func<string, bool> condition, params string[] command)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string output = Exec(command);
            if (condition(output)) return output;
            if (clock.Elapsed > Patience) Fail($"no {what} within {Patience.TotalSeconds} s");
            Thread.Sleep(50);
        }
    }

    public void WaitForExit(ChildProcess child)
    {
        if (!child.WaitForExit(Patience)) Fail($"{child.Label} did not end within {Patience.TotalSeconds} s");
    }

    /// <summary>Fails the test when the condition does not hold.</summary>
    public void Expect(bool condition, string what)
    {
        if (!condition) Fail(what);
    }

    /// <summary>Fails the test with the reason and everything that ran.</summary>
    public void Fail(string why) => throw new Xunit.Sdk.XunitException(why + "\n\n" + Transcript());

    public string Transcript()
    {
        var text = new StringBuilder($"network namespace {Name}\n");
        lock (_commands) text.Append(_commands);
        lock (_children) foreach (ChildProcess child in _children) text.Append(child.Transcript());
        return text.ToString();
    }

    /// <summary>
    /// A socket that lives in this namespace, bound to the given address, for the test's own
    /// endpoints. A socket belongs for life to the namespace it was created in, whichever thread
    /// uses it later. The thread that creates it enters the namespace, creates and binds the
    /// socket, and returns to its own namespace before it ends; nothing else runs on that thread,
    /// so no other code ever sees the foreign namespace.
    /// </summary>
    public Socket CreateSocket(SocketType type, ProtocolType protocol, IPEndPoint bindTo)
    {
        Socket? socket = null;
        string? error = null;
        var thread = new Thread(() =>
        {
            int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
            int target = open($"/run/netns/{Name}", O_RDONLY | O_CLOEXEC);
            try
            {
                if (home < 0 || target < 0) { error = $"cannot open the namespaces (errno {Marshal.GetLastPInvokeError()})"; return; }
                if (setns(target, CLONE_NEWNET) != 0) { error = $"setns failed (errno {Marshal.GetLastPInvokeError()})"; return; }
                try
                {
                    socket = new Socket(AddressFamily.InterNetwork, type, protocol);
                    socket.Bind(bindTo);
                }
                catch (SocketException e)
                {
                    socket?.Dispose();
                    socket = null;
                    error = $"{protocol} socket on {bindTo}: {e.Message}";
                }
                finally
                {
                    setns(home, CLONE_NEWNET); // were this ever to fail, the thread ends here all the same
                }
            }
            finally
            {
                if (home >= 0) close(home);
                if (target >= 0) close(target);
            }
        }) { Name = "netns socket", IsBackground = true };
        thread.Start();
        thread.Join();
        if (socket == null) Fail(error ?? "no socket");
        return socket!;
    }

    public void Dispose()
    {
        lock (_children)
        {
            // Ask politely first, so a bridge removes its interface as it would for a user.
            foreach (ChildProcess child in _children) child.Signal(15);
            foreach (ChildProcess child in _children)
            {
                child.WaitForExit(TimeSpan.FromSeconds(3));
                child.Dispose();
            }
        }
        if (_created) TryRun("ip", "netns", "delete", Name);
    }

    const int O_RDONLY = 0, O_CLOEXEC = 0x80000, CLONE_NEWNET = 0x40000000;
    [DllImport("libc", SetLastError = true)] static extern int open(string path, int flags);
    [DllImport("libc", SetLastError = true)] static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] static extern int setns(int fd, int nstype);
}
