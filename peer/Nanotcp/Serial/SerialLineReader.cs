using System.IO.Ports;
using System.Text;

namespace Nanotcp.Serial;

/// <summary>The serial port cannot be used; the message is one line for the user.</summary>
public sealed class SerialException(string message) : Exception(message);

/// <summary>What <see cref="SerialLineReader.ReadLine(int, out string?)"/> found.</summary>
public enum SerialRead { Line, Timeout, End }

/// <summary>
/// Reads a device's serial log line by line: a serial port (COM3, /dev/ttyUSB0, /dev/ttyACM0,
/// /dev/cu.usbserial-*) or a pseudo-terminal such as the virtual board's /dev/pts/N, through
/// System.IO.Ports on Windows, macOS and Linux alike; a saved log file; or standard input ("-").
///
/// One background thread reads the source and splits what comes into lines, so a caller can
/// wait with a timeout and give up (Ctrl+C, a deadline) without a blocked read in its way. The
/// end comes at end of file, or when the other side hangs up (the board stopped, the USB cable
/// was pulled). nanoFramework's debugger wire protocol on the line (the log travels in its
/// packets once Visual Studio has connected since the last reset) is recognised, reported once
/// through <see cref="Notice"/>, and kept out of the lines.
/// </summary>
public sealed class SerialLineReader : IDisposable
{
    /// <summary>ESP32 boards print at 115200 baud unless told otherwise.</summary>
    public const int DefaultBaud = 115200;
    /// <summary>A line longer than this (noise without newlines) is cut, so memory stays bounded.</summary>
    const int MaxLine = 4096;

    readonly Stream _stream;
    readonly SerialPort? _port;
    readonly List<byte> _line = new(256);
    readonly Queue<string> _ready = new();
    readonly WireProtocolFilter _wire = new();
    readonly object _gate = new();
    Exception? _failure;
    bool _ended, _disposed;

    SerialLineReader(Stream stream, SerialPort? port, string path)
    {
        _stream = stream;
        _port = port;
        Path = path;
        var pump = new Thread(Pump) { IsBackground = true, Name = "serial " + path };
        pump.Start();
    }

    public string Path { get; }

    /// <summary>
    /// Called once, from the reading thread, with one line for the user when the line turns out
    /// to carry something other than the plain-text log. By default the line goes to standard error.
    /// </summary>
    public Action<string> Notice { get; set; } = message => Console.Error.WriteLine("nanotcp: " + message);

    /// <summary>Opens the port, a log file, or "-" for standard input. Throws <see cref="SerialException"/> with a one-line reason.</summary>
    public static SerialLineReader Open(string path, int baud = DefaultBaud)
    {
        if (baud < 50 || baud > 4000000) throw new SerialException($"unsupported baud rate {baud} (50 to 4000000; ESP32 boards use {DefaultBaud})");
        if (path == "-") return new SerialLineReader(Console.OpenStandardInput(), null, "standard input");
        if (Directory.Exists(path)) throw new SerialException($"{path} is a directory, not a serial port");
        if (!IsPortName(path))
        {
            if (!File.Exists(path)) throw new SerialException($"no such serial port: {path}");
            try { return new SerialLineReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, false), null, path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SerialException($"cannot read {path}: {e.Message}"); }
        }

        var port = new SerialPort(path, baud, Parity.None, 8, StopBits.One) { Handshake = Handshake.None, ReadTimeout = SerialPort.InfiniteTimeout };
        try
        {
            port.Open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            port.Dispose();
            throw new SerialException(OpenError(path, e));
        }
        return new SerialLineReader(port.BaseStream, port, path);
    }

    /// <summary>Serial ports and terminals: COM names on Windows, device files elsewhere.</summary>
    static bool IsPortName(string path) =>
        OperatingSystem.IsWindows()
            ? path.StartsWith(@"\\.\", StringComparison.Ordinal) || System.Text.RegularExpressions.Regex.IsMatch(path, @"^COM\d+$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)
            : path.StartsWith("/dev/", StringComparison.Ordinal);

    /// <summary>
    /// System.IO.Ports reports every failure to open on Linux and macOS as "access denied"; the
    /// system's own reason comes from opening the device once more, non-blocking, just to ask.
    /// </summary>
    static string OpenError(string path, Exception e)
    {
        if (OperatingSystem.IsWindows())
            return e is UnauthorizedAccessException ? $"{path} is busy or not allowed: another program (a terminal, Visual Studio's Device Explorer) may have it open" : $"cannot open {path}: {e.Message}";
        if (!File.Exists(path)) return $"no such serial port: {path}";
        int errno = Posix.ProbeOpen(path);
        return errno switch
        {
            0 => $"cannot open {path} as a serial port: {e.Message}",
            Posix.ENOENT => $"no such serial port: {path}",
            Posix.EACCES => OperatingSystem.IsLinux()
                ? $"permission denied: {path} (on most Linux systems, join the 'dialout' group: sudo usermod -aG dialout $USER, then log in again)"
                : $"permission denied: {path}",
            Posix.EBUSY => $"{path} is busy: another program has the port open",
            Posix.ENXIO => $"{path}: no device behind it (unplugged, or a pseudo-terminal whose owner has gone)",
            _ => $"cannot open {path}: {Posix.Describe(errno)}",
        };
    }

    /// <summary>
    /// Waits up to timeoutMs (0: do not wait; negative: forever) for the next line, without its
    /// CR LF. Control characters (line noise, a board resetting) are shown as U+FFFD.
    /// </summary>
    public SerialRead ReadLine(int timeoutMs, out string? line)
    {
        long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        lock (_gate)
        {
            while (true)
            {
                if (_ready.TryDequeue(out line)) return SerialRead.Line;
                if (_failure != null) throw new SerialException($"{Path}: {_failure.Message}");
                if (_ended) return SerialRead.End;
                long left = deadline - Environment.TickCount64;
                if (left <= 0) return SerialRead.Timeout;
                System.Threading.Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue));
            }
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

    void Pump()
    {
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                int n = _stream.Read(chunk, 0, chunk.Length);
                if (n <= 0) break;
                lock (_gate)
                {
                    Split(chunk.AsSpan(0, n));
                    System.Threading.Monitor.PulseAll(_gate);
                }
            }
        }
        // A hang-up (the other side of a pseudo-terminal closed, the adapter went away) and our own
        // Dispose both end the read with one of these; either way the log has ended.
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
        }
        catch (Exception e)
        {
            lock (_gate) _failure = _disposed ? null : e;
        }
        lock (_gate)
        {
            if (_line.Count > 0) Emit(); // a last line without its newline is still a line
            _ended = true;
            System.Threading.Monitor.PulseAll(_gate);
        }
    }

    void Split(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            switch (_wire.Take(b))
            {
                case WireProtocolFilter.Result.Text:
                    if (b == (byte)'\n' || _line.Count >= MaxLine) Emit();
                    if (b != (byte)'\n') _line.Add(b);
                    break;
                case WireProtocolFilter.Result.MarkerCompleted:
                    // The marker's first bytes were taken for text; they belong to the packet.
                    _line.RemoveRange(Math.Max(0, _line.Count - (WireProtocolFilter.MarkerLength - 1)), Math.Min(_line.Count, WireProtocolFilter.MarkerLength - 1));
                    if (_line.Count > 0) Emit();
                    if (_wire.Packets == 1) Notice(WireProtocolFilter.Advice(Path));
                    break;
            }
        }
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
        lock (_gate) _disposed = true;
        if (_port != null) _port.Dispose();
        else if (_stream is FileStream) _stream.Dispose(); // standard input stays open for the rest of the process
    }
}
