using System.Globalization;
using Nanotcp.Ladder;
using Nanotcp.Scenarios;
using NanoTcp;

namespace Nanotcp.Html;

/// <summary>
/// A scenario's ladder as SVG, drawn from the same rows as the text ladder
/// (<see cref="LadderRenderer.Build"/>), so both say the same thing: the PC's lifeline on the
/// left and the device's on the right, coloured by the state each side is in (the colours of the
/// state diagram), the state's name where it changes, one sloping arrow per segment labelled as
/// Wireshark labels it, a lost segment stopping short with a ✗, a retransmission saying which
/// timeout sent it, and the timers drawn as spans beside the lifeline that runs them: TIME_WAIT's
/// 2·MSL, the FIN_WAIT_2 timeout, each retransmission timeout. Rows are evenly spaced, as in the
/// text ladder; a wait of 20 ms or more between two rows is marked with its length.
/// </summary>
public static class LadderSvg
{
    const double Margin = 10, RowH = 27, AnnotatedExtra = 15, BreakH = 28, GapMs = 20;
    const double LabelFont = 12.5, StateFont = 12.5, SmallFont = 11;
    const double LaneStep = 10, Top = 58;

    public enum TimerKind { TimeWait, FinWait2, Rto }

    /// <summary>A timer drawn beside a lifeline, from the row it started to the row it ended (null: still running at the end).</summary>
    public sealed record Span(bool Pc, TimerKind Kind, int Start, int? End, string Label, IReadOnlyList<int> Restarts)
    {
        public int Lane { get; set; }
        /// <summary>Drawn without its words (they stay in its tooltip): a timer stopped at once is not the story.</summary>
        public bool Quiet { get; init; }
    }

    /// <summary>The rows plus what is worked out from all of them: each side's state after each row, and the timers.</summary>
    public sealed class Plan
    {
        public required LadderRenderer.Layout Layout { get; init; }
        /// <summary>For one connection: each side's state before the first row and after each row.</summary>
        public string? PcStart, DeviceStart;
        public string?[] PcAfter = [], DeviceAfter = [];
        public readonly List<Span> Spans = [];
        public int PcLanes, DeviceLanes;
    }

    public static Plan Prepare(ScenarioResult result) => Prepare(LadderRenderer.Build(result));

    public static Plan Prepare(LadderRenderer.Layout layout)
    {
        var rows = layout.Rows;
        var plan = new Plan { Layout = layout, PcAfter = new string?[rows.Count], DeviceAfter = new string?[rows.Count] };
        if (!layout.Many)
        {
            plan.PcStart = rows.SelectMany(r => r.PcEvents).FirstOrDefault()?.From;
            plan.DeviceStart = rows.SelectMany(r => r.DeviceEvents).FirstOrDefault()?.From;
            string? pc = plan.PcStart, device = plan.DeviceStart;
            for (int i = 0; i < rows.Count; i++)
            {
                if (rows[i].PcEvents.Count > 0) pc = rows[i].PcEvents[^1].To;
                if (rows[i].DeviceEvents.Count > 0) device = rows[i].DeviceEvents[^1].To;
                plan.PcAfter[i] = pc;
                plan.DeviceAfter[i] = device;
            }
        }
        StateTimers(plan, pc: true);
        StateTimers(plan, pc: false);
        RetransmissionTimers(plan);
        plan.PcLanes = AssignLanes(plan.Spans.Where(s => s.Pc));
        plan.DeviceLanes = AssignLanes(plan.Spans.Where(s => !s.Pc));
        return plan;
    }

