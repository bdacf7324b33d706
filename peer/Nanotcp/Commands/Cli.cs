using System.CommandLine;
using System.CommandLine.Invocation;

namespace Nanotcp.Commands;

/// <summary>
/// The <c>nanotcp</c> command line: every command, the help, and what a mistake on the command
/// line gives, the same for all of them: one line "nanotcp COMMAND: what is wrong" on standard
/// error and exit code 2.
/// </summary>
public static class Cli
{
    public static Command Root()
    {
        // A plain Command rather than a RootCommand, so that help shows "nanotcp" rather than the assembly's file name.
        var root = new Command("nanotcp", "nanotcp: the desktop peer of the NanoTcp TCP engine. 'nanotcp COMMAND --help' tells more about each.");
        root.Options.Add(CommonOptions.Help());
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ScenarioCommand.Create());
        root.Subcommands.Add(ScriptCommand.Create());
        root.Subcommands.Add(ConnectCommand.Create());
        root.Subcommands.Add(MonitorCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(TunCommand.Create());

        var topic = new Argument<string?>("command") { Description = "The command to explain", Arity = ArgumentArity.ZeroOrOne, HelpName = "COMMAND" };
        var help = new Command("help", "Show the help, or a command's help") { topic };
        help.SetAction(parse => ShowHelp(root, parse.GetValue(topic), parse.InvocationConfiguration));
        root.Subcommands.Add(help);

        // Bare `nanotcp` shows the help instead of complaining that no command was given.
        root.SetAction(parse => ShowHelp(root, null, parse.InvocationConfiguration));
        CommonOptions.Examples(root,
            "nanotcp demo                                       # every scenario on virtual boards, as ladders",
            "nanotcp connect --device 127.0.0.1:9293 --port 7   # talk to the echo service of a virtual board",
            "nanotcp monitor --serial /dev/ttyUSB0              # a device's serial log, aligned and coloured",
            "nanotcp help connect                               # the same as nanotcp connect --help");
        return root;
    }

    /// <summary>Parses and runs one command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        Command root = Root();
        ParseResult parsed = root.Parse(args);
        var configuration = new InvocationConfiguration();
        if (output != null) configuration.Output = output;
        if (error != null) configuration.Error = error;
        if (parsed.Action is ParseErrorAction)
        {
            // The first error is the one to fix; the parser's own report lists them all with the help after.
            string who = parsed.CommandResult.Command == root ? "nanotcp" : $"nanotcp {parsed.CommandResult.Command.Name}";
            string message = Rephrase(parsed.Errors[0].Message.TrimEnd('.'), parsed.CommandResult.Command);
            configuration.Error.WriteLine($"{who}: {message} (see {who} --help)");
            return CommonOptions.ExitUsage;
        }
        return parsed.Invoke(configuration);
    }

    /// <summary>The parser's "Option '--device' is required" in the words of the help: "--device HOST[:PORT] is required".</summary>
    static string Rephrase(string message, Command command)
    {
        var required = System.Text.RegularExpressions.Regex.Match(message, "^Option '(?<name>-[^']+)' is required$");
        if (!required.Success) return message;
        string name = required.Groups["name"].Value;
        Option? option = command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
        return option?.HelpName is string placeholder ? $"{name} {placeholder} is required" : $"{name} is required";
    }

    static int ShowHelp(Command root, string? topic, InvocationConfiguration configuration)
    {
        if (topic != null && !root.Subcommands.Any(c => c.Name == topic))
        {
            configuration.Error.WriteLine($"nanotcp help: no command named '{topic}' (nanotcp help lists them)");
            return CommonOptions.ExitUsage;
        }
        string[] args = topic == null ? ["--help"] : [topic, "--help"];
        return root.Parse(args).Invoke(configuration);
    }
}
