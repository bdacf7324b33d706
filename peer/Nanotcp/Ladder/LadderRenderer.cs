using System.Text;
using Nanotcp.Monitor;
using Nanotcp.Scenarios;
using NanoTcp;

namespace Nanotcp.Ladder;

/// <summary>
/// Draws a scenario as a ladder diagram: the PC on the left, the device on the right, one arrow per
/// segment labelled as Wireshark labels it, time (ms since the first segment) on the far left, and
/// each side's state written beside the arrows where it changes (from the two state logs):
///
///        0.0 ms  SYN_SENT     ── [SYN] Seq=0 ──────────────────────────>  SYN_RECEIVED
///        0.4 ms  ESTABLISHED  <─ [SYN, ACK] Seq=0 Ack=1 ─────────────────
///      102.3 ms                  ✗─ [FIN, ACK] Seq=27 Ack=1 ─────────────
///
/// A lost segment stops short with ✗; a retransmission names the timeout that triggered it.
/// Traffic the scenario marks as background (a SYN flood) is summarized in one line per run.
/// </summary>
public static class LadderRenderer
{
    const int MinArrow = 44, MaxArrow = 96;

    /// <summary>
    /// One line of the ladder: a segment, a summary of background traffic, or neither (a state
    /// change or device event of its own), with the states each side entered there.
    /// </summary>
    public sealed class Row
    {
        public double Time;
        public TracedSegment? Segment;
        /// <summary>What is written beside the PC's and the device's side ("FIN_WAIT_2", "CLOSED (2msl timer)").</summary>
        public string? Pc, Device;
        public string? Summary;
        /// <summary>The transitions written beside each side on this row, in their log's order.</summary>
        public readonly List<StateEvent> PcEvents = [], DeviceEvents = [];
        /// <summary>The device event a row of its own stands for (TIME_WAIT-RESTART, RECYCLE...).</summary>
        public StateEvent? Note;
    }

    /// <summary>
    /// What the text ladder and the HTML report draw: the rows in time order, whether several
    /// connections share it (then each label names its ports), both sides' names, and the time
    /// the axis starts from (the first segment's).
    /// </summary>
    public sealed record Layout(IReadOnlyList<Row> Rows, bool Many, string PcName, string DeviceName, double T0);

    public static Layout Build(ScenarioResult result)
    {
        bool Background(int pcPort) => result.Background?.Invoke(pcPort) ?? false;
        var focus = result.Segments.Where(s => !Background(s.PcPort)).Select(s => (s.PcPort, s.DevicePort)).Distinct().ToList();
        bool many = focus.Count > 1;
        var rows = BuildRows(result, Background, focus, many);
        double t0 = result.Segments.Count > 0 ? result.Segments[0].TimeMs : rows.Count > 0 ? rows[0].Time : 0;
        string pcName = many || focus.Count == 0 ? "PC 192.0.2.1" : $"PC 192.0.2.1:{focus[0].PcPort}";
        string deviceName = many || focus.Count == 0 ? "device 192.0.2.2" : $"device 192.0.2.2:{focus[0].DevicePort}";
        return new Layout(rows, many, pcName, deviceName, t0);
    }

    /// <summary>Below this many columns the ladder is drawn compact: a narrow time column and arrows that fit the rest.</summary>
    public const int CompactBelow = 100;