    /// <summary>TIME_WAIT's 2·MSL and the FIN_WAIT_2 timeout, per connection, from the transitions placed on the rows.</summary>
    static void StateTimers(Plan plan, bool pc)
    {
        var rows = plan.Layout.Rows;
        string Tag(StateEvent e) => plan.Layout.Many ? (pc ? e.LocalPort : e.PeerPort) + " " : "";
        var open = new Dictionary<(int, int, string), (int Row, StateEvent Event, List<int> Restarts)>();
        var closedByApp = new HashSet<(int, int)>();
        for (int i = 0; i < rows.Count; i++)
        {
            if (!pc && rows[i].Note is { Event: "TIME_WAIT-RESTART" } restart
                && open.TryGetValue((restart.LocalPort, restart.PeerPort, "TIME_WAIT"), out var tw))
                tw.Restarts.Add(i);
            foreach (StateEvent e in pc ? rows[i].PcEvents : rows[i].DeviceEvents)
            {
                var conn = (e.LocalPort, e.PeerPort);
                if (e.CauseKind == "app" && e["app"] == "close") closedByApp.Add(conn);
                foreach (string state in new[] { "TIME_WAIT", "FIN_WAIT_2" })
                {
                    if (e.From == state && open.Remove((e.LocalPort, e.PeerPort, state), out var began))
                        plan.Spans.Add(Finish(pc, state, began.Row, i, began.Event, e, began.Restarts, Tag(e)));
                }
                if (e.To == "TIME_WAIT" || (e.To == "FIN_WAIT_2" && closedByApp.Contains(conn)))
                    open[(e.LocalPort, e.PeerPort, e.To)] = (i, e, []);
            }
        }
        foreach (var ((_, _, state), began) in open)
        {
            string name = state == "TIME_WAIT" ? "2·MSL timer" : "FIN_WAIT_2 timer";
            plan.Spans.Add(new Span(pc, state == "TIME_WAIT" ? TimerKind.TimeWait : TimerKind.FinWait2, began.Row, null,
                $"{Tag(began.Event)}{name} running", began.Restarts));
        }
    }

    static Span Finish(bool pc, string state, int start, int end, StateEvent entered, StateEvent left, List<int> restarts, string tag)
    {
        // The side's own clock: the device's log times are its own milliseconds since boot.
        double held = pc ? left.TimeMs - entered.TimeMs : left.OwnTimeMs - entered.OwnTimeMs;
        string ms = held.ToString("0", CultureInfo.InvariantCulture) + " ms";
        bool expired = left.CauseKind == "timer";
        string label = state == "TIME_WAIT"
            ? expired ? $"{tag}2·MSL timer{(restarts.Count > 0 ? ", restarted" : "")}: {ms}" : $"{tag}TIME_WAIT left after {ms}"
            : expired ? $"{tag}FIN_WAIT_2 timer: {ms}" : $"{tag}FIN_WAIT_2 timer, stopped after {ms}";
        return new Span(pc, state == "TIME_WAIT" ? TimerKind.TimeWait : TimerKind.FinWait2, start, end, label, restarts)
        {
            // Stopped at once (the FIN right behind the ACK), it would only crowd the states beside it.
            Quiet = state == "FIN_WAIT_2" && !expired && end - start <= 2,
        };
    }

    /// <summary>Each retransmission's timeout, from the copy before it to it, beside the sender.</summary>
    static void RetransmissionTimers(Plan plan)
    {
        var rows = plan.Layout.Rows;
        for (int j = 0; j < rows.Count; j++)
        {
            TracedSegment? s = rows[j].Segment;
            if (s is not { Retransmission: true } || s.Packet.Injected) continue;
            int k = -1;
            for (int i = j - 1; i >= 0 && k < 0; i--)
                if (rows[i].Segment is { } p && p.FromPc == s.FromPc && p.PcPort == s.PcPort && p.DevicePort == s.DevicePort && p.Seq == s.Seq)
                    k = i;
            if (k < 0) continue;
            string label = s.RtoMs is long rto ? $"RTO {rto} ms" : $"after {(s.TimeMs - rows[k].Segment!.TimeMs).ToString("0", CultureInfo.InvariantCulture)} ms";
            plan.Spans.Add(new Span(s.FromPc, TimerKind.Rto, k, j, label, []));
        }
    }

