using System.Globalization;

namespace Nanotcp.Monitor;

/// <summary>One row of the device's connection table.</summary>
/// <param name="Timer">Milliseconds until the slot's next timer fires, or null when none is armed.</param>
/// <param name="Columns">Every column of the row by its header name, including any this parser does not know.</param>
public sealed record StatusRow(int Slot, string State, string Local, string Peer, long? Timer, IReadOnlyDictionary<string, string> Columns)
{
    /// <summary>A column such as "Recv-Q" as a number, or null when the device does not report it.</summary>
    public long? Number(string column) =>
        Columns.TryGetValue(column, out string? v) && long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
}

/// <summary>
/// The device's answer to the STATUS query (firmware/NanoTcp.Device/StatusReport.cs), parsed:
///
///     NanoTcp 192.0.2.2 uptime_ms=5123 capacity=8 in_use=1 listeners=5
///     Slot  State         Local               Peer                  Timer_ms
///     0     LISTEN        192.0.2.2:7         *:*                   -
///     segments_in=12 segments_out=9 ... dropped=2
///     drop.short=1 drop.ip-version=1 ...
///
/// Table rows are read by their header's column names, so columns added later (Recv-Q, Send-Q)
/// are picked up without a change here.
/// </summary>
public sealed class DeviceStatus
{
    public string Address { get; private set; } = "";
    public long? UptimeMs { get; private set; }
    /// <summary>Connections the table holds at most, and holds now (listeners not counted).</summary>
    public int? Capacity { get; private set; }
    public int? InUse { get; private set; }
    /// <summary>Listening sockets (each in a slot of its own, without buffers).</summary>
    public int? Listeners { get; private set; }
    public List<StatusRow> Slots { get; } = [];
    /// <summary>Slots the device left out because its reply had to fit one datagram.</summary>
    public int MoreSlots { get; private set; }
    /// <summary>Every name=value counter in the order the device sent them (drop.REASON included).</summary>
    public List<KeyValuePair<string, long>> Counters { get; } = [];

    public long? Counter(string name)
    {
        foreach (var kv in Counters) if (kv.Key == name) return kv.Value;
        return null;
    }

    /// <summary>Parses a STATUS reply; null with a one-line reason when it is not one.</summary>
    public static DeviceStatus? Parse(string text, out string? error)
    {
        error = null;
        string[] lines = text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || !lines[0].StartsWith("NanoTcp ", StringComparison.Ordinal))
        {
            error = "the reply is not a NanoTcp status report";
            return null;
        }
        var status = new DeviceStatus();
        string[] first = Words(lines[0]);
        status.Address = first.Length > 1 ? first[1] : "";
        foreach (string word in first.Skip(2))
        {
            if (!KeyValue(word, out string key, out long value)) continue;
            switch (key)
            {
                case "uptime_ms": status.UptimeMs = value; break;
                case "capacity": status.Capacity = (int)value; break;
                case "in_use": status.InUse = (int)value; break;
                case "listeners": status.Listeners = (int)value; break;
            }
        }

        string[] header = Words(lines[1]);
        if (header.Length == 0 || header[0] != "Slot")
        {
            error = "the status report has no table header";
            return null;
        }
        foreach (string line in lines.Skip(2))
        {
            string[] words = Words(line);
            if (words.Length == 0) continue;
            if (words[0] == "..." && words.Length > 1 && int.TryParse(words[1], out int more)) { status.MoreSlots = more; continue; }
            if (words.All(w => w.Contains('=')))
            {
                foreach (string w in words) if (KeyValue(w, out string key, out long value)) status.Counters.Add(new(key, value));
                continue;
            }
            if (words.Length != header.Length || !int.TryParse(words[0], out int slot))
            {
                error = $"unexpected line in the status report: '{line}'";
                return null;
            }
            var columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < header.Length; i++) columns[header[i]] = words[i];
            long? timer = columns.TryGetValue("Timer_ms", out string? t) && long.TryParse(t, out long ms) ? ms : null;
            status.Slots.Add(new StatusRow(slot, columns.GetValueOrDefault("State", "?"), columns.GetValueOrDefault("Local", "?"),
                columns.GetValueOrDefault("Peer", "?"), timer, columns));
        }
        return status;
    }

    static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    static bool KeyValue(string word, out string key, out long value)
    {
        int eq = word.IndexOf('=');
        key = eq > 0 ? word[..eq] : "";
        value = 0;
        return eq > 0 && long.TryParse(word.AsSpan(eq + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
