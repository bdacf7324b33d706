using System.Text.Json;
using System.Text.Json.Serialization;
using Nanotcp.Ladder;
using Nanotcp.Monitor;
using Nanotcp.Net;

namespace Nanotcp.Scenarios;

/// <summary>The ways a run of scenarios is reported besides the ladders: JSON for scripts, a pcap for Wireshark, the summary line.</summary>
public static class ScenarioReport
{
    public sealed record PacketJson(double TimeMs, string Dir, int PcPort, int DevicePort, string Flags, uint Seq, uint? Ack, int Len,
        bool Lost, bool Retransmission, long? RtoMs, bool KeepAlive);

    public sealed record TransitionJson(double TimeMs, long? DeviceTimeMs, int PcPort, int DevicePort, string From, string To, string Cause);

    public sealed record CheckJson(bool Passed, string Text, string? Detail);

    public sealed record ScenarioJson(string Name, string Description, bool Passed, string? Skipped, string Reason, double DurationMs, string DeviceSource,
        IReadOnlyList<CheckJson> Checks, IReadOnlyList<PacketJson> Packets, IReadOnlyList<TransitionJson> Device, IReadOnlyList<TransitionJson> Pc);

    static JsonSerializerOptions Options => Commands.JsonStyle.Serializer;

    /// <summary>
    /// One object per scenario. Times are ms since the scenario's first event (the PC's first
    /// transition, just before its first segment), so none is negative; sequence numbers relative.
    /// </summary>
    public static ScenarioJson ToJson(ScenarioResult r)
    {
        double t0 = r.Segments.Select(s => s.TimeMs)
            .Concat(r.PcLog.Where(l => l.IsTransition).Select(l => l.TimeMs))
            .Concat(r.DeviceLog.Where(e => e.IsTransition).Select(e => e.TimeMs))
            .DefaultIfEmpty(0).Min();
        double Ms(double t) => Math.Max(0, Math.Round(t - t0, 3));
        return new ScenarioJson(
            r.Scenario.Name, r.Scenario.Description, r.Passed, r.Skipped, r.Reason, Math.Round(r.DurationMs, 1), r.DeviceSource,
            r.Checks.Select(c => new CheckJson(c.Passed, c.Text, c.Detail)).ToList(),
            r.Segments.Select(s => new PacketJson(Ms(s.TimeMs), s.FromPc ? "pc->device" : "device->pc", s.PcPort, s.DevicePort,
                SegmentLabel.Flags(s.Flags), s.Seq, s.Ack, s.Len, s.Lost, s.Retransmission, s.RtoMs, s.KeepAlive)).ToList(),
            r.DeviceLog.Where(e => e.IsTransition).Select(e => new TransitionJson(Ms(e.TimeMs), e.OwnTimeMs,
                e.PeerPort, e.LocalPort, e.From!, e.To!, e.Cause)).ToList(),
            r.PcLog.Where(l => l.IsTransition).Select(l => new TransitionJson(Ms(l.TimeMs), null,
                l.LocalPort, l.PeerPort, l.From!, l.To!, l.Cause)).ToList());
    }

    public static void WriteJson(TextWriter output, IEnumerable<ScenarioResult> results) =>
        output.WriteLine(JsonSerializer.Serialize(results.Select(ToJson).ToList(), Options));

    public sealed record ListedJson(string Name, string Description, string BoardOptions);

    /// <summary>The scenario library as JSON: name, description and the board options each is designed for.</summary>
    public static void WriteList(TextWriter output, IEnumerable<Scenario> scenarios) =>
        output.WriteLine(JsonSerializer.Serialize(scenarios.Select(s => new ListedJson(s.Name, s.Description, s.BoardOptions)).ToList(), Options));

    /// <summary>Every packet that was on the wire at the PC (all but what it withheld), scenario after scenario.</summary>
    public static void WritePcap(string path, IEnumerable<ScenarioResult> results)
    {
        using PcapWriter pcap = PcapWriter.Create(path);
        foreach (ScenarioResult r in results)
            foreach (LinkPacket p in r.Packets.Where(p => p.OnTheWire))
                pcap.Write(p.Wall, p.Bytes, 0, p.Bytes.Length);
    }

    /// <summary>"18 passed, 1 failed" (", 1 skipped" when some were) plus the names of the failed and skipped ones.</summary>
    public static void WriteSummary(TextWriter output, IReadOnlyList<ScenarioResult> results, Painter paint)
    {
        int failed = results.Count(r => !r.Ok);
        int skipped = results.Count(r => r.Skipped != null);
        foreach (ScenarioResult r in results.Where(r => r.Skipped != null))
            output.WriteLine(paint.Paint($"– {r.Scenario.Name}: skipped: {r.Skipped}", Ink.Dim));
        foreach (ScenarioResult r in results.Where(r => !r.Ok))
            output.WriteLine(paint.Paint($"✘ {r.Scenario.Name}: {r.Reason}", Ink.Fail));
        string counts = $"{results.Count - failed - skipped} passed, {failed} failed" + (skipped > 0 ? $", {skipped} skipped" : "");
        output.WriteLine(paint.Paint(counts, failed == 0 ? Ink.Pass : Ink.Fail));
    }
}
