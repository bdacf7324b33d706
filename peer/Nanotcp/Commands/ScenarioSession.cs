using System.CommandLine;
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

    public static Option<string> FormatOption() => CommonOptions.Format("text: ladder diagrams; json: one object per scenario");

    /// <summary>Null when the options make sense, else a one-line error (without the command's name).</summary>
    public static string? Validate(string? format, string? pcap)
    {
        if (format is not (null or "text" or "json")) return $"--format: '{format}' is neither text nor json";
        if (pcap != null)
        {
            try
            {
                File.Create(pcap).Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return $"--pcap: {CommonOptions.CannotWrite(pcap, e)}";
            }
        }
        return null;
    }

    /// <summary>Runs the scenarios and reports them; returns the exit code.</summary>
    public static int Run(IReadOnlyList<Scenario> scenarios, IScenarioTarget target, int parallel, bool json, string? pcap,
        TextWriter output, TextWriter error)
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
