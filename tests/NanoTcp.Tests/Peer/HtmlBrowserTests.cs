using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nanotcp.Commands;

namespace NanoTcp.Tests.Peer;

/// <summary>
/// A test that opens the HTML report in a real headless browser. Where none is installed it is
/// skipped with the reason, unless this machine must run everything (CI, or
/// NANOTCP_REQUIRE_NETNS=1): then it runs and fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        bool required = Environment.GetEnvironmentVariable("CI") is "true" or "1" || Environment.GetEnvironmentVariable("NANOTCP_REQUIRE_NETNS") == "1";
        if (HeadlessBrowser.Path == null && !required)
            Skip = "no headless Chromium (Debian package chromium-headless-shell; .ci/run installs it): the report is not rendered";
    }
}

static class HeadlessBrowser
{
    /// <summary>NANOTCP_BROWSER, else the first Chromium on the PATH.</summary>
    public static readonly string? Path = Environment.GetEnvironmentVariable("NANOTCP_BROWSER") is { Length: > 0 } chosen ? chosen
        : new[] { "chromium-headless-shell", "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Select(dir => System.IO.Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs the browser on a file with a 1600×900 window (a slide at 100 %), no network (every host
    /// name fails to resolve, so a reference to anything outside the file would fail), and the
    /// given action (--dump-dom, --screenshot=..., --print-to-pdf=...). Returns stdout and stderr.
    /// </summary>
    public static (string Output, string Error) Run(string file, params string[] action)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("a headless Chromium is required here but not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // No sandbox: tests run as root in CI, where Chromium refuses to start with it.
        foreach (string a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1600,900",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=60000",
        }.Concat(action).Append(new Uri(file).AbsoluteUri))
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync(), error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("the browser did not finish within 2 minutes");
        }
        Assert.True(p.ExitCode == 0, $"{Path} {string.Join(' ', action)}: exit {p.ExitCode}: {error.Result}");
        return (output.Result, error.Result);
    }

    /// <summary>What the page itself wrote to its console (errors included): Chromium logs each as a CONSOLE line.</summary>
    public static IEnumerable<string> ConsoleLines(string stderr) =>
        stderr.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal));
}

/// <summary>
/// The report as a browser shows it: `nanotcp demo --html` for a handful of scenarios, opened
/// in headless Chromium at 1600×900 (a 16:9 slide at 100 %). A check added to a copy of the file
/// runs after layout and writes what it measured into the page: each slide is 16:9 and fills the
/// window's width, nothing on a slide reaches outside it, every drawing has a size, no two
/// labels of a ladder cover each other, and nothing was loaded from anywhere. Then the page
/// prints one slide per page and takes a screenshot.
/// </summary>
public class HtmlBrowserTests
{
    /// <summary>
    /// Measures the laid-out page once it has loaded with its fonts (asking for a box lays the page
    /// out); inserted into a copy of the report only: the report itself has no script.
    /// </summary>
    const string Probe = """
        <script>
        addEventListener('load', () => document.fonts.ready.then(() => {
          const out = { mode: document.compatMode, slides: [], resources: performance.getEntriesByType('resource').map(r => r.name) };
          const describe = e => e.tagName + (e.id ? '#' + e.id : '') + (e.getAttribute('class') ? '.' + e.getAttribute('class') : '') + ' "' + (e.textContent || '').slice(0, 40) + '"';
          for (const s of document.querySelectorAll('section.slide')) {
            const r = s.getBoundingClientRect();
            const slide = { id: s.id, width: r.width, height: r.height, outside: [], empty: [], overlaps: [], texts: 0 };
            for (const e of s.querySelectorAll('*')) {
              if (e.closest('defs, title')) continue;
              const b = e.getBoundingClientRect();
              if (b.width === 0 && b.height === 0) continue;
              if (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1) slide.outside.push(describe(e));
            }
            for (const svg of s.querySelectorAll('svg')) {
              const bb = svg.getBBox();
              if (!(bb.width > 0 && bb.height > 0)) slide.empty.push(describe(svg));
            }
            for (const svg of s.querySelectorAll('svg.ladder')) {
              const texts = [...svg.querySelectorAll('text')].map(t => [t, t.getBoundingClientRect()]);
              slide.texts += texts.length;
              for (let i = 0; i < texts.length; i++)
                for (let j = i + 1; j < texts.length; j++) {
                  const a = texts[i][1], b = texts[j][1];
                  const x = Math.min(a.right, b.right) - Math.max(a.left, b.left), y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                  if (x > 1 && y > 1) slide.overlaps.push(describe(texts[i][0]) + ' / ' + describe(texts[j][0]));
                }
            }
            out.slides.push(slide);
          }
          const pre = document.createElement('pre');
          pre.id = 'render-check';
          pre.textContent = JSON.stringify(out);
          document.body.appendChild(pre);
        }));
        </script>
        """;

