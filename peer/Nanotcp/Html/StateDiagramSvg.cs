using Nanotcp.Scenarios;

namespace Nanotcp.Html;

/// <summary>
/// The TCP connection state diagram of RFC 9293 (its Figure 5), drawn here in SVG: the eleven
/// states, each transition with its event over its action, CLOSED drawn twice as the RFC draws
/// it (the top one where connections begin, the bottom one where the close ends). The path each
/// side took is drawn over it in that side's ink, each step numbered in order; a transition that
/// Figure 5 does not show (a reset, a timer's, FIN_WAIT_1 straight to TIME_WAIT) is added as a
/// dashed curve, only when a side took it.
/// </summary>
public static class StateDiagramSvg
{
    public const double Width = 660, Height = 690;
    const double BoxW = 118, BoxH = 32;

    /// <summary>A box: its state, and its name in Figure 5.</summary>
    sealed record Box(string Id, string State, string Title, double X, double Y);

    /// <summary>A transition of Figure 5: the path it is drawn along, and its label's lines with where they go.</summary>
    sealed record Edge(string From, string To, (double X, double Y)[] Path, Label[] Labels);

    sealed record Label(string Text, double X, double Y, string Anchor = "middle");

    static readonly Box[] Boxes =
    [
        new("closed", "CLOSED", "CLOSED", 330, 52),
        new("listen", "LISTEN", "LISTEN", 330, 150),
        new("syn-received", "SYN_RECEIVED", "SYN-RECEIVED", 95, 255),
        new("syn-sent", "SYN_SENT", "SYN-SENT", 565, 255),
        new("established", "ESTABLISHED", "ESTABLISHED", 330, 360),
        new("fin-wait-1", "FIN_WAIT_1", "FIN-WAIT-1", 95, 465),
        new("close-wait", "CLOSE_WAIT", "CLOSE-WAIT", 565, 465),
        new("fin-wait-2", "FIN_WAIT_2", "FIN-WAIT-2", 95, 570),
        new("closing", "CLOSING", "CLOSING", 330, 570),
        new("last-ack", "LAST_ACK", "LAST-ACK", 565, 570),
        new("time-wait", "TIME_WAIT", "TIME-WAIT", 330, 655),
        new("closed-end", "CLOSED", "CLOSED", 565, 655),
    ];

    // Box edges, for the paths below: left/right x and top/bottom y of each box.
    static double L(double x) => x - BoxW / 2;
    static double R(double x) => x + BoxW / 2;
    static double T(double y) => y - BoxH / 2;
    static double B(double y) => y + BoxH / 2;

    /// <summary>Figure 5's transitions; From and To are box ids.</summary>
    static readonly Edge[] Figure =
    [
        new("closed", "listen", [(312, B(52)), (312, T(150))], [new("passive OPEN", 305, 95, "end"), new("create TCB", 305, 107, "end")]),
        new("listen", "closed", [(348, T(150)), (348, B(52))], [new("CLOSE", 355, 95, "start"), new("delete TCB", 355, 107, "start")]),
        new("closed", "syn-sent", [(R(330), 46), (598, 46), (598, T(255))], [new("active OPEN", 494, 28), new("snd SYN", 494, 40)]),
        new("syn-sent", "closed", [(560, T(255)), (560, 60), (R(330), 60)], [new("CLOSE", 486, 78), new("delete TCB", 486, 90)]),
        new("listen", "syn-received", [(L(330), 160), (110, 160), (110, T(255))], [new("rcv SYN", 190, 175), new("snd SYN,ACK", 190, 187)]),
        new("syn-received", "listen", [(72, T(255)), (72, 140), (L(330), 140)], [new("rcv RST", 180, 133)]),
        new("listen", "syn-sent", [(R(330), 160), (532, 160), (532, T(255))], [new("SEND", 460, 175), new("snd SYN", 460, 187)]),
        new("syn-sent", "syn-received", [(L(565), 255), (R(95), 255)], [new("rcv SYN", 330, 247), new("snd SYN,ACK", 330, 270)]),
        new("syn-received", "established", [(125, B(255)), (125, 360), (L(330), 360)], [new("rcv ACK of SYN", 200, 352)]),
        new("syn-sent", "established", [(535, B(255)), (535, 360), (R(330), 360)], [new("rcv SYN,ACK", 462, 352), new("snd ACK", 462, 374)]),
        new("syn-received", "fin-wait-1", [(62, B(255)), (62, T(465))], [new("CLOSE", 68, 330, "start"), new("snd FIN", 68, 342, "start")]),
        new("established", "fin-wait-1", [(300, B(360)), (300, 455), (R(95), 455)], [new("CLOSE", 226, 436), new("snd FIN", 226, 448)]),
        new("established", "close-wait", [(360, B(360)), (360, 465), (L(565), 465)], [new("rcv FIN", 433, 446), new("snd ACK", 433, 458)]),
        new("fin-wait-1", "fin-wait-2", [(95, B(465)), (95, T(570))], [new("rcv ACK of FIN", 101, 525, "start")]),
        new("fin-wait-1", "closing", [(R(95), 475), (290, 475), (290, T(570))], [new("rcv FIN", 222, 490), new("snd ACK", 222, 502)]),
        new("close-wait", "last-ack", [(565, B(465)), (565, T(570))], [new("CLOSE", 572, 514, "start"), new("snd FIN", 572, 526, "start")]),
        new("fin-wait-2", "time-wait", [(95, B(570)), (95, 655), (L(330), 655)], [new("rcv FIN", 180, 636), new("snd ACK", 180, 648)]),
        new("closing", "time-wait", [(330, B(570)), (330, T(655))], [new("rcv ACK of FIN", 337, 615, "start")]),
        new("last-ack", "closed-end", [(565, B(570)), (565, T(655))], [new("rcv ACK of FIN", 572, 615, "start")]),
        new("time-wait", "closed-end", [(R(330), 655), (L(565), 655)], [new("Timeout=2MSL", 448, 647), new("delete TCB", 448, 670)]),
    ];

