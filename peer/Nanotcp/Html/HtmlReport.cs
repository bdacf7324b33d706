using System.Text;
using Nanotcp.Ladder;
using Nanotcp.Scenarios;

namespace Nanotcp.Html;

/// <summary>
/// The <c>--html FILE</c> report: one self-contained page (inline CSS and SVG; no script, font or
/// image from elsewhere) that opens offline in any browser. Each scenario is one 16:9 slide: its
/// ladder (<see cref="LadderSvg"/>), the checks under it, and beside it the RFC 9293 state
/// diagram with the path each side took (<see cref="StateDiagramSvg"/>). On paper each slide is a
/// page. A ladder longer than a slide holds (a long <c>connect</c> session) goes on over
/// further slides. Everything is drawn from the same rows as the text ladder.
/// </summary>
public static class HtmlReport
{
    /// <summary>Ladder rows on one slide: the longest scenario (29 rows) fits, and a label stays readable on a projector.</summary>
    public const int RowsPerSlide = 30;
    /// <summary>A session longer than this many slides is cut, with a note (the pcap has it all).</summary>
    public const int MaxSlidesPerScenario = 12;

    /// <summary>Writes the report to a file; throws IOException and friends as File.Create does.</summary>
    /// <param name="session">One session (connect) rather than scenarios: its verdict says how it ended, not whether checks held.</param>
    public static void WriteFile(string path, string title, string subtitle, IReadOnlyList<ScenarioResult> results, bool session = false)
    {
        using var output = new StreamWriter(path, false, new UTF8Encoding(false));
        Write(output, title, subtitle, results, session);
    }

    public static void Write(TextWriter output, string title, string subtitle, IReadOnlyList<ScenarioResult> results, bool session = false)
    {
        using var m = new Markup(output);
        m.DocType();
        m.Open("html", ("lang", "en"));
        m.Open("head");
        m.Empty("meta", ("charset", "utf-8"));
        m.Empty("meta", ("name", "viewport"), ("content", "width=device-width, initial-scale=1"));
        m.Element("title", title);
        m.Open("style").Css(Style).Close();
        m.Close();
        m.Open("body");
        if (results.Count > 1) Cover(m, title, subtitle, results);
        for (int i = 0; i < results.Count; i++) Scenario(m, results[i], i, results.Count, results.Count == 1 ? subtitle : null, session);
        m.Close();
        m.Close();
    }

    static string Anchor(ScenarioResult r, int index) => $"s{index + 1}-{r.Scenario.Name}";

    /// <summary>The first slide: what the report holds, each scenario with its verdict, and how to read a ladder.</summary>
    static void Cover(Markup m, string title, string subtitle, IReadOnlyList<ScenarioResult> results)
    {
        int failed = results.Count(r => !r.Ok), skipped = results.Count(r => r.Skipped != null);
        m.Open("section", ("class", "slide cover"), ("id", "cover"));
        m.Open("div", ("class", "frame"));
        m.Open("header");
        m.Element("h1", title);
        string counts = failed == 0 ? $"✔ {results.Count - skipped} passed" : $"✘ {failed} of {results.Count} failed";
        if (skipped > 0) counts += $", {skipped} skipped";
        m.Element("span", counts,
            ("class", "verdict " + (failed == 0 ? "pass" : "fail")));
        m.Element("p", subtitle, ("class", "desc"));
        m.Close();
        m.Open("ol", ("class", "contents"));
        for (int i = 0; i < results.Count; i++)
        {
            ScenarioResult r = results[i];
            m.Open("li", ("class", r.Passed ? "pass" : r.Skipped != null ? "skip" : "fail"));
            m.Element("span", r.Passed ? "✔" : r.Skipped != null ? "–" : "✘", ("class", "mark"));
            m.Open("a", ("href", "#" + Anchor(r, i))).Text(r.Scenario.Name).Close();
            m.Element("span", " " + r.Scenario.Description, ("class", "what"));
            m.Close();
        }
        m.Close();
        Key(m);
        m.Close();
        m.Close();
    }

