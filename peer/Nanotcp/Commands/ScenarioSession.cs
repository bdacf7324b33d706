using System.CommandLine;
using Nanotcp.Html;
using Nanotcp.Ladder;
using Nanotcp.Scenarios;

namespace Nanotcp.Commands;

/// <summary>
/// What <c>demo</c> and <c>scenario</c> share: running a list of scenarios on a target with
/// progress on stderr, then the ladders (or JSON), the pcap and the summary.
/// </summary>
public static class ScenarioSession
{
    public const int ExitPassed = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    public static Option<string?> PcapOption() => CommonOptions.Pcap();

    public static Option<string?> HtmlOption() =>
        CommonOptions.Html("Write a report to this HTML file: each scenario's ladder, checks and state diagram as a slide (opens offline, prints one scenario per page)");

    public static Option<string> FormatOption() => CommonOptions.Format("text: ladder diagrams; json: one object per scenario");

    /// <summary>Null when the options make sense, else a one-line error (without the command's name).</summary>
    public static string? Validate(string? format, string? pcap, string? html = null)
    {
        if (format is not (null or "text" or "json")) return $"--format: '{format}' is neither text nor json";
        return Writable("--pcap", pcap) ?? Writable("--html", html);
    }

    /// <summary>Null when the file can be written (it is created empty now, so a bad path fails before the run), else why not.</summary>
    public static string? Writable(string option, string? path)
    {
        if (path == null) return null;
        try
        {
            File.Create(path).Dispose();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"{option}: {CommonOptions.CannotWrite(path, e)}";
        }
    }

    /// <summary>Runs the scenarios and reports them; returns the exit code.</summary>
    public static int Run(IReadOnlyList<Scenario> scenarios, IScenarioTarget target, int parallel, bool json, string? pcap,
        TextWriter output, TextWriter error, HtmlTarget? html = null)
    {
        Painter paint = Painter.For(output);
        var progress = new Progress(error);
        var results = new List<ScenarioResult>();
        ScenarioRunner.RunAll(scenarios, target, parallel,
            starting: i => progress.Show($"scenario {i + 1}/{scenarios.Count} {scenarios[i].Name} …"),
            finished: (i, r) =>
            {
                progress.Clear();
                results.Add(r);
                if (!json) LadderRenderer.Render(r, i, scenarios.Count, output, paint, TerminalWidth(output));
            });
        progress.Clear();

        if (json) ScenarioReport.WriteJson(output, results);
        else ScenarioReport.WriteSummary(output, results, paint);
        if (pcap != null)
        {
            ScenarioReport.WritePcap(pcap, results);
            error.WriteLine($"pcap: {results.Sum(r => r.Packets.Count(p => p.OnTheWire))} packets written to {pcap}");
        }
        if (html != null && !html.Write(results, error)) return ExitFailed;
        return results.All(r => r.Ok) ? ExitPassed : ExitFailed;
    }

    /// <summary>The terminal's width when output goes to it; a pipe or a file has no width.</summary>
    static int TerminalWidth(TextWriter output)
    {
        if (output != Console.Out || Console.IsOutputRedirected) return int.MaxValue;
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : int.MaxValue;
        }
        catch (IOException)
        {
            return int.MaxValue;
        }
    }

    /// <summary>Where the HTML report goes, and what its first slide calls it.</summary>
    public sealed record HtmlTarget(string Path, string Title, string Subtitle)
    {
        /// <summary>Writes the report and says so on stderr; false with a one-line error when the file cannot be written.</summary>
        public bool Write(IReadOnlyList<ScenarioResult> results, TextWriter error)
        {
            try
            {
                HtmlReport.WriteFile(Path, Title, Subtitle, results);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"html: cannot write {Path}: {e.Message}");
                return false;
            }
            error.WriteLine($"html: {results.Count} scenario{(results.Count == 1 ? "" : "s")} written to {Path}");
            return true;
        }
    }

    /// <summary>"scenario 3/19 lost-fin …" on stderr: rewritten in place on a terminal, one line each otherwise.</summary>
    sealed class Progress(TextWriter error)
    {
        readonly bool _terminal = error == Console.Error && !Console.IsErrorRedirected;
        bool _shown;

        public void Show(string text)
        {
            if (_terminal) { error.Write("\r\u001b[K" + text); _shown = true; }
            else error.WriteLine(text);
        }

        public void Clear()
        {
            if (!_shown) return;
            error.Write("\r\u001b[K");
            _shown = false;
        }
    }
}