    /// <summary>One step of a side's path: the transition, its number on that side, and which side.</summary>
    public sealed record Step(StateEvent Event, int Number, bool Pc);

    /// <summary>
    /// Draws the diagram with the steps taken. With several connections on one ladder the steps are
    /// highlighted but not numbered (their orders interleave).
    /// </summary>
    public static void Write(Markup m, IReadOnlyList<StateEvent> pc, IReadOnlyList<StateEvent> device, bool numbered, string id, string? title = null)
    {
        var steps = pc.Select((e, i) => new Step(e, i + 1, true)).Concat(device.Select((e, i) => new Step(e, i + 1, false))).ToList();
        var byEdge = new Dictionary<(string From, string To), List<Step>>();
        foreach (Step s in steps)
        {
            var key = EdgeOf(s.Event.From ?? "", s.Event.To ?? "");
            if (!byEdge.TryGetValue(key, out var list)) byEdge[key] = list = [];
            list.Add(s);
        }
        var visited = new Dictionary<string, (bool Pc, bool Device)>();
        foreach (Step s in steps)
            foreach (string box in new[] { EdgeOf(s.Event.From ?? "", s.Event.To ?? "").From, EdgeOf(s.Event.From ?? "", s.Event.To ?? "").To })
            {
                visited.TryGetValue(box, out var v);
                visited[box] = s.Pc ? (true, v.Device) : (v.Pc, true);
            }

        m.Open("svg", ("class", "states"), ("id", id), ("viewBox", $"0 0 {Width} {Height}"), ("preserveAspectRatio", "xMidYMid meet"),
            ("role", "img"), ("aria-label", title ?? "RFC 9293 connection state diagram"));
        m.Element("title", title ?? "RFC 9293 Figure 5, the TCP connection state diagram, with the path each side took");
        Defs(m, id);

        // Figure 5 first, in grey; then the paths taken over it.
        foreach (Edge e in Figure)
        {
            byEdge.TryGetValue((e.From, e.To), out var taken);
            Transition(m, e, taken ?? [], numbered, id);
        }
        var labels = new List<Action<List<(double X, double Y, double W, double H)>>>();
        foreach (var ((from, to), taken) in byEdge)
            if (!Figure.Any(e => e.From == from && e.To == to)) labels.Add(Extra(m, from, to, taken, numbered, id));
        foreach (Box b in Boxes)
        {
            visited.TryGetValue(b.Id, out var v);
            State(m, b, v.Pc, v.Device);
        }
        // What the words of added transitions must not cover: the boxes and Figure 5's own words.
        var placed = Boxes.Select(b => (L(b.X) - 2, T(b.Y) - 2, BoxW + 4, BoxH + 4))
            .Concat(Figure.SelectMany(e => e.Labels).Select(l => LabelRect(l))).ToList();
        labels.ForEach(label => label(placed));
        m.Close();
    }

