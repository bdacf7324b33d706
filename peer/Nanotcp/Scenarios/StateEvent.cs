using Nanotcp.Monitor;

namespace Nanotcp.Scenarios;

/// <summary>
/// A transition or event of one side's connection, on the PC's clock, in the terms the
/// scenarios and the ladder use: ports instead of address strings, the cause's kind. Made from a
/// parsed state-log line (<see cref="LogLine"/>: the device's serial log or the PC engine's log),
/// or from a change STATUS polling saw.
/// </summary>
public sealed class StateEvent
{
    public const string Transition = "TRANSITION";

    /// <summary>The PC's clock (the ladder's time axis): when the PC logged it, or saw the device's line.</summary>
    public double TimeMs { get; private init; }
    /// <summary>The logging side's own clock (the device's: ms since boot).</summary>
    public long OwnTimeMs { get; private init; }
    public int LocalPort { get; private init; }
    /// <summary>The other side's port; 0 for a listener or a line without one.</summary>
    public int PeerPort { get; private init; }
    /// <summary><see cref="Transition"/>, or the event's name: RTX, TIMEOUT, RECYCLE, TABLE-FULL, KEEPALIVE...</summary>
    public string Event { get; private init; } = "";
    public string? From { get; private init; }
    public string? To { get; private init; }
    /// <summary>What drove a transition: rx, app, timer or recycled (status for a sampled one); empty for events.</summary>
    public string CauseKind { get; private init; } = "";
    /// <summary>The cause as logged ("rx=[F.] seq=1 ack=28 len=0", "timer=2msl"), or the event's arguments.</summary>
    public string Cause { get; private init; } = "";
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; private init; } = [];

    public bool IsTransition => Event == Transition;

    public string? this[string key] => Fields.FirstOrDefault(f => f.Key == key).Value;

    public long? Number(string key) => long.TryParse(this[key], out long v) ? v : null;

    /// <summary>Null for lines that are about no connection event (banner, unparsed).</summary>
    public static StateEvent? FromLine(LogLine line, double timeMs)
    {
        if (line.Kind is not (LogLineKind.Transition or LogLineKind.Event or LogLineKind.FreeEvent)) return null;
        bool transition = line.Kind == LogLineKind.Transition;
        return new StateEvent
        {
            TimeMs = timeMs,
            OwnTimeMs = line.TimeMs,
            LocalPort = Port(line.Local),
            PeerPort = Port(line.Peer),
            Event = transition ? Transition : line.Event ?? "",
            From = line.From,
            To = line.To,
            CauseKind = transition && line.Fields.Count > 0 ? line.Fields[0].Key : "",
            Cause = line.Detail,
            Fields = line.Fields,
        };
    }

    /// <summary>A change of state STATUS polling saw between two replies.</summary>
    public static StateEvent Sampled(double timeMs, long deviceUptimeMs, int localPort, int peerPort, string from, string to) => new()
    {
        TimeMs = timeMs, OwnTimeMs = deviceUptimeMs, LocalPort = localPort, PeerPort = peerPort,
        Event = Transition, From = from, To = to, CauseKind = "status", Cause = "seen by STATUS polling",
    };

    /// <summary>The port of "a.b.c.d:port"; 0 for "*:*" or none.</summary>
    public static int Port(string? address)
    {
        int colon = address?.LastIndexOf(':') ?? -1;
        return colon >= 0 && int.TryParse(address.AsSpan(colon + 1), out int p) ? p : 0;
    }
}
