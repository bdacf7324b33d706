using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using Nanotcp.Serial;

namespace Nanotcp.Commands;

/// <summary>
/// The options several commands share, and the one convention they all follow, so that
/// <c>--help</c> reads the same everywhere:
/// <list type="bullet">
/// <item>the device is always <c>--device HOST[:PORT]</c> (<c>-d</c>), the serial log <c>--serial PATH</c> (<c>-s</c>),
/// its speed <c>--baud N</c> (<c>-b</c>), the pcap <c>--pcap FILE</c>, the output <c>--format text|json</c> (<c>-f</c>);</item>
/// <item>placeholders are upper case (FILE, PATH, N, MS, NAME); a default is shown by the parser as
/// <c>[default: X]</c>, and a default that is not a plain value is written the same way in the description;</item>
/// <item>a value that does not parse is one line naming the option, never a .NET type name;</item>
/// <item>every command's help ends with examples (<see cref="Examples"/>).</item>
/// </list>
/// </summary>
public static class CommonOptions
{
    /// <summary>The exit code of every command for a mistake on the command line.</summary>
    public const int ExitUsage = 2;

    public const int DefaultLinkPort = 9293;

    public const string DeviceDescription =
        "The device's link, its UDP port: HOST[:PORT], port 9293 when not given (the virtual board: 127.0.0.1:9293)";

    /// <summary><c>--device HOST[:PORT]</c>, <c>-d</c>.</summary>
    public static Option<string?> Device() => new("--device", "-d") { Description = DeviceDescription, HelpName = "HOST[:PORT]" };

    /// <summary><c>--serial PATH</c>, <c>-s</c>: a serial port, a pty, a saved log or - for standard input.</summary>
    public static Option<string?> Serial(string description) => new("--serial", "-s") { Description = description, HelpName = "PATH" };

    /// <summary><c>--baud N</c>, <c>-b</c>.</summary>
    public static Option<int> Baud() =>
        Number("--baud", "N", "Speed of a real serial port (a pty ignores it)", SerialLineReader.DefaultBaud, 1, int.MaxValue, "-b");

    /// <summary><c>--pcap FILE</c>.</summary>
    public static Option<string?> Pcap(string description = "Write every segment to this pcap file (Wireshark, tshark)") =>
        new("--pcap") { Description = description, HelpName = "FILE" };

    /// <summary><c>--format text|json</c>, <c>-f</c>, text by default; anything else is a one-line error.</summary>
    public static Option<string> Format(string description)
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = description,
            HelpName = "text|json",
            DefaultValueFactory = _ => "text",
        };
        format.CompletionSources.Add("text", "json");
        format.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not ("text" or "json")) result.AddError($"--format: '{value}' is neither text nor json");
        });
        return format;
    }

    /// <summary>
    /// A whole-number option in min..max. A value that is not a number, or out of range, is a
    /// one-line error that names the option and the range.
    /// </summary>
    public static Option<int> Number(string name, string helpName, string description, int defaultValue, int min, int max, params string[] aliases)
    {
        var option = new Option<int>(name, aliases)
        {
            Description = description,
            HelpName = helpName,
            DefaultValueFactory = _ => defaultValue,
        };
        option.CustomParser = result => ParseNumber(result, name, min, max);
        return option;
    }

    /// <summary>Like <see cref="Number"/> with no default: 0 when the option is not given.</summary>
    public static Option<int> OptionalNumber(string name, string helpName, string description, int min, int max, params string[] aliases)
    {
        var option = new Option<int>(name, aliases) { Description = description, HelpName = helpName };
        option.CustomParser = result => ParseNumber(result, name, min, max);
        return option;
    }

    static int ParseNumber(ArgumentResult result, string name, int min, int max)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            result.AddError($"{name}: '{text}' is not a whole number");
            return 0;
        }
        if (value < min || value > max)
        {
            result.AddError(max == int.MaxValue ? $"{name}: {value} is below {min}" : $"{name}: {value} is outside {min}..{max}");
            return 0;
        }
        return value;
    }

    /// <summary>
    /// Why a file given on the command line (a --pcap FILE) cannot be written, in a few words
    /// rather than the runtime's message: "/tmp is a directory", "no such directory: /no/such".
    /// </summary>
    public static string CannotWrite(string path, Exception e)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (Directory.Exists(path)) return $"{path} is a directory, not a file";
        if (folder != null && !Directory.Exists(folder)) return $"cannot write {path}: no such directory {folder}";
        if (e is UnauthorizedAccessException) return $"cannot write {path}: permission denied";
        return $"cannot write {path}: {e.Message}";
    }

    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Command, string[]> ExampleLines = new();

    /// <summary>
    /// The examples that end the command's help, each "COMMAND LINE  # what it does"; the first
    /// words of a line are the command as typed.
    /// </summary>
    public static void Examples(Command command, params string[] lines) => ExampleLines.AddOrUpdate(command, lines);

    /// <summary>The help option every command gets: the parser's help, then the command's examples.</summary>
    public static HelpOption Help()
    {
        var help = new HelpOption();
        if (help.Action is HelpAction parsers) help.Action = new HelpWithExamples(parsers);
        return help;
    }

    sealed class HelpWithExamples(HelpAction parsers) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parsers.MaxWidth = MaxWidth();
            int exit = parsers.Invoke(parseResult);
            if (ExampleLines.TryGetValue(parseResult.CommandResult.Command, out string[]? lines) && lines.Length > 0)
            {
                TextWriter output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (string line in lines) output.WriteLine("  " + line);
                output.WriteLine();
            }
            return exit;
        }
    }

    static int MaxWidth()
    {
        try
        {
            return Console.IsOutputRedirected ? 120 : Math.Max(60, Console.WindowWidth);
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
