using System.Globalization;
using System.Text.RegularExpressions;

namespace Nanotcp.Monitor;

/// <summary>What a serial-log line is.</summary>
public enum LogLineKind
{
    /// <summary>A connection changed state: <c>FROM->TO cause</c>.</summary>
    Transition,
    /// <summary>Another event on a connection slot: RTX, TIMEOUT, RST-OUT, CHALLENGE-ACK, RECYCLE...</summary>
    Event,
    /// <summary>An event outside any slot (<c>-</c>): DROP, TABLE-FULL, SYN-DROPPED, RST-OUT for no listener.</summary>
    FreeEvent,
    /// <summary>The device's own lines outside the engine grammar: BOOT, CONFIG, SERVICES, READY.</summary>
    Banner,
    /// <summary>Anything else (boot noise, a cut line): kept as text.</summary>
    Unparsed,
}

/// <summary>
/// One line of the engine's state log (docs/design.md §6), parsed. The grammar is the one
/// tests/NanoTcp.Tests/Engine/LogTests.cs documents:
///
///   TIME " #" SLOT " " LOCAL " " (PEER | "*:*") " " (FROM "->" TO " " cause | EVENT args)
///   TIME " - " (DROP args | LOCAL " " PEER " " EVENT args)
///
/// plus the device's banner lines, <c>TIME " - " WORD args</c>. Every other line parses as
/// <see cref="LogLineKind.Unparsed"/>, never as an error, so a reader can always print it.
/// </summary>
public sealed partial class LogLine
{
    LogLine(string text, LogLineKind kind)
    {
        Text = text;
        Kind = kind;
    }

    /// <summary>The line as it was read.</summary>
    public string Text { get; }
    public LogLineKind Kind { get; }
    /// <summary>Milliseconds since the device booted; -1 for an unparsed line.</summary>
    public long TimeMs { get; private init; } = -1;
    /// <summary>The connection-table slot, or null for free events, banner and unparsed lines.</summary>
    public int? Slot { get; private init; }
    /// <summary>The logging side's own address:port, when the line names one.</summary>
    public string? Local { get; private init; }
    /// <summary>The other side's address:port, "*:*" for a listener, or null.</summary>
    public string? Peer { get; private init; }
    /// <summary>The state before and after a transition (RFC 9293 names with underscores); null otherwise.</summary>
    public string? From { get; private init; }
    public string? To { get; private init; }
    /// <summary>The event's name (RTX, DROP, CONFIG...); null for transitions and unparsed lines.</summary>
    public string? Event { get; private init; }
    /// <summary>What follows the state change or the event name: the cause, or the event's arguments.</summary>
    public string Detail { get; private init; } = "";
    /// <summary>The key=value pairs of <see cref="Detail"/> (rx, seq, ack, len, app, timer, why...), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; private init; } = [];

    public bool IsListener => Peer == "*:*";

    /// <summary>
    /// Identifies one connection: its slot and 4-tuple. A slot reused by another peer is another
    /// connection. Null for lines that belong to no slot.
    /// </summary>
    public string? ConnectionKey => Slot is int s ? $"#{s} {Local} {Peer}" : null;

    /// <summary>The value of a field such as "seq", or null.</summary>
    public string? Field(string key)
    {
        foreach (var kv in Fields) if (kv.Key == key) return kv.Value;
        return null;
    }

