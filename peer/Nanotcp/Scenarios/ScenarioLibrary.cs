using NanoTcp;
using NanoTcp.Device;

namespace Nanotcp.Scenarios;

/// <summary>
/// Every scenario, in the order the demo runs them: what docs/design.md §8 asks a user to be able to see
/// on a real device. Each lives with others of its topic (OpenClose, Losses, Timers, Limits).
/// </summary>
public static class ScenarioLibrary
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        OpenClose.Handshake,
        OpenClose.CloseDeviceFirst,
        OpenClose.ClosePcFirst,
        OpenClose.CloseWaitSends,
        OpenClose.FinAckTogether,
        OpenClose.SimultaneousClose,
        OpenClose.HalfClose,
        Losses.LostFin,
        Losses.LostFinGiveUp,
        Losses.LostAckOfFin,
        Losses.LostPeerFin,
        Losses.LostLastAck,
        Losses.LostLastAckPassive,
        Timers.TimeWaitOldDuplicate,
        Timers.FinWait2Timeout,
        Timers.KeepAlive,
        Limits.RstAbort,
        Limits.SynFlood,
        Limits.TableFull,
    ];

    public static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>Short timers, so that a whole demo takes seconds: TIME_WAIT 500 ms, retransmissions after 150 ms.</summary>
    public static void QuickTimers(DeviceSettings d)
    {
        d.Tcp.MslMs = 250;
        d.Tcp.RtoInitialMs = 200;
        d.Tcp.RtoMinMs = 150;
    }

    /// <summary>The PC retransmits after 150 ms (when the scenario loses the PC's own segments).</summary>
    public static void QuickPcTimers(TcpConfig c)
    {
        c.RtoInitialMs = 150;
        c.RtoMinMs = 150;
        c.MslMs = 250;
    }
}
