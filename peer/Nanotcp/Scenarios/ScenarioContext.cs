using System.Text;
using Nanotcp.Ladder;
using Nanotcp.Monitor;
using Nanotcp.Net;
using NanoTcp;
using NanoTcp.Device;

namespace Nanotcp.Scenarios;

/// <summary>A segment a scenario expects to see on the link, as Wireshark would label it.</summary>
public sealed record Seg(bool FromPc, int Flags, uint Seq, uint? Ack, int Len = 0)
{
    public static Seg Pc(int flags, uint seq, uint? ack, int len = 0) => new(true, flags, seq, ack, len);
    public static Seg Device(int flags, uint seq, uint? ack, int len = 0) => new(false, flags, seq, ack, len);

    public bool Matches(TracedSegment s) =>
        s.FromPc == FromPc && s.Flags == Flags && s.Seq == Seq && s.Ack == Ack && s.Len == Len;

    public override string ToString()
    {
        string text = $"{SegmentLabel.Flags(Flags)} Seq={Seq}";
        if (Ack is uint a) text += $" Ack={a}";
        if (Len > 0) text += $" Len={Len}";
        return (FromPc ? "PC→ " : "←device ") + text;
    }
}

/// <summary>
/// What a scenario works with: the PC's engine on the link (<see cref="Pc"/>), what is known of
/// the device's side (<see cref="Device"/>), helpers that drive connections and wait for
/// conditions (never for a fixed time in the hope that something happened), and the checks.
/// Waits are generous: a scenario that times out fails with what it was waiting for.
/// </summary>
public sealed class ScenarioContext
{
    /// <summary>Added to every wait: a loaded machine or a Wi-Fi link may be slow.</summary>
    public const int Slack = 1500;

    readonly List<Check> _checks = [];
    readonly List<Conn> _connections = [];
    readonly Func<DeviceStatus?> _status;

    public ScenarioContext(PeerStack pc, DeviceObserver device, Func<DeviceStatus?> status)
    {
        Pc = pc;
        Device = device;
        _status = status;
    }

    public PeerStack Pc { get; }
    public TcpEngine Engine => Pc.Engine;
    public DeviceObserver Device { get; }
    /// <summary>The device's settings, as far as known (the board's own in a demo).</summary>
    public DeviceSettings Profile => Device.Profile;
    public IReadOnlyList<Check> Checks => _checks;
    public IReadOnlyList<Conn> Connections => _connections;
    /// <summary>PC ports whose traffic is background (a flood): the ladder summarizes it instead of drawing each segment.</summary>
    public Func<int, bool>? Background { get; set; }

    // ------------------------------------------------------------------ driving the PC's side

    /// <summary>Starts connecting to a device port; data, if given, is queued at once and so rides on the handshake's third segment.</summary>
    public Conn Open(int devicePort, string? data = null)
    {
        int handle = Engine.Connect(Pc.Now, 0, PeerStack.DeviceAddress, devicePort);
        if (handle < 0) throw new ScenarioAbort($"the PC cannot connect: {TcpError.Name(-handle)}");
        var c = new Conn { Handle = handle, PcPort = Engine.LocalPort(handle), DevicePort = devicePort };
        _connections.Add(c);
        if (data != null) Send(c, data);
        return c;
    }

    /// <summary>Opens a connection and waits until it is established; aborts the scenario if the device refuses it.</summary>
    public Conn Connect(int devicePort, string? data = null)
    {
        Conn c = Open(devicePort, data);
        Until(() => PcState(c) is TcpState.Established or TcpState.Closed, HandshakeBudget, $"the PC's {c} to reach ESTABLISHED");
        if (PcState(c) == TcpState.Closed) throw new ScenarioAbort($"the device refused {c}: it answered the SYN with RST");
        return c;
    }

    public void Send(Conn c, string text) => Send(c, Encoding.ASCII.GetBytes(text));

    public void Send(Conn c, byte[] data)
    {
        int n = Engine.Send(Pc.Now, c.Handle, data, 0, data.Length);
        if (n != data.Length) throw new ScenarioAbort($"the PC could queue only {n} of {data.Length} bytes on {c}");
    }

    /// <summary>Reads what has arrived on the connection; returns everything read so far.</summary>
    public string Read(Conn c)
    {
        var buf = new byte[4096];
        int n;
        while ((n = Engine.Receive(Pc.Now, c.Handle, buf, 0, buf.Length)) > 0) c.Received.Append(Encoding.ASCII.GetString(buf, 0, n));
        return c.Received.ToString();
    }

    /// <summary>close(): the PC's FIN after its data.</summary>
    public void Close(Conn c) => Engine.Close(Pc.Now, c.Handle);

    /// <summary>shutdown(SHUT_WR): the PC's FIN, while it goes on reading.</summary>
    public void ShutdownWrite(Conn c) => Engine.Shutdown(Pc.Now, c.Handle, ShutdownHow.Write);

    /// <summary>Runs the PC (its timers, the packets that arrive) until the condition holds; aborts the scenario after timeoutMs.</summary>
    public void Until(Func<bool> condition, int timeoutMs, string what)
    {
        if (!Pc.RunUntil(condition, timeoutMs)) throw new ScenarioAbort($"timed out after {timeoutMs} ms waiting for {what}");
    }

