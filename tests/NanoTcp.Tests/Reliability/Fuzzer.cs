using System.Globalization;
using System.Text;
using NanoTcp;
using NanoTcp.Tests.Engine;

namespace NanoTcp.Tests.Reliability;

/// <summary>What a fuzz run found.</summary>
public sealed class FuzzResult
{
    public long Inputs, ParseInputs, Ticks, Episodes, Exceptions;
    public int Seed;
    /// <summary>Violations by kind: how many, and the first one in full.</summary>
    public readonly SortedDictionary<string, (long Count, string Example)> Violations = new(StringComparer.Ordinal);
    /// <summary>States the target connection was in when a mutated segment arrived, and how often.</summary>
    public readonly long[] InputsByState = new long[11];

    /// <summary>
    /// Where this thread's allocation count moved during a call: the input's number (a tick's is
    /// its own number, negated, minus one) and what it was. Not yet a violation: the
    /// caller compares two runs of the seed (see <see cref="Fuzzer.Run"/>).
    /// </summary>
    public readonly SortedDictionary<long, string> Allocations = new();

    public void Allocated(long at, string what)
    {
        if (Allocations.Count < 10_000) Allocations.TryAdd(at, what);
    }

    public void Add(string kind, string example)
    {
        Violations[kind] = Violations.TryGetValue(kind, out var v) ? (v.Count + 1, v.Example) : (1, example);
    }

    public string Summary()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"fuzz: {Inputs} inputs to TcpEngine.Input in {Episodes} episodes, {ParseInputs} more to Wire.Parse, {Ticks} timer ticks, seed {Seed}; {Exceptions} exceptions; ");
        text.Append(Violations.Count == 0 ? "no invariant violated" : string.Join(", ", Violations.Select(v => $"{v.Key} ×{v.Value.Count}")));
        text.Append("; inputs by the state of the connection they reached: ");
        text.Append(string.Join(" ", Enumerable.Range(0, 11).Where(s => InputsByState[s] > 0).Select(s => $"{TcpStates.Name((TcpState)s)}={InputsByState[s]}")));
        return text.ToString();
    }
}

/// <summary>
/// A mutation fuzzer over the decoder (Wire.Parse) and TcpEngine.Input. Each episode replays a
/// real conversation between two engines (a random close pattern and payload, and random
/// settings) up to a random point, so its connections may be in any state; then it feeds one
/// engine mutated copies of the segments that conversation really carried, retargeted at a live
/// connection with sequence numbers near the edges of its windows, checksums fixed half the
/// time, mixed with the conversation's own packets and with timers firing. After every input the
/// <see cref="Invariants"/> must hold and Input must have allocated nothing; a timer that fires
/// must send something or change the connection's state.
/// </summary>
public sealed class Fuzzer
{
    const int InputsPerEpisode = 16;

    readonly Random _r;
    readonly FuzzResult _result;
    readonly Invariants _invariants = new();
    readonly TcpInfo _info = new(), _before = new();
    readonly byte[] _work = new byte[4096];
    readonly byte[] _input = new byte[4200];
    readonly List<byte[]> _corpus = [];
    readonly PacketRing _net = new();

    EnginePair _pair = null!;
    Conversation? _conv;
    bool _watchTick;
    readonly int[] _sentBySlot = new int[64];
    TcpEngine? _watched;

    public Fuzzer(int seed)
    {
        _r = new Random(seed);
        _result = new FuzzResult { Seed = seed };
    }

    /// <summary>
    /// Feeds the inputs of one seed. The same seed gives the same inputs, so the engine takes the
    /// same paths: an allocation of the engine's happens at the same input in every run. This
    /// thread's allocation count can also move for reasons of the runtime's own (a first run of
    /// a path, another thread's collection suspending this one: a few kilobytes, a few times in a
    /// million calls on a loaded machine), and those land at no fixed input. So the caller runs the
    /// seed twice and takes as the engine's only the allocations both runs saw at the same input
    /// (<see cref="Repeated"/>).
    /// </summary>
    public static FuzzResult Run(long inputs, int seed)
    {
        var f = new Fuzzer(seed);
        while (f._result.Inputs < inputs) f.Episode();
        return f._result;
    }

