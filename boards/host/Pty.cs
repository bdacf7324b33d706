using System.Runtime.InteropServices;
using System.Text;

namespace NanoTcp.Board;

/// <summary>
/// A pseudo-terminal standing in for the board's UART: the board writes to the master side, and
/// a terminal program (picocom, screen) or a test opens the slave path, /dev/pts/N.
///
/// The line is put in raw mode (cfmakeraw): bytes pass unchanged, with no echo and no newline
/// translation, like a UART; the board ends each line with CR LF as a serial terminal expects.
/// Writes never block: while nobody reads, the kernel buffers a few kilobytes (a late reader sees
/// the start of the log, banner included) and then lines are dropped, as a UART drops what no one
/// hears.
/// </summary>
sealed class Pty : IDisposable
{
    readonly int _master;

    public string SlavePath { get; }

    Pty(int master, string slavePath) { _master = master; SlavePath = slavePath; }

    /// <summary>Opens a new pseudo-terminal. Throws <see cref="BoardException"/> where the system has none.</summary>
    public static Pty Open()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            throw new BoardException("--serial pty needs Linux or macOS; use --serial stdout");
        int fd = -1;
        try
        {
            fd = posix_openpt(O_RDWR | (OperatingSystem.IsMacOS() ? MacO_NOCTTY : LinuxO_NOCTTY));
            if (fd < 0) throw Failure("posix_openpt");
            if (grantpt(fd) != 0) throw Failure("grantpt");
            if (unlockpt(fd) != 0) throw Failure("unlockpt");
            string path = SlaveName(fd);
            MakeRaw(fd);
            int flags = fcntl(fd, F_GETFL, 0);
            if (flags < 0 || fcntl(fd, F_SETFL, flags | (OperatingSystem.IsMacOS() ? MacO_NONBLOCK : LinuxO_NONBLOCK)) < 0) throw Failure("fcntl");
            var pty = new Pty(fd, path);
            fd = -1;
            return pty;
        }
        catch (EntryPointNotFoundException e)
        {
            throw new BoardException("pseudo-terminal: " + e.Message);
        }
        finally
        {
            if (fd >= 0) close(fd);
        }
    }

    /// <summary>Writes what it can without blocking; the rest is dropped. Returns how many bytes went.</summary>
    public unsafe int Write(byte[] data, int length)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < length)
            {
                nint n = write(_master, p + done, length - done);
                if (n <= 0) return done; // EAGAIN (nobody reading and the buffer full) or a closed line
                done += (int)n;
            }
            return done;
        }
    }

    public void Dispose() => close(_master);

    static string SlaveName(int fd)
    {
        var buf = new byte[128];
        try
        {
            if (ptsname_r(fd, buf, buf.Length) == 0) return Encoding.ASCII.GetString(buf, 0, Array.IndexOf(buf, (byte)0));
        }
        catch (EntryPointNotFoundException)
        {
            // Older libcs have only ptsname; it is called once, at start-up.
        }
        IntPtr name = ptsname(fd);
        if (name == IntPtr.Zero) throw Failure("ptsname");
        return Marshal.PtrToStringAnsi(name)!;
    }

    /// <summary>termios is opaque here: the structure differs between systems, so only libc touches it.</summary>
    static void MakeRaw(int fd)
    {
        var termios = new byte[512];
        if (tcgetattr(fd, termios) != 0) throw Failure("tcgetattr");
        cfmakeraw(termios);
        if (tcsetattr(fd, TCSANOW, termios) != 0) throw Failure("tcsetattr");
    }

    static BoardException Failure(string call) =>
        new($"pseudo-terminal: {call} failed (errno {Marshal.GetLastPInvokeError()}); use --serial stdout");

    const int O_RDWR = 2, TCSANOW = 0, F_GETFL = 3, F_SETFL = 4;
    const int LinuxO_NOCTTY = 0x100, LinuxO_NONBLOCK = 0x800;
    const int MacO_NOCTTY = 0x20000, MacO_NONBLOCK = 0x4;

    [DllImport("libc", SetLastError = true)] static extern int posix_openpt(int flags);
    [DllImport("libc", SetLastError = true)] static extern int grantpt(int fd);
    [DllImport("libc", SetLastError = true)] static extern int unlockpt(int fd);
    [DllImport("libc", SetLastError = true)] static extern int ptsname_r(int fd, byte[] buf, nint buflen);
    [DllImport("libc", SetLastError = true)] static extern IntPtr ptsname(int fd);
    [DllImport("libc", SetLastError = true)] static extern int tcgetattr(int fd, byte[] termios);
    [DllImport("libc")] static extern void cfmakeraw(byte[] termios);
    [DllImport("libc", SetLastError = true)] static extern int tcsetattr(int fd, int actions, byte[] termios);
    [DllImport("libc", SetLastError = true)] static extern int fcntl(int fd, int cmd, int arg);
    [DllImport("libc", SetLastError = true)] static extern unsafe nint write(int fd, byte* buf, nint count);
    [DllImport("libc", SetLastError = true)] static extern int close(int fd);
}