    /// <summary>Runs the PC for a while, to see what the device does when nothing is sent to it.</summary>
    public void Watch(int ms) => Pc.RunFor(ms);

    public TcpState PcState(Conn c) => Engine.StateOf(c.PcPort, PeerStack.DeviceAddress, c.DevicePort);

    /// <summary>The PC's state on the connection a segment belongs to (for loss rules: "the first ACK sent in CLOSE_WAIT").</summary>
    public TcpState PcStateFor(Segment seg, bool outbound) => outbound
        ? Engine.StateOf(seg.SrcPort, PeerStack.DeviceAddress, seg.DstPort)
        : Engine.StateOf(seg.DstPort, PeerStack.DeviceAddress, seg.SrcPort);

    public void UntilPc(Conn c, TcpState state, int timeoutMs) =>
        Until(() => PcState(c) == state, timeoutMs, $"the PC's {c} to reach {TcpStates.Name(state)}");

    /// <summary>Waits until the device has been seen entering a state on the connection (see <see cref="DeviceObserver.Reached"/>).</summary>
    public void UntilDevice(Conn c, string state, int timeoutMs) =>
        Until(() => Device.Reached(c.DevicePort, c.PcPort, state), timeoutMs, $"the device's {c} to reach {state} ({Device.Source})");

    /// <summary>The device's STATUS reply (connection table and counters).</summary>
    public DeviceStatus Status() => _status() ?? throw new ScenarioAbort("the device did not answer the STATUS query");

    /// <summary>Asks STATUS every 50 ms until the reply satisfies the condition; returns that reply.</summary>
    public DeviceStatus UntilStatus(Func<DeviceStatus, bool> condition, int timeoutMs, string what)
    {
        DeviceStatus? last = null;
        long next = 0;
        Until(() =>
        {
            if (Pc.Now < next) return false;
            next = Pc.Now + 50;
            last = Status();
            return condition(last);
        }, timeoutMs, what);
        return last!;
    }

    // ------------------------------------------------------------------ time budgets from the device's settings

    public int HandshakeBudget => Backoff(Profile.Tcp.RtoInitialMs, 2) + Slack;

    /// <summary>Enough for the device to send something again tries times, the timeout doubling each time.</summary>
    public int RetransmitBudget(int tries) => Backoff(Math.Max(Profile.Tcp.RtoInitialMs, Profile.Tcp.RtoMinMs), tries) + Slack;

    public int TimeWaitMs => 2 * Profile.Tcp.MslMs;

    int Backoff(int rto, int tries)
    {
        long total = 0;
        for (int i = 0; i < tries; i++) total += Math.Min((long)rto << i, Profile.Tcp.RtoMaxMs);
        return (int)Math.Min(total, int.MaxValue / 2);
    }

    // ------------------------------------------------------------------ what was seen

    public IReadOnlyList<TracedSegment> Segments(Conn c) =>
        SegmentTrace.Build(Pc.Packets, PcLog(), DeviceLog()).Where(s => s.PcPort == c.PcPort && s.DevicePort == c.DevicePort).ToList();

    /// <summary>The PC engine's log as events; its times are the PC's clock already.</summary>
    public IReadOnlyList<StateEvent> PcLog() => PcEvents(Pc.Log);

    public static List<StateEvent> PcEvents(IEnumerable<string> log) =>
        log.Select(text => LogLine.Parse(text)).Select(l => StateEvent.FromLine(l, l.TimeMs)).OfType<StateEvent>().ToList();

    public IReadOnlyList<StateEvent> DeviceLog() => Device.Events;

    public IReadOnlyList<StateEvent> PcTransitions(Conn c) =>
        PcLog().Where(l => l.IsTransition && l.LocalPort == c.PcPort && l.PeerPort == c.DevicePort).ToList();

    /// <summary>The device's lines of one kind (RTX, TIME_WAIT-RESTART, KEEPALIVE...) about the connection.</summary>
    public IReadOnlyList<StateEvent> DeviceLines(Conn c, string evt) =>
        DeviceLog().Where(l => l.Event == evt && l.LocalPort == c.DevicePort && l.PeerPort == c.PcPort).ToList();

    public IReadOnlyList<StateEvent> PcLines(Conn c, string evt) =>
        PcLog().Where(l => l.Event == evt && l.LocalPort == c.PcPort && l.PeerPort == c.DevicePort).ToList();

    // ------------------------------------------------------------------ checks

    public void Check(bool passed, string text, string? detail = null) => _checks.Add(new Check(passed, text, passed ? null : detail));

    /// <summary>The PC's transitions on the connection go through exactly these states in a row (from its state log).</summary>
    public void ExpectPc(Conn c, params string[] path)
    {
        var lines = PcTransitions(c);
        var actual = lines.Count == 0 ? [] : lines.Select(l => l.To!).Prepend(lines[0].From!).ToList();
        bool ok = ContainsRun(actual, path);
        Check(ok, "PC " + Path(path), "the PC went " + Path(actual));
    }