    /// <summary>The allocations both runs of one seed saw at the same input: the engine's own.</summary>
    public static List<string> Repeated(FuzzResult first, FuzzResult second) =>
        second.Allocations.Where(a => first.Allocations.ContainsKey(a.Key)).Select(a => a.Value).ToList();


    /// <summary>Packets on their way between the two engines: preallocated, so the engines' transmissions allocate nothing.</summary>
    sealed class PacketRing
    {
        const int Slots = 256;
        readonly byte[][] _bytes = Enumerable.Range(0, Slots).Select(_ => new byte[2048]).ToArray();
        readonly int[] _length = new int[Slots];
        readonly bool[] _toB = new bool[Slots];
        readonly long[] _due = new long[Slots];
        int _head, _count;

        public void Clear() { _head = 0; _count = 0; }
        public long NextDue => _count == 0 ? long.MaxValue : _due[_head];

        public void Add(bool toB, byte[] p, int offset, int length, long due)
        {
            if (_count == Slots || length > 2048) return; // a full link drops it
            int i = (_head + _count++) % Slots;
            Array.Copy(p, offset, _bytes[i], 0, length);
            _length[i] = length;
            _toB[i] = toB;
            _due[i] = due;
        }

        public bool Take(long now, out byte[] bytes, out int length, out bool toB)
        {
            bytes = null!; length = 0; toB = false;
            if (_count == 0 || _due[_head] > now) return false;
            bytes = _bytes[_head]; length = _length[_head]; toB = _toB[_head];
            _head = (_head + 1) % Slots;
            _count--;
            return true;
        }
    }

    void Episode()
    {
        _result.Episodes++;
        Action<TcpConfig> settings = (_r.Next(5)) switch
        {
            0 => c => { c.DelayedAckMs = 40; },
            1 => c => { c.KeepAliveIdleMs = 300; c.KeepAliveIntervalMs = 100; c.KeepAliveCount = 2; },
            2 => c => { c.RcvBuf = 300; c.SndBuf = 500; c.Mss = 128; },
            3 => c => { c.MslMs = 100; c.FinWait2TimeoutMs = 500; c.MaxRetries = 2; c.SynMaxRetries = 1; },
            _ => c => { },
        };
        _pair = new EnginePair(c => { c.Capacity = 6; settings(c); }, logLines: 32);
        _net.Clear();
        _pair.OnTransmitRaw = Transmitted;
        var pattern = (ClosePattern)_r.Next(5);
        _conv = new Conversation(_pair, (int)_result.Episodes, pattern, Size(), Size());
        // Run the conversation until one side has a connection in a state picked at random (or a few events, or its end).
        TcpState wanted = Wanted[_r.Next(Wanted.Length)];
        int events = 0;
        while (events < 2000 && !InState(wanted) && StepEvent()) events++;
        int more = _r.Next(3);
        for (int e = 0; e < more && StepEvent(); e++) { }

        for (int k = 0; k < InputsPerEpisode; k++)
        {
            int what = _r.Next(20);
            if (what < 13) MutatedInput();
            else if (what < 14) ParseOnly();
            else if (what < 17) StepEvent();
            else TimerFires();
        }
    }

    static readonly TcpState[] Wanted =
    {
        TcpState.SynSent, TcpState.SynReceived, TcpState.Established, TcpState.FinWait1, TcpState.FinWait2,
        TcpState.CloseWait, TcpState.Closing, TcpState.LastAck, TcpState.TimeWait, TcpState.Closed,
    };

    bool InState(TcpState s)
    {
        if (s == TcpState.Closed) return false; // run to the end
        foreach (TcpEngine e in new[] { _pair.A, _pair.B })
            for (int i = 0; i < e.Capacity; i++)
                if (e.SlotInUse(i) && e.SlotState(i) == s) return true;
        return false;
    }

