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
    public double TimeMs { get; private set; }
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

    /// <summary>The same event placed at another time on the PC's clock.</summary>
    public StateEvent At(double timeMs)
    {
        var copy = (StateEvent)MemberwiseClone();
        copy.TimeMs = timeMs;
        return copy;
    }

    /// <summary>
    /// A serial log's events placed on the PC's clock by the device's own timestamps rather than
    /// by when the PC read each line, which may be much later (a loaded machine, a slow serial
    /// port). The offset between the two clocks is the smallest gap between reading a line and
    /// the device's time on it: no line is read before it is written, and the line read most
    /// promptly comes closest. The device's whole milliseconds leave the result within about a
    /// millisecond; the ladder matches segments by content within that. STATUS samples carry no
    /// time of their own per event and keep theirs.
    /// </summary>
    public static IReadOnlyList<StateEvent> OnDeviceClock(IReadOnlyList<StateEvent> deviceLog)
    {
        var own = deviceLog.Where(e => e.CauseKind != "status" && e.OwnTimeMs >= 0).ToList();
        if (own.Count == 0) return deviceLog;
        double offset = own.Min(e => e.TimeMs - e.OwnTimeMs);
        return deviceLog.Select(e => e.CauseKind == "status" || e.OwnTimeMs < 0 ? e : e.At(e.OwnTimeMs + offset)).ToList();
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
