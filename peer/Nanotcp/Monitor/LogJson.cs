using System.Text;
using System.Text.Json;

namespace Nanotcp.Monitor;

/// <summary>
/// A serial-log line as one JSON object (one per output line, "JSON Lines"), for scripts:
/// {"time_ms":5,"kind":"transition","slot":1,"local":"192.0.2.2:7","peer":"192.0.2.1:40000",
///  "from":"LISTEN","to":"SYN_RECEIVED","detail":"rx=[S] seq=0 len=0 ...","fields":{"rx":"[S]",...},"text":"..."}.
/// Members that do not apply are left out; "text" is always the line as read.
/// </summary>
public static class LogJson
{
    public static string Format(LogLine line)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Commands.JsonStyle.Writer()))
        {
            json.WriteStartObject();
            if (line.TimeMs >= 0) json.WriteNumber("time_ms", line.TimeMs);
            json.WriteString("kind", KindName(line.Kind));
            if (line.Slot is int slot) json.WriteNumber("slot", slot);
            if (line.Local != null) json.WriteString("local", line.Local);
            if (line.Peer != null) json.WriteString("peer", line.Peer);
            if (line.From != null) json.WriteString("from", line.From);
            if (line.To != null) json.WriteString("to", line.To);
            if (line.Event != null) json.WriteString("event", line.Event);
            if (line.Kind != LogLineKind.Unparsed)
            {
                json.WriteString("detail", line.Detail);
                json.WriteStartObject("fields");
                foreach (var field in line.Fields) json.WriteString(field.Key, field.Value);
                json.WriteEndObject();
            }
            json.WriteString("text", line.Text);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string KindName(LogLineKind kind) => kind switch
    {
        LogLineKind.Transition => "transition",
        LogLineKind.Event => "event",
        LogLineKind.FreeEvent => "free-event",
        LogLineKind.Banner => "banner",
        _ => "unparsed",
    };
}
