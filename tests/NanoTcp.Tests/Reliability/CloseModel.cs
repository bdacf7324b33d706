using System.Globalization;
using System.Text;
using NanoTcp;

namespace NanoTcp.Tests.Reliability;

/// <summary>What the model check of one close pattern found.</summary>
public sealed class CloseModelResult
{
    public ClosePattern Pattern;
    public long States, Replays, Terminals, BothClosed, BothErrors;
    public int MaxDepth;
    public readonly List<string> Violations = [];

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Pattern}: {States} states, {Terminals} terminal ({BothClosed} both CLOSED, {BothErrors} both with an error), deepest schedule {MaxDepth} steps, {Violations.Count} violations");
}

/// <summary>
/// Explicit-state model check of the close: from ESTABLISHED, every schedule of delivering any
/// in-flight segment (in any order), dropping one (at most <see cref="MaxDrops"/> in all), and
/// firing the earliest timer (also while segments are in flight, which is a network slower than
/// the RTO, at most <see cref="MaxEarlyTimers"/> times), with both applications acting after
/// every step. Engines cannot be copied, so each state is rebuilt by re-running its schedule from
/// the start; states are identified by a hash of both control blocks (sequence numbers relative
/// to the ISNs, timers relative to the clock), both applications' progress and the in-flight
/// segments. Every terminal state (nothing in flight, no timer armed) must have both sides
/// CLOSED with every byte delivered, or both applications told of an error.
/// </summary>
public sealed class CloseModel
{
    public int MaxDrops = 3;
    public int MaxEarlyTimers = 1;
    public int MaxDepth = 120;
    public long MaxStates = 2_000_000;

    readonly ClosePattern _pattern;
    readonly int _clientBytes, _serverBytes;
    readonly HashSet<ulong> _seen = [];
    readonly CloseModelResult _result;
    readonly TcpInfo _info = new();

    public CloseModel(ClosePattern pattern, int clientBytes, int serverBytes)
    {
        _pattern = pattern;
        _clientBytes = clientBytes;
        _serverBytes = serverBytes;
        _result = new CloseModelResult { Pattern = pattern };
    }

    /// <summary>A step of a schedule: deliver or drop in-flight segment Index, or fire the earliest timer.</summary>
    public readonly record struct Choice(char Kind, int Index)
    {
        public override string ToString() => Kind == 'T' ? "timer" : $"{(Kind == 'D' ? "deliver" : "drop")} #{Index}";
    }

    sealed class World
    {
        public required EnginePair Pair;
        public required Conversation Conv;
        public readonly List<(bool ToB, byte[] Bytes)> Flight = [];
        public int Drops, EarlyTimers;
    }

    public CloseModelResult Run()
    {
        var stack = new Stack<Choice[]>();
        stack.Push([]);
        while (stack.Count > 0 && _result.States < MaxStates)
        {
            Choice[] schedule = stack.Pop();
            World w = Replay(schedule, keepLog: false);
            _result.Replays++;
            if (!_seen.Add(Hash(w))) continue;
            _result.States++;
            _result.MaxDepth = Math.Max(_result.MaxDepth, schedule.Length);
            bool timer = w.Pair.NextDeadline != long.MaxValue;
            if (w.Flight.Count == 0 && !timer)
            {
                Terminal(w, schedule);
                continue;
            }
            if (schedule.Length >= MaxDepth)
            {
                Violation(schedule, $"still going after {MaxDepth} steps");
                continue;
            }
            var next = new List<Choice>();
            for (int i = 0; i < w.Flight.Count; i++)
            {
                next.Add(new Choice('D', i));
                if (w.Drops < MaxDrops) next.Add(new Choice('X', i));
            }
            if (timer && (w.Flight.Count == 0 || w.EarlyTimers < MaxEarlyTimers)) next.Add(new Choice('T', 0));
            for (int i = next.Count - 1; i >= 0; i--) stack.Push([.. schedule, next[i]]);
        }
        if (stack.Count > 0) _result.Violations.Add($"stopped after {MaxStates} states with {stack.Count} schedules unexplored");
        return _result;
    }

    World Replay(Choice[] schedule, bool keepLog)
    {
        var pair = new EnginePair(c => { c.Capacity = 4; c.MslMs = 500; c.FinWait2TimeoutMs = 5000; }, keepLog, 512);
        World? w = null;
        var flight = new List<(bool, byte[])>();
        pair.OnTransmit = (fromA, bytes) => flight.Add((fromA, bytes));
        var conv = new Conversation(pair, 0, _pattern, _clientBytes, _serverBytes);
        // The handshake, lossless and in order: the check starts from ESTABLISHED on both sides.
        while (flight.Count > 0 || pair.B.StateOf(EnginePair.ServerPort, EnginePair.AddrA, conv.ClientPort) != TcpState.Established)
        {
            if (flight.Count == 0) throw new InvalidOperationException("the handshake did not complete");
            var (toB, bytes) = flight[0];
            flight.RemoveAt(0);
            pair.Now++;
            pair.Deliver(toB, bytes);
        }
        int h = pair.B.Accept(pair.Now, pair.Listener);
        if (h < 0) throw new InvalidOperationException("nothing to accept");
        conv.Accepted(h);
        w = new World { Pair = pair, Conv = conv };
        w.Flight.AddRange(flight);
        pair.OnTransmit = (fromA, bytes) => w.Flight.Add((fromA, bytes));
        Settle(w);
        foreach (Choice c in schedule)
        {
            // Time passes only when a timer fires: the schedule's order is what varies, not its speed.
            switch (c.Kind)
            {
                case 'D':
                    var (toB, bytes) = w.Flight[c.Index];
                    w.Flight.RemoveAt(c.Index);
                    pair.Deliver(toB, bytes);
                    break;
                case 'X':
                    w.Flight.RemoveAt(c.Index);
                    w.Drops++;
                    break;
                case 'T':
                    if (w.Flight.Count > 0) w.EarlyTimers++;
                    pair.Now = Math.Max(pair.Now, pair.NextDeadline);
                    pair.Tick();
                    break;
            }
            Settle(w);
        }
        return w;
    }

