using NanoTcp;
using NanoTcp.Device;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Managed memory, measured: what one connection slot costs beyond its buffers, what a listener
/// costs, and what the device application allocates at start-up with its defaults. Bytes are
/// those the .NET runtime allocates (64-bit: 8-byte references and 16-byte object headers);
/// boards/esp32/README.md puts them beside the device's heap.
/// </summary>
public class HeapTests
{
    sealed class Nothing : ITcpLink, ILogSink, IDatagramLink, IClock
    {
        public void Transmit(byte[] packet, int offset, int length) { }
        public void WriteLine(char[] line, int length) { }
        public int Receive(byte[] buffer, int timeoutMs, out int endpoint) { endpoint = -1; return -1; }
        public void Send(int endpoint, byte[] data, int offset, int length) { }
        public long NowMs() => 0;
    }

    /// <summary>Bytes allocated on this thread by an action (run twice: the first run pays for JIT and statics).</summary>
    public static long Allocated(Action a)
    {
        a();
        long before = GC.GetAllocatedBytesForCurrentThread();
        a();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    static long Engine(int capacity, int listeners, int rcv, int snd) =>
        Allocated(() => GC.KeepAlive(new TcpEngine(new TcpConfig { Capacity = capacity, Listeners = listeners, RcvBuf = rcv, SndBuf = snd }, new Nothing(), new Nothing())));

    /// <summary>Per connection slot, its two buffers' bytes left out: the table's own bookkeeping.</summary>
    public static double BytesPerConnection(int rcv = 2048, int snd = 2048)
    {
        const int n = 1000;
        return (Engine(2 * n, 0, rcv, snd) - Engine(n, 0, rcv, snd)) / (double)n - rcv - snd;
    }

    public static double BytesPerListener()
    {
        const int n = 1000;
        return (Engine(8, 2 * n, 2048, 2048) - Engine(8, n, 2048, 2048)) / (double)n;
    }

    /// <summary>What DeviceApp allocates from construction through Start (listeners open, banner written).</summary>
    public static long DeviceStartup(Action<DeviceSettings>? configure = null)
    {
        return Allocated(() =>
        {
            var settings = new DeviceSettings();
            configure?.Invoke(settings);
            var link = new Nothing();
            var app = new DeviceApp(settings, link, link, link);
            app.Start();
            GC.KeepAlive(app);
        });
    }

    /// <summary>The two buffer objects themselves (ring and array headers), beside their bytes.</summary>
    public static long BufferObjects() => Allocated(() => { GC.KeepAlive(new ByteRing(2048)); GC.KeepAlive(new ByteRing(1024)); }) - 2048 - 1024;

    [Fact]
    public void AConnectionSlotStaysWithinItsBudget()
    {
        // Everything a connection slot costs but its buffers' bytes: the slot, its timer-heap and
        // index entries, its place in the free list and the buffer pool, and the two ring objects.
        // Budget: 424 B before the per-connection options (keep-alive and its timings, the user
        // timeout, TCP_KEEPINIT, SO_RCVBUF/SO_SNDBUF, the challenge-ACK budget) added 48 B, and
        // the index and lists about 50 B that packing paid for; the buffer objects are 112 B of
        // it (BufferObjects). Measured 464 B on 64-bit .NET.
        double perSlot = BytesPerConnection();
        Assert.True(perSlot <= 472, $"{perSlot:F0} bytes per connection slot, its buffers' bytes excluded");
        Assert.True(perSlot - BufferObjects() <= 360, $"{perSlot - BufferObjects():F0} bytes per connection slot, its buffer objects excluded");
        Assert.True(perSlot > 100, $"{perSlot:F0} bytes: the measurement measures nothing");
    }

    [Fact]
    public void AListenerCostsNoBuffers()
    {
        double perListener = BytesPerListener();
        // A listener's slot carries the same options as a connection's (its children inherit them): 392 B measured.
        Assert.True(perListener <= 400, $"{perListener:F0} bytes per listener: it must not carry a connection's buffers");
    }

    [Fact]
    public void TheDeviceStartsIn40KilobytesWithEightConnectionsAndFiveListeners()
    {
        long bytes = DeviceStartup();
        var defaults = new DeviceSettings();
        Assert.Equal(8, defaults.Tcp.Capacity);
        Assert.Equal(5, defaults.Tcp.Listeners);
        Assert.True(bytes <= 40 * 1024, $"the device allocates {bytes} bytes at start-up");
        // Each connection's buffers are most of it; one more connection costs about its two buffers.
        long nine = DeviceStartup(s => s.Tcp.Capacity = 9);
        Assert.InRange(nine - bytes, 2048 + 1024, 2048 + 1024 + 600);
    }
}
