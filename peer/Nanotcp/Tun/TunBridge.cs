using System.Net.Sockets;
using Nanotcp.Net;

namespace Nanotcp.Tun;

/// <summary>
/// Joins a TUN interface to a device's link (docs/design.md §4): each IPv4/TCP packet the kernel sends
/// through the interface becomes one UDP datagram to the device, and each IPv4/TCP datagram
/// from the device is written to the interface. Anything else is counted and dropped. The bytes
/// are not changed: the kernel and the device compute and check their own checksums.
///
/// One thread per direction, each blocking on its own input with a short timeout so that a stop
/// request is seen quickly. Each thread owns its direction's counters.
/// </summary>
public sealed class TunBridge
{
    /// <summary>How long one wait may last before the stop flag is checked again.</summary>
    const int WaitMs = 200;

    readonly TunInterface _tun;
    readonly DeviceLink _link;
    readonly PcapWriter? _pcap;

    public TunBridge(TunInterface tun, DeviceLink link, PcapWriter? pcap)
    {
        _tun = tun;
        _link = link;
        _pcap = pcap;
    }

    /// <summary>Kernel → device.</summary>
    public DirectionCounters ToDevice { get; } = new();

    /// <summary>Device → kernel.</summary>
    public DirectionCounters FromDevice { get; } = new();

    /// <summary>Loss, duplication, reordering, corruption and delay put on both directions on purpose (set before <see cref="Run"/>).</summary>
    public ImpairmentSettings Link { get; init; } = ImpairmentSettings.None;

    /// <summary>What the impairment did, kernel → device and device → kernel; null while the link is not impaired.</summary>
    public ImpairmentCounts? ToDeviceImpairment { get; private set; }
    public ImpairmentCounts? FromDeviceImpairment { get; private set; }

    readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Called at most once per direction with the first send or write error, which is then only counted.</summary>
    public Action<string>? OnFirstError { get; set; }

    /// <summary>Forwards in both directions until stop is cancelled; rethrows what stopped a direction early.</summary>
    public void Run(CancellationToken stop)
    {
        Exception? failure = null;
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(stop);
        void Guard(Action<CancellationToken> direction)
        {
            try { direction(failed.Token); }
            catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); failed.Cancel(); }
        }
        var fromDevice = new Thread(() => Guard(DeviceToKernel)) { Name = "device->tun", IsBackground = true };
        fromDevice.Start();
        Guard(KernelToDevice);
        fromDevice.Join();
        if (failure != null && !stop.IsCancellationRequested) throw failure;
    }

    /// <summary>How long a direction may wait for input: less when an impaired packet falls due sooner.</summary>
    int Wait(ImpairedPath? path) =>
        path == null || path.NextDue == long.MaxValue ? WaitMs : (int)Math.Clamp(path.NextDue - _clock.ElapsedMilliseconds, 0, WaitMs);

    void KernelToDevice(CancellationToken stop)
    {
        byte[] buffer = new byte[65536];
        ImpairedPath? path = Link.Active ? new ImpairedPath(Link, 1) : null;
        ToDeviceImpairment = path?.Counts;
        while (!stop.IsCancellationRequested)
        {
            while (path != null && path.TryTake(_clock.ElapsedMilliseconds, out var due)) SendToDevice(due.Bytes, due.Bytes.Length);
            // Read until the queue is empty and only then wait: under a flood a wait per packet
            // would halve what the bridge takes, and the kernel drops what it does not take.
            int n = _tun.TryRead(buffer);
            if (n < 0)
            {
                _tun.WaitReadable(Wait(path));
                continue;
            }
            if (!ToDevice.Accept(buffer, n)) continue;
            Capture(buffer, n);
            if (path != null) path.Send(_clock.ElapsedMilliseconds, buffer, 0, n);
            else SendToDevice(buffer, n);
        }
    }

    void SendToDevice(byte[] packet, int n)
    {
        try
        {
            _link.Send(packet, 0, n);
        }
        catch (SocketException e)
        {
            // UDP: a datagram that cannot leave is lost, and TCP above retransmits.
            if (ToDevice.CountFailure() == 1) OnFirstError?.Invoke($"sending to the device at udp {_link.Device}: {e.Message}");
        }
    }

    /// <summary>
    /// Records a packet as it arrives, before passing it on: the kernel may answer within the
    /// write to the TUN, and the answer must not enter the capture before what caused it.
    /// </summary>
    void Capture(byte[] packet, int length) => _pcap?.Write(DateTimeOffset.UtcNow, packet, 0, length);

    void DeviceToKernel(CancellationToken stop)
    {
        byte[] buffer = new byte[65536];
        ImpairedPath? path = Link.Active ? new ImpairedPath(Link, 2) : null;
        FromDeviceImpairment = path?.Counts;
        while (!stop.IsCancellationRequested)
        {
            while (path != null && path.TryTake(_clock.ElapsedMilliseconds, out var due)) WriteToKernel(due.Bytes, due.Bytes.Length);
            int n = _link.Receive(buffer, Wait(path));
            if (n == 0 || !FromDevice.Accept(buffer, n)) continue;
            Capture(buffer, n);
            if (path != null) path.Send(_clock.ElapsedMilliseconds, buffer, 0, n);
            else WriteToKernel(buffer, n);
        }
    }

    void WriteToKernel(byte[] packet, int n)
    {
        try
        {
            _tun.Write(packet, 0, n);
        }
        catch (IOException e)
        {
            if (FromDevice.CountFailure() == 1) OnFirstError?.Invoke(e.Message);
        }
    }
}

