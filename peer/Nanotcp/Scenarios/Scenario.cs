using NanoTcp;
using NanoTcp.Device;

namespace Nanotcp.Scenarios;

/// <summary>
/// A named experiment on the device (docs/design.md §8): what the PC does (<see cref="Run"/>, through its
/// own engine, injecting losses where the experiment needs them) and what both sides must be seen
/// to do, recorded as checks on the <see cref="ScenarioContext"/>.
/// </summary>
public sealed class Scenario
{
    public required string Name { get; init; }
    /// <summary>One line: what it shows.</summary>
    public required string Description { get; init; }
    /// <summary>The device settings it is designed for; the in-process board is started with them (short timers keep runs quick).</summary>
    public Action<DeviceSettings>? Board { get; init; }
    /// <summary>Settings of the PC's own engine (e.g. a short RTO when the PC must retransmit).</summary>
    public Action<TcpConfig>? Pc { get; init; }
    /// <summary>Why the device, as configured, cannot show this (e.g. keep-alive off); null when it can.</summary>
    public Func<DeviceSettings, string?>? Requires { get; init; }
    public required Action<ScenarioContext> Run { get; init; }

    /// <summary>The board settings this scenario changes from the defaults, as board command-line options.</summary>
    public string BoardOptions
    {
        get
        {
            if (Board == null) return "";
            var defaults = new DeviceSettings();
            var wanted = new DeviceSettings();
            Board(wanted);
            var changed = new List<string>();
            foreach (var (name, get) in Settings)
                if (get(wanted) != get(defaults)) changed.Add($"--{name.Replace('_', '-')} {get(wanted)}");
            return string.Join(' ', changed);
        }
    }

    static readonly (string, Func<DeviceSettings, long>)[] Settings =
    [
        ("capacity", d => d.Tcp.Capacity), ("msl_ms", d => d.Tcp.MslMs), ("rto_initial_ms", d => d.Tcp.RtoInitialMs),
        ("rto_min_ms", d => d.Tcp.RtoMinMs), ("max_retries", d => d.Tcp.MaxRetries), ("syn_max_retries", d => d.Tcp.SynMaxRetries),
        ("syn_backlog", d => d.Tcp.SynBacklog),
        ("fin_wait2_timeout_ms", d => d.Tcp.FinWait2TimeoutMs), ("keepalive_idle_ms", d => d.Tcp.KeepAliveIdleMs),
        ("keepalive_interval_ms", d => d.Tcp.KeepAliveIntervalMs), ("keepalive_count", d => d.Tcp.KeepAliveCount),
        ("delayed_ack_ms", d => d.Tcp.DelayedAckMs), ("farewell_lines", d => d.FarewellLines),
        ("farewell_interval_ms", d => d.FarewellIntervalMs),
    ];
}

/// <summary>The device's services (firmware/NanoTcp.Device/Services.cs).</summary>
public static class Ports
{
    /// <summary>Echo: the PC closes first, so the device closes passively (CLOSE_WAIT, LAST_ACK).</summary>
    public const int Echo = 7;
    public const int Discard = 9;
    /// <summary>Daytime: one line, then the device closes first (FIN_WAIT_1 ... TIME_WAIT).</summary>
    public const int Daytime = 13;
    public const int Chargen = 19;
    /// <summary>Farewell: keeps sending in CLOSE_WAIT after the PC half-closes.</summary>
    public const int Farewell = 2019;
}

/// <summary>One connection the PC opened to the device.</summary>
public sealed class Conn
{
    public required int Handle { get; init; }
    public required int PcPort { get; init; }
    public required int DevicePort { get; init; }
    /// <summary>Everything read from the connection so far.</summary>
    public System.Text.StringBuilder Received { get; } = new();

    public override string ToString() => $"{PcPort}→{DevicePort}";
}

/// <summary>One thing the scenario checked, and whether it held.</summary>
/// <param name="Text">What was expected, e.g. "device ESTABLISHED → FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT → CLOSED".</param>
/// <param name="Detail">When it failed: what happened instead.</param>
public sealed record Check(bool Passed, string Text, string? Detail = null);

/// <summary>Ends a scenario early: something it waited for did not happen.</summary>
public sealed class ScenarioAbort(string message) : Exception(message);
