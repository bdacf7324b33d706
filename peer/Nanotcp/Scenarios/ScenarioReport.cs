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

    public sealed record ScenarioJson(string Name, string Description, bool Passed, string Reason, double DurationMs, string DeviceSource,
        IReadOnlyList<CheckJson> Checks, IReadOnlyList<PacketJson> Packets, IReadOnlyList<TransitionJson> Device, IReadOnlyList<TransitionJson> Pc);

    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>One object per scenario. Times are ms since the scenario's first segment, as in its ladder; sequence numbers relative.</summary>
    public static ScenarioJson ToJson(ScenarioResult r)
    {
        double t0 = r.Segments.Count > 0 ? r.Segments[0].TimeMs : 0;
        double Ms(double t) => Math.Round(t - t0, 3);
        return new ScenarioJson(
            r.Scenario.Name, r.Scenario.Description, r.Passed, r.Reason, Math.Round(r.DurationMs, 1), r.DeviceSource,
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

    /// <summary>Every packet that was on the wire at the PC (all but what it withheld), scenario after scenario.</summary>
    public static void WritePcap(string path, IEnumerable<ScenarioResult> results)
    {
        using PcapWriter pcap = PcapWriter.Create(path);
        foreach (ScenarioResult r in results)
            foreach (LinkPacket p in r.Packets.Where(p => p.OnTheWire))
                pcap.Write(p.Wall, p.Bytes, 0, p.Bytes.Length);
    }

    /// <summary>"18 passed, 1 failed" plus the names of the failed ones.</summary>
    public static void WriteSummary(TextWriter output, IReadOnlyList<ScenarioResult> results, Painter paint)
    {
        int failed = results.Count(r => !r.Passed);
        foreach (ScenarioResult r in results.Where(r => !r.Passed))
            output.WriteLine(paint.Paint($"✘ {r.Scenario.Name}: {r.Reason}", Ink.Fail));
        output.WriteLine(paint.Paint($"{results.Count - failed} passed, {failed} failed", failed == 0 ? Ink.Pass : Ink.Fail));
    }
}
