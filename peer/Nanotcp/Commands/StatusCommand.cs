using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Nanotcp.Monitor;
using Nanotcp.Net;

namespace Nanotcp.Commands;

/// <summary>
/// <c>nanotcp status --device HOST[:PORT] [--format text|json]</c>: asks the device for its
/// connection table and counters (the STATUS datagram on its link port) and prints them like
/// <c>ss -tan</c>.
/// </summary>
public static class StatusCommand
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;
    public const int DefaultTimeoutMs = 2000;

    public static Command Create()
    {
        var device = CommonOptions.Device();
        device.Required = true;
        var timeout = CommonOptions.Number("--timeout", "MS", "How long to wait for the answer, in milliseconds", DefaultTimeoutMs, 1, int.MaxValue);
        var format = CommonOptions.Format("text: a table like ss -tan, then the counters; json: {\"slots\":[...], \"counters\":{...}}");
        var command = new Command("status", "Show a device's connection table and counters, like ss -tan")
        {
            device, timeout, format,
        };
        CommonOptions.Examples(command,
            "nanotcp status --device 127.0.0.1:9293                # the virtual board's table",
            "nanotcp status -d 192.168.1.50 --format json          # an ESP32's, for scripts");
        command.SetAction(parseResult => Run(parseResult.GetValue(device)!, parseResult.GetValue(timeout),
            parseResult.GetValue(format) == "json", parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Queries the device and prints its status; returns the exit code.</summary>
    public static int Run(string device, int timeoutMs, bool json, TextWriter output, TextWriter error)
    {
        IPEndPoint? endpoint = DeviceLink.ParseDevice(device, out string? bad);
        if (endpoint == null)
        {
            error.WriteLine($"nanotcp status: {bad}");
            return ExitUsage;
        }
        if (timeoutMs <= 0)
        {
            error.WriteLine("nanotcp status: --timeout must be a positive number of milliseconds");
            return ExitUsage;
        }

        string? reply;
        bool refused;
        using (var link = new DeviceLink(endpoint))
        {
            reply = link.Query("STATUS", timeoutMs);
            refused = link.Refused;
        }
        if (reply == null && refused)
        {
            error.WriteLine($"nanotcp status: nothing listens on udp {endpoint} (ICMP port unreachable): is the device running, and is that its link port?");
            return ExitFailed;
        }
        if (reply == null)
        {
            error.WriteLine($"nanotcp status: no answer from {endpoint} within {timeoutMs} ms (is the device running, and is that its link port?)");
            return ExitFailed;
        }
        DeviceStatus? status = DeviceStatus.Parse(reply, out string? why);
        if (status == null)
        {
            error.WriteLine($"nanotcp status: {endpoint} answered, but {why}");
            return ExitFailed;
        }
        output.Write(json ? Json(status, endpoint) : Table(status, endpoint));
        return ExitOk;
    }

    /// <summary>The table, sized to its contents as ss does, then the counters.</summary>
    public static string Table(DeviceStatus status, IPEndPoint link)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"NanoTcp {status.Address} (link {link})");
        if (status.UptimeMs is long up) text.Append(CultureInfo.InvariantCulture, $"  up {up / 1000.0:0.000} s");
        if (status.InUse is int used && status.Capacity is int capacity) text.Append(CultureInfo.InvariantCulture, $"  {used} of {capacity} connections in use");
        if (status.Listeners is int listeners) text.Append(CultureInfo.InvariantCulture, $", {listeners} listeners");
        text.Append('\n');

        // Recv-Q and Send-Q appear only when the device reports them.
        bool queues = status.Slots.Any(s => s.Number("Recv-Q") != null || s.Number("Send-Q") != null);
        List<string[]> rows = [queues
            ? ["Slot", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Timer"]
            : ["Slot", "State", "Local Address:Port", "Peer Address:Port", "Timer"]];
        foreach (StatusRow s in status.Slots)
        {
            string timer = s.Timer is long ms ? $"{ms} ms" : "";
            string slot = s.Slot.ToString(CultureInfo.InvariantCulture);
            rows.Add(queues
                ? [slot, s.State, Queue(s.Number("Recv-Q")), Queue(s.Number("Send-Q")), s.Local, s.Peer, timer]
                : [slot, s.State, s.Local, s.Peer, timer]);
        }
        int[] widths = new int[rows[0].Length];
        foreach (string[] row in rows)
            for (int i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        foreach (string[] row in rows)
        {
            var line = new StringBuilder();
            for (int i = 0; i < row.Length; i++)
            {
                // Queue sizes right-aligned, as ss prints them.
                bool right = queues && i is 2 or 3;
                line.Append(right ? row[i].PadLeft(widths[i]) : row[i].PadRight(widths[i])).Append("  ");
            }
            text.Append(line.ToString().TrimEnd()).Append('\n');
        }
        if (status.MoreSlots > 0) text.Append(CultureInfo.InvariantCulture, $"... and {status.MoreSlots} more slots the reply had no room for\n");

        // Every counter the device keeps, but of the per-reason drop counters only those that counted something.
        var counters = status.Counters.Where(c => !c.Key.StartsWith("drop.", StringComparison.Ordinal) || c.Value != 0).ToList();
        if (counters.Count > 0)
        {
            text.Append("\nCounters\n");
            int nameWidth = counters.Max(c => c.Key.Length);
            int valueWidth = counters.Max(c => c.Value.ToString(CultureInfo.InvariantCulture).Length);
            const int PerLine = 3;
            for (int i = 0; i < counters.Count; i += PerLine)
            {
                var line = new StringBuilder(" ");
                foreach (var c in counters.Skip(i).Take(PerLine))
                    line.Append(' ').Append(c.Key.PadRight(nameWidth)).Append(' ')
                        .Append(c.Value.ToString(CultureInfo.InvariantCulture).PadLeft(valueWidth)).Append("   ");
                text.Append(line.ToString().TrimEnd()).Append('\n');
            }
        }
        return text.ToString();
    }

    static string Queue(long? bytes) => bytes?.ToString(CultureInfo.InvariantCulture) ?? "-";

    /// <summary>{"device":..., "link":..., "uptime_ms":..., "capacity":..., "in_use":..., "slots":[...], "more_slots":N, "counters":{...}}</summary>
    public static string Json(DeviceStatus status, IPEndPoint link)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonStyle.Writer(indented: true)))
        {
            json.WriteStartObject();
            json.WriteString("device", status.Address);
            json.WriteString("link", link.ToString());
            WriteNumberOrNull(json, "uptime_ms", status.UptimeMs);
            WriteNumberOrNull(json, "capacity", status.Capacity);
            WriteNumberOrNull(json, "in_use", status.InUse);
            WriteNumberOrNull(json, "listeners", status.Listeners);
            json.WriteStartArray("slots");
            foreach (StatusRow s in status.Slots)
            {
                json.WriteStartObject();
                json.WriteNumber("slot", s.Slot);
                json.WriteString("state", s.State);
                json.WriteString("local", s.Local);
                json.WriteString("peer", s.Peer);
                WriteNumberOrNull(json, "timer_ms", s.Timer);
                if (s.Number("Recv-Q") is long rq) json.WriteNumber("recv_q", rq);
                if (s.Number("Send-Q") is long sq) json.WriteNumber("send_q", sq);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("more_slots", status.MoreSlots);
            json.WriteStartObject("counters");
            foreach (var c in status.Counters) json.WriteNumber(c.Key, c.Value);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    static void WriteNumberOrNull(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v) json.WriteNumber(name, v); else json.WriteNull(name);
    }
}