    int Size() => _r.Next(4) switch { 0 => 0, 1 => 1, _ => _r.Next(4000) };

    void Transmitted(bool fromA, byte[] p, int offset, int length)
    {
        if (_watchTick && (fromA ? _pair.A : _pair.B) == _watched && length >= 40)
        {
            // Which slot sent it: the one whose 4-tuple it carries.
            int srcPort = (p[offset + 20] << 8) | p[offset + 21], dstPort = (p[offset + 22] << 8) | p[offset + 23];
            uint dst = Wire.ReadU32(p, offset + 16);
            for (int s = 0; s < _watched.Capacity; s++)
                if (_watched.SlotInUse(s) && _watched.SlotLocalPort(s) == srcPort && _watched.SlotRemotePort(s) == dstPort && _watched.SlotRemoteAddress(s) == dst)
                    _sentBySlot[s]++;
        }
        _net.Add(fromA, p, offset, length, _pair.Now + 1); // copied into the ring: nothing allocated while the engine runs
    }

    /// <summary>Keeps some of the real segments, taken as they arrive (outside the measured calls), as seeds for mutation.</summary>
    void Keep(byte[] p, int length)
    {
        if (_corpus.Count < 8192) { if (_r.Next(2) == 0) _corpus.Add(p.AsSpan(0, length).ToArray()); }
        else if (_r.Next(32) == 0) _corpus[_r.Next(_corpus.Count)] = p.AsSpan(0, length).ToArray();
    }

    /// <summary>One event of the real conversation: the applications act, then the next packet arrives or the next timer fires.</summary>
    bool StepEvent()
    {
        if (_conv != null)
        {
            bool progress;
            int rounds = 0;
            do
            {
                progress = false;
                int h;
                while ((h = _pair.B.Accept(_pair.Now, _pair.Listener)) >= 0)
                {
                    if (!_conv.ServerAccepted && _pair.B.RemotePort(h) == _conv.ClientPort) _conv.Accepted(h);
                    else { _pair.B.Close(_pair.Now, h); }
                    progress = true;
                }
                progress |= _conv.Step();
            } while (progress && ++rounds < 100);
        }
        long next = Math.Min(_net.NextDue, _pair.NextDeadline);
        if (next == long.MaxValue) return false;
        if (next > _pair.Now) _pair.Now = next;
        while (_net.Take(_pair.Now, out byte[] b, out int n, out bool toB))
        {
            Array.Copy(b, _input, n);
            Keep(_input, n);
            Feed(toB ? _pair.B : _pair.A, _input, 0, n, "the conversation's own packet");
        }
        Tick(_pair.A);
        Tick(_pair.B);
        return true;
    }

    void MutatedInput()
    {
        TcpEngine target = _r.Next(2) == 0 ? _pair.A : _pair.B;
        int n = BasePacket(target);
        n = Mutate(target, n);
        int offset = 0;
        if (_r.Next(8) == 0)
        {
            // The datagram somewhere inside a larger buffer.
            offset = _r.Next(64);
            Array.Copy(_work, 0, _input, offset, n);
        }
        else Array.Copy(_work, _input, n);
        int length = n;
        if (_r.Next(32) == 0) length = _r.Next(-2, n + 64); // a length that disagrees with the buffer
        Feed(target, _input, offset, length, "a mutated segment");
    }