    /// <summary>
    /// Draws one scenario. width is the terminal's (int.MaxValue for a pipe or a file): below
    /// <see cref="CompactBelow"/> columns the ladder is compact, and descriptions and checks are
    /// wrapped, so that nothing wraps mid-arrow.
    /// </summary>
    public static void Render(ScenarioResult result, int index, int total, TextWriter output, Painter paint, int width = int.MaxValue)
    {
        Scenario scenario = result.Scenario;
        bool compact = width < CompactBelow;
        output.WriteLine(paint.Paint($"scenario {index + 1}/{total}  {scenario.Name}", Ink.Title));
        foreach (string part in Wrap("  " + scenario.Description, width, "  ")) output.WriteLine(paint.Paint(part, Ink.Dim));

        var (rows, many, pcName, deviceName, t0) = Build(result);
        if (rows.Count > 0)
        {
            int arrow = Math.Clamp(rows.Where(r => r.Segment != null).Select(r => Label(r.Segment!, many).Length + 8).DefaultIfEmpty(0).Max(), MinArrow, MaxArrow);
            int pcWidth = Math.Max(12, rows.Max(r => r.Pc?.Length ?? 0));
            int timeWidth = 12;
            if (compact)
            {
                // The time without its unit, the PC's column as wide as its states on arrow rows,
                // the device's as wide as its states there; the arrows get what is left.
                timeWidth = 8;
                pcWidth = Math.Max(11, rows.Where(r => r.Segment != null).Max(r => r.Pc?.Length ?? 0));
                int deviceWidth = Math.Max(11, rows.Where(r => r.Segment != null).Max(r => r.Device?.Length ?? 0));
                arrow = Math.Clamp(width - 1 - timeWidth - pcWidth - 2 - 2 - deviceWidth, 24, arrow);
            }

            output.WriteLine($"{(compact ? "     ms " : ""),-12}"[..timeWidth] +
                $"{paint.Paint(pcName.PadRight(pcWidth + 2 + arrow / 2), Ink.Pc)}{paint.Paint(deviceName.PadLeft(arrow - arrow / 2), Ink.Device)}");
            foreach (Row row in rows)
            {
                var line = new StringBuilder();
                line.Append(compact ? $"{row.Time - t0,7:0.0} " : $"{row.Time - t0,9:0.0} ms  ");
                line.Append(paint.Paint((row.Pc ?? "").PadRight(pcWidth), Ink.Pc)).Append("  ");
                if (row.Segment != null) line.Append(Arrow(row.Segment, arrow, many, paint));
                else if (row.Summary != null && compact)
                {
                    // A flood's summary wraps within the arrows' and the device's room.
                    string margin = new(' ', line.Length);
                    var parts = Wrap("⋯ " + row.Summary, width - line.Length, "  ").ToList();
                    line.Append(paint.Paint(parts[0], Ink.Dim));
                    foreach (string part in parts.Skip(1)) line.Append('\n').Append(margin).Append(paint.Paint(part, Ink.Dim));
                }
                else if (row.Summary != null) line.Append(paint.Paint(("⋯ " + row.Summary).PadRight(arrow), Ink.Dim));
                else line.Append(new string(' ', arrow));
                if (row.Device != null)
                {
                    string device = row.Device;
                    // A row of its own (a timer's transition) may use the arrow's room.
                    if (compact && row.Segment == null && row.Summary == null && line.Length + 2 + device.Length > width - 1)
                        line.Length = Math.Max(timeWidth + pcWidth + 2, width - 1 - 2 - device.Length);
                    line.Append("  ").Append(paint.Paint(device, Ink.Device));
                }
                output.WriteLine(line.ToString().TrimEnd());
            }
        }
        else output.WriteLine(paint.Paint("  (no segments)", Ink.Dim));
        if (result.PacketsNotRecorded > 0)
            output.WriteLine(paint.Paint($"  ⋯ {result.PacketsNotRecorded} packets not recorded (the record keeps the first {result.Packets.Count})", Ink.Dim));

        foreach (Check check in result.Checks)
        {
            string text = check.Passed ? $"  ✔ {check.Text}" : $"  ✘ {check.Text}: {check.Detail}";
            foreach (string part in Wrap(text, width, "    ")) output.WriteLine(paint.Paint(part, check.Passed ? Ink.Pass : Ink.Fail));
        }
        output.WriteLine(result.Passed
            ? paint.Paint($"✔ {scenario.Name}: passed ({result.Reason}, device side from its {result.DeviceSource})", Ink.Pass)
            : result.Skipped != null
                ? paint.Paint($"– {scenario.Name}: skipped: {result.Skipped}", Ink.Dim)
                : paint.Paint($"✘ {scenario.Name}: FAILED: {result.Reason}", Ink.Fail));
        output.WriteLine();
    }

