namespace Nanotcp.Monitor;

/// <summary>ANSI colours for terminal output, and the rule for when to use them.</summary>
public static class Ansi
{
    public const string Reset = "\e[0m";
    public const string Bold = "1";
    public const string Dim = "2";
    public const string Red = "31";
    public const string Green = "32";
    public const string Yellow = "33";
    public const string Blue = "34";
    public const string Magenta = "35";
    public const string Cyan = "36";

    /// <summary>
    /// Colour only for a terminal, and never when NO_COLOR is set (no-color.org) or TERM is "dumb":
    /// a file or a pipe gets plain text that grep and diff can read.
    /// </summary>
    public static bool ShouldColour(bool redirected)
    {
        if (redirected) return false;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))) return false;
        return Environment.GetEnvironmentVariable("TERM") != "dumb";
    }

    /// <summary>The text wrapped in the SGR codes (e.g. "1;36"), or the text alone when codes is empty.</summary>
    public static string Paint(string text, string codes) =>
        codes.Length == 0 || text.Length == 0 ? text : $"\e[{codes}m{text}{Reset}";
}