    /// <summary>A real segment into _work: one of the conversation's (already addressed to the target), or one from any earlier episode.</summary>
    int BasePacket(TcpEngine target)
    {
        if (_corpus.Count == 0 || _r.Next(10) == 0)
        {
            // A fresh segment built from scratch: any flags, any length.
            int payload = _r.Next(4) == 0 ? _r.Next(1500) : 0;
            int flags = _r.Next(3) == 0 ? _r.Next(256) : (new[] { TcpFlags.Syn, TcpFlags.Ack, TcpFlags.Ack | TcpFlags.Psh, TcpFlags.Fin | TcpFlags.Ack, TcpFlags.Rst, TcpFlags.Rst | TcpFlags.Ack, TcpFlags.Syn | TcpFlags.Ack })[_r.Next(7)];
            for (int i = 0; i < payload; i++) _work[Wire.HeaderLength(0) + i] = (byte)_r.Next(256);
            return Wire.Build(_work, 0, Peer(target), Self(target), EnginePair.ServerPort, EnginePair.ServerPort, (uint)_r.Next(), (uint)_r.Next(),
                flags, _r.Next(65536), Array.Empty<byte>(), 0, payload, _r.Next(65536));
        }
        byte[] p = _corpus[_r.Next(_corpus.Count)];
        Array.Copy(p, _work, p.Length);
        // Turn it around when it was sent by the target itself, so that it reads as the peer's.
        if (Wire.ReadU32(_work, 12) == Self(target)) SwapEnds(p.Length);
        return p.Length;
    }

    static uint Self(TcpEngine e) => e.Config.LocalAddress;
    uint Peer(TcpEngine e) => e == _pair.A ? EnginePair.AddrB : EnginePair.AddrA;

    void SwapEnds(int n)
    {
        if (n < 24) return;
        for (int i = 0; i < 4; i++) (_work[12 + i], _work[16 + i]) = (_work[16 + i], _work[12 + i]);
        for (int i = 0; i < 2; i++) (_work[20 + i], _work[22 + i]) = (_work[22 + i], _work[20 + i]);
        Packets.FixChecksums(_work, n);
    }

    int Mutate(TcpEngine target, int n)
    {
        // Aim at a live connection of the target most of the time, with numbers near its edges.
        if (n >= 40 && _r.Next(4) != 0 && LiveSlot(target, _info))
        {
            Wire.WriteU32(_work, 12, _info.RemoteAddress);
            Wire.WriteU32(_work, 16, Self(target));
            Wire.WriteU16(_work, 20, _info.RemotePort);
            Wire.WriteU16(_work, 22, _info.LocalPort);
            if (_r.Next(2) == 0) Wire.WriteU32(_work, 24, Near(_info.RcvNxt, _info.RcvWnd));
            if (_r.Next(2) == 0) Wire.WriteU32(_work, 28, Near(_r.Next(3) switch { 0 => _info.SndUna, 1 => _info.SndNxt, _ => _info.SndMax }, _info.MaxSndWnd));
        }
        int mutations = _r.Next(4);
        for (int m = 0; m < mutations; m++)
        {
            switch (_r.Next(12))
            {
                case 0: _work[_r.Next(n)] ^= (byte)(1 << _r.Next(8)); break;
                case 1: _work[_r.Next(n)] = (byte)_r.Next(256); break;
                case 2: if (n > 40) _work[33] = (byte)_r.Next(256); break; // flags
                case 3: if (n > 40) Wire.WriteU16(_work, 34, _r.Next(3) == 0 ? 0 : _r.Next(65536)); break; // window
                case 4: if (n > 40) _work[32] = (byte)(_r.Next(16) << 4); break; // data offset
                case 5: _work[0] = (byte)(0x40 | _r.Next(16)); break; // IHL
                case 6: Wire.WriteU16(_work, 2, _r.Next(3) == 0 ? n : _r.Next(n + 40)); break; // total length
                case 7: Wire.WriteU16(_work, 6, _r.Next(65536)); break; // fragment bits
                case 8: n = _r.Next(n + 1); break; // truncated
                case 9:
                    {
                        int extra = _r.Next(1, 200);
                        if (n + extra <= _work.Length) { for (int i = 0; i < extra; i++) _work[n + i] = (byte)_r.Next(256); n += extra; }
                        break;
                    }
                case 10: n = Options(n); break;
                case 11: if (n > 40) Wire.WriteU32(_work, 24, Wire.ReadU32(_work, 24) + (uint)_r.Next(-3000, 3000)); break;
            }
        }
        if (_r.Next(2) == 0) Packets.FixChecksums(_work, n);
        return n;
    }

