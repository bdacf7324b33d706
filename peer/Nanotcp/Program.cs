using System.CommandLine;
using System.CommandLine.Help;
using Nanotcp.Commands;

// The root is a plain Command so that help shows "nanotcp" rather than the assembly's file name.
var root = new Command("nanotcp", "nanotcp: the desktop peer of the NanoTcp TCP engine");
root.Options.Add(new HelpOption());
root.Options.Add(new VersionOption());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ScenarioCommand.Create());
root.Subcommands.Add(ScriptCommand.Create());
root.Subcommands.Add(ConnectCommand.Create());
root.Subcommands.Add(MonitorCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(TunCommand.Create());
ParseResult parsed = root.Parse(args);
// A mistake on the command line gets its one-line error, not the whole help after it.
if (parsed.Action is System.CommandLine.Invocation.ParseErrorAction onError) onError.ShowHelp = false;
return parsed.Invoke();
