using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nanotcp.Commands;

/// <summary>
/// How every command writes JSON: keys in snake_case (time_ms, timer_ms: the serial log's own
/// spelling), and text as it reads (a "->" stays "->", not "-\u003E"), since the output is
/// read by scripts and people, never embedded in HTML.
/// </summary>
public static class JsonStyle
{
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static JsonWriterOptions Writer(bool indented = false) => new() { Indented = indented, Encoder = Encoder };

    public static readonly JsonSerializerOptions Serializer = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = Encoder,
    };
}