    // The pieces of the grammar, as in LogTests.
    const string N = @"\d+";
    const string Addr = @"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}";
    const string Flags = @"\[F?S?R?P?\.?U?E?W?\]";
    const string Word = @"\S+";
    const string State = "(?:CLOSED|LISTEN|SYN_SENT|SYN_RECEIVED|ESTABLISHED|FIN_WAIT_1|FIN_WAIT_2|CLOSE_WAIT|CLOSING|LAST_ACK|TIME_WAIT)";
    const string Cause = $"(?:rx={Flags} seq={N}(?: ack={N})? len={N}|app={Word}|timer={Word}|recycled={Word})";
    const string Transition = $"(?<from>{State})->(?<to>{State}) (?<detail>{Cause}(?: iss={N})?(?: irs={N})?)";
    const string TxEvent = $"(?<event>RTX|RST-OUT|CHALLENGE-ACK|KEEPALIVE|PROBE) (?<detail>tx={Flags} seq={N}(?: ack={N})? len={N}(?: rto={N} try={N})?(?: why={Word})?)";
    const string OtherEvent =
        $"(?<event>TIMEOUT|RECYCLE|RST-IGNORED|TIME_WAIT-RESTART|CHALLENGE-ACK|SYN-COOKIE) " +
        $"(?<detail>timer={Word}|state={State} age={N} why={Word}|why={Word}|suppressed={Word}|rx={Flags} seq={N} ack={N} len={N} mss={N})";
    const string FreeEvent =
        $"(?:(?<event>DROP) (?<detail>reason=[a-z-]+ len={N}(?: from={Addr})?)" +
        $"|(?<local>{Addr}) (?<peer>{Addr}) (?<event>TABLE-FULL|SYN-DROPPED) (?<detail>rx={Flags} seq={N} len={N}(?: why={Word})?)" +
        $"|(?<local>{Addr}) (?<peer>{Addr}) (?<event>RST-OUT) (?<detail>tx={Flags} seq={N}(?: ack={N})? why={Word})" +
        $"|(?<event>LOG-DROPPED) (?<detail>lines={N})" +
        $"|(?<event>DATAGRAM-TRUNCATED) (?<detail>len={N} kept={N})" +
        $"|(?<local>{Addr}) (?<peer>{Addr}) (?<event>SYN-COOKIE) (?<detail>tx={Flags} seq={N} ack={N} mss={N}))";

    [GeneratedRegex($"^(?<time>{N}) (?:#(?<slot>{N}) (?<local>{Addr}) (?<peer>{Addr}|\\*:\\*) (?:{Transition}|{TxEvent}|{OtherEvent})|- {FreeEvent})$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex EngineGrammar();

    /// <summary>The device's own lines: "12 - CONFIG msl_ms=2000 ...", "12 - BOOT NanoTcp device".</summary>
    [GeneratedRegex(@"^(?<time>\d+) - (?<event>[A-Z][A-Z_-]*)(?: (?<detail>.*))?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex BannerGrammar();

    [GeneratedRegex(@"(?<key>[a-z0-9_.-]+)=(?<value>\S+)", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex KeyValue();

    /// <summary>Parses one line (without its line ending; a trailing CR is ignored). Never throws.</summary>
    public static LogLine Parse(string text)
    {
        string line = text.TrimEnd('\r', '\n');
        Match m = EngineGrammar().Match(line);
        // The grammar's numbers are digits of any length: noise on a serial line can make one too
        // big for its type, and such a line is not one the device wrote. It stays unparsed.
        bool free = !m.Groups["slot"].Success;
        int slot = 0;
        if (m.Success && long.TryParse(m.Groups["time"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long at)
            && (free || int.TryParse(m.Groups["slot"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out slot)))
        {
            bool transition = m.Groups["from"].Success;
            string detail = m.Groups["detail"].Value;
            return new LogLine(line, transition ? LogLineKind.Transition : free ? LogLineKind.FreeEvent : LogLineKind.Event)
            {
                TimeMs = at,
                Slot = free ? null : slot,
                Local = m.Groups["local"].Success ? m.Groups["local"].Value : null,
                Peer = m.Groups["peer"].Success ? m.Groups["peer"].Value : null,
                From = transition ? m.Groups["from"].Value : null,
                To = transition ? m.Groups["to"].Value : null,
                Event = transition ? null : m.Groups["event"].Value,
                Detail = detail,
                Fields = ParseFields(detail),
            };
        }
        // A number too big for a long is not a time we can use: the line stays unparsed.
        m = BannerGrammar().Match(line);
        if (m.Success && long.TryParse(m.Groups["time"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long time))
        {
            string detail = m.Groups["detail"].Value;
            return new LogLine(line, LogLineKind.Banner)
            {
                TimeMs = time,
                Event = m.Groups["event"].Value,
                Detail = detail,
                Fields = ParseFields(detail),
            };
        }
        return new LogLine(line, LogLineKind.Unparsed);
    }

    static KeyValuePair<string, string>[] ParseFields(string detail)
    {
        MatchCollection matches = KeyValue().Matches(detail);
        var fields = new KeyValuePair<string, string>[matches.Count];
        for (int i = 0; i < fields.Length; i++) fields[i] = new(matches[i].Groups["key"].Value, matches[i].Groups["value"].Value);
        return fields;
    }

    public override string ToString() => Text;
}
