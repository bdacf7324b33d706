using System.Runtime.InteropServices;

namespace Nanotcp.Serial;

/// <summary>
/// The one libc call the serial reader still makes on Linux and macOS: System.IO.Ports reports
/// every failure to open a port as "access denied", so the reader opens the device once more,
/// non-blocking and without taking it as a controlling terminal, only to learn the real reason.
/// </summary>
static class Posix
{
    const int O_RDONLY = 0;
    static int O_NOCTTY => OperatingSystem.IsMacOS() ? 0x20000 : 0x100;
    static int O_NONBLOCK => OperatingSystem.IsMacOS() ? 0x4 : 0x800;
    public const int ENOENT = 2, ENXIO = 6, EACCES = 13, EBUSY = 16;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", EntryPoint = "close", SetLastError = true)] static extern int Close(int fd);

    /// <summary>0 when the path opens, else the errno.</summary>
    public static int ProbeOpen(string path)
    {
        int fd = Open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) return Marshal.GetLastPInvokeError();
        Close(fd);
        return 0;
    }

    /// <summary>The system's text for an errno ("No such file or directory").</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