    /// <summary>How to read a ladder, with the same drawings the ladders use.</summary>
    static void Key(Markup m)
    {
        m.Open("div", ("class", "key"));
        m.Element("h3", "How to read a ladder");
        m.Open("svg", ("class", "key-svg"), ("viewBox", "0 0 600 250"), ("role", "img"), ("aria-label", "legend"));
        m.Open("defs");
        m.Open("marker", ("id", "key-arrow"), ("viewBox", "0 0 10 10"), ("refX", 9.5), ("refY", 5), ("markerWidth", 11), ("markerHeight", 11),
            ("orient", "auto"), ("markerUnits", "userSpaceOnUse"));
        m.Empty("path", ("d", "M0,0.5 L10,5 L0,9.5 z"), ("fill", Palette.Ink));
        m.Close();
        m.Open("marker", ("id", "key-rtx"), ("viewBox", "0 0 10 10"), ("refX", 9.5), ("refY", 5), ("markerWidth", 11), ("markerHeight", 11),
            ("orient", "auto"), ("markerUnits", "userSpaceOnUse"));
        m.Empty("path", ("d", "M0,0.5 L10,5 L0,9.5 z"), ("fill", Palette.Retransmission));
        m.Close();
        m.Close();
        // Two lifelines, one segment of each kind, a state band, a timer.
        m.Empty("rect", ("x", 25), ("y", 10), ("width", 10), ("height", 60), ("fill", Palette.Fill("ESTABLISHED")), ("stroke", Palette.Pc), ("stroke-width", 1.2));
        m.Empty("rect", ("x", 25), ("y", 70), ("width", 10), ("height", 120), ("fill", Palette.Fill("TIME_WAIT")), ("stroke", Palette.Pc), ("stroke-width", 1.2));
        m.Empty("rect", ("x", 245), ("y", 10), ("width", 10), ("height", 180), ("fill", Palette.Fill("FIN_WAIT_1")), ("stroke", Palette.Device), ("stroke-width", 1.2));
        m.Empty("line", ("x1", 36), ("y1", 24), ("x2", 243), ("y2", 36), ("stroke", Palette.Ink), ("stroke-width", 1.8), ("marker-end", "url(#key-arrow)"));
        m.Empty("line", ("x1", 244), ("y1", 66), ("x2", 90), ("y2", 75), ("stroke", Palette.Lost), ("stroke-width", 1.8), ("stroke-dasharray", "7 4"));
        m.Empty("path", ("d", "M84,69 l12,12 M84,81 l12,-12"), ("stroke", Palette.Lost), ("stroke-width", 3), ("stroke-linecap", "round"));
        m.Empty("line", ("x1", 244), ("y1", 112), ("x2", 37), ("y2", 124), ("stroke", Palette.Retransmission), ("stroke-width", 1.8), ("marker-end", "url(#key-rtx)"));
        m.Empty("path", ("d", "M21,80 H15 V180 H21"), ("fill", "none"), ("stroke", Palette.TimeWait), ("stroke-width", 2.4));
        string[] lines =
        [
            "a segment, labelled as Wireshark labels it",
            "(Seq and Ack relative to each side's first)",
            "a lost segment stops short, with ✗",
            "a retransmission, and the timeout that sent it",
            "each lifeline in the colour of its state",
            "(the state diagram's colours)",
            "a timer, beside the side that runs it:",
            "2·MSL, the FIN_WAIT_2 timeout, RTO",
        ];
        double[] ys = [26, 43, 78, 122, 150, 167, 196, 213];
        for (int i = 0; i < lines.Length; i++)
            m.Element("text", lines[i], ("x", 275), ("y", ys[i]), ("class", "key-text"));
        m.Close();
        m.Close();
    }

    static void Scenario(Markup m, ScenarioResult r, int index, int total, string? subtitle, bool session)
    {
        LadderRenderer.Layout layout = LadderRenderer.Build(r);
        LadderSvg.Plan plan = LadderSvg.Prepare(layout);
        int rows = layout.Rows.Count;
        int slides = Math.Max(1, (rows + RowsPerSlide - 1) / RowsPerSlide);
        int shown = Math.Min(slides, MaxSlidesPerScenario);
        var pc = layout.Rows.SelectMany(row => row.PcEvents).ToList();
        var device = layout.Rows.SelectMany(row => row.DeviceEvents).ToList();

        for (int page = 0; page < shown; page++)
        {
            bool firstPage = page == 0;
            string anchor = firstPage ? Anchor(r, index) : $"{Anchor(r, index)}-{page + 1}";
            m.Open("section", ("class", "slide scenario" + (firstPage ? "" : " continued")), ("id", anchor),
                ("data-scenario", r.Scenario.Name), ("data-passed", r.Passed ? "true" : "false"), ("data-page", page + 1));
            m.Open("div", ("class", "frame"));
            m.Open("header");
            string number = total > 1 ? $"{index + 1}/{total} " : "";
            m.Open("h2").Element("span", number, ("class", "num")).Text(r.Scenario.Name).Close();
            string description = r.Scenario.Description + (subtitle != null ? " · " + subtitle : "");
            m.Element("p", slides > 1 ? $"{description} (part {page + 1} of {slides})" : description, ("class", "desc"));
            // A session (connect) ended well or not; a scenario passed or failed.
            string verdict = session ? (r.Passed ? "✔ ended cleanly" : "✘ did not end cleanly")
                : r.Passed ? "✔ passed" : r.Skipped != null ? "– skipped" : "✘ FAILED";
            m.Element("span", verdict, ("class", "verdict " + (r.Passed ? "pass" : r.Skipped != null ? "skip" : "fail")));
            m.Close();

            m.Open("div", ("class", "ladder-cell"));
            if (rows == 0) m.Element("p", "(no segments)", ("class", "empty"));
            else LadderSvg.Write(m, plan, page * RowsPerSlide, RowsPerSlide, $"{anchor}-ladder",
                $"ladder of {r.Scenario.Name}: the PC on the left, the device on the right", LadderAspect(r, firstPage));
            m.Close();

            if (firstPage)
            {
                m.Open("div", ("class", "side"));
                m.Open("div", ("class", "diagram-cell"));
                StateDiagramSvg.Write(m, pc, device, numbered: !layout.Many, $"{anchor}-states",
                    $"RFC 9293 Figure 5 with the path each side took in {r.Scenario.Name}");
                m.Close();
                m.Open("p", ("class", "diagram-key"));
                m.Element("span", "■ PC", ("class", "pc"));
                m.Element("span", "■ device", ("class", "device"));
                m.Text(layout.Many
                    ? "their paths on RFC 9293 Figure 5 · dashed: not in it"
                    : "steps in order on RFC 9293 Figure 5 · dashed: not in it");
                m.Close();
                m.Close();
                Checks(m, r, rows > RowsPerSlide * shown ? rows - RowsPerSlide * shown : 0);
            }
            m.Close();
            m.Close();
        }
    }