    static int AssignLanes(IEnumerable<Span> spans)
    {
        var laneEnds = new List<int>();
        foreach (Span s in spans.OrderBy(s => s.Start))
        {
            int lane = laneEnds.FindIndex(end => end < s.Start);
            if (lane < 0) { lane = laneEnds.Count; laneEnds.Add(0); }
            laneEnds[lane] = s.End ?? int.MaxValue;
            s.Lane = lane;
        }
        return laneEnds.Count;
    }

    /// <summary>Estimated width of text in the report's fonts, generous so that nothing is drawn over.</summary>
    public static double MonoWidth(string text, double size) => text.Length * 0.61 * size;

    public static double SansBoldWidth(string text, double size) =>
        text.Sum(c => char.IsUpper(c) || c == '_' || c == '·' ? 0.78 : char.IsDigit(c) ? 0.7 : char.IsLower(c) ? 0.64 : c == ' ' ? 0.35 : 0.5) * size;

    public static double SansWidth(string text, double size) =>
        text.Sum(c => char.IsUpper(c) ? 0.7 : char.IsDigit(c) ? 0.64 : char.IsLower(c) ? 0.58 : c == ' ' ? 0.32 : 0.45) * size;

    /// <summary>Geometry of one page of the ladder.</summary>
    sealed class Geometry
    {
        public double TimeRight, PcLabelRight, PcX, DevX, DevLabelLeft, Width, Height, Bottom;
        public double[] Y = [];
        public readonly List<(double Y, double Ms)> Breaks = [];
    }

    /// <summary>Writes rows [first, first + count) of the plan as one SVG; ids are prefixed so that many ladders share a page.</summary>
    /// <param name="aspect">The height/width ratio of the space the ladder will be shown in, when known: rows are
    /// spread out (up to 1.8 times their height) to fill it rather than leave it empty.</param>
    public static void Write(Markup m, Plan plan, int first, int count, string id, string? caption = null, double? aspect = null)
    {
        var layout = plan.Layout;
        var rows = layout.Rows;
        int last = Math.Min(rows.Count, first + count); // exclusive
        Geometry g = Measure(plan, first, last, RowH);
        if (aspect is double a && last - first > 1 && g.Height < a * g.Width)
            g = Measure(plan, first, last, Math.Min(RowH * 1.8, RowH + (a * g.Width - g.Height) / (last - first)));

        m.Open("svg", ("class", "ladder"), ("id", id), ("viewBox", $"0 0 {Markup.Format(g.Width)} {Markup.Format(g.Height)}"),
            ("preserveAspectRatio", "xMidYMin meet"), ("role", "img"),
            ("aria-label", caption ?? "ladder diagram"), ("data-first-row", first), ("data-rows", last - first));
        m.Element("title", caption ?? "ladder diagram");
        Markers(m, id);

        // Column heads.
        m.Element("text", layout.PcName, ("x", g.PcX), ("y", 22), ("text-anchor", "middle"), ("class", "lad-side pc"));
        m.Element("text", layout.DeviceName, ("x", g.DevX), ("y", 22), ("text-anchor", "middle"), ("class", "lad-side device"));
        m.Element("text", "time", ("x", g.TimeRight), ("y", 22), ("text-anchor", "end"), ("class", "lad-time"));

        Lifeline(m, plan, g, first, last, pc: true);
        Lifeline(m, plan, g, first, last, pc: false);
        foreach (var (y, ms) in g.Breaks) Break(m, g, y, ms);
        var labels = new Dictionary<Span, double>();
        foreach (Span s in plan.Spans)
            if (s.Start < last && (s.End ?? int.MaxValue) >= first) Timer(m, plan, g, s, first, last, labels);

        for (int i = first; i < last; i++)
        {
            LadderRenderer.Row row = rows[i];
            double y = g.Y[i - first];
            string time = (row.Time - layout.T0).ToString("0.0", CultureInfo.InvariantCulture) + " ms";
            m.Element("text", time, ("x", g.TimeRight), ("y", y + 4), ("text-anchor", "end"), ("class", "lad-time"));
            if (row.Segment != null) Segment(m, g, row.Segment, y, layout.Many, id);
            else if (row.Summary != null) Summary(m, g, row.Summary, y);
            if (row.Pc != null) StateLabel(m, g.PcLabelRight, y, row.Pc, row.PcEvents, pc: true);
            if (row.Device != null) StateLabel(m, g.DevLabelLeft, y, row.Device, row.DeviceEvents, pc: false);
        }
        m.Close();
    }