/// <summary>What one direction of the bridge did with the packets it got.</summary>
public sealed class DirectionCounters
{
    long _forwarded, _notIpv4, _notTcp, _malformed, _failed;

    public long Forwarded => Interlocked.Read(ref _forwarded);
    /// <summary>Not an IPv4 packet: IPv6, or the text of a status reply.</summary>
    public long NotIpv4 => Interlocked.Read(ref _notIpv4);
    /// <summary>IPv4 but not TCP: ICMP, UDP, IGMP.</summary>
    public long NotTcp => Interlocked.Read(ref _notTcp);
    /// <summary>Shorter than its headers or than its IPv4 total length says.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);
    /// <summary>Could not be sent on (a send or write error).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Dropped => NotIpv4 + NotTcp + Malformed + Failed;

    /// <summary>Counts the packet and says whether it is an IPv4/TCP packet to pass on.</summary>
    public bool Accept(byte[] p, int n)
    {
        if (n < 1 || p[0] >> 4 != 4) { Interlocked.Increment(ref _notIpv4); return false; }
        int ihl = (p[0] & 0x0f) * 4;
        if (n < 20 || ihl < 20 || n < ihl || n < (p[2] << 8 | p[3])) { Interlocked.Increment(ref _malformed); return false; }
        // The protocol before the TCP header's length: an ICMP echo (28 bytes) is short for TCP, but it is not TCP.
        if (p[9] != 6) { Interlocked.Increment(ref _notTcp); return false; }
        if (n < ihl + 20) { Interlocked.Increment(ref _malformed); return false; }
        Interlocked.Increment(ref _forwarded);
        return true;
    }

    /// <summary>Moves an accepted packet to the failed count; returns how many have failed so far.</summary>
    internal long CountFailure()
    {
        Interlocked.Decrement(ref _forwarded);
        return Interlocked.Increment(ref _failed);
    }

    /// <summary>"12 packets" or "12 packets, 3 dropped (3 not IPv4)".</summary>
    public override string ToString()
    {
        string text = $"{Forwarded} packet{(Forwarded == 1 ? "" : "s")}";
        if (Dropped == 0) return text;
        var why = new List<string>();
        if (NotIpv4 > 0) why.Add($"{NotIpv4} not IPv4");
        if (NotTcp > 0) why.Add($"{NotTcp} not TCP");
        if (Malformed > 0) why.Add($"{Malformed} malformed");
        if (Failed > 0) why.Add($"{Failed} failed to send");
        return $"{text}, {Dropped} dropped ({string.Join(", ", why)})";
    }
}
