using System.Xml;
using System.Xml.Linq;
using Nanotcp.Html;
using Nanotcp.Ladder;
using Nanotcp.Net;
using Nanotcp.Scenarios;

namespace NanoTcp.Tests.Peer;

/// <summary>
/// The HTML report's structure, read as XML (it is written as XHTML): for real scenario runs on
/// virtual boards, one arrow per segment the ladder draws, the lost ones stopping short with a
/// cross, every state either side entered written beside its lifeline, the timers drawn as spans,
/// and the state diagram highlighting exactly the transitions each side took. Text from a
/// scenario or a device never becomes markup.
/// </summary>
public class HtmlReportTests
{
    static readonly XNamespace X = Markup.XhtmlNs, S = Markup.SvgNs;

    /// <summary>One run of a few scenarios for all the structural checks: what they show covers every kind of mark.</summary>
    static readonly Lazy<IReadOnlyList<ScenarioResult>> Runs = new(() =>
    {
        string[] names = ["lost-fin", "close-device-first", "simultaneous-close", "fin-wait-2-timeout", "fin-ack-together", "table-full", "syn-flood", "lost-last-ack"];
        var scenarios = names.Select(n => ScenarioLibrary.Find(n)!).ToList();
        var results = new ScenarioResult[scenarios.Count];
        ScenarioRunner.RunAll(scenarios, new VirtualBoardTarget(), 4, null, (i, r) => results[i] = r);
        return results;
    });

    static XDocument Report(IReadOnlyList<ScenarioResult> results)
    {
        var text = new StringWriter();
        HtmlReport.Write(text, "NanoTcp report", "a test", results);
        return Parse(text.ToString());
    }

