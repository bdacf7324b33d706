using System.Text;
using NanoTcp.Device;
using NanoTcp.Tests.Engine;
using Nanotcp.Monitor;

namespace NanoTcp.Tests.Device;

/// <summary>The STATUS reply's per-connection columns (Recv-Q, Send-Q, RTO_ms, Cwnd, Timer), without sockets.</summary>
public class StatusReportTests
{
    sealed class NoLink : IDatagramLink
    {
        public int Receive(byte[] buffer, int timeoutMs, out int endpoint) { endpoint = -1; return -1; }
        public void Send(int endpoint, byte[] data, int offset, int length) { }
    }

    static string Report(Harness h)
    {
        var text = new TextBuffer(StatusReport.MaxLength);
        StatusReport.Write(text, new TcpInfo(), h.Engine, new LinkRouter(new NoLink(), 4), h.Now);
        return Encoding.ASCII.GetString(text.Bytes, 0, text.Length);
    }

    [Fact]
    public void A_connection_shows_its_queues_rto_cwnd_and_next_timer()
    {
        var h = new Harness(c => { c.RtoInitialMs = 1000; c.RtoMinMs = 1000; });
        int l = h.Engine.Listen(0, 7, 4);
        h.Inject(TcpFlags.Syn, 1000, 0, 40002, 7, mss: 1000);
        uint iss = h.TakeOnly().Seq;
        h.Inject(TcpFlags.Ack | TcpFlags.Psh, 1001, iss + 1, 40002, 7, payload: 12);
        int c = h.Engine.Accept(0, l);
        Assert.Equal(700, h.Engine.Send(0, c, new byte[700], 0, 700));
        h.Now = 212;

        DeviceStatus status = DeviceStatus.Parse(Report(h), out string? error)!;
        Assert.Null(error);
        StatusRow row = Assert.Single(status.Slots, s => s.State == "ESTABLISHED");
        Assert.Equal(12, row.Number("Recv-Q"));
        Assert.Equal(700, row.Number("Send-Q"));
        Assert.Equal(1000, row.Number("RTO_ms"));
        Assert.True(row.Number("Cwnd") >= 4000);
        Assert.Equal("rto", row.TimerName);
        Assert.Equal(788, row.Timer);
        StatusRow listener = Assert.Single(status.Slots, s => s.State == "LISTEN");
        Assert.Null(listener.Number("RTO_ms"));
        Assert.Null(listener.TimerName);
        Assert.Null(listener.Timer);
    }

    [Fact]
    public void Every_slot_of_a_full_default_table_fits_one_datagram_with_the_counters()
    {
        // Five listeners and three connections, as on the device, with the longest values each column can hold.
        var h = new Harness(c => c.RtoMaxMs = 60000);
        foreach (int port in new[] { 7, 9, 13, 19, 2019 }) h.Engine.Listen(0, port, 4);
        int[] ports = [7, 13, 2019]; // one half-open connection per listener: the SYN backlog allows one each
        for (int i = 0; i < 3; i++) h.Inject(TcpFlags.Syn, 1000, 0, 60000 + i, ports[i], mss: 1000);
        h.Now = 100_000_000_000;
        string report = Report(h);
        Assert.True(!report.Contains("more slots"), report);
        DeviceStatus status = DeviceStatus.Parse(report, out string? error)!;
        Assert.Null(error);
        Assert.Equal(8, status.Slots.Count);
        Assert.Equal(3, status.Slots.Count(s => s.State == "SYN_RECEIVED"));
        Assert.NotNull(status.Counter("drop.not-for-us"));
        Assert.True(report.Length <= 1472);
    }

    [Fact]
    public void A_table_too_big_for_one_datagram_says_how_many_slots_it_left_out_and_keeps_every_counter()
    {
        var h = new Harness(c => { c.Capacity = 40; c.SynBacklog = 40; });
        h.Engine.Listen(0, 7, 40);
        for (int i = 0; i < 39; i++) h.Inject(TcpFlags.Syn, 1000, 0, 60000 + i, 7, mss: 1000);
        string report = Report(h);
        Assert.True(report.Length <= StatusReport.MaxLength);
        DeviceStatus status = DeviceStatus.Parse(report, out string? error)!;
        Assert.Null(error);
        Assert.Equal(40, status.Slots.Count + status.MoreSlots);
        Assert.True(status.MoreSlots > 0);
        string drops = report.TrimEnd('\n').Split('\n')[^1];
        Assert.StartsWith("drop.short=0 ", drops);
        Assert.Equal(DropReason.Count - 1, drops.Split(' ').Length); // every reason, none cut off
    }
}
