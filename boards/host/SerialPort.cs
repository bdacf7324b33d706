using System.Text;
using NanoTcp;

namespace NanoTcp.Board;

/// <summary>
/// The board's serial port: each log line of the device goes to the pseudo-terminal or stdout,
/// and to an in-process observer if one is given. Called on the device thread only.
/// </summary>
sealed class SerialPort : ILogSink, IDisposable
{
    readonly Pty? _pty;
    readonly Stream? _stdout;
    readonly Action<string>? _observer;
    readonly byte[] _bytes = new byte[1024];

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
            _pty.Write(_bytes, n + 2);
        }
        if (_stdout != null)
        {
            _bytes[n] = (byte)'\n';
            try { _stdout.Write(_bytes, 0, n + 1); _stdout.Flush(); }
            catch (IOException) { } // stdout closed (a pipe whose reader left): the line is lost, as on a UART
        }
        _observer?.Invoke(new string(line, 0, length));
    }

    public void Dispose() => _pty?.Dispose();
}
