using System.Globalization;
using System.Text;
using NanoTcp;
using Nanotcp.Net;

namespace NanoTcp.Tests.Reliability;

/// <summary>What a soak run measured.</summary>
public sealed class SoakResult
{
    public int Connections;
    public int Seed;
    public ImpairmentSettings Link = ImpairmentSettings.None;
    public readonly List<long> Durations = [];
    public long VirtualMs;
    public long Retransmissions, Packets, TimedOut, Resets;
    public ImpairmentCounts ClientToServer = new(), ServerToClient = new();
    /// <summary>One line per failed connection.</summary>
    public readonly List<string> Failures = [];
    /// <summary>The first failure in full: both control blocks and both logs around it; null when none failed.</summary>
    public string? Failure;

    public long Percentile(double p)
    {
        if (Durations.Count == 0) return 0;
        var sorted = Durations.OrderBy(d => d).ToList();
        int i = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(i, 0, sorted.Count - 1)];
    }

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"soak: {Durations.Count} of {Connections} connections completed, {Failures.Count} failed, seed {Seed}, link {Link}; " +
        $"virtual time per connection p50 {Percentile(0.5)} ms, p99 {Percentile(0.99)} ms, max {(Durations.Count == 0 ? 0 : Durations.Max())} ms; " +
        $"{VirtualMs / 1000.0:0.0} s virtual in all; {Packets} packets, {Retransmissions} retransmissions, {TimedOut} timed out, {Resets} RSTs; " +
        $"client→server {ClientToServer}; server→client {ServerToClient}");
}

/// <summary>
/// The soak: many connections between two engines over a seeded lossy link, on a virtual clock,
/// each with its own payload sizes and close pattern, several at a time. A connection passes when
/// every byte arrived once and in order both ways, both applications closed without an error, and
/// both engines let go of its 4-tuple within <see cref="BoundMs"/> of its start.
/// </summary>
public static class Soak
{
    /// <summary>
    /// The longest a connection may take: every retransmission of the retry limit at the largest
    /// RTO, plus the FIN_WAIT_2 timeout and 2·MSL, with room to spare. Longer is a stuck connection.
    /// </summary>
    public const long BoundMs = 15 * 60 * 1000;

    public static SoakResult Run(int connections, int seed, ImpairmentSettings link, int concurrency = 8,
        Action<TcpConfig>? configure = null, int maxBytes = 65536)
    {
        var result = new SoakResult { Connections = connections, Seed = seed, Link = link };
        var pair = new EnginePair(c =>
        {
            c.Capacity = 4 * concurrency + 1;
            configure?.Invoke(c);
        });
        var toServer = new ImpairedPath(link, 1);
        var toClient = new ImpairedPath(link, 2);
        result.ClientToServer = toServer.Counts;
        result.ServerToClient = toClient.Counts;
        pair.OnTransmit = (fromClient, bytes) =>
        {
            result.Packets++;
            (fromClient ? toServer : toClient).Send(pair.Now, bytes, 0, bytes.Length);
        };
        var random = new Random(seed);
        var active = new List<Conversation>();
        var byPort = new Dictionary<int, Conversation>();
        var abandonedPorts = new HashSet<int>();
        int started = 0;

        void Failed(Conversation c, string why)
        {
            if (result.Failure == null) result.Failure = Report(pair, c, why, seed, link);
            result.Failures.Add($"{c.Describe()}: {why}");
            c.Abandon(why);
            active.Remove(c);
            byPort.Remove(c.ClientPort);
            abandonedPorts.Add(c.ClientPort);
        }

        while (started < connections || active.Count > 0)
        {
            while (active.Count < concurrency && started < connections)
            {
                var pattern = (ClosePattern)(started % 5);
                var c = new Conversation(pair, started, pattern, Size(random, maxBytes), Size(random, maxBytes));
                started++;
                active.Add(c);
                byPort[c.ClientPort] = c;
                if (c.Failure != null) Failed(c, c.Failure);
            }

            bool progress;
            do
            {
                progress = false;
                int h;
                while ((h = pair.B.Accept(pair.Now, pair.Listener)) >= 0)
                {
                    int port = pair.B.RemotePort(h);
                    if (byPort.TryGetValue(port, out Conversation? c) && !c.ServerAccepted) c.Accepted(h);
                    else
                    {
                        if (!abandonedPorts.Contains(port))
                            result.Failures.Add($"the server accepted a connection from port {port} that no client opened (or twice)");
                        pair.B.Abort(pair.Now, h);
                        pair.B.Close(pair.Now, h);
                    }
                    progress = true;
                }
                foreach (Conversation c in active) progress |= c.Step();
            } while (progress);

            for (int i = active.Count - 1; i >= 0; i--)
            {
                Conversation c = active[i];
                if (c.Failure != null) Failed(c, c.Failure);
                else if (c.CheckFinished())
                {
                    result.Durations.Add(c.Finished - c.Started);
                    active.RemoveAt(i);
                    byPort.Remove(c.ClientPort);
                }
                else if (pair.Now - c.Started > BoundMs) Failed(c, $"still not finished after {BoundMs / 1000} s of virtual time");
            }
            if (active.Count == 0 && started >= connections) break;

            long next = Math.Min(Math.Min(toServer.NextDue, toClient.NextDue), pair.NextDeadline);
            if (next == long.MaxValue)
            {
                if (active.Count == 0) continue;
                foreach (Conversation c in active.ToList()) Failed(c, "stuck: no packet on its way and no timer armed on either side");
                continue;
            }
            if (next > pair.Now) pair.Now = next;
            while (toServer.TryTake(pair.Now, out var p)) pair.Deliver(true, p.Bytes);
            while (toClient.TryTake(pair.Now, out var p)) pair.Deliver(false, p.Bytes);
            pair.Tick();
        }

        result.VirtualMs = pair.Now;
        result.Retransmissions = pair.A.Counters.Retransmissions + pair.B.Counters.Retransmissions;
        result.TimedOut = pair.A.Counters.TimedOut + pair.B.Counters.TimedOut;
        result.Resets = pair.A.Counters.RstsSent + pair.B.Counters.RstsSent;
        if (result.Failure != null) return result;
        var left = new StringBuilder();
        var info = new TcpInfo();
        foreach ((TcpEngine e, string name) in new[] { (pair.A, "client"), (pair.B, "server") })
            for (int s = 0; s < e.Capacity; s++)
                if (e.GetSlotInfo(s, info) && info.State != TcpState.Listen)
                    left.Append(CultureInfo.InvariantCulture, $"{name} slot {s} still in use: {Describe(info)}\n");
        if (left.Length > 0) result.Failure = $"seed {seed}: every connection finished but slots are left in use\n{left}";
        else if (result.TimedOut > 0) result.Failure = $"seed {seed}: {result.TimedOut} connections timed out (ETIMEDOUT)";
        return result;
    }