    public static XDocument Parse(string html)
    {
        Assert.StartsWith("<!DOCTYPE html", html);
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    /// <summary>
    /// One scenario's run. Whether its checks held is the scenario tests' business (a loaded machine
    /// may add a retransmission): the report must draw what happened either way.
    /// </summary>
    static ScenarioResult Run(string name) => Runs.Value.Single(r => r.Scenario.Name == name);

    static XElement Slide(XDocument doc, string name) =>
        doc.Descendants(X + "section").Single(s => (string?)s.Attribute("data-scenario") == name && (string?)s.Attribute("data-page") == "1");

    static bool HasClass(XElement e, string cls) => ((string?)e.Attribute("class") ?? "").Split(' ').Contains(cls);

    static IEnumerable<XElement> Classed(XElement root, XName name, string cls) => root.Descendants(name).Where(e => HasClass(e, cls));

    [Fact]
    public void EveryScenarioIsOneSlideWithItsLadderChecksAndStateDiagram()
    {
        XDocument doc = Report(Runs.Value);
        XElement body = doc.Root!.Element(X + "body")!;
        // A cover, then one slide per scenario (none of these needs more than one).
        var slides = body.Elements(X + "section").ToList();
        Assert.Equal(Runs.Value.Count + 1, slides.Count);
        Assert.Equal("cover", (string?)slides[0].Attribute("id"));
        foreach (ScenarioResult r in Runs.Value)
        {
            XElement slide = Slide(doc, r.Scenario.Name);
            Assert.Single(slide.Descendants(S + "svg"), e => HasClass(e, "ladder"));
            Assert.Single(slide.Descendants(S + "svg"), e => HasClass(e, "states"));
            var checks = slide.Descendants(X + "li").Where(li => HasClass(li, "pass") || HasClass(li, "fail")).ToList();
            Assert.Equal(r.Checks.Count, checks.Count);
            Assert.All(r.Checks.Zip(checks), p => Assert.Contains(p.First.Text, p.Second.Value));
            // The cover links to it.
            Assert.Contains(slides[0].Descendants(X + "a"), a => (string?)a.Attribute("href") == "#" + (string?)slide.Attribute("id"));
        }
        // Self-contained: nothing is fetched from anywhere, and there is no script.
        Assert.DoesNotContain(doc.Descendants(), e => e.Name.LocalName is "script" or "link" or "img" or "iframe" or "object");
        Assert.DoesNotContain(doc.Descendants().Attributes(), a => a.Name.LocalName is "src" or "href" && !a.Value.StartsWith('#'));
        string style = doc.Descendants(X + "style").Single().Value;
        Assert.DoesNotContain("url(", style);
        Assert.DoesNotContain("@import", style);
        Assert.Contains("@media print", style);
        Assert.Contains("break-after: page", style);
    }

    [Fact]
    public void OneArrowPerSegmentLostOnesStopShortWithACross()
    {
        XDocument doc = Report(Runs.Value);
        foreach (ScenarioResult r in Runs.Value)
        {
            LadderRenderer.Layout layout = LadderRenderer.Build(r);
            var drawn = layout.Rows.Where(row => row.Segment != null).Select(row => row.Segment!).ToList();
            XElement slide = Slide(doc, r.Scenario.Name);
            var arrows = Classed(slide, S + "g", "segment").ToList();
            Assert.Equal(drawn.Count, arrows.Count);
            // Each says what the text ladder says, in the same order.
            Assert.Equal(drawn.Select(s => LadderRenderer.Label(s, layout.Many)), arrows.Select(a => (string?)a.Attribute("data-label")));
            Assert.Equal(drawn.Select(s => s.FromPc ? "pc" : "device"), arrows.Select(a => (string?)a.Attribute("data-from")));
            foreach (var (segment, arrow) in drawn.Zip(arrows))
            {
                Assert.Equal(segment.Lost, HasClass(arrow, "lost"));
                Assert.Equal(segment.Lost, arrow.Elements(S + "path").Any(p => HasClass(p, "cross")));
                // A lost segment has no arrowhead: it never arrived.
                Assert.Equal(!segment.Lost, arrow.Elements(S + "line").Any(l => l.Attribute("marker-end") != null));
                Assert.Contains(LadderRenderer.Head(segment, layout.Many), arrow.Elements(S + "text").First().Value);
            }
        }
        // lost-fin: two of the device's FINs lost, the third a retransmission that names its timeout.
        // (The first may carry daytime's line too, [FIN, PSH, ACK], when both leave in one step.)
        var lostFin = Classed(Slide(doc, "lost-fin"), S + "g", "segment").ToList();
        Assert.Equal(2, lostFin.Count(a => HasClass(a, "lost") && (string?)a.Attribute("data-from") == "device" && a.Attribute("data-label")!.Value.StartsWith("[FIN,")));
        long lastRto = Run("lost-fin").Segments.Last(s => s.Retransmission && !s.FromPc && s.Has(NanoTcp.TcpFlags.Fin)).RtoMs!.Value;
        Assert.Contains(lostFin, a => !HasClass(a, "lost") && HasClass(a, "retransmission") && a.Attribute("data-label")!.Value.EndsWith($"retransmission, RTO {lastRto} ms"));
        // syn-flood: the flood itself is one summary band, not 40 arrows.
        Assert.Single(Classed(Slide(doc, "syn-flood"), S + "g", "summary").Take(1));
    }

    [Fact]
    public void BothSidesStatesAreWrittenBesideTheirLifelines()
    {
        XDocument doc = Report(Runs.Value);
        foreach (ScenarioResult r in Runs.Value)
        {
            LadderRenderer.Layout layout = LadderRenderer.Build(r);
            XElement ladder = Slide(doc, r.Scenario.Name).Descendants(S + "svg").Single(e => HasClass(e, "ladder"));
            var labels = Classed(ladder, S + "text", "lad-state").ToList();
            foreach (var (side, events) in new[] { ("pc", layout.Rows.SelectMany(x => x.PcEvents)), ("device", layout.Rows.SelectMany(x => x.DeviceEvents)) })
            {
                var written = labels.Where(l => HasClass(l, side)).SelectMany(l => ((string?)l.Attribute("data-states") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
                Assert.Equal(events.Select(e => e.To!), written);
                Assert.All(labels.Where(l => HasClass(l, side) && l.Attribute("data-states") != null),
                    l => Assert.All(l.Attribute("data-states")!.Value.Split(' '), state => Assert.Contains(state, l.Value)));
            }
            Assert.Contains(labels, l => HasClass(l, "pc"));
            Assert.Contains(labels, l => HasClass(l, "device"));
        }
        // With one connection, each lifeline is banded by state: the device's lost-fin bands read its path.
        XElement lostFin = Slide(doc, "lost-fin").Descendants(S + "svg").Single(e => HasClass(e, "ladder"));
        var bands = lostFin.Descendants(S + "g").Single(g => HasClass(g, "lifeline") && HasClass(g, "device"))
            .Elements(S + "rect").Select(b => (string?)b.Attribute("data-state")).ToList();
        Assert.Equal(["LISTEN", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED"], bands);
    }

    [Fact]
    public void TimersAreDrawnAsSpansBesideTheSideThatRunsThem()
    {
        XDocument doc = Report(Runs.Value);
        XElement Ladder(string name) => Slide(doc, name).Descendants(S + "svg").Single(e => HasClass(e, "ladder"));
        List<XElement> Timers(string name, string kind, string side) =>
            Classed(Ladder(name), S + "g", "timer").Where(t => HasClass(t, kind) && (string?)t.Attribute("data-side") == side).ToList();

        // TIME_WAIT's 2·MSL on the side that closed first, ended by its timer, with the time the device's clock measured.
        XElement tw = Assert.Single(Timers("close-device-first", "time-wait", "device"));
        Assert.Matches(@"^2·MSL timer: \d+ ms$", (string)tw.Attribute("data-label")!);
        Assert.NotNull(tw.Attribute("data-end-row"));
        Assert.Empty(Timers("close-device-first", "time-wait", "pc"));

        // The PC's own TIME_WAIT outlives the scenario: an open span.
        Assert.Single(Timers("simultaneous-close", "time-wait", "device"));
        XElement pcTw = Assert.Single(Timers("simultaneous-close", "time-wait", "pc"));
        Assert.Matches(@"^2·MSL timer: \d+ ms$|running$", (string)pcTw.Attribute("data-label")!);

        // The FIN_WAIT_2 timeout, where it fired.
        XElement fw2 = Assert.Single(Timers("fin-wait-2-timeout", "fin-wait-2", "device"));
        Assert.Matches(@"^FIN_WAIT_2 timer: \d+ ms$", (string)fw2.Attribute("data-label")!);

        // Each retransmission's timeout, from the copy before it.
        var rtos = Run("lost-fin").Segments.Where(s => s.Retransmission && !s.FromPc).Select(s => $"RTO {s.RtoMs} ms").ToList();
        Assert.True(rtos.Count >= 2, string.Join(", ", rtos));
        Assert.Equal(rtos, Timers("lost-fin", "rto", "device").Select(t => (string)t.Attribute("data-label")!));
        // A restarted 2·MSL is marked where it restarted.
        XElement restarted = Assert.Single(Timers("lost-last-ack", "time-wait", "device"));
        Assert.Single(restarted.Elements(S + "circle"));
        Assert.Single(Timers("lost-last-ack", "rto", "pc"));
    }

    [Fact]
    public void TheStateDiagramHighlightsExactlyTheTransitionsEachSideTook()
    {
        XDocument doc = Report(Runs.Value);
        foreach (ScenarioResult r in Runs.Value)
        {
            LadderRenderer.Layout layout = LadderRenderer.Build(r);
            XElement diagram = Slide(doc, r.Scenario.Name).Descendants(S + "svg").Single(e => HasClass(e, "states"));

            // Figure 5: eleven states (CLOSED drawn twice, as the RFC draws it) and its twenty transitions.
            var boxes = Classed(diagram, S + "g", "state").ToList();
            Assert.Equal(12, boxes.Count);
            Assert.Equal(Palette.States.Order(), boxes.Select(b => (string)b.Attribute("data-state")!).Distinct().Order());
            Assert.Equal(20, Classed(diagram, S + "g", "edge").Count(e => (string?)e.Attribute("data-figure") == "5"));

            foreach (var (side, events) in new[] { ("pc", layout.Rows.SelectMany(x => x.PcEvents).ToList()), ("device", layout.Rows.SelectMany(x => x.DeviceEvents).ToList()) })
            {
                var took = events.Select(e => (e.From!, e.To!)).ToHashSet();
                var highlighted = Classed(diagram, S + "g", "edge")
                    .Where(e => ((string?)e.Attribute("data-taken") ?? "").Split(' ').Contains(side))
                    .Select(e => ((string)e.Attribute("data-from")!, (string)e.Attribute("data-to")!)).ToHashSet();
                Assert.Equal(took.OrderBy(t => t), highlighted.OrderBy(t => t));
                // Those Figure 5 lacks are drawn as added (dashed) transitions.
                foreach (var (from, to) in took)
                    Assert.Equal(StateDiagramSvg.InFigure(from, to) ? "5" : "no",
                        (string?)Classed(diagram, S + "g", "edge").First(e => (string?)e.Attribute("data-from") == from && (string?)e.Attribute("data-to") == to).Attribute("data-figure"));
                // With one connection the steps are numbered 1, 2, 3... in the order taken.
                if (!layout.Many)
                {
                    var steps = Classed(diagram, S + "g", "badge").Where(b => HasClass(b, side)).Select(b => int.Parse((string)b.Attribute("data-step")!)).Order();
                    Assert.Equal(Enumerable.Range(1, events.Count), steps);
                }
            }
        }
        // fin-ack-together: the device's FIN_WAIT_1 -> TIME_WAIT is not in Figure 5, and is drawn as an addition.
        XElement fat = Slide(doc, "fin-ack-together").Descendants(S + "svg").Single(e => HasClass(e, "states"));
        XElement direct = Classed(fat, S + "g", "extra").Single(e => (string?)e.Attribute("data-from") == "FIN_WAIT_1");
        Assert.Equal(("TIME_WAIT", "device"), ((string)direct.Attribute("data-to")!, (string)direct.Attribute("data-taken")!));
    }

    [Fact]
    public void TextFromScenariosAndDevicesIsEscaped()
    {
        const string hostile = "<script>alert('x')</script> & \"quoted\" <b>bold</b>\u0001";
        var scenario = new Scenario { Name = "x<y>&z", Description = hostile, Run = _ => { } };
        var result = new ScenarioResult
        {
            Scenario = scenario, Passed = false, Reason = hostile, Checks = [new Check(false, hostile, "</li></ul><img src=x>")],
            Packets = [], Segments = [], PcLog = [], DeviceLog = [], Connections = [], DeviceSource = "<i>serial</i>", DurationMs = 1,
        };
        var text = new StringWriter();
        HtmlReport.Write(text, "title </title><script>", "sub & <em>title</em>", [result, result]);
        string html = text.ToString();
        XDocument doc = Parse(html);
        Assert.DoesNotContain(doc.Descendants(), e => e.Name.LocalName is "script" or "b" or "img" or "em" or "i");
        Assert.DoesNotContain("<script", html);
        Assert.Contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"quoted\"", html);
        // What cannot be in XML at all (a control character off a noisy serial line) becomes U+FFFD.
        Assert.Contains("\uFFFD", doc.Root!.Value);
        Assert.Equal("title </title><script>", doc.Descendants(X + "title").First().Value);
    }

    [Fact]
    public void ALadderLongerThanASlideGoesOnOverMoreSlides()
    {
        // A long session (a connect to chargen, say): every segment is still drawn, RowsPerSlide to a slide.
        ScenarioResult r = Run("lost-fin");
        var packets = Enumerable.Range(0, 5).SelectMany(_ => r.Packets).Select((p, i) => p with { TimeMs = p.TimeMs + i * 1000 }).ToList();
        var longer = new ScenarioResult
        {
            Scenario = r.Scenario, Passed = true, Reason = "ok", Checks = r.Checks, Packets = packets,
            Segments = SegmentTrace.Build(packets), PcLog = [], DeviceLog = [], Connections = [], DeviceSource = "", DurationMs = 1,
        };
        XDocument doc = Report([longer]);
        var slides = doc.Descendants(X + "section").ToList();
        int rows = LadderRenderer.Build(longer).Rows.Count;
        Assert.Equal((rows + HtmlReport.RowsPerSlide - 1) / HtmlReport.RowsPerSlide, slides.Count);
        Assert.Equal(longer.Segments.Count, doc.Descendants(S + "g").Count(g => HasClass(g, "segment")));
        Assert.All(slides.Skip(1), s => Assert.True(HasClass(s, "continued")));
    }

    [Fact]
    public void ScenarioAndConnectWriteTheReportForAStandaloneBoard()
    {
        if (!OperatingSystem.IsLinux()) return; // the board's serial log is a pseudo-terminal
        string dir = Directory.CreateTempSubdirectory("nanotcp-html-").FullName;
        var options = new NanoTcp.Board.BoardOptions { Link = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), Serial = NanoTcp.Board.SerialKind.Pty };
        ScenarioLibrary.QuickTimers(options.Device);
        try
        {
            using var board = NanoTcp.Board.VirtualBoard.Start(options);
            string device = board.LinkEndPoint.ToString()!;

            // nanotcp scenario: the same slides as the demo's, the device's side from its serial log.
            string scenarioHtml = Path.Combine(dir, "scenario.html");
            var error = new StringWriter();
            int code = Nanotcp.Commands.ScenarioCommand.Create().Parse(["close-device-first", "--device", device, "--serial", board.SerialPath!, "--html", scenarioHtml])
                .Invoke(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error });
            Assert.True(code == 0, error.ToString());
            XElement slide = Slide(Parse(File.ReadAllText(scenarioHtml)), "close-device-first");
            Assert.Contains(Classed(slide, S + "text", "lad-state"), t => HasClass(t, "device") && t.Value.Contains("TIME_WAIT"));
            Assert.Single(Classed(slide, S + "g", "timer"), t => HasClass(t, "time-wait") && (string?)t.Attribute("data-side") == "device");

            // nanotcp connect to daytime: the session when it ends, both sides' states (the device's from --serial).
            string connectHtml = Path.Combine(dir, "connect.html");
            var trace = new StringWriter();
            code = Nanotcp.Commands.ConnectCommand.Run(new Nanotcp.Commands.ConnectOptions
                {
                    Device = device, Port = Ports.Daytime, Serial = board.SerialPath, Html = connectHtml,
                },
                new StringReader(""), new StringWriter(), trace, false, Nanotcp.Commands.ConnectSignals.None);
            Assert.True(code == 0, trace.ToString());
            Assert.Contains($"html: the session written to {connectHtml}", trace.ToString());
            XDocument doc = Parse(File.ReadAllText(connectHtml));
            slide = Assert.Single(doc.Descendants(X + "section"));
            Assert.Equal("connect", (string?)slide.Attribute("data-scenario"));
            var arrows = Classed(slide, S + "g", "segment").ToList();
            Assert.Contains(arrows, a => a.Attribute("data-label")!.Value == "[SYN] Seq=0");
            Assert.Contains(arrows, a => a.Attribute("data-label")!.Value.StartsWith("[PSH, ACK] Seq=1 Ack=1 Len=") && (string?)a.Attribute("data-from") == "device");
            var states = Classed(slide, S + "text", "lad-state").ToList();
            Assert.Contains(states, t => HasClass(t, "pc") && t.Value.Contains("SYN_SENT"));
            Assert.Contains(states, t => HasClass(t, "device") && t.Value.Contains("SYN_RECEIVED"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DemoWritesTheReportAndABadPathIsOneLine()
    {
        string dir = Directory.CreateTempSubdirectory("nanotcp-html-").FullName;
        try
        {
            string path = Path.Combine(dir, "demo.html");
            var output = new StringWriter();
            var error = new StringWriter();
            int code = Nanotcp.Commands.DemoCommand.Create().Parse(["close-pc-first", "--html", path])
                .Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
            Assert.True(code == 0, error.ToString() + output);
            Assert.Contains($"html: 1 scenario written to {path}", error.ToString());
            XDocument doc = Parse(File.ReadAllText(path));
            Assert.Single(doc.Descendants(X + "section"));

            // A directory, or a folder that does not exist: one line, exit 2, before anything runs.
            foreach (string bad in new[] { dir, Path.Combine(dir, "no", "such", "x.html") })
            {
                error = new StringWriter();
                code = Nanotcp.Commands.DemoCommand.Create().Parse(["close-pc-first", "--html", bad])
                    .Invoke(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error });
                Assert.Equal(2, code);
                string line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.StartsWith("nanotcp demo: --html: ", line);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