    static readonly string[] Shown = ["lost-fin", "simultaneous-close", "fin-wait-2-timeout", "table-full", "syn-flood", "half-close"];

    [BrowserFact]
    public void TheReportRendersAsSlidesWithoutErrorsAndPrintsOneScenarioPerPage()
    {
        string dir = Directory.CreateTempSubdirectory("nanotcp-browser-").FullName;
        try
        {
            string report = System.IO.Path.Combine(dir, "demo.html");
            var error = new StringWriter();
            int code = DemoCommand.Create().Parse([.. Shown, "--html", report])
                .Invoke(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error });
            Assert.True(code is 0 or 1, error.ToString()); // a scenario failing on a loaded machine is the scenario tests' concern
            string html = File.ReadAllText(report);
            Assert.DoesNotContain("<script", html);

            // Laid out at 1600×900, measured by the probe.
            string probed = System.IO.Path.Combine(dir, "probed.html");
            File.WriteAllText(probed, html.Replace("</body>", Probe + "</body>"));
            var (dom, log) = HeadlessBrowser.Run(probed, "--dump-dom");
            Assert.Empty(HeadlessBrowser.ConsoleLines(log));
            Match marker = Regex.Match(dom, "<pre id=\"render-check\">(.*?)</pre>", RegexOptions.Singleline);
            Assert.True(marker.Success, "the page did not finish its layout check:\n" + dom[..Math.Min(dom.Length, 2000)]);
            using JsonDocument check = JsonDocument.Parse(WebUtility.HtmlDecode(marker.Groups[1].Value));
            Assert.Equal("CSS1Compat", check.RootElement.GetProperty("mode").GetString()); // standards mode, not quirks
            Assert.Empty(check.RootElement.GetProperty("resources").EnumerateArray());
            var slides = check.RootElement.GetProperty("slides").EnumerateArray().ToList();
            Assert.Equal(Shown.Length + 1, slides.Count); // the cover and one per scenario
            foreach (JsonElement slide in slides)
            {
                string id = slide.GetProperty("id").GetString()!;
                double width = slide.GetProperty("width").GetDouble(), height = slide.GetProperty("height").GetDouble();
                Assert.InRange(width, 1590, 1600);
                Assert.InRange(height / width, 9.0 / 16 - 0.002, 9.0 / 16 + 0.002);
                Assert.True(slide.GetProperty("outside").GetArrayLength() == 0, $"{id}: reaches outside the slide: {slide.GetProperty("outside")}");
                Assert.True(slide.GetProperty("empty").GetArrayLength() == 0, $"{id}: drawn with no size: {slide.GetProperty("empty")}");
                Assert.True(slide.GetProperty("overlaps").GetArrayLength() == 0, $"{id}: labels cover each other: {slide.GetProperty("overlaps")}");
                if (id != "cover") Assert.True(slide.GetProperty("texts").GetInt32() > 10, $"{id}: the ladder has hardly any text");
            }

            // Printed: one page per slide.
            string pdf = System.IO.Path.Combine(dir, "demo.pdf");
            var (_, printLog) = HeadlessBrowser.Run(report, "--no-pdf-header-footer", $"--print-to-pdf={pdf}");
            Assert.Empty(HeadlessBrowser.ConsoleLines(printLog));
            string pdfText = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(pdf));
            Assert.Equal(Shown.Length + 1, Regex.Matches(pdfText, @"/Type\s*/Page\b").Count);

            // And as a picture: a screenshot of the first slide, with something drawn on it.
            string png = System.IO.Path.Combine(dir, "demo.png");
            var (_, shotLog) = HeadlessBrowser.Run(report, $"--screenshot={png}");
            Assert.Empty(HeadlessBrowser.ConsoleLines(shotLog));
            Assert.True(new FileInfo(png).Length > 20_000, "the screenshot is (almost) blank");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