    /// <summary>
    /// The height/width ratio of the ladder's cell on a 1600×900 slide (the style sheet's grid,
    /// roughly): what the header and the checks under it leave of the left column.
    /// </summary>
    static double LadderAspect(ScenarioResult r, bool firstPage)
    {
        const double slideW = 1600, slideH = 900, header = 62, padding = 40, gaps = 22;
        if (!firstPage) return (slideH - padding - header - gaps) / (slideW - 64);
        bool dense = Dense(r);
        double lineH = (dense ? 1.55 : 1.8) * 9 * 1.3, charsPerLine = 0.61 * (slideW - 90) / ((dense ? 1.55 : 1.8) * 9 * 0.56);
        double lines = r.Checks.Sum(c => Math.Ceiling((c.Text.Length + 2 + (c.Passed ? 0 : c.Detail?.Length ?? 0)) / charsPerLine)) + 1.3;
        return Math.Max(0.3, (slideH - padding - header - gaps - lines * lineH) / (0.61 * (slideW - 90)));
    }

    static bool Dense(ScenarioResult r) =>
        r.Checks.Count > 7 || r.Checks.Sum(c => c.Text.Length + (c.Detail?.Length ?? 0)) + r.Reason.Length > 560;

    static void Checks(Markup m, ScenarioResult r, int omitted)
    {
        string density = Dense(r) ? " dense" : "";
        m.Open("div", ("class", "checks" + density));
        m.Open("ul");
        foreach (Check c in r.Checks)
        {
            m.Open("li", ("class", c.Passed ? "pass" : "fail"));
            m.Element("span", c.Passed ? "✔" : "✘", ("class", "mark"));
            m.Text(c.Passed || c.Detail == null ? c.Text : $"{c.Text}: {c.Detail}");
            m.Close();
        }
        m.Close();
        string source = r.DeviceSource.Length > 0 ? $", device side from its {r.DeviceSource}" : "";
        if (r.Skipped != null) m.Element("p", $"skipped: {r.Skipped}", ("class", "result skip"));
        else m.Element("p", r.Passed ? $"{r.Reason}{source}" : $"failed: {r.Reason}", ("class", "result " + (r.Passed ? "pass" : "fail")));
        if (omitted > 0)
            m.Element("p", $"{omitted} more rows are not drawn: the session was longer than {MaxSlidesPerScenario} slides (--pcap keeps every segment)", ("class", "result"));
        m.Close();
    }

