using System.Text;
using NanoTcp;

namespace NanoTcp.Board;

/// <summary>
/// The board's serial port: each log line of the device goes to the pseudo-terminal or stdout,
/// and to an in-process observer if one is given. Called on the device thread only.
///
/// A pseudo-terminal nobody reads fills up, and the lines that do not fit are lost, as on a UART.
/// The loss is not silent: the first line that fits again is preceded by
/// <c>TIME - LOG-DROPPED lines=N</c>, so a reader that attaches late sees where the gap is.
/// </summary>
sealed class SerialPort : ILogSink, IDisposable
{
    readonly Pty? _pty;
    readonly Stream? _stdout;
    readonly Action<string>? _observer;
    readonly byte[] _bytes = new byte[1024];
    readonly byte[] _marker = new byte[64];
    /// <summary>Lines (or the rest of a cut line) the pseudo-terminal had no room for since the last one that went.</summary>
    int _dropped;
    /// <summary>The last line that went only in part: the marker must start on a line of its own.</summary>
    bool _cut;

    public SerialPort(SerialKind kind, Action<string>? observer)
    {
        _observer = observer;
        if (kind == SerialKind.Pty) _pty = Pty.Open();
        else if (kind == SerialKind.Stdout) _stdout = Console.OpenStandardOutput();
    }

    /// <summary>The pseudo-terminal's path, or null.</summary>
    public string? Path => _pty?.SlavePath;

    public void WriteLine(char[] line, int length)
    {
        int n = Encoding.ASCII.GetBytes(line, 0, Math.Min(length, _bytes.Length - 2), _bytes, 0);
        if (_pty != null)
        {
            _bytes[n] = (byte)'\r';
            _bytes[n + 1] = (byte)'\n';
            bool sent = (_dropped == 0 || WriteGapMarker(line, length)) && Send(_bytes, n + 2);
            if (!sent) _dropped++;
        }
        if (_stdout != null)
        {
            _bytes[n] = (byte)'\n';
            try { _stdout.Write(_bytes, 0, n + 1); _stdout.Flush(); }
            catch (IOException) { } // stdout closed (a pipe whose reader left): the line is lost, as on a UART
        }
        _observer?.Invoke(new string(line, 0, length));
    }

    /// <summary>"TIME - LOG-DROPPED lines=N", with the time of the line about to be written. True when it went.</summary>
    bool WriteGapMarker(char[] line, int length)
    {
        int digits = 0;
        while (digits < length && digits < 20 && char.IsAsciiDigit(line[digits])) digits++;
        string time = digits > 0 ? new string(line, 0, digits) : "0";
        int m = Encoding.ASCII.GetBytes($"{(_cut ? "\r\n" : "")}{time} - LOG-DROPPED lines={_dropped}\r\n", _marker);
        if (!Send(_marker, m)) return false;
        _dropped = 0;
        return true;
    }

    /// <summary>Writes to the pseudo-terminal; true when all of it went, noting a line that went only in part.</summary>
    bool Send(byte[] bytes, int length)
    {
        int done = _pty!.Write(bytes, length);
        if (done == length) { _cut = false; return true; }
        if (done > 0) _cut = true;
        return false;
    }

    /// <summary>A line of the board's own about the link (a datagram too long for the device's buffer), with the device's time.</summary>
    public void WriteBoardLine(string text)
    {
        char[] chars = text.ToCharArray();
        WriteLine(chars, chars.Length);
    }

    public void Dispose() => _pty?.Dispose();
}