    static Geometry Measure(Plan plan, int first, int last, double rowH)
    {
        var layout = plan.Layout;
        var rows = layout.Rows;
        var g = new Geometry();
        double timeW = Math.Max(MonoWidth("time", SmallFont),
            rows.Skip(first).Take(last - first).Select(r => MonoWidth((r.Time - layout.T0).ToString("0.0", CultureInfo.InvariantCulture) + " ms", SmallFont)).DefaultIfEmpty(0).Max());
        var pcTexts = rows.Skip(first).Take(last - first).Select(r => r.Pc).OfType<string>().Select(t => SansBoldWidth(t, StateFont))
            .Concat(plan.Spans.Where(s => s.Pc && !s.Quiet).Select(s => SansWidth(s.Label, SmallFont)));
        var deviceTexts = rows.Skip(first).Take(last - first).Select(r => r.Device).OfType<string>().Select(t => SansBoldWidth(t, StateFont))
            .Concat(plan.Spans.Where(s => !s.Pc && !s.Quiet).Select(s => SansWidth(s.Label, SmallFont)));
        double pcCol = Math.Max(96, pcTexts.DefaultIfEmpty(0).Max());
        double devCol = Math.Max(96, deviceTexts.DefaultIfEmpty(0).Max());
        double arrow = rows.Skip(first).Take(last - first).Select(r => r.Segment is { } s
            ? Math.Max(MonoWidth(LadderRenderer.Head(s, layout.Many), LabelFont), LadderRenderer.Annotation(s) is string a ? MonoWidth(a, SmallFont) : 0) + 70
            : 0).DefaultIfEmpty(0).Max();
        arrow = Math.Clamp(arrow, 440, 720);
        double pcName = SansBoldWidth(layout.PcName, 14), devName = SansBoldWidth(layout.DeviceName, 14);

        g.TimeRight = Margin + timeW;
        g.PcLabelRight = g.TimeRight + 14 + pcCol;
        g.PcX = Math.Max(g.PcLabelRight + 14 + plan.PcLanes * LaneStep + 8, Margin + pcName / 2);
        g.DevX = g.PcX + arrow;
        g.DevLabelLeft = g.DevX + 14 + plan.DeviceLanes * LaneStep + 8;
        g.Width = Math.Max(g.DevLabelLeft + devCol, g.DevX + devName / 2) + Margin;

        g.Y = new double[last - first];
        double y = Top;
        for (int i = first; i < last; i++)
        {
            if (i > first)
            {
                double gap = rows[i].Time - rows[i - 1].Time;
                y += rowH / 2;
                if (rows[i - 1].Segment is { } prev && LadderRenderer.Annotation(prev) != null) y += AnnotatedExtra;
                if (rows[i - 1].Summary is string sum && Wrap(sum, (arrow - 30) / (0.58 * SmallFont)).Count > 1) y += 13;
                if (gap >= GapMs)
                {
                    g.Breaks.Add((y + BreakH / 2 - 4, gap));
                    y += BreakH;
                }
                y += rowH / 2;
            }
            g.Y[i - first] = y;
        }
        double end = y + rowH / 2;
        if (last > first && rows[last - 1].Segment is { } tail && LadderRenderer.Annotation(tail) != null) end += AnnotatedExtra;
        g.Bottom = end + 12;
        g.Height = g.Bottom + 10;
        return g;
    }

