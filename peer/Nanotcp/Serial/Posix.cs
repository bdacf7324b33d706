using System.Runtime.InteropServices;

namespace Nanotcp.Serial;

/// <summary>
/// The libc calls a serial port needs on Linux and macOS. termios is handled as an opaque block
/// that only libc interprets, except for the one c_cflag word whose offset and bits are fixed
/// per system (see <see cref="SetLocalAndRead"/>).
/// </summary>
static class Posix
{
    public const int O_RDONLY = 0;
    public static int O_NOCTTY => OperatingSystem.IsMacOS() ? 0x20000 : 0x100;
    public static int O_NONBLOCK => OperatingSystem.IsMacOS() ? 0x4 : 0x800;
    public const short POLLIN = 0x1, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
    public const int EINTR = 4, EIO = 5, EAGAIN_LINUX = 11, EAGAIN_MAC = 35, ENOENT = 2, EACCES = 13, EBUSY = 16, ENXIO = 6;
    const int TCSANOW = 0;

    public static bool IsAgain(int errno) => errno == (OperatingSystem.IsMacOS() ? EAGAIN_MAC : EAGAIN_LINUX);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", EntryPoint = "close", SetLastError = true)] public static extern int Close(int fd);
    [DllImport("libc", EntryPoint = "read", SetLastError = true)] public static extern nint Read(int fd, byte[] buffer, nint count);
    [DllImport("libc", EntryPoint = "poll", SetLastError = true)] public static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);
    [DllImport("libc", EntryPoint = "isatty")] public static extern int IsATty(int fd);
    [DllImport("libc", EntryPoint = "tcgetattr", SetLastError = true)] static extern int TcGetAttr(int fd, byte[] termios);
    [DllImport("libc", EntryPoint = "tcsetattr", SetLastError = true)] static extern int TcSetAttr(int fd, int actions, byte[] termios);
    [DllImport("libc", EntryPoint = "cfmakeraw")] static extern void CfMakeRaw(byte[] termios);
    // speed_t is an unsigned int on Linux and an unsigned long on macOS.
    [DllImport("libc", EntryPoint = "cfsetispeed", SetLastError = true)] static extern int CfSetISpeedLinux(byte[] termios, uint speed);
    [DllImport("libc", EntryPoint = "cfsetospeed", SetLastError = true)] static extern int CfSetOSpeedLinux(byte[] termios, uint speed);
    [DllImport("libc", EntryPoint = "cfsetispeed", SetLastError = true)] static extern int CfSetISpeedMac(byte[] termios, nuint speed);
    [DllImport("libc", EntryPoint = "cfsetospeed", SetLastError = true)] static extern int CfSetOSpeedMac(byte[] termios, nuint speed);

    /// <summary>Linux names its speeds (B115200 = 0010002); macOS takes the number itself.</summary>
    static readonly Dictionary<int, uint> LinuxSpeeds = new()
    {
        [50] = 1, [75] = 2, [110] = 3, [134] = 4, [150] = 5, [200] = 6, [300] = 7, [600] = 8, [1200] = 9,
        [1800] = 10, [2400] = 11, [4800] = 12, [9600] = 13, [19200] = 14, [38400] = 15,
        [57600] = 4097, [115200] = 4098, [230400] = 4099, [460800] = 4100, [500000] = 4101, [576000] = 4102,
        [921600] = 4103, [1000000] = 4104, [1152000] = 4105, [1500000] = 4106, [2000000] = 4107,
        [2500000] = 4108, [3000000] = 4109, [3500000] = 4110, [4000000] = 4111,
    };

    public static bool IsSupportedBaud(int baud) => OperatingSystem.IsMacOS() ? baud > 0 : LinuxSpeeds.ContainsKey(baud);

    public static string SupportedBauds => string.Join(", ", LinuxSpeeds.Keys.Where(b => b >= 9600));

    /// <summary>
    /// Raw mode (bytes unchanged, no echo, no line editing, as picocom and `stty raw` set), the baud
    /// rate, and CLOCAL|CREAD so that a USB adapter without modem lines still delivers data.
    /// Returns 0 or the errno of the call that failed.
    /// </summary>
    public static int MakeRaw(int fd, int baud)
    {
        var termios = new byte[512]; // larger than any system's struct termios
        if (TcGetAttr(fd, termios) != 0) return Marshal.GetLastPInvokeError();
        CfMakeRaw(termios);
        bool speedOk = OperatingSystem.IsMacOS()
            ? CfSetISpeedMac(termios, (nuint)baud) == 0 && CfSetOSpeedMac(termios, (nuint)baud) == 0
            : CfSetISpeedLinux(termios, LinuxSpeeds[baud]) == 0 && CfSetOSpeedLinux(termios, LinuxSpeeds[baud]) == 0;
        if (!speedOk) return Marshal.GetLastPInvokeError();
        SetLocalAndRead(termios);
        return TcSetAttr(fd, TCSANOW, termios) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// c_cflag is the third field of struct termios: after two 32-bit words on Linux (glibc and
    /// musl), after two 64-bit words on macOS. CREAD and CLOCAL differ in value between the two.
    /// </summary>
    static void SetLocalAndRead(byte[] termios)
    {
        if (OperatingSystem.IsMacOS())
        {
            const ulong CREAD = 0x800, CLOCAL = 0x8000;
            ulong cflag = BitConverter.ToUInt64(termios, 16) | CREAD | CLOCAL;
            BitConverter.TryWriteBytes(termios.AsSpan(16), cflag);
        }
        else
        {
            const uint CREAD = 0x80, CLOCAL = 0x800;
            uint cflag = BitConverter.ToUInt32(termios, 8) | CREAD | CLOCAL;
            BitConverter.TryWriteBytes(termios.AsSpan(8), cflag);
        }
    }

    /// <summary>The system's text for an errno ("No such file or directory").</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
