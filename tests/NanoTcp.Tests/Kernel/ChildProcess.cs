using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace NanoTcp.Tests.Kernel;

/// <summary>
/// A process the test started (the board, the bridge, nc): its stdin is ours to write and
/// close, every line of its stdout and stderr is kept, and a test waits for the line it
/// expects instead of sleeping. Disposing kills it if it still runs.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    readonly Process _process;
    readonly List<string> _lines = [];
    readonly object _gate = new();
    readonly TaskCompletionSource _stdoutDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource _stderrDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChildProcess(string label, string fileName, IEnumerable<string> arguments)
    {
        Label = label;
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        CommandLine = fileName + " " + string.Join(' ', start.ArgumentList);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Add(e.Data, "", _stdoutDone);
        _process.ErrorDataReceived += (_, e) => Add(e.Data, "stderr: ", _stderrDone);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Label { get; }
    public string CommandLine { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line so far; stderr lines start with "stderr: ".</summary>
    public string[] Lines
    {
        get { lock (_gate) return [.. _lines]; }
    }

    void Add(string? line, string prefix, TaskCompletionSource done)
    {
        if (line == null) { done.TrySetResult(); return; }
        lock (_gate)
        {
            _lines.Add(prefix + line);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until a line matches; returns it, or null when the time is up or the process ended first.</summary>
    public string? WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        lock (_gate)
        {
            for (int seen = 0; ; )
            {
                for (; seen < _lines.Count; seen++) if (match(_lines[seen])) return _lines[seen];
                bool ended = _stdoutDone.Task.IsCompleted && _stderrDone.Task.IsCompleted;
                TimeSpan left = timeout - deadline.Elapsed;
                if (ended || left <= TimeSpan.Zero) return null;
                Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
            }
        }
    }

    public void Write(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    /// <summary>End of input: what Ctrl+D does in a terminal.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Sends a signal (SIGTERM = 15), as `kill` does.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited) kill(_process.Id, signal);
    }

    /// <summary>Waits for the process to end and its output to be read; false when the time is up first.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // drains the asynchronous output readers
        return true;
    }

    /// <summary>The command line, how it ended, and all of its output.</summary>
    public string Transcript()
    {
        var text = new StringBuilder();
        string state = !_process.HasExited ? "still running" : $"exit code {_process.ExitCode}";
        text.AppendLine($"--- {Label} ({state}): {CommandLine}");
        foreach (string line in Lines) text.AppendLine("    " + line);
        return text.ToString();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { } // it ended in between
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)] static extern int kill(int pid, int signal);
}
