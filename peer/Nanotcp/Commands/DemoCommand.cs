using System.CommandLine;
using Nanotcp.Scenarios;

namespace Nanotcp.Commands;

/// <summary>
/// <c>nanotcp demo [NAME...] [--only NAME] [--pcap FILE] [--format json]</c>: every scenario (or those named), each on a
/// virtual board of its own started in this process (with the scenario's short timers), through
/// real UDP on loopback; ladders and a summary. Exit 0 only when every scenario passed.
/// </summary>
public static class DemoCommand
{
    /// <summary>Boards running at once: the scenarios mostly wait on timers, so a few share two cores well.</summary>
    public const int DefaultJobs = 4;

    public static Command Create()
    {
        // Names may also stand alone (nanotcp demo lost-fin); an unknown option lands there too and gets a one-line error.
        var names = new Argument<string[]>("name") { Description = "Scenarios to run, as with --only", Arity = ArgumentArity.ZeroOrMore, HelpName = "NAME" };
        var only = new Option<string[]>("--only")
        {
            Description = "Run only these scenarios (repeat, or separate with commas; see nanotcp scenario --list)",
            HelpName = "NAME",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var pcap = ScenarioSession.PcapOption();
        var format = ScenarioSession.FormatOption();
        var jobs = CommonOptions.Number("--jobs", "N", "Scenarios run at once, each on its own board", DefaultJobs, 1, 64);
        var command = new Command("demo", "Run every scenario against virtual boards in this process and draw each as a ladder diagram");
        command.Arguments.Add(names);
        command.Options.Add(only);
        command.Options.Add(pcap);
        command.Options.Add(format);
        command.Options.Add(jobs);
        CommonOptions.Examples(command,
            "nanotcp demo                                   # every scenario, as ladders",
            "nanotcp demo lost-fin lost-last-ack            # only these (also --only NAME,NAME)",
            "nanotcp demo --pcap demo.pcap                  # every segment, for Wireshark or tshark",
            "nanotcp demo --format json                     # one object per scenario, for scripts");
        command.SetAction(parse => Run([.. parse.GetValue(names) ?? [], .. parse.GetValue(only) ?? []], parse.GetValue(pcap), parse.GetValue(format),
            parse.GetValue(jobs), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    public static int Run(IReadOnlyList<string> only, string? pcap, string? format, int parallel, TextWriter output, TextWriter error)
    {
        string? bad = ScenarioSession.Validate(format, pcap);
        if (bad == null && (parallel < 1 || parallel > 64)) bad = $"--jobs: {parallel} is outside 1..64";
        List<Scenario>? scenarios = bad == null ? Select(only, out bad) : null;
        if (bad != null || scenarios == null)
        {
            error.WriteLine("nanotcp demo: " + bad);
            return ScenarioSession.ExitUsage;
        }
        using var target = new VirtualBoardTarget();
        target.WarmUp();
        return ScenarioSession.Run(scenarios, target, parallel, format == "json", pcap, output, error);
    }

    /// <summary>The scenarios named (all when none is), in library order; null with an error for an unknown name.</summary>
    public static List<Scenario>? Select(IReadOnlyList<string> names, out string? error)
    {
        error = null;
        var wanted = names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        string? unknown = wanted.FirstOrDefault(n => n != "all" && ScenarioLibrary.Find(n) == null);
        if (unknown != null)
        {
            error = unknown.StartsWith('-') ? $"unknown option '{unknown}' (see --help)" : $"no scenario named '{unknown}' (nanotcp scenario --list names them)";
            return null;
        }
        if (wanted.Count == 0 || wanted.Contains("all")) return ScenarioLibrary.All.ToList();
        return ScenarioLibrary.All.Where(s => wanted.Contains(s.Name)).ToList();
    }
}