    static void Markers(Markup m, string id)
    {
        m.Open("defs");
        foreach (var (name, colour) in Inks)
        {
            m.Open("marker", ("id", $"{id}-{name}"), ("viewBox", "0 0 10 10"), ("refX", 9.5), ("refY", 5), ("markerWidth", 11), ("markerHeight", 11),
                ("orient", "auto"), ("markerUnits", "userSpaceOnUse"));
            m.Empty("path", ("d", "M0,0.5 L10,5 L0,9.5 z"), ("fill", colour));
            m.Close();
        }
        m.Close();
    }

    static readonly (string Name, string Colour)[] Inks =
    [
        ("plain", Palette.Ink), ("rtx", Palette.Retransmission), ("ka", Palette.KeepAlive), ("rst", Palette.Rst),
    ];

    /// <summary>A side's lifeline: bands in the colour of its state (one connection), or a plain line (several).</summary>
    static void Lifeline(Markup m, Plan plan, Geometry g, int first, int last, bool pc)
    {
        double x = pc ? g.PcX : g.DevX;
        double top = 32;
        m.Open("g", ("class", "lifeline " + (pc ? "pc" : "device")));
        string? start = pc ? plan.PcStart : plan.DeviceStart;
        string?[] after = pc ? plan.PcAfter : plan.DeviceAfter;
        if (plan.Layout.Many || (start == null && after.All(a => a == null)))
        {
            m.Empty("line", ("x1", x), ("y1", top), ("x2", x), ("y2", g.Bottom), ("stroke", pc ? Palette.Pc : Palette.Device), ("stroke-width", 3));
            m.Close();
            return;
        }
        string? state = first == 0 ? start : after[first - 1];
        double from = top;
        for (int i = first; i <= last; i++)
        {
            string? next = i < last ? after[i] : null;
            if (i < last && next == state) continue;
            double to = i < last ? g.Y[i - first] : g.Bottom;
            if (state != null && to > from)
            {
                m.Open("rect", ("class", "band"), ("data-state", state), ("x", x - 5), ("y", from), ("width", 10), ("height", to - from),
                    ("fill", Palette.Fill(state)), ("stroke", pc ? Palette.Pc : Palette.Device), ("stroke-width", 1.2));
                m.Element("title", state);
                m.Close();
            }
            from = to;
            state = next;
        }
        m.Close();
    }

    static void Break(Markup m, Geometry g, double y, double ms)
    {
        m.Open("g", ("class", "gap"));
        foreach (double x in new[] { g.PcX, g.DevX })
        {
            m.Empty("rect", ("x", x - 7), ("y", y - 3), ("width", 14), ("height", 6), ("fill", "#ffffff"));
            m.Empty("path", ("d", $"M{Markup.Format(x - 8)},{Markup.Format(y - 1)} l16,-4 M{Markup.Format(x - 8)},{Markup.Format(y + 4)} l16,-4"),
                ("stroke", Palette.Muted), ("stroke-width", 1.2));
        }
        string text = ms >= 10_000 ? $"{(ms / 1000).ToString("0.0", CultureInfo.InvariantCulture)} s later" : $"{ms.ToString("0", CultureInfo.InvariantCulture)} ms later";
        m.Element("text", text, ("x", (g.PcX + g.DevX) / 2), ("y", y + 4), ("text-anchor", "middle"), ("class", "lad-gap"));
        m.Close();
    }