    /// <summary>Splits text at spaces into lines shorter than width (only in the compact layout); the lines after the first start with indent.</summary>
    static IEnumerable<string> Wrap(string text, int width, string indent)
    {
        if (width >= CompactBelow || text.Length < width) { yield return text; yield break; }
        string body = text.TrimStart(' ');
        string line = text[..(text.Length - body.Length)];
        bool empty = true;
        foreach (string word in body.Split(' '))
        {
            if (!empty && line.Length + 1 + word.Length >= width)
            {
                yield return line;
                line = indent;
                empty = true;
            }
            line += empty ? word : " " + word;
            empty = false;
        }
        yield return line;
    }

    static List<Row> BuildRows(ScenarioResult result, Func<int, bool> background, List<(int PcPort, int DevicePort)> focus, bool many)
    {
        var rows = result.Segments.Select(s => new Row { Time = s.TimeMs, Segment = s }).ToList();
        var extra = new List<Row>();
        var placed = new Dictionary<(bool Pc, int PcPort, int DevicePort), double>();
        string Tag(int pcPort, string text) => many ? $"{pcPort} {text}" : text;

        // The PC's transitions: its log's connection is (local = PC port, peer = device port).
        foreach (StateEvent e in result.PcLog.Where(e => e.IsTransition && focus.Contains((e.LocalPort, e.PeerPort))))
            Place(rows, extra, placed, pc: true, e, e.LocalPort, e.PeerPort, Tag(e.LocalPort, e.To!));

        // The device's transitions and notable events: its connection is (local = device port, peer = PC port).
        var backgroundEvents = new List<(double Time, string Kind)>();
        foreach (StateEvent e in result.DeviceLog)
        {
            if (e.PeerPort == 0) continue;
            if (background(e.PeerPort))
            {
                if (Note(e) != null || e.IsTransition) backgroundEvents.Add((e.TimeMs, e.IsTransition ? "→" + e.To : e.Event));
                continue;
            }
            if (!focus.Contains((e.PeerPort, e.LocalPort))) continue;
            if (e.IsTransition) Place(rows, extra, placed, pc: false, e, e.PeerPort, e.LocalPort, Tag(e.PeerPort, e.To!));
            else if (Note(e) is string note) extra.Add(new Row { Time = AfterItsCause(rows, e), Device = Tag(e.PeerPort, note), Note = e });
        }

        var all = rows.Concat(extra).OrderBy(r => r.Time).ToList();
        return Summarize(all, background, backgroundEvents);
    }

    /// <summary>
    /// Writes a transition beside the segment it belongs to: the segment that caused it (rx=, matched
    /// by its flags and numbers), or the one it sent (a FIN on close, a SYN on connect, a RST on an
    /// abort); a transition with neither (a timer's) gets a row of its own. A side's states stay in
    /// the order its log has them: one that would land above that side's previous state (crossing
    /// segments, as in a simultaneous close) gets a row of its own below it.
    /// </summary>
    static void Place(List<Row> rows, List<Row> extra, Dictionary<(bool, int, int), double> placed, bool pc, StateEvent l,
        int pcPort, int devicePort, string text)
    {
        double time = l.TimeMs;
        double previous = placed.TryGetValue((pc, pcPort, devicePort), out double p) ? p : double.MinValue;
        // Both logs have whole milliseconds (the device's placed on the PC's clock by its own, see
        // StateEvent.OnDeviceClock), so a segment within about a millisecond may be the one.
        const double Slack = 1.5;
        bool Mine(Row r) => r.Segment is { } s && s.PcPort == pcPort && s.DevicePort == devicePort && (pc ? r.Pc : r.Device) == null
            && r.Time >= previous;
        Row? row = null;
        if (l.CauseKind == "rx")
        {
            // The segment that caused it: received by this side (sent by the other, not lost), with
            // the flags and numbers the line names, not after the line, and the first such since
            // this side's previous state: a later identical copy (a retransmission, an old
            // duplicate) finds the state already changed.
            row = rows.FirstOrDefault(r => Mine(r) && r.Segment!.FromPc != pc && !r.Segment.Lost && r.Segment.TimeMs <= time + Slack
                && SegmentTrace.LogFlags(r.Segment.Flags) == l["rx"] && r.Segment.Seq == l.Number("seq")
                && (l["ack"] == null || r.Segment.Ack == l.Number("ack")) && r.Segment.Len == l.Number("len"));
            // Written beside a PC segment, a device state must not appear above a segment the device
            // sent before that PC segment reached it (crossing segments, as in a simultaneous close):
            // one below it whose ACK does not yet cover it. Then the state gets a row of its own.
            if (row != null && !pc)
            {
                TracedSegment cause = row.Segment!;
                uint end = cause.Seq + (uint)cause.Len + (cause.Has(TcpFlags.Syn) ? 1u : 0) + (cause.Has(TcpFlags.Fin) ? 1u : 0);
                if (rows.Any(r => r.Segment is { FromPc: false } s && s.PcPort == pcPort && s.DevicePort == devicePort
                        && s.TimeMs > row.Time && s.TimeMs < time + Slack && !(s.Ack is uint ack && (int)(ack - end) >= 0)))
                    row = null;
            }
        }
        else if (Sends(l) is int flag)
        {
            // The segment it sent: the first with that flag from the moment of the line on. The PC
            // records a device segment when it arrives, after it was sent: on a loaded machine
            // tens of milliseconds after, so the bound only keeps a FIN that left much later
            // (queued behind data the window held) from being taken for the close's own.
            row = rows.FirstOrDefault(r => Mine(r) && r.Segment!.FromPc == pc && r.Segment.Has(flag)
                && r.Segment.TimeMs >= time - Slack && r.Segment.TimeMs <= time + SentWithinMs);
        }
        if (row == null)
        {
            time = Math.Max(time, previous);
            string cause = l.CauseKind switch
            {
                "timer" => $" ({l["timer"]} timer)",
                "recycled" => $" (recycled: {l["recycled"]})",
                "rx" => $" (on {l["rx"]} seq={l["seq"]})",
                "status" => "",
                _ => $" ({l.Cause})",
            };
            row = new Row { Time = time };
            extra.Add(row);
            text += cause;
        }
        placed[(pc, pcPort, devicePort)] = row.Time;
        (pc ? row.PcEvents : row.DeviceEvents).Add(l);
        if (pc) row.Pc = row.Pc == null ? text : row.Pc + " → " + text;
        else row.Device = row.Device == null ? text : row.Device + " → " + text;
    }