    /// <summary>
    /// The device's transitions on the connection go through exactly these states in a row. With
    /// a serial log every transition is seen; with STATUS polling only states that last longer
    /// than a poll are, so there the states seen must follow the path in order and end where it ends.
    /// </summary>
    public void ExpectDevice(Conn c, params string[] path)
    {
        var events = Device.Transitions(c.DevicePort, c.PcPort);
        if (Device.FromSerial)
        {
            var actual = events.Count == 0 ? [] : events.Select(e => e.To!).Prepend(events[0].From!).ToList();
            Check(ContainsRun(actual, path), "device " + Path(path), "the device went " + (actual.Count == 0 ? "nowhere (no transition logged)" : Path(actual)));
        }
        else
        {
            var seen = events.Select(e => e.To!).ToList();
            bool ok = seen.Count > 0 && seen[^1] == path[^1] && IsSubsequence(seen.SkipWhile(s => !path.Contains(s)).ToList(), path);
            Check(ok, "device " + Path(path) + " (states seen by STATUS polling)", "STATUS showed " + (seen.Count == 0 ? "nothing" : Path(seen)));
        }
    }

    /// <summary>These segments crossed the link (reached the other side), in this order, among others.</summary>
    public void ExpectSegments(Conn c, string what, params Seg[] expected)
    {
        var segments = Segments(c).Where(s => !s.Lost).ToList();
        int at = 0;
        foreach (TracedSegment s in segments)
            if (at < expected.Length && expected[at].Matches(s)) at++;
        Check(at == expected.Length, $"{what}: {string.Join(", ", expected.Select(e => e.ToString()))}",
            $"missing {expected[Math.Min(at, expected.Length - 1)]}; seen: " +
            string.Join(", ", segments.Select(s => (s.FromPc ? "PC→ " : "←device ") + s.Label)));
    }

    /// <summary>
    /// How long the device stayed in a state on the connection (its last stay): by the device's
    /// own clock with a serial log, else by when STATUS polling saw it enter and leave.
    /// </summary>
    public double? DeviceHeld(Conn c, string state)
    {
        var events = Device.Transitions(c.DevicePort, c.PcPort);
        int enter = events.ToList().FindLastIndex(e => e.To == state);
        if (enter < 0 || enter + 1 >= events.Count) return null;
        return Device.FromSerial
            ? events[enter + 1].OwnTimeMs - events[enter].OwnTimeMs
            : events[enter + 1].TimeMs - events[enter].TimeMs;
    }

    /// <summary>The device held a state for expectedMs: not less, and not much more (a late timer or a poll's granularity).</summary>
    public void ExpectHeld(Conn c, string state, double expectedMs, string text)
    {
        double? held = DeviceHeld(c, state);
        // Late: a timer fires at its deadline or after it. Early: the log's whole milliseconds
        // (an expectation measured on the PC's clock), or a poll's granularity.
        double late = Device.FromSerial ? 250 : 400;
        double early = Device.FromSerial ? 2 : 150;
        bool ok = held is double h && h >= expectedMs - early && h <= expectedMs + late;
        Check(ok, $"{text}: device {state} held {(held is double x ? $"{x:0} ms" : "?")}, expected {expectedMs:0} ms",
            held == null ? $"the device was not seen leaving {state}"
                : $"outside {expectedMs - early:0}..{expectedMs + late:0} ms (expected from the device's settings: its boot banner, or --device-setting)");
    }

    /// <summary>
    /// Copies of one segment (a FIN and its retransmissions) were sent further and further apart:
    /// the timeout doubled. Each gap must be at least 1.3 times the one before, not 2: a timer that
    /// fires late on a loaded machine makes one gap longer and the next look shorter.
    /// </summary>
    public void ExpectBackoff(IReadOnlyList<TracedSegment> copies, int expectedCopies, string what)
    {
        var gaps = copies.Zip(copies.Skip(1), (a, b) => b.TimeMs - a.TimeMs).ToList();
        bool growing = gaps.Zip(gaps.Skip(1), (a, b) => b >= 1.3 * a).All(x => x);
        string spacing = gaps.Count == 0 ? "" : ", " + string.Join(" then ", gaps.Select(g => $"{g:0} ms")) + " apart";
        Check(copies.Count == expectedCopies && growing,
            $"{what} sent {copies.Count} times{spacing}{(expectedCopies > 2 ? ": the timeout doubled each time" : "")}",
            $"expected {expectedCopies} copies, each gap at least 1.3 times the one before");
    }

    static bool ContainsRun(IReadOnlyList<string> actual, IReadOnlyList<string> path)
    {
        for (int i = 0; i + path.Count <= actual.Count; i++)
            if (path.Select((p, k) => actual[i + k] == p).All(x => x)) return true;
        return false;
    }

    static bool IsSubsequence(IReadOnlyList<string> seen, IReadOnlyList<string> path)
    {
        int at = 0;
        foreach (string s in seen)
        {
            while (at < path.Count && path[at] != s) at++;
            if (at == path.Count) return false;
        }
        return true;
    }

    static string Path(IEnumerable<string> states) => string.Join(" → ", states);
}
