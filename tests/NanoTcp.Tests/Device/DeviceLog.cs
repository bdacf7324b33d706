using System.Text.RegularExpressions;

namespace NanoTcp.Tests.Device;

/// <summary>Reads the device's state log (grammar: README "The state log").</summary>
static partial class DeviceLog
{
    /// <summary>One transition line: <c>&lt;ms&gt; #&lt;slot&gt; &lt;local&gt; &lt;remote&gt; FROM-&gt;TO cause</c>.</summary>
    public sealed record Transition(long Ms, int Slot, string Local, string Remote, string From, string To, string Cause)
    {
        public string Change => From + "->" + To;
    }

    [GeneratedRegex(@"^(\d+) #(\d+) (\S+) (\S+) ([A-Z_0-9]+)->([A-Z_0-9]+)(?: (.*))?$")]
    private static partial Regex TransitionLine();

    public static Transition? Parse(string line)
    {
        var m = TransitionLine().Match(line);
        if (!m.Success) return null;
        return new Transition(long.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), m.Groups[3].Value,
            m.Groups[4].Value, m.Groups[5].Value, m.Groups[6].Value, m.Groups[7].Value);
    }

    /// <summary>The transitions of one connection: device port and the peer's port at 192.0.2.1.</summary>
    public static List<Transition> Of(IEnumerable<string> lines, int devicePort, int peerPort) =>
        lines.Select(Parse).OfType<Transition>()
            .Where(t => t.Local == $"192.0.2.2:{devicePort}" && t.Remote == $"192.0.2.1:{peerPort}")
            .ToList();

    public static bool Reached(IEnumerable<string> lines, int devicePort, int peerPort, string change) =>
        Of(lines, devicePort, peerPort).Any(t => t.Change == change);
}