    /// <summary>
    /// Where a device note goes: each is about a segment the PC sent (a FIN, a SYN, a RST), so it
    /// goes below the last such segment of its connection that the device's clock, within its
    /// millisecond, allows to have arrived first.
    /// </summary>
    static double AfterItsCause(List<Row> rows, StateEvent e)
    {
        const double Slack = 1.5;
        Row? cause = rows.LastOrDefault(r => r.Segment is { FromPc: true, Lost: false } s && s.PcPort == e.PeerPort && s.DevicePort == e.LocalPort
            && s.TimeMs <= e.TimeMs + Slack);
        return cause == null ? e.TimeMs : Math.Max(e.TimeMs, cause.Time + 0.001);
    }

    /// <summary>How long after its line the segment a transition sends may be recorded by the PC.</summary>
    const double SentWithinMs = 500;

    /// <summary>The flag of the segment a transition sends, when it sends one.</summary>
    static int? Sends(StateEvent l) => (l.To, l.CauseKind) switch
    {
        ("SYN_SENT", _) => TcpFlags.Syn,
        ("FIN_WAIT_1" or "LAST_ACK", "app") => TcpFlags.Fin,
        ("CLOSED", "app") when l["app"] != "close" => TcpFlags.Rst, // abort, close(linger=0), close(unread-data)
        ("CLOSED", "timer") when l["timer"] is "keepalive" or "retries-exhausted" => TcpFlags.Rst,
        _ => null,
    };

    /// <summary>Device events worth a line of their own in the ladder.</summary>
    static string? Note(StateEvent l) => l.Event switch
    {
        "TIME_WAIT-RESTART" => "2·MSL restarted",
        "RECYCLE" => $"slot recycled ({l["why"]})",
        "TABLE-FULL" => "table full: RST",
        "SYN-DROPPED" => $"SYN dropped ({l["why"]})",
        "RST-IGNORED" => $"RST ignored ({l["why"]})",
        _ => null,
    };

