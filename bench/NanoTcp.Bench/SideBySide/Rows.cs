using System.Globalization;
using NanoTcp.Device;

namespace NanoTcp.Bench.SideBySide;

/// <summary>The table's rows, each with the workloads it measures; owns the boards and sockets they use.</summary>
public sealed class Rows : IDisposable
{
    /// <summary>lwIP's struct tcp_pcb on a 32-bit MCU (lwIP 2.1, default options), the usual yardstick for a small stack.</summary>
    const double LwipTcpPcbBytes = 186;

    readonly RunSettings _s;
    readonly BoardLink _defaults, _large, _lifecycles;
    readonly KernelEcho _kernelEcho = new();
    readonly KernelSink _kernelSink = new();
    readonly TableCost _table;
    DeviceHeap.Result _device;

    public Rows(RunSettings s)
    {
        _s = s;
        _lifecycles = new BoardLink(_ => { }, pc => { pc.Capacity = 2048; pc.RcvBuf = 4096; pc.SndBuf = 4096; pc.MslMs = 25; });
        _defaults = new BoardLink(_ => { }, _ => { });
        // The board's receive buffer above 64 KB: window scaling (shift 3) advertises all 256 KB.
        _large = new BoardLink(d => { d.Tcp.RcvBuf = 262144; d.Tcp.SndBuf = 65535; d.Tcp.Mss = 1400; }, pc => { pc.SndBuf = 262144; });
        _table = new TableCost(s.Slots);
        All =
        [
            new Row
            {
                What = "lifecycles/s, peer ↔ virtual board over UDP (connect, 64 B each way, four-way close)",
                Anchor = "kernel TCP loopback",
                Measure = () => _lifecycles.Lifecycles(s.Ms),
                MeasureAnchor = () => _kernelEcho.Lifecycles(s.Ms),
                Format = Thousands,
                Unit = "",
                Goal = "≥ 1.0",
                Met = (v, a) => v / a >= 1.0,
            },
            new Row
            {
                What = "bulk, peer → board discard over UDP, device defaults",
                Anchor = $"raw UDP, {_defaults.DatagramSize} B datagrams",
                Measure = () => _defaults.BulkToDiscard(s.Ms),
                MeasureAnchor = () => RawUdp.Gbps(_defaults.DatagramSize, s.Ms),
                Format = Gbps,
                Unit = " Gbit/s",
                Goal = "≥ 0.5",
                Met = (v, a) => v / a >= 0.5,
            },
            new Row
            {
                What = "bulk over UDP, large buffers on both ends (board 256 KB receive buffer, MSS 1400)",
                Anchor = $"raw UDP, {_large.DatagramSize} B datagrams",
                Measure = () => _large.BulkToDiscard(s.Ms),
                MeasureAnchor = () => RawUdp.Gbps(_large.DatagramSize, s.Ms),
                Format = Gbps,
                Unit = " Gbit/s",
                Goal = "≥ 0.7",
                Met = (v, a) => v / a >= 0.7,
            },
            new Row
            {
                What = $"bulk, two engines in memory, largest buffers ({MemoryPair.Describe})",
                Anchor = "kernel TCP loopback",
                Measure = () => MemoryPair.Gbps(s.Ms),
                MeasureAnchor = () => _kernelSink.Gbps(s.Ms),
                Format = Gbps,
                Unit = " Gbit/s",
                Goal = "≥ 1.0",
                Met = (v, a) => v / a >= 1.0,
            },
            new Row
            {
                What = $"data segment (100 B in, read) for the connection in the last of {s.Slots:N0} slots",
                Anchor = "same, first connection slot",
                Measure = () => _table.SegmentNs(last: true),
                MeasureAnchor = () => _table.SegmentNs(last: false),
                Format = Thousands,
                Unit = " ns",
                Ratio = (v, a) => $"{v / a:0.00}×",
                Goal = "≤ 2×",
                Met = (v, a) => v / a <= 2,
            },
            new Row
            {
                What = $"filling a {s.Slots:N0}-slot table (handshake + accept), opens/s",
                Anchor = "8 slots",
                Measure = () => _table.FillOpensPerSecond(),
                NoWarmUp = true, // the data-segment row's warm-up has filled one table already
                MeasureAnchor = () => TableCost.SmallTableOpensPerSecond(s.Ms),
                Format = Thousands,
                Unit = "",
                Goal = "O(N): ≥ 0.5",
                Met = (v, a) => v / a >= 0.5,
            },
            new Row
            {
                What = "managed heap per slot, buffer bytes excluded (GC.GetTotalMemory)",
                Anchor = "lwIP's tcp_pcb",
                Measure = HeapPerSlot.Bytes,
                FixedAnchor = LwipTcpPcbBytes,
                Format = v => $"{v:0}",
                Unit = " B",
                Ratio = (v, a) => $"{v / a:0.00}×",
                Goal = "≤ 256 B",
                Met = (v, a) => v <= 256,
            },
            new Row
            {
                What = "device default heap (DeviceApp, started)",
                Anchor = "—",
                Measure = () => (_device = DeviceHeap.Measure()).Bytes,
                Format = v => $"{v / 1024:0.0}",
                Unit = " KB",
                Note = () => $"for {_device.Connections} connections + {ServiceHost.ServiceCount} listeners",
                Goal = "8 connections + 5 listeners ≤ 40 KB",
                Met = (v, a) => v <= 40 * 1024 && _device.Connections >= 8,
            },
        ];
    }

    public IReadOnlyList<Row> All { get; }

    static string Thousands(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
    static string Gbps(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _lifecycles.Dispose();
        _defaults.Dispose();
        _large.Dispose();
        _kernelEcho.Dispose();
        _kernelSink.Dispose();
    }
}
