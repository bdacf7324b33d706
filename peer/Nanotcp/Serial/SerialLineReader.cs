using System.Text;

namespace Nanotcp.Serial;

/// <summary>The serial port cannot be used; the message is one line for the user.</summary>
public sealed class SerialException(string message) : Exception(message);

/// <summary>What <see cref="SerialLineReader.ReadLine(int, out string?)"/> found.</summary>
public enum SerialRead { Line, Timeout, End }

/// <summary>
/// Reads a device's serial log line by line: a real serial port (/dev/ttyUSB0, /dev/ttyACM0,
/// /dev/cu.usbserial-*), a pseudo-terminal such as the virtual board's /dev/pts/N, a saved log
/// file, or standard input ("-"). A terminal is put in raw mode at the given baud rate.
///
/// Reads wait with poll(2) in short slices so that a caller can give up (Ctrl+C, a deadline)
/// without closing the port under a blocked read. The end comes at end of file, or when the
/// other side of the line hangs up (the board stopped, the USB cable was pulled).
/// Linux and macOS only.
/// </summary>
public sealed class SerialLineReader : IDisposable
{
    /// <summary>ESP32 boards print at 115200 baud unless told otherwise.</summary>
    public const int DefaultBaud = 115200;
    /// <summary>A line longer than this (noise without newlines) is cut, so memory stays bounded.</summary>
    const int MaxLine = 4096;

    readonly int _fd;
    readonly bool _ownsFd;
    readonly byte[] _chunk = new byte[4096];
    readonly List<byte> _line = new(256);
    readonly Queue<string> _ready = new();
    bool _ended;

    SerialLineReader(int fd, bool ownsFd, string path, bool terminal)
    {
        _fd = fd;
        _ownsFd = ownsFd;
        Path = path;
        IsTerminal = terminal;
    }

    public string Path { get; }
    /// <summary>True for a serial port or pseudo-terminal, false for a file or a pipe.</summary>
    public bool IsTerminal { get; }

    /// <summary>Opens the port (or "-" for standard input). Throws <see cref="SerialException"/> with a one-line reason.</summary>
    public static SerialLineReader Open(string path, int baud = DefaultBaud)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            throw new SerialException("reading a serial port needs Linux or macOS; on Windows, use a serial terminal such as PuTTY");
        if (!Posix.IsSupportedBaud(baud))
            throw new SerialException($"unsupported baud rate {baud} (one of {Posix.SupportedBauds})");
        if (path == "-") return new SerialLineReader(0, false, "standard input", false);
        if (Directory.Exists(path)) throw new SerialException($"{path} is a directory, not a serial port");

        // Non-blocking: opening a serial port must not wait for a modem's carrier.
        int fd = Posix.Open(path, Posix.O_RDONLY | Posix.O_NOCTTY | Posix.O_NONBLOCK);
        if (fd < 0) throw new SerialException(OpenError(path, System.Runtime.InteropServices.Marshal.GetLastPInvokeError()));
        bool terminal = Posix.IsATty(fd) == 1;
        if (terminal)
        {
            int errno = Posix.MakeRaw(fd, baud);
            if (errno != 0)
            {
                Posix.Close(fd);
                throw new SerialException($"cannot set {path} to raw mode at {baud} baud: {Posix.Describe(errno)}");
            }
        }
        return new SerialLineReader(fd, true, path, terminal);
    }

    static string OpenError(string path, int errno) => errno switch
    {
        Posix.ENOENT => $"no such serial port: {path}",
        Posix.EACCES => OperatingSystem.IsLinux()
            ? $"permission denied: {path} (on most Linux systems, join the 'dialout' group: sudo usermod -aG dialout $USER, then log in again)"
            : $"permission denied: {path}",
        Posix.EBUSY => $"{path} is busy: another program has the port open",
        Posix.ENXIO => $"{path}: no device behind it (unplugged, or a pseudo-terminal whose owner has gone)",
        _ => $"cannot open {path}: {Posix.Describe(errno)}",
    };

    /// <summary>
    /// Waits up to timeoutMs (0: do not wait; negative: forever) for the next line, without its
    /// CR LF. Control characters (line noise, a board resetting) are shown as U+FFFD.
    /// </summary>
    public SerialRead ReadLine(int timeoutMs, out string? line)
    {
        long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        while (true)
        {
            if (_ready.TryDequeue(out line)) return SerialRead.Line;
            if (_ended) return SerialRead.End;
            // Wait in short slices: the caller's timeout may be long, and a hang-up must be seen.
            long left = deadline - Environment.TickCount64;
            if (!Fill((int)Math.Clamp(left, 0, 100)) && left <= 0) return SerialRead.Timeout;
        }
    }

    /// <summary>Reads lines until the end or until the token is cancelled; null then.</summary>
    public string? ReadLine(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            switch (ReadLine(100, out string? line))
            {
                case SerialRead.Line: return line;
                case SerialRead.End: return null;
            }
        }
        return null;
    }

    /// <summary>Waits up to waitMs for bytes and splits what came into lines. False when nothing came.</summary>
    bool Fill(int waitMs)
    {
        var pfd = new Posix.PollFd { Fd = _fd, Events = Posix.POLLIN };
        int ready = Posix.Poll(ref pfd, 1, waitMs);
        if (ready == 0) return false;
        if (ready < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Posix.EINTR) return false;
            throw new SerialException($"{Path}: {Posix.Describe(errno)}");
        }
        if ((pfd.Revents & Posix.POLLNVAL) != 0) { End(); return true; }

        nint n = Posix.Read(_fd, _chunk, _chunk.Length);
        if (n > 0)
        {
            Split(_chunk.AsSpan(0, (int)n));
            return true;
        }
        if (n == 0) { End(); return true; }  // end of file, or a hung-up terminal on macOS
        int err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (err == Posix.EINTR || Posix.IsAgain(err)) return false;
        End(); // EIO: the other side of a pseudo-terminal closed, or the adapter went away
        return true;
    }

    void Split(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (b == (byte)'\n' || _line.Count >= MaxLine) Emit();
            if (b != (byte)'\n') _line.Add(b);
        }
    }

    void End()
    {
        if (_line.Count > 0) Emit(); // a last line without its newline is still a line
        _ended = true;
    }

    void Emit()
    {
        int length = _line.Count;
        if (length > 0 && _line[length - 1] == (byte)'\r') length--;
        string text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_line)[..length]);
        _line.Clear();
        _ready.Enqueue(Visible(text));
    }

    static string Visible(string text)
    {
        foreach (char c in text)
        {
            if (char.IsControl(c) && c != '\t') return string.Create(text.Length, text, (span, t) =>
            {
                for (int i = 0; i < t.Length; i++) span[i] = char.IsControl(t[i]) && t[i] != '\t' ? '\uFFFD' : t[i];
            });
        }
        return text;
    }

    public void Dispose()
    {
        if (_ownsFd) Posix.Close(_fd);
    }
}