    /// <summary>Which boxes a logged transition joins: CLOSED is the top box, except at the end of a close.</summary>
    public static (string From, string To) EdgeOf(string from, string to)
    {
        string From(string s) => Boxes.FirstOrDefault(b => b.State == s)?.Id ?? "closed";
        bool ending = from is "LAST_ACK" or "TIME_WAIT" or "FIN_WAIT_1" or "FIN_WAIT_2" or "CLOSING" or "CLOSE_WAIT" or "ESTABLISHED";
        string toId = to == "CLOSED" && ending ? "closed-end" : From(to);
        return (From(from), toId);
    }

    /// <summary>True when Figure 5 draws this transition.</summary>
    public static bool InFigure(string from, string to)
    {
        var (f, t) = EdgeOf(from, to);
        return Figure.Any(e => e.From == f && e.To == t);
    }

    static void Defs(Markup m, string id)
    {
        m.Open("defs");
        foreach (var (name, colour) in new[] { ("arrow", Palette.Rule), ("arrow-pc", Palette.Pc), ("arrow-device", Palette.Device) })
        {
            m.Open("marker", ("id", $"{id}-{name}"), ("viewBox", "0 0 10 10"), ("refX", 9), ("refY", 5), ("markerWidth", 7), ("markerHeight", 7),
                ("orient", "auto-start-reverse"), ("markerUnits", "userSpaceOnUse"));
            m.Empty("path", ("d", "M0,0 L10,5 L0,10 z"), ("fill", colour));
            m.Close();
        }
        m.Close();
    }

    static string PathData((double X, double Y)[] points) =>
        "M" + string.Join(" L", points.Select(p => $"{Markup.Format(p.X)},{Markup.Format(p.Y)}"));

    static void Transition(Markup m, Edge e, List<Step> taken, bool numbered, string id)
    {
        bool pc = taken.Any(s => s.Pc), device = taken.Any(s => !s.Pc);
        m.Open("g", ("class", "edge" + (pc || device ? " taken" : "")), ("data-from", StateOf(e.From)), ("data-to", StateOf(e.To)),
            ("data-taken", Taken(pc, device)), ("data-figure", "5"));
        string d = PathData(e.Path);
        m.Empty("path", ("d", d), ("fill", "none"), ("stroke", Palette.Rule), ("stroke-width", 1.2), ("marker-end", $"url(#{id}-arrow)"));
        // Both sides on one transition: two strokes side by side.
        double shift = pc && device ? 2.5 : 0;
        if (pc) Highlight(m, d, Palette.Pc, $"{id}-arrow-pc", -shift);
        if (device) Highlight(m, d, Palette.Device, $"{id}-arrow-device", shift);
        foreach (Label l in e.Labels)
            m.Element("text", l.Text, ("x", l.X), ("y", l.Y), ("text-anchor", l.Anchor), ("class", "sd-label"));
        if (numbered) Badges(m, BadgePoint(e.Path, out var along), along, taken);
        m.Close();
    }

    static void Highlight(Markup m, string d, string colour, string marker, double shift) =>
        m.Empty("path", ("d", d), ("fill", "none"), ("stroke", colour), ("stroke-width", 3.2), ("stroke-linejoin", "round"),
            ("marker-end", $"url(#{marker})"), ("transform", shift == 0 ? null : $"translate({Markup.Format(shift)},{Markup.Format(shift)})"));

