using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace NanoTcp.Tests.Device;

/// <summary>
/// Reads the board's serial log the way a terminal program does: opens the pseudo-terminal's
/// slave path and collects its lines as they come.
/// </summary>
sealed class PtyReader : IDisposable
{
    readonly List<string> _lines = new();
    readonly FileStream _stream;
    readonly Thread _thread;

    public PtyReader(string path)
    {
        // O_NOCTTY: reading the log must not make the board's terminal ours.
        int fd = open(path, O_RDONLY | O_NOCTTY);
        Assert.True(fd >= 0, $"open {path}: errno {Marshal.GetLastPInvokeError()}");
        _stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1);
        _thread = new Thread(ReadLines) { IsBackground = true, Name = "pty reader" };
        _thread.Start();
    }

    void ReadLines()
    {
        try
        {
            using var reader = new StreamReader(_stream, Encoding.ASCII);
            string? line;
            while ((line = reader.ReadLine()) != null)
                lock (_lines) _lines.Add(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // the board closed the terminal
        }
    }

    public List<string> Lines { get { lock (_lines) return new List<string>(_lines); } }

    public void Dispose() => _stream.Dispose();

    const int O_RDONLY = 0, O_NOCTTY = 0x100;
    [DllImport("libc", SetLastError = true)] static extern int open(string path, int flags);
}