    /// <summary>Both applications act until neither has anything more to do.</summary>
    static void Settle(World w)
    {
        for (int i = 0; i < 100 && w.Conv.Step(); i++) { }
        w.Conv.CheckFinished();
    }

    void Terminal(World w, Choice[] schedule)
    {
        _result.Terminals++;
        Conversation c = w.Conv;
        if (c.Finished >= 0 && c.Failure == null) { _result.BothClosed++; return; }
        c.CollectPendingErrors();
        if (c.ClientError != 0 && c.ServerError != 0) { _result.BothErrors++; return; }
        Violation(schedule, c.Failure ?? "the applications neither finished nor were both told of an error");
    }

    void Violation(Choice[] schedule, string why)
    {
        if (_result.Violations.Count >= 5) { _result.Violations.Add("..."); return; }
        World w = Replay(schedule, keepLog: true);
        w.Conv.CollectPendingErrors();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{_pattern} ({_clientBytes} bytes client→server, {_serverBytes} server→client): {why}\n");
        text.Append(CultureInfo.InvariantCulture, $"  client error {TcpError.Name(w.Conv.ClientError)}, server error {TcpError.Name(w.Conv.ServerError)}; {w.Conv.Describe()}\n");
        text.Append("  schedule: ").Append(string.Join(", ", schedule)).Append('\n');
        foreach ((TcpEngine e, string name) in new[] { (w.Pair.A, "client"), (w.Pair.B, "server") })
            for (int s = 0; s < e.Capacity; s++)
                if (e.GetSlotInfo(s, _info) && _info.State != TcpState.Listen) text.Append("  ").Append(name).Append(": ").Append(Soak.Describe(_info)).Append('\n');
        foreach (string l in w.Pair.RecentLog(true, w.Conv.ClientPort)) text.Append("  client log: ").Append(l).Append('\n');
        foreach (string l in w.Pair.RecentLog(false, w.Conv.ClientPort)) text.Append("  server log: ").Append(l).Append('\n');
        _result.Violations.Add(text.ToString());
    }

    /// <summary>Both control blocks relative to their ISNs and the clock, both applications, the segments in flight.</summary>
    ulong Hash(World w)
    {
        ulong h = 14695981039346656037UL;
        void Mix(ulong v) { h ^= v; h *= 1099511628211UL; }
        long now = w.Pair.Now;
        foreach (TcpEngine e in new[] { w.Pair.A, w.Pair.B })
            for (int s = 0; s < e.Capacity; s++)
            {
                if (!e.GetSlotInfo(s, _info)) { Mix(0xF7EE); continue; }
                TcpInfo i = _info;
                Mix((ulong)i.State); Mix(i.SndUna - i.Iss); Mix(i.SndNxt - i.Iss); Mix(i.SndMax - i.Iss); Mix(i.RcvNxt - i.Irs);
                Mix((ulong)i.SndWnd); Mix((ulong)i.RcvWnd); Mix((ulong)i.Cwnd); Mix((ulong)i.Ssthresh); Mix((ulong)i.RtoMs); Mix((ulong)i.Retries);
                Mix((ulong)i.RecvQ); Mix((ulong)i.SendQ); Mix((ulong)i.Error);
                Mix((i.FinQueued ? 1UL : 0) | (i.FinAcked ? 2UL : 0) | (i.FinReceived ? 4UL : 0) | (i.Handle >= 0 ? 8UL : 0));
                foreach (long d in new[] { i.RtxAt, i.TimeWaitAt, i.FinWait2At, i.KeepAliveAt, i.DelAckAt })
                    Mix(d == TcpInfo.Never ? ulong.MaxValue : (ulong)(d - now));
            }
        Mix(w.Conv.StateHash());
        Mix((ulong)w.Drops * 7 + (ulong)w.EarlyTimers);
        // The segments in flight as a set: any of them may be delivered next, so their order does not matter.
        ulong flight = 0;
        foreach (var (toB, bytes) in w.Flight) flight += PacketHash(toB, bytes);
        Mix(flight);
        return h;
    }

    /// <summary>A segment's hash without its IP identification and checksums, which differ between schedules that reach the same state.</summary>
    static ulong PacketHash(bool toB, byte[] b)
    {
        ulong h = toB ? 1469598103934665603UL : 7809847782465536322UL;
        for (int i = 0; i < b.Length; i++)
        {
            if (i is 4 or 5 or 10 or 11 or 36 or 37) continue;
            h ^= b[i];
            h *= 1099511628211UL;
        }
        return h * 0x9E3779B97F4A7C15UL;
    }
}
