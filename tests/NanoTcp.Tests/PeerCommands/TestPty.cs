using System.Runtime.InteropServices;
using System.Text;

namespace NanoTcp.Tests.PeerCommands;

/// <summary>
/// A pseudo-terminal pair made by the test: it writes into the master side what a device would
/// print, and the command under test opens <see cref="SlavePath"/> as it would a serial port.
/// Closing the master is the device going away: the reader sees the end of the log.
/// </summary>
sealed class TestPty : IDisposable
{
    int _master;

    TestPty(int master, string slavePath)
    {
        _master = master;
        SlavePath = slavePath;
    }

    public string SlavePath { get; }

    public static TestPty Open()
    {
        int fd = posix_openpt(O_RDWR | (OperatingSystem.IsMacOS() ? 0x20000 : 0x100)); // O_NOCTTY
        Assert.True(fd >= 0, "posix_openpt failed");
        Assert.Equal(0, grantpt(fd));
        Assert.Equal(0, unlockpt(fd));
        IntPtr name = ptsname(fd);
        Assert.NotEqual(IntPtr.Zero, name);
        // Raw, as a UART: the line discipline must not turn CR LF into two newlines.
        var termios = new byte[512];
        Assert.Equal(0, tcgetattr(fd, termios));
        cfmakeraw(termios);
        Assert.Equal(0, tcsetattr(fd, 0, termios));
        return new TestPty(fd, Marshal.PtrToStringAnsi(name)!);
    }

    /// <summary>Writes lines as the board does, each ended by CR LF.</summary>
    public void WriteLines(params string[] lines)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(string.Concat(lines.Select(l => l + "\r\n")));
        Write(bytes);
    }

    public void Write(byte[] bytes)
    {
        int done = 0;
        while (done < bytes.Length)
        {
            nint n = write(_master, bytes[done..], bytes.Length - done);
            Assert.True(n > 0, "write to the pty master failed");
            done += (int)n;
        }
    }

    /// <summary>Hangs up: the slave side reads what is left, then the end.</summary>
    public void CloseMaster()
    {
        if (_master >= 0) close(_master);
        _master = -1;
    }

    public void Dispose() => CloseMaster();

    const int O_RDWR = 2;
    [DllImport("libc", SetLastError = true)] static extern int posix_openpt(int flags);
    [DllImport("libc", SetLastError = true)] static extern int grantpt(int fd);
    [DllImport("libc", SetLastError = true)] static extern int unlockpt(int fd);
    [DllImport("libc", SetLastError = true)] static extern IntPtr ptsname(int fd);
    [DllImport("libc", SetLastError = true)] static extern int tcgetattr(int fd, byte[] termios);
    [DllImport("libc")] static extern void cfmakeraw(byte[] termios);
    [DllImport("libc", SetLastError = true)] static extern int tcsetattr(int fd, int actions, byte[] termios);
    [DllImport("libc", SetLastError = true)] static extern nint write(int fd, byte[] buffer, nint count);
    [DllImport("libc", SetLastError = true)] static extern int close(int fd);
}