    /// <summary>A transition Figure 5 leaves out, drawn only because a side took it: a dashed curve with the cause as logged.</summary>
    static Action<List<(double X, double Y, double W, double H)>> Extra(Markup m, string from, string to, List<Step> taken, bool numbered, string id)
    {
        Box a = Boxes.First(b => b.Id == from), z = Boxes.First(b => b.Id == to);
        bool pc = taken.Any(s => s.Pc), device = taken.Any(s => !s.Pc);
        m.Open("g", ("class", "edge taken extra"), ("data-from", a.State), ("data-to", z.State), ("data-taken", Taken(pc, device)), ("data-figure", "no"));
        (double X, double Y) p0 = (a.X, a.Y), p2 = (z.X, z.Y);
        if (from == to)
        {
            // A state to itself (never logged today, but drawn rather than lost): a loop on the box's right.
            p0 = (R(a.X), a.Y - 8);
            p2 = (R(a.X), a.Y + 8);
        }
        double mx = (p0.X + p2.X) / 2, my = (p0.Y + p2.Y) / 2, dx = p2.X - p0.X, dy = p2.Y - p0.Y;
        double len = Math.Max(1, Math.Sqrt(dx * dx + dy * dy));
        double bend = from == to ? 40 : Math.Min(70, 0.25 * len);
        // Bend to the side where the curve's middle keeps furthest from the other boxes.
        (double X, double Y) Control(double sign) => (mx - sign * dy / len * bend + (from == to ? 40 : 0), my + sign * dx / len * bend);
        double Clearance((double X, double Y) cp)
        {
            double qx = 0.25 * p0.X + 0.5 * cp.X + 0.25 * p2.X, qy = 0.25 * p0.Y + 0.5 * cp.Y + 0.25 * p2.Y;
            return Boxes.Where(b => b != a && b != z).Min(b => Math.Max(Math.Abs(b.X - qx) - BoxW / 2, Math.Abs(b.Y - qy) - BoxH / 2) );
        }
        (double X, double Y) c = Clearance(Control(1)) >= Clearance(Control(-1)) ? Control(1) : Control(-1);
        if (from != to)
        {
            p0 = Exit(a, c);
            p2 = Exit(z, c);
        }
        string d = $"M{Markup.Format(p0.X)},{Markup.Format(p0.Y)} Q{Markup.Format(c.X)},{Markup.Format(c.Y)} {Markup.Format(p2.X)},{Markup.Format(p2.Y)}";
        double shift = pc && device ? 2.5 : 0;
        if (pc) m.Empty("path", ("d", d), ("fill", "none"), ("stroke", Palette.Pc), ("stroke-width", 2.6), ("stroke-dasharray", "7 4"),
            ("marker-end", $"url(#{id}-arrow-pc)"), ("transform", shift == 0 ? null : $"translate({Markup.Format(-shift)},{Markup.Format(-shift)})"));
        if (device) m.Empty("path", ("d", d), ("fill", "none"), ("stroke", Palette.Device), ("stroke-width", 2.6), ("stroke-dasharray", "7 4"),
            ("marker-end", $"url(#{id}-arrow-device)"), ("transform", shift == 0 ? null : $"translate({Markup.Format(shift)},{Markup.Format(shift)})"));

        string cause = string.Join(" · ", taken.Select(s => Cause(s.Event)).Distinct());
        m.Close();
        // Its words and step numbers go over the boxes, drawn after them.
        return placed =>
        {
            // The first spot along the curve, above or below it, where the words cover no box and no other label.
            double w = LadderSvg.SansWidth(cause, 10.5) + 6, h = 13;
            (double X, double Y) at = Bezier(p0, c, p2, 0.5);
            double ly = at.Y - 9;
            bool found = false;
            foreach (double t in new[] { 0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74 })
            {
                foreach (double dy in new[] { -9.0, 17.0 })
                {
                    var q = Bezier(p0, c, p2, t);
                    var rect = (X: q.X - w / 2, Y: q.Y + dy - 10, W: w, H: h);
                    if (rect.X < 0 || rect.X + w > Width || placed.Any(r => Overlap(r, rect))) continue;
                    (at, ly, found) = (q, q.Y + dy, true);
                    placed.Add(rect);
                    break;
                }
                if (found) break;
            }
            m.Open("g", ("class", "extra-label"), ("data-from", a.State), ("data-to", z.State));
            m.Element("text", cause, ("x", at.X), ("y", ly), ("text-anchor", "middle"), ("class", "sd-label sd-extra"));
            if (numbered) Badges(m, at, (1, 0), taken);
            m.Close();
        };
    }

    static (double X, double Y) Bezier((double X, double Y) p0, (double X, double Y) c, (double X, double Y) p2, double t) =>
        ((1 - t) * (1 - t) * p0.X + 2 * (1 - t) * t * c.X + t * t * p2.X, (1 - t) * (1 - t) * p0.Y + 2 * (1 - t) * t * c.Y + t * t * p2.Y);

    static bool Overlap((double X, double Y, double W, double H) a, (double X, double Y, double W, double H) b) =>
        a.X < b.X + b.W && b.X < a.X + a.W && a.Y < b.Y + b.H && b.Y < a.Y + a.H;

    static (double X, double Y, double W, double H) LabelRect(Label l)
    {
        double w = LadderSvg.SansWidth(l.Text, 10);
        double x = l.Anchor switch { "end" => l.X - w, "start" => l.X, _ => l.X - w / 2 };
        return (x, l.Y - 9, w, 11);
    }

    /// <summary>Where the line from a box's centre towards p leaves the box.</summary>
    static (double X, double Y) Exit(Box b, (double X, double Y) p)
    {
        double dx = p.X - b.X, dy = p.Y - b.Y;
        double tx = dx == 0 ? double.MaxValue : BoxW / 2 / Math.Abs(dx), ty = dy == 0 ? double.MaxValue : BoxH / 2 / Math.Abs(dy);
        double t = Math.Min(Math.Min(tx, ty), 1);
        return (b.X + dx * t, b.Y + dy * t);
    }

