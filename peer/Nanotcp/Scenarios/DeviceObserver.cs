using Nanotcp.Monitor;
using NanoTcp.Device;

namespace Nanotcp.Scenarios;

/// <summary>
/// What the PC knows of the device's side: its state log, either read from its serial port
/// (every transition, with the device's own timestamps) or, without one, sampled by polling the
/// STATUS query (the states that last long enough to be seen). Every event is stamped with the
/// PC's clock when it arrived, so it can stand beside the PC's own events in a ladder. Fed from
/// other threads (the board's, the serial reader's, the poller's).
/// </summary>
public sealed class DeviceObserver(bool fromSerial, DeviceSettings profile)
{
    readonly object _gate = new();
    readonly List<StateEvent> _events = [];
    // STATUS polling: the last state seen per (device port, PC port), to turn samples into transitions.
    readonly Dictionary<(int, int), string> _sampled = new();

    /// <summary>True when every transition is seen (a serial log); false for STATUS sampling.</summary>
    public bool FromSerial { get; } = fromSerial;

    /// <summary>The settings the device runs with, as far as known.</summary>
    public DeviceSettings Profile { get; } = profile;

    /// <summary>The PC's clock; set once the PC stack exists (earlier lines, the boot banner, are not kept).</summary>
    public Func<double>? Clock { get; set; }

    public string Source => FromSerial ? "serial log" : "STATUS polling";

    public IReadOnlyList<StateEvent> Events
    {
        get { lock (_gate) return _events.ToArray(); }
    }

    /// <summary>A line from the serial port.</summary>
    public void OnSerialLine(string text)
    {
        if (Clock is not { } clock) return;
        if (StateEvent.FromLine(LogLine.Parse(text), clock()) is not StateEvent e) return;
        lock (_gate) _events.Add(e);
    }

    /// <summary>A STATUS reply: each connection whose state changed since the last reply becomes a transition.</summary>
    public void OnStatus(DeviceStatus status)
    {
        if (Clock is not { } clock) return;
        double now = clock();
        long uptime = status.UptimeMs ?? 0;
        lock (_gate)
        {
            var present = new HashSet<(int, int)>();
            foreach (StatusRow row in status.Slots)
            {
                if (row.State == "LISTEN") continue;
                var key = (StateEvent.Port(row.Local), StateEvent.Port(row.Peer));
                present.Add(key);
                // A connection first seen came from its listener: the device here only accepts.
                string from = _sampled.GetValueOrDefault(key, "LISTEN");
                if (from == row.State) continue;
                _sampled[key] = row.State;
                _events.Add(StateEvent.Sampled(now, uptime, key.Item1, key.Item2, from, row.State));
            }
            foreach (var (key, last) in _sampled.ToArray())
            {
                if (present.Contains(key) || last == "CLOSED") continue;
                _sampled[key] = "CLOSED";
                _events.Add(StateEvent.Sampled(now, uptime, key.Item1, key.Item2, last, "CLOSED"));
            }
        }
    }

    /// <summary>Takes the settings a CONFIG line of the device's boot banner shows ("0 - CONFIG msl_ms=2000 ...").</summary>
    public static void LearnSettings(DeviceSettings profile, LogLine line)
    {
        if (line.Kind != LogLineKind.Banner || line.Event != "CONFIG") return;
        foreach (var (key, value) in line.Fields)
            if (DeviceSettings.IsKnown(key) && key != "link_port") profile.Set(key, value);
    }

    /// <summary>The transitions of the connection between the device's port and the PC's port, in order.</summary>
    public IReadOnlyList<StateEvent> Transitions(int devicePort, int pcPort) =>
        Events.Where(e => e.IsTransition && e.LocalPort == devicePort && e.PeerPort == pcPort).ToList();

    /// <summary>Whether the device has been seen entering a state on that connection.</summary>
    public bool Reached(int devicePort, int pcPort, string state) =>
        Transitions(devicePort, pcPort).Any(e => e.To == state);
}