    /// <summary>Payload sizes up to maxBytes, with the edges (nothing, one byte, all of it) common.</summary>
    static int Size(Random random, int maxBytes)
    {
        int r = random.Next(10);
        if (r == 0) return 0;
        if (r == 1) return 1;
        if (r == 2) return maxBytes;
        return random.Next(maxBytes + 1);
    }

    static string Report(EnginePair pair, Conversation c, string why, int seed, ImpairmentSettings link)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"seed {seed} (link {link}), at {pair.Now} ms: ");
        text.Append(why).Append('\n').Append(c.Describe()).Append('\n');
        var info = new TcpInfo();
        foreach ((TcpEngine e, string name, int local, uint peer, int remote) in new[]
        {
            (pair.A, "client", c.ClientPort, EnginePair.AddrB, EnginePair.ServerPort),
            (pair.B, "server", EnginePair.ServerPort, EnginePair.AddrA, c.ClientPort),
        })
        {
            bool found = false;
            for (int s = 0; s < e.Capacity; s++)
                if (e.GetSlotInfo(s, info) && info.LocalPort == local && info.RemotePort == remote && info.RemoteAddress == peer)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{name}: {Describe(info)}\n");
                    found = true;
                }
            if (!found) text.Append(name).Append(": no slot\n");
        }
        text.Append("client log:\n");
        foreach (string l in pair.RecentLog(true, c.ClientPort).TakeLast(40)) text.Append("  ").Append(l).Append('\n');
        text.Append("server log:\n");
        foreach (string l in pair.RecentLog(false, c.ClientPort).TakeLast(40)) text.Append("  ").Append(l).Append('\n');
        return text.ToString();
    }

    public static string Describe(TcpInfo i) => string.Create(CultureInfo.InvariantCulture,
        $"slot {i.Slot} {TcpStates.Name(i.State)} snd.una={i.SndUna - i.Iss} snd.nxt={i.SndNxt - i.Iss} snd.max={i.SndMax - i.Iss} rcv.nxt={i.RcvNxt - i.Irs} " +
        $"snd.wnd={i.SndWnd} rcv.wnd={i.RcvWnd} free={i.RcvBufFree} cwnd={i.Cwnd} ssthresh={i.Ssthresh} rto={i.RtoMs} retries={i.Retries} " +
        $"recv-q={i.RecvQ} send-q={i.SendQ} fin queued={i.FinQueued} acked={i.FinAcked} received={i.FinReceived} error={i.Error} " +
        $"next timer={i.NextTimer ?? "-"}{(i.HasTimer ? "@" + i.NextDeadline : "")}");
}
