using System.Diagnostics;
using System.Net;
using Nanotcp.Net;
using NanoTcp.Board;
using NanoTcp.Device;

namespace NanoTcp.Tests.Glue;

/// <summary>
/// The glue allocates nothing per segment after start-up: the device loop (DeviceApp on the
/// virtual board's UDP link) and the desktop peer's link path (PeerStack on a DeviceLink), over
/// real UDP on loopback. Both run on this thread, turn by turn, so that
/// GC.GetAllocatedBytesForCurrentThread can charge each call to its side.
/// </summary>
public class GlueAllocationTests
{
    sealed class NoSerial : ILogSink
    {
        public int Lines;
        public void WriteLine(char[] line, int length) => Lines++;
    }

    sealed class Clock : IClock
    {
        readonly Stopwatch _since = Stopwatch.StartNew();
        public long NowMs() => _since.ElapsedMilliseconds;
    }

    long _device, _peer;

    void DeviceStep(DeviceApp app)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        app.Step(0);
        _device += GC.GetAllocatedBytesForCurrentThread() - before;
    }

    void PeerPump(PeerStack pc)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        pc.Pump(0);
        _peer += GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Turns both sides until the condition holds (a few seconds at most).</summary>
    void Until(DeviceApp app, PeerStack pc, Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.ElapsedMilliseconds < 10000, "timed out waiting for " + what);
            DeviceStep(app);
            PeerPump(pc);
        }
    }

    [Fact]
    public void Device_loop_and_peer_link_path_allocate_nothing_per_segment()
    {
        using var link = new UdpLink(new IPEndPoint(IPAddress.Loopback, 0));
        var settings = new DeviceSettings();
        var app = new DeviceApp(settings, link, new NoSerial(), new Clock());
        app.Start();
        using var deviceLink = new DeviceLink(link.LocalEndPoint);
        var pc = new PeerStack(deviceLink);

        int h = pc.Engine.Connect(pc.Now, 0, PeerStack.DeviceAddress, 7);
        Until(app, pc, () => (pc.Engine.Poll(h) & TcpEvents.Connected) != 0, "the handshake");

        var data = new byte[100];
        var buf = new byte[4096];
        int Echoes(int count)
        {
            int segments = 0;
            for (int i = 0; i < count; i++)
            {
                Assert.Equal(data.Length, pc.Engine.Send(pc.Now, h, data, 0, data.Length));
                int got = 0;
                Until(app, pc, () =>
                {
                    int n = pc.Engine.Receive(pc.Now, h, buf, 0, buf.Length);
                    if (n > 0) got += n;
                    return got == data.Length;
                }, "the echo");
                segments += 2;
            }
            return segments;
        }

        Echoes(200); // start-up: first calls, tiered compilation
        _device = _peer = 0;
        long segmentsIn = app.Engine.Counters.SegmentsIn;
        int segments = Echoes(2000);

        Assert.True(app.Engine.Counters.SegmentsIn - segmentsIn >= 2000, "the device received the data");
        Assert.Equal(0, _device);
        Assert.Equal(0, _peer);
        Assert.True(segments >= 4000);
    }
}