    uint Near(uint edge, int window) => _r.Next(6) switch
    {
        0 => edge,
        1 => edge - 1,
        2 => edge + 1,
        3 => edge + (uint)Math.Max(0, window),
        4 => edge + (uint)_r.Next(-70000, 70000),
        _ => (uint)_r.Next() ^ ((uint)_r.Next() << 1),
    };

    /// <summary>Rewrites the TCP options: real kinds with wrong or extreme values and lengths.</summary>
    int Options(int n)
    {
        if (n < 40) return n;
        int payload = n - 40 - ((_work[32] >> 4) * 4 - 20);
        if (payload < 0) payload = 0;
        int optLen = _r.Next(11) * 4;
        var opts = new byte[optLen];
        for (int i = 0; i < optLen;)
        {
            int kind = new[] { 0, 1, 2, 3, 4, 5, 8, 30, 254, _r.Next(256) }[_r.Next(10)];
            opts[i++] = (byte)kind;
            if (kind <= 1 || i >= optLen) continue;
            int len = _r.Next(4) == 0 ? _r.Next(256) : kind switch { 2 => 4, 3 => 3, 4 => 2, 5 => 2 + 8 * _r.Next(5), 8 => 10, _ => 2 + _r.Next(6) };
            opts[i++] = (byte)len;
            for (int j = 2; j < len && i < optLen; j++) opts[i++] = (byte)_r.Next(256);
        }
        var tail = _work.AsSpan(n - payload, payload).ToArray();
        int total = Wire.Build(_work, 0, Wire.ReadU32(_work, 12), Wire.ReadU32(_work, 16), Wire.ReadU16(_work, 20), Wire.ReadU16(_work, 22),
            Wire.ReadU32(_work, 24), Wire.ReadU32(_work, 28), _work[33], Wire.ReadU16(_work, 34), opts, optLen, 0, 0);
        if (total + tail.Length > _work.Length) return total;
        tail.CopyTo(_work, total);
        Wire.WriteU16(_work, 2, total + tail.Length);
        Packets.FixChecksums(_work, total + tail.Length);
        return total + tail.Length;
    }

    bool LiveSlot(TcpEngine e, TcpInfo into)
    {
        int start = _r.Next(e.Capacity);
        for (int k = 0; k < e.Capacity; k++)
            if (e.GetSlotInfo((start + k) % e.Capacity, into) && into.State != TcpState.Listen && into.State != TcpState.Closed) return true;
        return false;
    }

