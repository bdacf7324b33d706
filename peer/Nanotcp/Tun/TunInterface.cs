using System.Net;
using System.Text;

namespace Nanotcp.Tun;

/// <summary>A TUN setup step failed; the message is one line for the user.</summary>
public sealed class TunException(string message) : Exception(message);

/// <summary>
/// A Linux TUN interface: IPv4 packets the kernel routes to it are read here, and packets
/// written here enter the kernel as if they had arrived on a wire. Without IFF_NO_PI's
/// 4-byte header, each read or write is exactly one IP packet.
///
/// The interface is not persistent: it exists while this object's file descriptor is open,
/// so the kernel removes it, with its address and route, when the process ends for any
/// reason, a crash or SIGKILL included.
/// </summary>
public sealed class TunInterface : IDisposable
{
    const string CloneDevice = "/dev/net/tun";

    int _fd;

    TunInterface(int fd, string name) { _fd = fd; Name = name; }

    /// <summary>The interface's name as the kernel gave it (a name with %d gets its number).</summary>
    public string Name { get; }

    /// <summary>Creates the interface. Throws <see cref="TunException"/> with the reason when it cannot.</summary>
    public static TunInterface Create(string name)
    {
        if (!OperatingSystem.IsLinux()) throw new TunException("TUN interfaces need Linux");
        if (!File.Exists(CloneDevice))
            throw new TunException($"{CloneDevice} is missing: load the tun module (modprobe tun), or in a container pass --device /dev/net/tun");

        // Non-blocking: the bridge reads until the queue is empty and only then waits (TryRead).
        int fd = Libc.open(CloneDevice, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Libc.Errno;
            throw new TunException(errno is Libc.EACCES or Libc.EPERM
                ? $"cannot open {CloneDevice}: permission denied; {NeedsRoot}"
                : $"cannot open {CloneDevice}: {Libc.Message(errno)}");
        }

        byte[] ifr = IfReq(name);
        BitConverter.TryWriteBytes(ifr.AsSpan(Libc.IfNameSize), (short)(Libc.IFF_TUN | Libc.IFF_NO_PI));
        if (Libc.ioctl(fd, Libc.TUNSETIFF, ifr) < 0)
        {
            int errno = Libc.Errno;
            Libc.close(fd);
            throw new TunException(errno switch
            {
                Libc.EPERM or Libc.EACCES => $"creating interface {name}: permission denied; {NeedsRoot}",
                Libc.EBUSY => $"interface {name} is in use (another nanotcp tun?); choose another name with --name",
                Libc.EINVAL => $"interface {name} exists and is not a TUN interface; choose another name with --name",
                _ => $"creating interface {name}: {Libc.Message(errno)}",
            });
        }
        int end = Array.IndexOf(ifr, (byte)0, 0, Libc.IfNameSize);
        return new TunInterface(fd, Encoding.ASCII.GetString(ifr, 0, end < 0 ? Libc.IfNameSize : end));
    }

    const string NeedsRoot = "run as root (sudo) or with CAP_NET_ADMIN";