    /// <summary>
    /// Replaces each run of background rows (a flood's segments) with one summary row, which also
    /// counts what the device logged about them from the run's start until the next run.
    /// </summary>
    static List<Row> Summarize(List<Row> rows, Func<int, bool> background, List<(double Time, string Kind)> events)
    {
        var result = new List<Row>();
        var runs = new List<(Row Summary, List<TracedSegment> Segments)>();
        foreach (Row r in rows)
        {
            if (r.Segment == null || !background(r.Segment.PcPort)) { result.Add(r); continue; }
            if (result.Count == 0 || result[^1].Summary == null)
            {
                var summary = new Row { Time = r.Time, Summary = "" };
                result.Add(summary);
                runs.Add((summary, []));
            }
            runs[^1].Segments.Add(r.Segment);
        }
        for (int i = 0; i < runs.Count; i++)
        {
            var (summary, segments) = runs[i];
            double until = i + 1 < runs.Count ? runs[i + 1].Summary.Time : double.MaxValue;
            var kinds = segments.GroupBy(s => (s.FromPc, SegmentLabel.Flags(s.Flags), s.Lost))
                .Select(g => $"{g.Count()}× {g.Key.Item2} {(g.Key.FromPc ? "→" : "←")}{(g.Key.Lost ? " lost" : "")}");
            var logged = events.Where(e => (i == 0 || e.Time >= summary.Time) && e.Time < until)
                .GroupBy(e => e.Kind).Select(g => $"{g.Count()}× {g.Key}");
            summary.Summary = $"{string.Join(", ", kinds.Concat(logged))} (ports {segments.Min(s => s.PcPort)}–{segments.Max(s => s.PcPort)})";
        }
        return result;
    }

    /// <summary>What an arrow says: its <see cref="Head"/>, then its <see cref="Annotation"/> if any.</summary>
    public static string Label(TracedSegment s, bool many) =>
        Annotation(s) is string note ? Head(s, many) + "  " + note : Head(s, many);

    /// <summary>The segment as Wireshark labels it, after its ports when several connections share the ladder.</summary>
    public static string Head(TracedSegment s, bool many)
    {
        string text = s.Label;
        if (many) text = (s.FromPc ? $"{s.PcPort} → {s.DevicePort} " : $"{s.DevicePort} → {s.PcPort} ") + text;
        if (s.KeepAlive) text = "Keep-Alive " + text;
        return text;
    }

    /// <summary>Why the segment was sent again: "retransmission, RTO 150 ms", "old duplicate"; null for a first copy.</summary>
    public static string? Annotation(TracedSegment s)
    {
        if (!s.Retransmission) return null;
        if (s.Packet.Injected) return "old duplicate";
        return s.RtoMs is long rto ? $"retransmission, RTO {rto} ms"
            : s.RtxWhy == "dup-acks" ? "fast retransmission, duplicate ACKs"
            : s.RtxWhy == "partial-ack" ? "fast retransmission, partial ACK"
            : s.AfterMs is double after ? $"retransmission after {after:0} ms" : "retransmission";
    }

    /// <summary>──── label ────> for the PC's segments, <──── label ──── for the device's; a lost one stops short with ✗.</summary>
    static string Arrow(TracedSegment s, int width, bool many, Painter paint)
    {
        const int Short = 4;
        string label = Label(s, many);
        // Narrow arrows (a compact ladder) say a retransmission by its timeout alone.
        if (label.Length > width - 8)
            label = label.Replace("  retransmission, RTO ", "  RTO ").Replace("  retransmission after ", "  again after ").Replace("  retransmission", "  again");
        if (label.Length > width - 8) label = label[..(width - 9)] + "…";
        int body = s.Lost ? width - Short : width;
        string core = "── " + label + " ";
        string text;
        if (s.FromPc)
        {
            string tip = s.Lost ? "✗" : ">";
            text = core + new string('─', Math.Max(1, body - core.Length - 1)) + tip;
            if (s.Lost) text += new string(' ', Short);
        }
        else
        {
            string tip = s.Lost ? "✗" : "<";
            text = tip + core + new string('─', Math.Max(1, body - core.Length - 1));
            if (s.Lost) text = new string(' ', Short) + text;
        }
        Ink ink = s.Lost ? Ink.Lost : s.Retransmission ? Ink.Retransmission : s.KeepAlive ? Ink.KeepAlive : Ink.Plain;
        return paint.Paint(text, ink);
    }
}