    /// <summary>Input, with the checks: no exception, no allocation, every invariant after.</summary>
    void Feed(TcpEngine target, byte[] b, int offset, int length, string what)
    {
        _result.Inputs++;
        int state = StateReached(target, b, offset, length);
        if (state >= 0) _result.InputsByState[state]++;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            target.Input(_pair.Now, b, offset, length);
        }
        catch (Exception e)
        {
            _result.Exceptions++;
            _result.Add("exception:" + e.GetType().Name, $"{what}: {e}\n{Hex(b, offset, length)}");
            return;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated != 0) _result.Allocated(_result.Inputs, $"{allocated} bytes for {what}\n{Hex(b, offset, length)}");
        CheckBoth(what, b, offset, length);
    }

    /// <summary>The state of the connection slot a segment is addressed to, -1 when none.</summary>
    static int StateReached(TcpEngine e, byte[] b, int offset, int length)
    {
        if (length < 40 || offset < 0 || offset + length > b.Length) return -1;
        int dstPort = (b[offset + 22] << 8) | b[offset + 23], srcPort = (b[offset + 20] << 8) | b[offset + 21];
        uint src = Wire.ReadU32(b, offset + 12);
        TcpState s = e.StateOf(dstPort, src, srcPort);
        if (s == TcpState.Closed && IsListening(e, dstPort)) s = TcpState.Listen;
        return (int)s;
    }

    static bool IsListening(TcpEngine e, int port)
    {
        for (int i = 0; i < e.Capacity; i++)
            if (e.SlotInUse(i) && e.SlotState(i) == TcpState.Listen && e.SlotLocalPort(i) == port) return true;
        return false;
    }

    void CheckBoth(string what, byte[] b, int offset, int length)
    {
        foreach (TcpEngine e in new[] { _pair.A, _pair.B })
        {
            string? v = _invariants.Check(e, out string? detail);
            if (v != null) _result.Add(v, $"after {what} to {(e == _pair.A ? "the client" : "the server")} at {_pair.Now} ms: {detail}\n{Hex(b, offset, length)}");
        }
    }

    /// <summary>The target's earliest timer fires: each slot it was due on must send something or change.</summary>
    void TimerFires()
    {
        TcpEngine target = _r.Next(2) == 0 ? _pair.A : _pair.B;
        long d = target.NextDeadline;
        if (d == long.MaxValue) return;
        if (d > _pair.Now) _pair.Now = d;
        Tick(target);
    }

    void Tick(TcpEngine target)
    {
        if (target.NextDeadline > _pair.Now) return;
        _result.Ticks++;
        // Which slots are due, and what they were before.
        int cap = target.Capacity;
        var due = new (bool Due, TcpState State, string? Timer, bool RtoArmed, int Generation)[cap];
        for (int s = 0; s < cap; s++)
        {
            _sentBySlot[s] = 0;
            if (target.GetSlotInfo(s, _before) && _before.NextDeadline <= _pair.Now)
                due[s] = (true, _before.State, _before.NextTimer, _before.RtxAt != TcpInfo.Never, _before.Handle);
        }
        _watched = target;
        _watchTick = true;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            target.Tick(_pair.Now);
        }
        catch (Exception e)
        {
            _result.Exceptions++;
            _result.Add("exception-in-tick:" + e.GetType().Name, e.ToString());
            return;
        }
        finally
        {
            _watchTick = false;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated != 0) _result.Allocated(-_result.Ticks - 1, $"{allocated} bytes in a tick");
        for (int s = 0; s < cap; s++)
        {
            if (!due[s].Due) continue;
            bool inUse = target.GetSlotInfo(s, _info);
            bool changed = !inUse || _info.State != due[s].State || _sentBySlot[s] > 0;
            // Keep-alive with data in flight only re-arms: the retransmission timer watches the peer then.
            if (!changed && due[s].Timer == "keepalive" && due[s].RtoArmed) changed = true;
            if (!changed)
                _result.Add("timer-did-nothing:" + due[s].Timer + ":" + TcpStates.Name(due[s].State),
                    $"at {_pair.Now} ms, {(target == _pair.A ? "client" : "server")} {Soak.Describe(_info)}");
        }
        CheckBoth("a timer", Array.Empty<byte>(), 0, 0);
    }

    void ParseOnly()
    {
        _result.ParseInputs++;
        int n = _r.Next(3) == 0 ? _r.Next(80) : BasePacket(_pair.A);
        if (n <= 80 && _r.Next(3) == 0) for (int i = 0; i < n; i++) _work[i] = (byte)_r.Next(256);
        n = Mutate(_pair.A, n);
        int offset = _r.Next(-4, 8), length = _r.Next(-4, n + 8);
        var seg = new Segment();
        try
        {
            int reason = Wire.Parse(_work, offset, length, seg);
            if (reason == DropReason.None)
            {
                bool inside = seg.PayloadOffset >= offset && seg.PayloadLength >= 0 && seg.PayloadOffset + seg.PayloadLength <= offset + length
                    && seg.OptionsOffset + seg.OptionsLength == seg.PayloadOffset;
                if (!inside) _result.Add("parse-out-of-bounds", Hex(_work, 0, Math.Min(n, _work.Length)));
            }
        }
        catch (Exception e)
        {
            _result.Exceptions++;
            _result.Add("exception-in-parse:" + e.GetType().Name, $"offset {offset} length {length}: {e.Message}\n{Hex(_work, 0, n)}");
        }
    }

    static string Hex(byte[] b, int offset, int length)
    {
        if (offset < 0 || length <= 0 || offset >= b.Length) return "(no bytes)";
        return Convert.ToHexString(b, offset, Math.Min(length, b.Length - offset));
    }
}
