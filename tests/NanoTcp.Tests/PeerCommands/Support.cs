using System.Net;
using System.Text;
using NanoTcp.Board;

namespace NanoTcp.Tests.PeerCommands;

/// <summary>A TextWriter that several threads may write while a test reads what it has so far.</summary>
sealed class SyncWriter : TextWriter
{
    readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_text) _text.Append(value);
    }

    public override void Write(string? value)
    {
        lock (_text) _text.Append(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_text) _text.Append(buffer, index, count);
    }

    public override string ToString()
    {
        lock (_text) return _text.ToString();
    }
}

/// <summary>A TextReader that gives nothing until the test says so: a user who has not typed yet.</summary>
sealed class WaitingReader : TextReader
{
    readonly ManualResetEventSlim _released = new(false);
    volatile string _rest = "";

    /// <summary>Lets the reader return text, then the end of input.</summary>
    public void Release(string text = "")
    {
        _rest = text;
        _released.Set();
    }

    public override int Read(char[] buffer, int index, int count)
    {
        _released.Wait();
        string rest = _rest;
        int n = Math.Min(count, rest.Length);
        rest.CopyTo(0, buffer, index, n);
        _rest = rest[n..];
        return n;
    }
}

/// <summary>Starting the virtual board in-process, and waiting on conditions instead of sleeping.</summary>
static class Boards
{
    /// <summary>A board on a free loopback port; its serial lines are collected in log (and on a pty if asked).</summary>
    public static VirtualBoard Start(SyncLog log, bool pty = false, Action<BoardOptions>? configure = null)
    {
        var options = new BoardOptions
        {
            Link = new IPEndPoint(IPAddress.Loopback, 0),
            Serial = pty ? SerialKind.Pty : SerialKind.None,
        };
        configure?.Invoke(options);
        return VirtualBoard.Start(options, log.Add);
    }

    public static string Device(VirtualBoard board) => $"127.0.0.1:{board.LinkEndPoint.Port}";

    /// <summary>Waits until condition holds; fails with what description says if it does not within timeoutMs.</summary>
    public static void WaitFor(Func<bool> condition, string description, int timeoutMs = 20_000)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, $"timed out after {timeoutMs} ms waiting for {description}");
            Thread.Sleep(10);
        }
    }
}

/// <summary>The board's serial lines as the in-process observer receives them.</summary>
sealed class SyncLog
{
    readonly List<string> _lines = [];

    public void Add(string line)
    {
        lock (_lines) _lines.Add(line);
    }

    public string[] Lines
    {
        get { lock (_lines) return _lines.ToArray(); }
    }
}

/// <summary>A command running on its own thread while the test watches it, then its exit code.</summary>
sealed class Background
{
    readonly Thread _thread;
    int _result = -1;

    public Background(Func<int> run)
    {
        _thread = new Thread(() => _result = run()) { IsBackground = true };
        _thread.Start();
    }

    public bool IsCompleted => !_thread.IsAlive;

    /// <summary>Waits for the command to end (failing the test if it does not) and returns its exit code.</summary>
    public int Exit(int timeoutMs = 20_000)
    {
        Assert.True(_thread.Join(timeoutMs), $"the command did not end within {timeoutMs} ms");
        return _result;
    }
}
