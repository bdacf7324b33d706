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

    sealed class Row
    {
        public double Time;
        public TracedSegment? Segment;
        public string? Pc, Device;
        public string? Summary;
    }

    public static void Render(ScenarioResult result, int index, int total, TextWriter output, Painter paint)
    {
        Scenario scenario = result.Scenario;
        output.WriteLine(paint.Paint($"scenario {index + 1}/{total}  {scenario.Name}", Ink.Title));
        output.WriteLine(paint.Paint("  " + scenario.Description, Ink.Dim));

        bool Background(int pcPort) => result.Background?.Invoke(pcPort) ?? false;
        var focus = result.Segments.Where(s => !Background(s.PcPort)).Select(s => (s.PcPort, s.DevicePort)).Distinct().ToList();
        bool many = focus.Count > 1;
        var rows = BuildRows(result, Background, focus, many);

        if (rows.Count > 0)
        {
            double t0 = result.Segments.Count > 0 ? result.Segments[0].TimeMs : rows[0].Time;
            int arrow = Math.Clamp(rows.Where(r => r.Segment != null).Select(r => Label(r.Segment!, many).Length + 8).DefaultIfEmpty(0).Max(), MinArrow, MaxArrow);
            int pcWidth = Math.Max(12, rows.Max(r => r.Pc?.Length ?? 0));

            string pcName = many || focus.Count == 0 ? "PC 192.0.2.1" : $"PC 192.0.2.1:{focus[0].PcPort}";
            string deviceName = many || focus.Count == 0 ? "device 192.0.2.2" : $"device 192.0.2.2:{focus[0].DevicePort}";
            output.WriteLine($"{"",12}{paint.Paint(pcName.PadRight(pcWidth + 2 + arrow / 2), Ink.Pc)}{paint.Paint(deviceName.PadLeft(arrow - arrow / 2), Ink.Device)}");
            foreach (Row row in rows)
            {
                var line = new StringBuilder();
                line.Append($"{row.Time - t0,9:0.0} ms  ");
                line.Append(paint.Paint((row.Pc ?? "").PadRight(pcWidth), Ink.Pc)).Append("  ");
                if (row.Segment != null) line.Append(Arrow(row.Segment, arrow, many, paint));
                else if (row.Summary != null) line.Append(paint.Paint(("⋯ " + row.Summary).PadRight(arrow), Ink.Dim));
                else line.Append(new string(' ', arrow));
                if (row.Device != null) line.Append("  ").Append(paint.Paint(row.Device, Ink.Device));
                output.WriteLine(line.ToString().TrimEnd());
            }
        }
        else output.WriteLine(paint.Paint("  (no segments)", Ink.Dim));
        if (result.PacketsNotRecorded > 0)
            output.WriteLine(paint.Paint($"  ⋯ {result.PacketsNotRecorded} packets not recorded (the record keeps the first {result.Packets.Count})", Ink.Dim));

        foreach (Check check in result.Checks)
        {
            string text = check.Passed ? $"  ✔ {check.Text}" : $"  ✘ {check.Text}: {check.Detail}";
            output.WriteLine(paint.Paint(text, check.Passed ? Ink.Pass : Ink.Fail));
        }
        output.WriteLine(result.Passed
            ? paint.Paint($"✔ {scenario.Name}: passed ({result.Reason}, device side from its {result.DeviceSource})", Ink.Pass)
            : paint.Paint($"✘ {scenario.Name}: FAILED: {result.Reason}", Ink.Fail));
        output.WriteLine();
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
            else if (Note(e) is string note) extra.Add(new Row { Time = e.TimeMs, Device = Tag(e.PeerPort, note) });
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
        bool Mine(Row r) => r.Segment is { } s && s.PcPort == pcPort && s.DevicePort == devicePort && (pc ? r.Pc : r.Device) == null;
        Row? row = null;
        if (l.CauseKind == "rx")
        {
            // The segment that caused it: received by this side (sent by the other, not lost), the
            // last such before the line (the PC's log has whole milliseconds, hence the slack).
            double before = time + (pc ? 1 : 0.5);
            row = rows.LastOrDefault(r => Mine(r) && r.Segment!.FromPc != pc && !r.Segment.Lost && r.Segment.TimeMs <= before
                && SegmentTrace.LogFlags(r.Segment.Flags) == l["rx"] && r.Segment.Seq == l.Number("seq")
                && (l["ack"] == null || r.Segment.Ack == l.Number("ack")) && r.Segment.Len == l.Number("len"));
            // Written beside a PC segment, a device state must not appear above segments the device
            // sent before it got there (crossing segments, as in a simultaneous close): then it gets a row of its own.
            if (row != null && !pc && rows.Any(r => r.Segment is { FromPc: false } s && s.TimeMs > row.Time && s.TimeMs < time))
                row = null;
        }
        else if (Sends(l) is int flag)
        {
            row = rows.Where(r => Mine(r) && r.Segment!.FromPc == pc && r.Segment.Has(flag) && Math.Abs(r.Segment.TimeMs - time) <= 50)
                .OrderBy(r => Math.Abs(r.Segment!.TimeMs - time)).FirstOrDefault();
        }
        double previous = placed.TryGetValue((pc, pcPort, devicePort), out double p) ? p : double.MinValue;
        if (row != null && row.Time < previous) row = null;
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
        if (pc) row.Pc = row.Pc == null ? text : row.Pc + " → " + text;
        else row.Device = row.Device == null ? text : row.Device + " → " + text;
    }

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

    static string Label(TracedSegment s, bool many)
    {
        string text = s.Label;
        if (many) text = (s.FromPc ? $"{s.PcPort} → {s.DevicePort} " : $"{s.DevicePort} → {s.PcPort} ") + text;
        if (s.KeepAlive) text = "Keep-Alive " + text;
        if (s.Retransmission && s.Packet.Injected) text += "  old duplicate";
        else if (s.Retransmission)
            text += s.RtoMs is long rto ? $"  retransmission, RTO {rto} ms" : s.AfterMs is double after ? $"  retransmission after {after:0} ms" : "  retransmission";
        return text;
    }

    /// <summary>──── label ────> for the PC's segments, <──── label ──── for the device's; a lost one stops short with ✗.</summary>
    static string Arrow(TracedSegment s, int width, bool many, Painter paint)
    {
        const int Short = 4;
        string label = Label(s, many);
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
