using System.CommandLine;
using NanoTcp.Scripting;

namespace Nanotcp.Commands;

/// <summary>
/// <c>nanotcp script FILE.pkt [FILE...] [--verbose]</c>: runs packetdrill-dialect scripts against
/// the engine on a virtual clock and prints one PASS/FAIL line per script.
/// </summary>
public static class ScriptCommand
{
    public const int ExitPassed = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    public static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Script files (*.pkt), or folders to take every *.pkt from",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "FILE",
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Print the engine's serial log of every script, not only of failing ones",
        };
        var command = new Command("script", "Run scenario scripts (packetdrill dialect) against the engine");
        command.Arguments.Add(files);
        command.Options.Add(verbose);
        CommonOptions.Examples(command,
            "nanotcp script tests/scripts/*.pkt             # every script, one PASS/FAIL line each",
            "nanotcp script tests/scripts/fin-wait-1-straight-to-time-wait.pkt -v# one, with the engine's serial log");
        command.SetAction(parseResult =>
            Run(parseResult.GetValue(files) ?? [], parseResult.GetValue(verbose), parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Runs the scripts; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> arguments, bool verbose, TextWriter output, TextWriter error)
    {
        List<string> paths = [];
        foreach (string argument in arguments)
        {
            if (Directory.Exists(argument))
            {
                string[] found = Directory.GetFiles(argument, "*.pkt");
                Array.Sort(found, StringComparer.Ordinal);
                paths.AddRange(found);
            }
            else if (File.Exists(argument)) paths.Add(argument);
            else
            {
                error.WriteLine($"nanotcp script: no such file: {argument}");
                return ExitUsage;
            }
        }
        if (paths.Count == 0)
        {
            error.WriteLine("nanotcp script: no script files given (usage: nanotcp script FILE.pkt [FILE...])");
            return ExitUsage;
        }

        int passed = 0, failed = 0;
        foreach (string path in paths)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"nanotcp script: cannot read {path}: {e.Message}");
                return ExitUsage;
            }
            ScriptResult result = ScriptRunner.Run(text);
            if (result.Passed) passed++; else failed++;
            Print(path, result, verbose, output);
        }
        output.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? ExitPassed : ExitFailed;
    }

    static void Print(string path, ScriptResult result, bool verbose, TextWriter output)
    {
        if (result.Passed)
        {
            output.WriteLine($"PASS  {path}  ({result.Events} events, virtual {ScriptText.Seconds(result.VirtualMicros)} s)");
        }
        else
        {
            string where = result.Line > 0 ? $"{path}:{result.Line}" : path;
            output.WriteLine($"FAIL  {where}: {result.Message}");
            string details = result.FailureDetails();
            if (details.Length > 0) output.WriteLine(details);
        }
        foreach (object warning in result.Warnings) output.WriteLine($"  warning:  {warning}");
        if (!result.Passed || verbose)
        {
            output.WriteLine(result.Log.Count == 0 ? "  engine log: (empty)" : "  engine log:");
            foreach (object line in result.Log) output.WriteLine($"    {line}");
        }
    }
}