    /// <summary>How a transition outside Figure 5 came about, in the words of the figure where they fit.</summary>
    public static string Cause(StateEvent e) => e.CauseKind switch
    {
        "rx" when (e["rx"] ?? "").Contains('R') => "rcv RST",
        "rx" when (e["rx"] ?? "").Contains('F') && e.To == "TIME_WAIT" => "rcv FIN + ACK of FIN",
        "rx" => "rcv " + e["rx"],
        "app" when e["app"] == "close" => "CLOSE",
        "app" => (e["app"] ?? "").ToUpperInvariant() + (e.To == "CLOSED" ? " / snd RST" : ""),
        "timer" when e["timer"] == "fin_wait_2" => "FIN-WAIT-2 timeout",
        "timer" when e["timer"] == "retries-exhausted" => "retries exhausted / snd RST",
        "timer" when e["timer"] == "keepalive" => "keep-alive unanswered / snd RST",
        "timer" when e["timer"] == "syn_received" => "SYN-RECEIVED timeout",
        "timer" => e["timer"] + " timeout",
        "recycled" => "slot recycled (" + e["recycled"] + ")",
        _ => e.Cause,
    };

    static void State(Markup m, Box b, bool pc, bool device)
    {
        m.Open("g", ("class", "state" + (pc || device ? " visited" : "")), ("data-state", b.State), ("data-box", b.Id), ("data-taken", Taken(pc, device)));
        double x = L(b.X), y = T(b.Y);
        m.Empty("rect", ("x", x), ("y", y), ("width", BoxW), ("height", BoxH), ("rx", 5), ("fill", Palette.Fill(b.State)),
            ("stroke", pc ? Palette.Pc : device ? Palette.Device : Palette.Rule), ("stroke-width", pc || device ? 3 : 1.2));
        if (pc && device)
            m.Empty("rect", ("x", x + 3.5), ("y", y + 3.5), ("width", BoxW - 7), ("height", BoxH - 7), ("rx", 3), ("fill", "none"),
                ("stroke", Palette.Device), ("stroke-width", 2.5));
        m.Element("text", b.Title, ("x", b.X), ("y", b.Y + 4.5), ("text-anchor", "middle"), ("class", "sd-state"));
        m.Close();
    }

    static void Badges(Markup m, (double X, double Y) at, (double X, double Y) along, List<Step> taken)
    {
        // Up to three numbers per side on one transition (a side that takes it more often shows its first three).
        var shown = taken.Where(s => s.Pc).Take(3).Concat(taken.Where(s => !s.Pc).Take(3)).ToList();
        double spacing = 17;
        double start = -(shown.Count - 1) * spacing / 2;
        for (int i = 0; i < shown.Count; i++)
        {
            Step s = shown[i];
            double cx = at.X + along.X * (start + i * spacing), cy = at.Y + along.Y * (start + i * spacing);
            m.Open("g", ("class", "badge " + (s.Pc ? "pc" : "device")), ("data-step", s.Number));
            m.Empty("circle", ("cx", cx), ("cy", cy), ("r", 7.5), ("fill", s.Pc ? Palette.Pc : Palette.Device), ("stroke", "#ffffff"), ("stroke-width", 1.2));
            m.Element("text", s.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), ("x", cx), ("y", cy + 3.4), ("text-anchor", "middle"), ("class", "sd-badge"));
            m.Close();
        }
    }

    /// <summary>
    /// Where a transition's step numbers go: on its longest stretch, towards its arrowhead, clear of
    /// the label (which sits at the middle of a stretch); along is that stretch's direction.
    /// </summary>
    static (double X, double Y) BadgePoint((double X, double Y)[] path, out (double X, double Y) along)
    {
        int best = 0;
        double bestLength = -1;
        for (int i = 0; i + 1 < path.Length; i++)
        {
            double length = Math.Abs(path[i + 1].X - path[i].X) + Math.Abs(path[i + 1].Y - path[i].Y);
            if (length > bestLength) { best = i; bestLength = length; }
        }
        var (a, b) = (path[best], path[best + 1]);
        double dx = b.X - a.X, dy = b.Y - a.Y, len = Math.Max(1e-9, Math.Sqrt(dx * dx + dy * dy));
        along = (dx / len, dy / len);
        double t = len < 70 ? 0.5 : 0.8;
        return (a.X + dx * t, a.Y + dy * t);
    }

    static string StateOf(string id) => Boxes.First(b => b.Id == id).State;

    static string? Taken(bool pc, bool device) => pc && device ? "pc device" : pc ? "pc" : device ? "device" : null;
}
