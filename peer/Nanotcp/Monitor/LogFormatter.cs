namespace Nanotcp.Monitor;

/// <summary>
/// Lays out serial-log lines as aligned columns (device time, slot, local, peer, what happened),
/// optionally coloured: each connection (slot and 4-tuple) keeps one colour, states are bold,
/// alarming events are red, the device's banner is dim. Unparsed lines pass through unchanged.
///
/// Lines arrive one by one and are printed at once, so the columns cannot be measured in
/// advance: they start wide enough for this project's addresses and grow if a line needs more.
/// </summary>
public sealed class LogFormatter(bool colour)
{
    /// <summary>Colours for connections; red is kept for alarms.</summary>
    static readonly string[] Palette = [Ansi.Cyan, Ansi.Green, Ansi.Yellow, Ansi.Magenta, Ansi.Blue, "96", "92", "93", "95", "94"];

    /// <summary>Events that mean something went wrong or was refused.</summary>
    static readonly HashSet<string> Alarms = ["RST-OUT", "TIMEOUT", "DROP", "TABLE-FULL", "SYN-DROPPED", "RECYCLE", "LOG-DROPPED", "DATAGRAM-TRUNCATED"];

    /// <summary>The widest state name, SYN_RECEIVED.</summary>
    const int StateWidth = 12;
    /// <summary>"FROM -> TO" padded, so that causes and event arguments start in one column.</summary>
    const int WhatWidth = StateWidth + 4 + StateWidth;

    readonly Dictionary<string, string> _colours = [];
    int _timeWidth = 7, _slotWidth = 4, _localWidth = 15, _peerWidth = 15;

    public bool Colour => colour;

    /// <summary>The column titles, matching <see cref="Format"/>.</summary>
    public string Header()
    {
        string text = $"{"ms".PadLeft(_timeWidth)}  {"slot".PadRight(_slotWidth)}  {"local".PadRight(_localWidth)}  {"peer".PadRight(_peerWidth)}  event";
        return colour ? Ansi.Paint(text, Ansi.Dim) : text;
    }

    /// <summary>One line, laid out in columns.</summary>
    public string Format(LogLine line)
    {
        switch (line.Kind)
        {
            case LogLineKind.Unparsed:
                return line.Text;
            case LogLineKind.Banner:
                string banner = $"{Time(line)}  {"-".PadRight(_slotWidth)}  {line.Event} {line.Detail}".TrimEnd();
                return colour ? Ansi.Paint(banner, Ansi.Dim) : banner;
        }
        string slot = line.Slot is int s ? "#" + s : "-";
        _slotWidth = Math.Max(_slotWidth, slot.Length);
        _localWidth = Math.Max(_localWidth, line.Local?.Length ?? 0);
        _peerWidth = Math.Max(_peerWidth, line.Peer?.Length ?? 0);
        string tint = ColourOf(line);
        return $"{Time(line)}  {Paint(slot.PadRight(_slotWidth), tint)}  {Paint((line.Local ?? "").PadRight(_localWidth), tint)}  " +
               $"{Paint((line.Peer ?? "").PadRight(_peerWidth), tint)}  {What(line)}";
    }

    /// <summary>
    /// What happened, without time or addresses: "FROM         -> TO            cause" or
    /// "EVENT                         arguments". For views that show the connection elsewhere.
    /// </summary>
    public string What(LogLine line)
    {
        switch (line.Kind)
        {
            case LogLineKind.Transition:
                string tint = ColourOf(line);
                string states = Paint(line.From!.PadRight(StateWidth), Bold(tint)) + " -> " + Paint(line.To!.PadRight(StateWidth), Bold(tint));
                return $"{states}  {line.Detail}";
            case LogLineKind.Event:
            case LogLineKind.FreeEvent:
            case LogLineKind.Banner:
                string name = line.Event!;
                string codes = line.Kind == LogLineKind.Banner ? Ansi.Dim : Alarms.Contains(name) ? $"{Ansi.Bold};{Ansi.Red}" : Ansi.Bold;
                return $"{Paint(name.PadRight(WhatWidth), codes)}  {line.Detail}".TrimEnd();
            default:
                return line.Text;
        }
    }

    string Time(LogLine line)
    {
        string t = line.TimeMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _timeWidth = Math.Max(_timeWidth, t.Length);
        return t.PadLeft(_timeWidth);
    }

    /// <summary>The connection's colour, given in order of first appearance; listeners and slot-less lines stay plain.</summary>
    string ColourOf(LogLine line)
    {
        if (!colour || line.ConnectionKey is not string key || line.IsListener) return "";
        if (!_colours.TryGetValue(key, out string? c))
        {
            c = Palette[_colours.Count % Palette.Length];
            _colours[key] = c;
        }
        return c;
    }

    static string Bold(string tint) => tint.Length == 0 ? Ansi.Bold : $"{Ansi.Bold};{tint}";

    string Paint(string text, string codes) => colour ? Ansi.Paint(text, codes) : text;
}