    static void Segment(Markup m, Geometry g, TracedSegment s, double y, bool many, string id)
    {
        string head = LadderRenderer.Head(s, many);
        string? note = LadderRenderer.Annotation(s);
        bool rst = s.Has(TcpFlags.Rst);
        string ink = s.Lost ? "lost" : s.Retransmission ? "rtx" : s.KeepAlive ? "ka" : rst ? "rst" : "plain";
        string colour = ink switch
        {
            "lost" => Palette.Lost, "rtx" => Palette.Retransmission, "ka" => Palette.KeepAlive, "rst" => Palette.Rst, _ => Palette.Ink,
        };
        string cls = "segment" + (s.Lost ? " lost" : "") + (s.Retransmission ? " retransmission" : "") + (s.KeepAlive ? " keepalive" : "") + (rst ? " rst" : "");
        m.Open("g", ("class", cls), ("data-from", s.FromPc ? "pc" : "device"), ("data-label", LadderRenderer.Label(s, many)));
        m.Element("title", (s.FromPc ? "PC → device: " : "device → PC: ") + LadderRenderer.Label(s, many) + (s.Lost ? " (lost)" : ""));
        double x1 = s.FromPc ? g.PcX + 6 : g.DevX - 6, x2 = s.FromPc ? g.DevX - 7 : g.PcX + 7;
        double y1 = y - 6, y2 = y + 6;
        double mid;
        if (s.Lost)
        {
            // Stops three quarters of the way, where it was lost.
            const double reach = 0.74;
            double xe = x1 + (x2 - x1) * reach, ye = y1 + (y2 - y1) * reach;
            m.Empty("line", ("x1", x1), ("y1", y1), ("x2", xe), ("y2", ye), ("stroke", colour), ("stroke-width", 1.8), ("stroke-dasharray", "7 4"));
            m.Empty("path", ("class", "cross"), ("d", $"M{Markup.Format(xe - 6)},{Markup.Format(ye - 6)} l12,12 M{Markup.Format(xe - 6)},{Markup.Format(ye + 6)} l12,-12"),
                ("stroke", colour), ("stroke-width", 3), ("stroke-linecap", "round"));
            mid = (x1 + xe) / 2;
        }
        else
        {
            m.Empty("line", ("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2), ("stroke", colour), ("stroke-width", rst ? 2.4 : 1.8),
                ("marker-end", $"url(#{id}-{ink})"));
            mid = (x1 + x2) / 2;
        }
        // The label sits above the arrow, centred on what is drawn but kept between the lifelines.
        double half = MonoWidth(head, LabelFont) / 2;
        mid = Math.Clamp(mid, g.PcX + 12 + half, g.DevX - 12 - half);
        m.Element("text", head, ("x", mid), ("y", y - 9), ("text-anchor", "middle"), ("class", "lad-label"), ("fill", colour));
        if (note != null)
            m.Element("text", note, ("x", mid), ("y", y + 18), ("text-anchor", "middle"), ("class", "lad-note"), ("fill", colour));
        m.Close();
    }

    static void Summary(Markup m, Geometry g, string text, double y)
    {
        var lines = Wrap("⋯ " + text, (g.DevX - g.PcX - 30) / (0.58 * SmallFont));
        if (lines.Count > 2) lines = [lines[0], lines[1].TrimEnd(',') + " …"];
        double h = 10 + 13 * lines.Count;
        m.Open("g", ("class", "summary"));
        m.Empty("rect", ("x", g.PcX + 10), ("y", y - 10), ("width", g.DevX - g.PcX - 20), ("height", h), ("rx", 4), ("fill", "#f1f3f4"), ("stroke", Palette.Rule));
        for (int i = 0; i < lines.Count; i++)
            m.Element("text", lines[i], ("x", (g.PcX + g.DevX) / 2), ("y", y + 4 + 13 * i), ("text-anchor", "middle"), ("class", "lad-summary"));
        m.Close();
    }

    static void StateLabel(Markup m, double x, double y, string text, List<StateEvent> events, bool pc) =>
        m.Element("text", text, ("x", x), ("y", y + 4.5), ("text-anchor", pc ? "end" : "start"),
            ("class", "lad-state " + (pc ? "pc" : "device")), ("data-states", events.Count > 0 ? string.Join(' ', events.Select(e => e.To)) : null));

    /// <summary>A timer as a bracket beside the lifeline of the side that runs it, with its label where the label column is free.</summary>
    static void Timer(Markup m, Plan plan, Geometry g, Span s, int first, int last, Dictionary<Span, double> labels)
    {
        string colour = s.Kind switch { TimerKind.TimeWait => Palette.TimeWait, TimerKind.FinWait2 => Palette.FinWait2, _ => Palette.Rto };
        string kind = s.Kind switch { TimerKind.TimeWait => "time-wait", TimerKind.FinWait2 => "fin-wait-2", _ => "rto" };
        double dir = s.Pc ? 1 : -1; // towards the lifeline
        double x = s.Pc ? g.PcX - 14 - s.Lane * LaneStep : g.DevX + 14 + s.Lane * LaneStep;
        bool startsHere = s.Start >= first, endsHere = s.End is int e && e < last;
        double y0 = startsHere ? g.Y[s.Start - first] : 32;
        double y1 = endsHere ? g.Y[s.End!.Value - first] : g.Bottom;
        m.Open("g", ("class", $"timer {kind}"), ("data-side", s.Pc ? "pc" : "device"), ("data-start-row", s.Start), ("data-end-row", s.End),
            ("data-label", s.Label));
        m.Element("title", s.Label);
        string d = (startsHere ? $"M{Markup.Format(x + dir * 6)},{Markup.Format(y0)} H{Markup.Format(x)}" : $"M{Markup.Format(x)},{Markup.Format(y0)}")
            + $" V{Markup.Format(y1)}" + (endsHere ? $" H{Markup.Format(x + dir * 6)}" : "");
        m.Empty("path", ("d", d), ("fill", "none"), ("stroke", colour), ("stroke-width", 2.4), ("stroke-dasharray", s.End == null ? "5 3" : null));
        if (!endsHere && s.End == null)
            m.Empty("path", ("d", $"M{Markup.Format(x - 4)},{Markup.Format(y1 - 5)} L{Markup.Format(x)},{Markup.Format(y1)} L{Markup.Format(x + 4)},{Markup.Format(y1 - 5)}"),
                ("fill", "none"), ("stroke", colour), ("stroke-width", 2));
        foreach (int r in s.Restarts.Where(r => r >= first && r < last))
            m.Empty("circle", ("cx", x), ("cy", g.Y[r - first]), ("r", 3.5), ("fill", "#ffffff"), ("stroke", colour), ("stroke-width", 2));

        // The label: beside the span, in the side's label column, at the first height that no state label takes.
        var taken = new List<(double Top, double Bottom)>();
        for (int i = first; i < last; i++)
            if ((s.Pc ? plan.Layout.Rows[i].Pc : plan.Layout.Rows[i].Device) != null) taken.Add((g.Y[i - first] - 10, g.Y[i - first] + 8));
        foreach (var (other, oy) in labels)
            if (other.Pc == s.Pc) taken.Add((oy - 11, oy + 4));
        double lo = y0 + 12, hi = y1 - 2;
        double? at = null;
        for (double step = 0; step <= (hi - lo) / 2 + 0.1 && at == null; step += 3)
            foreach (double c in new[] { (lo + hi) / 2 - step, (lo + hi) / 2 + step })
                if (c >= lo && c <= hi && !taken.Any(t => c + 4 > t.Top && c - 11 < t.Bottom)) { at = c; break; }
        if (at is double ly && !s.Quiet)
        {
            labels[s] = ly;
            m.Element("text", s.Label, ("x", s.Pc ? g.PcLabelRight : g.DevLabelLeft), ("y", ly), ("text-anchor", s.Pc ? "end" : "start"),
                ("class", "lad-timer"), ("fill", colour));
        }
        m.Close();
    }

    /// <summary>Splits text at spaces into lines of at most about width characters.</summary>
    public static List<string> Wrap(string text, double width)
    {
        var lines = new List<string>();
        string line = "";
        foreach (string word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width) { lines.Add(line); line = word; }
            else line = line.Length == 0 ? word : line + " " + word;
        }
        if (line.Length > 0) lines.Add(line);
        return lines;
    }
}
