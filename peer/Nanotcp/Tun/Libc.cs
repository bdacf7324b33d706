using System.Runtime.InteropServices;

namespace Nanotcp.Tun;

/// <summary>The few Linux system calls a TUN interface needs. Numbers are those of x86-64 and arm64.</summary>
static class Libc
{
    public const int O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const int AF_INET = 2, SOCK_DGRAM = 2;
    public const short POLLIN = 1;
    public const int EPERM = 1, EINTR = 4, EAGAIN = 11, EACCES = 13, EBUSY = 16, EINVAL = 22;

    /// <summary>Interface requests (linux/sockios.h) and the TUN one (linux/if_tun.h: _IOW('T', 202, int)).</summary>
    public const uint SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCSIFADDR = 0x8916, SIOCSIFDSTADDR = 0x8918,
        SIOCSIFNETMASK = 0x891c, SIOCSIFMTU = 0x8922, SIOCSIFTXQLEN = 0x8943, TUNSETIFF = 0x400454ca;

    public const short IFF_UP = 0x1, IFF_RUNNING = 0x40, IFF_TUN = 0x0001, IFF_NO_PI = 0x1000;

    /// <summary>sizeof(struct ifreq) on 64-bit Linux: a 16-byte name and a 24-byte union.</summary>
    public const int IfReqSize = 40, IfNameSize = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)] public static extern int open(string path, int flags);
    [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
    [DllImport("libc", SetLastError = true)] public static extern int ioctl(int fd, nuint request, byte[] arg);
    [DllImport("libc", SetLastError = true)] public static extern nint read(int fd, byte[] buffer, nint count);
    [DllImport("libc", SetLastError = true)] public static extern nint write(int fd, ref byte buffer, nint count);
    [DllImport("libc", SetLastError = true)] public static extern int poll([In, Out] PollFd[] fds, nuint count, int timeoutMs);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string Message(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