    /// <summary>
    /// Gives the interface its address and the peer's (a /32 point-to-point route to the peer
    /// through it, as `ip addr add LOCAL peer PEER dev NAME` does), sets the MTU and brings it up.
    /// These are the classic interface ioctls (what ifconfig uses): no tool needs to be installed.
    /// </summary>
    public void Configure(IPAddress local, IPAddress peer, int mtu)
    {
        int s = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM, 0);
        if (s < 0) throw new TunException($"configuring {Name}: socket: {Libc.Message(Libc.Errno)}");
        try
        {
            Request(s, Libc.SIOCSIFADDR, "set its address", WithAddress(local));
            Request(s, Libc.SIOCSIFDSTADDR, "set its peer address", WithAddress(peer));
            Request(s, Libc.SIOCSIFNETMASK, "set its netmask", WithAddress(IPAddress.Broadcast));

            byte[] ifr = IfReq(Name);
            BitConverter.TryWriteBytes(ifr.AsSpan(Libc.IfNameSize), mtu);
            Request(s, Libc.SIOCSIFMTU, $"set its MTU to {mtu}", ifr);
            ifr = IfReq(Name);
            BitConverter.TryWriteBytes(ifr.AsSpan(Libc.IfNameSize), QueueLength);
            Request(s, Libc.SIOCSIFTXQLEN, $"set its queue length to {QueueLength}", ifr);
            DisableIpv6();

            ifr = IfReq(Name);
            Request(s, Libc.SIOCGIFFLAGS, "read its flags", ifr);
            short flags = BitConverter.ToInt16(ifr, Libc.IfNameSize);
            BitConverter.TryWriteBytes(ifr.AsSpan(Libc.IfNameSize), (short)(flags | Libc.IFF_UP | Libc.IFF_RUNNING));
            Request(s, Libc.SIOCSIFFLAGS, "bring it up", ifr);
        }
        finally
        {
            Libc.close(s);
        }
    }

    /// <summary>
    /// The device speaks IPv4 only; without this the kernel would send IPv6 router and multicast
    /// listener solicitations through the link, only to have them dropped. Best effort.
    /// </summary>
    void DisableIpv6()
    {
        try { File.WriteAllText($"/proc/sys/net/ipv6/conf/{Name}/disable_ipv6", "1"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    byte[] WithAddress(IPAddress address)
    {
        // struct sockaddr_in in the union: family (host order), port 0, address (network order).
        byte[] ifr = IfReq(Name);
        BitConverter.TryWriteBytes(ifr.AsSpan(Libc.IfNameSize), (short)Libc.AF_INET);
        address.TryWriteBytes(ifr.AsSpan(Libc.IfNameSize + 4), out _);
        return ifr;
    }

    void Request(int socket, uint request, string what, byte[] ifr)
    {
        if (Libc.ioctl(socket, request, ifr) < 0)
            throw new TunException($"configuring {Name}: cannot {what}: {Libc.Message(Libc.Errno)}");
    }

    static byte[] IfReq(string name)
    {
        var ifr = new byte[Libc.IfReqSize];
        Encoding.ASCII.GetBytes(name, 0, name.Length, ifr, 0);
        return ifr;
    }

    readonly Libc.PollFd[] _pollFds = new Libc.PollFd[1]; // reused: a wait allocates nothing

    /// <summary>Waits up to timeoutMs for a packet; returns true when one can be read. One thread at a time.</summary>
    public bool WaitReadable(int timeoutMs)
    {
        _pollFds[0] = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        int n = Libc.poll(_pollFds, 1, timeoutMs);
        if (n < 0 && Libc.Errno != Libc.EINTR) throw new IOException($"{Name}: poll: {Libc.Message(Libc.Errno)}");
        return n > 0;
    }

    /// <summary>
    /// Packets the kernel may queue for the bridge (the interface's txqueuelen; Linux's default is
    /// 500). A flood arrives faster than a scheduler slice: while the bridge's thread waits for a
    /// core, 500 packets are a few milliseconds of it, and every packet past them is lost, the real
    /// clients' with the flood's. 8192 holds such a burst, at the cost of queueing delay only when
    /// the bridge is behind.
    /// </summary>
    public const int QueueLength = 8192;

    /// <summary>Reads one packet; returns its length, or -1 when none is waiting.</summary>
    public int TryRead(byte[] buffer)
    {
        nint n = Libc.read(_fd, buffer, buffer.Length);
        if (n >= 0) return (int)n;
        int errno = Libc.Errno;
        if (errno == Libc.EAGAIN || errno == Libc.EINTR) return -1;
        throw new IOException($"{Name}: read: {Libc.Message(errno)}");
    }

    /// <summary>Hands one packet to the kernel. The kernel drops what it cannot parse, as a wire would.</summary>
    public void Write(byte[] packet, int offset, int length)
    {
        nint n = Libc.write(_fd, ref packet[offset], length);
        // A write to a TUN never waits; EAGAIN would be a full receive queue, a packet lost as on a wire.
        if (n < 0) throw new IOException($"{Name}: write: {Libc.Message(Libc.Errno)}");
    }

    /// <summary>Closing the descriptor deletes the interface.</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Libc.close(fd);
    }
}
