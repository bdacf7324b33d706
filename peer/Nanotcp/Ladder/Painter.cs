using Nanotcp.Monitor;

namespace Nanotcp.Ladder;

/// <summary>What a piece of the output is, for its colour.</summary>
public enum Ink { Plain, Title, Dim, Pc, Device, Lost, Retransmission, KeepAlive, Pass, Fail }

/// <summary>
/// Colours the ladder's parts with ANSI escapes when the output is a terminal, and not at all
/// when it is a pipe or a file (the rule of <see cref="Ansi.ShouldColour"/>).
/// </summary>
public sealed class Painter(bool color)
{
    public bool Color { get; } = color;

    public static Painter For(TextWriter output)
    {
        bool terminal = output == Console.Out && !Console.IsOutputRedirected;
        return new Painter(Ansi.ShouldColour(!terminal));
    }

    public string Paint(string text, Ink ink)
    {
        if (!Color || ink == Ink.Plain || text.Length == 0) return text;
        string codes = ink switch
        {
            Ink.Title => Ansi.Bold,
            Ink.Dim => Ansi.Dim,
            Ink.Pc => Ansi.Cyan,
            Ink.Device => Ansi.Yellow,
            Ink.Lost => Ansi.Red,
            Ink.Retransmission => Ansi.Magenta,
            Ink.KeepAlive => Ansi.Blue,
            Ink.Pass => Ansi.Green,
            Ink.Fail => Ansi.Bold + ";" + Ansi.Red,
            _ => "",
        };
        return Ansi.Paint(text, codes);
    }
}
