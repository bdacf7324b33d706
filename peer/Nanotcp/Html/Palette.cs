namespace Nanotcp.Html;

/// <summary>
/// The report's colours, chosen to read on a projector and to print: each state has one pale
/// fill (its band on the ladder's lifelines and its box in the state diagram, so the diagram is
/// also the ladder's key), each side one dark ink.
/// </summary>
public static class Palette
{
    public const string Pc = "#1f5fa8";
    public const string Device = "#a0460a";
    public const string Lost = "#c62828";
    public const string Retransmission = "#6a1b9a";
    public const string KeepAlive = "#00796b";
    public const string Rst = "#8e0000";
    public const string TimeWait = "#ad1457";
    public const string FinWait2 = "#d84315";
    public const string Rto = Retransmission;
    public const string Ink = "#212121";
    public const string Muted = "#5f6368";
    public const string Rule = "#9e9e9e";
    public const string Pass = "#1b7a34";
    public const string Fail = "#c62828";

    /// <summary>The eleven states of RFC 9293 as the logs spell them, in the order of <c>TcpState</c>.</summary>
    public static readonly string[] States =
    [
        "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
        "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
    ];

    public static string Fill(string? state) => state switch
    {
        "CLOSED" => "#e0e0e0",
        "LISTEN" => "#cfd8dc",
        "SYN_SENT" => "#b3d4f5",
        "SYN_RECEIVED" => "#a7e0ee",
        "ESTABLISHED" => "#b9e4bb",
        "FIN_WAIT_1" => "#ffe0a3",
        "FIN_WAIT_2" => "#ffc976",
        "CLOSING" => "#ffbfa8",
        "TIME_WAIT" => "#f6b2c8",
        "CLOSE_WAIT" => "#e2bdea",
        "LAST_ACK" => "#c9bdf0",
        _ => "#ffffff",
    };
}
