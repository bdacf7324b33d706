using Nanotcp.Ladder;
using Nanotcp.Net;

namespace Nanotcp.Scenarios;

/// <summary>Everything one run of a scenario saw and concluded: the ladder, the JSON and the pcap are drawn from it.</summary>
public sealed class ScenarioResult
{
    public required Scenario Scenario { get; init; }
    /// <summary>Passed: every check held, and nothing the scenario waited for failed to happen.</summary>
    public required bool Passed { get; init; }
    /// <summary>Why it failed, or a one-line summary when it passed.</summary>
    public required string Reason { get; init; }
    /// <summary>
    /// Not run, because the device as configured cannot show it: why, and the setting that would
    /// enable it. A skipped scenario has not passed, but it does not fail a run either.
    /// </summary>
    public string? Skipped { get; init; }
    /// <summary>Passed, or skipped: nothing went wrong.</summary>
    public bool Ok => Passed || Skipped != null;
    public required IReadOnlyList<Check> Checks { get; init; }
    /// <summary>The link's packets as the PC saw them (lost ones included), on the PC's clock.</summary>
    public required IReadOnlyList<LinkPacket> Packets { get; init; }
    /// <summary>Packets seen after the record was full (<see cref="PeerStack.RecordLimit"/>): neither drawn nor in the JSON.</summary>
    public long PacketsNotRecorded { get; init; }
    public required IReadOnlyList<TracedSegment> Segments { get; init; }
    /// <summary>The PC engine's state log, times on the same clock as the packets.</summary>
    public required IReadOnlyList<StateEvent> PcLog { get; init; }
    /// <summary>The device's log (serial lines or STATUS samples), stamped with the PC's clock on arrival.</summary>
    public required IReadOnlyList<StateEvent> DeviceLog { get; init; }
    public required IReadOnlyList<Conn> Connections { get; init; }
    public Func<int, bool>? Background { get; init; }
    /// <summary>"serial log" or "STATUS polling".</summary>
    public required string DeviceSource { get; init; }
    public required double DurationMs { get; init; }
}