    // No <, > or & in here: the style sheet is text the HTML parser reads raw.
    const string Style = """
        * { box-sizing: border-box; }
        html, body { margin: 0; padding: 0; }
        body { background: #d5d7db; color: #202124; font-family: "DejaVu Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
        .slide { position: relative; width: min(100%, calc(100vh * 16 / 9)); aspect-ratio: 16 / 9; margin: 0 auto 14px; background: #ffffff;
          container-type: size; overflow: hidden; }
        .frame { position: absolute; inset: 0; padding: 2.4cqh 2cqw 2cqh; display: grid; gap: 1.2cqh 1.6cqw; font-size: 1.9cqh;
          grid-template-columns: minmax(0, 61fr) minmax(0, 39fr); grid-template-rows: auto minmax(0, 1fr) auto;
          grid-template-areas: "head head" "ladder side" "checks side"; }
        .continued .frame { grid-template-areas: "head head" "ladder ladder" "checks checks"; }
        header { grid-area: head; display: flex; align-items: baseline; gap: 1.4cqw; border-bottom: 0.3cqh solid #9aa0a6; padding-bottom: 0.9cqh; }
        h1 { margin: 0; font-size: 4.4cqh; white-space: nowrap; }
        h2 { margin: 0; font-size: 3.6cqh; white-space: nowrap; }
        h2 .num { color: #5f6368; font-weight: normal; margin-right: 0.4em; }
        h3 { margin: 0 0 0.6cqh; font-size: 2.3cqh; }
        .desc { margin: 0; flex: 1; font-size: 2.05cqh; color: #3c4043; line-height: 1.25; }
        .verdict { white-space: nowrap; font-weight: bold; font-size: 2.3cqh; }
        .pass, .verdict.pass { color: #1b7a34; }
        .fail, .verdict.fail { color: #c62828; }
        .verdict.skip, .result.skip { color: #5f6368; }
        .ladder-cell { grid-area: ladder; min-height: 0; min-width: 0; }
        .side { grid-area: side; min-height: 0; min-width: 0; display: flex; flex-direction: column; }
        .diagram-cell { flex: 1; min-height: 0; }
        .ladder-cell svg, .diagram-cell svg { display: block; width: 100%; height: 100%; }
        .diagram-key { margin: 0.6cqh 0 0; font-size: 1.65cqh; color: #3c4043; text-align: center; }
        .diagram-key span { font-weight: bold; margin-right: 0.8em; }
        .diagram-key .pc { color: #1f5fa8; }
        .diagram-key .device { color: #a0460a; }
        .checks { grid-area: checks; font-size: 1.8cqh; line-height: 1.3; }
        .checks.dense { font-size: 1.55cqh; }
        .checks ul { margin: 0; padding: 0; list-style: none; }
        .checks li { color: #202124; padding-left: 1.5em; text-indent: -1.5em; }
        .checks li .mark, .contents .mark { display: inline-block; width: 1.5em; text-indent: 0; font-weight: bold; }
        .checks li.pass .mark, .contents li.pass .mark { color: #1b7a34; }
        .checks li.fail, .checks li.fail .mark, .contents li.fail .mark { color: #c62828; }
        .result { margin: 0.5cqh 0 0; font-size: 0.95em; color: #5f6368; }
        .result.fail { color: #c62828; font-weight: bold; }
        .empty { color: #5f6368; }
        .cover .frame { grid-template-columns: minmax(0, 58fr) minmax(0, 42fr); grid-template-rows: auto minmax(0, 1fr);
          grid-template-areas: "head head" "contents key"; }
        .contents { grid-area: contents; margin: 0; padding: 0; list-style: none; font-size: 2cqh; line-height: 1.45; overflow: hidden; }
        .contents li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .contents a { color: #1f5fa8; font-weight: bold; text-decoration: none; }
        .contents .what { color: #3c4043; }
        .key { grid-area: key; min-height: 0; }
        .key-svg { display: block; width: 100%; height: auto; }
        .cover header { flex-wrap: wrap; justify-content: space-between; }
        .cover header .desc { flex-basis: 100%; }
        svg text { font-family: "DejaVu Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif; }
        .lad-label, .lad-note, .lad-time, .lad-gap, .lad-summary { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace; }
        .lad-label { font-size: 12.5px; }
        .lad-note { font-size: 11px; font-style: italic; }
        .lad-time { font-size: 11px; fill: #5f6368; }
        .lad-gap { font-size: 10.5px; fill: #5f6368; font-style: italic; }
        .lad-summary { font-size: 11px; fill: #3c4043; }
        .lad-side { font-size: 14px; font-weight: bold; }
        .lad-side.pc, .lad-state.pc { fill: #1f5fa8; }
        .lad-side.device, .lad-state.device { fill: #a0460a; }
        .lad-state { font-size: 12.5px; font-weight: bold; }
        .lad-timer { font-size: 11px; font-style: italic; }
        .segment text, .lad-timer { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
        .sd-label { font-size: 10px; fill: #5f6368; }
        .sd-extra { font-size: 10.5px; font-style: italic; fill: #202124; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
        .sd-state { font-size: 12px; font-weight: bold; }
        .sd-badge { font-size: 9.5px; font-weight: bold; fill: #ffffff; }
        .key-text { font-size: 13px; }
        @media print {
          @page { size: landscape; margin: 8mm; }
          body { background: #ffffff; }
          .slide { width: 100%; margin: 0; break-after: page; break-inside: avoid; }
          .slide:last-child { break-after: auto; }
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        }
        @media screen {
          .slide { box-shadow: 0 1px 4px rgba(0, 0, 0, 0.25); }
        }
        """;
}
