using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using NanoTcp;

namespace NanoTcp.Bench;

/// <summary>
/// The cost of one Tick with N established, idle connections and no timer due. docs/design.md §5: the
/// per-tick cost must not grow with the number of idle connections. Each connection's earliest
/// deadline sits in one min-heap, so a tick with nothing due looks at the heap's top and stops.
///
/// Tick_NoTimers: keep-alive off (the default), so an idle connection arms no timer at all.
/// Tick_KeepAliveArmed: keep-alive on every connection (idle time 2 h, Linux's default); every
/// connection has a deadline in the heap, none of them due during the run.
/// </summary>
[MemoryDiagnoser]
public class TimerBenchmarks
{
    const int TicksPerInvoke = 1000;
    const int KeepAliveIdleMs = 7_200_000;
    // Ticks advance the clock 1 ms each and wrap within this span, far short of any keep-alive deadline.
    const long StartMs = 10, SpanMs = 1_000_000;

    [Params(1, 100, 1000, 10000)]
    public int Connections;

    EnginePeer _peer = null!;
    long _now;
    long _timerChecks;

    void Open(int keepAliveIdleMs)
    {
        _peer = new EnginePeer(new TcpConfig { Capacity = Connections + 1, SynBacklog = Connections + 1, KeepAliveIdleMs = keepAliveIdleMs });
        for (int i = 0; i < Connections; i++) _peer.Open(0, 10000 + i, 1000, out _);
        _peer.CheckNothingDropped();
        _now = StartMs;
        _timerChecks = _peer.Engine.Counters.TimerChecks;
    }

    [GlobalSetup(Target = nameof(Tick_NoTimers))]
    public void SetupIdle()
    {
        Open(0);
        if (_peer.Engine.NextDeadline != long.MaxValue) throw new InvalidOperationException("an idle connection armed a timer");
        WarmUp.Run(Tick_NoTimers);
    }

    [GlobalSetup(Target = nameof(Tick_KeepAliveArmed))]
    public void SetupKeepAlive()
    {
        Open(KeepAliveIdleMs);
        long next = _peer.Engine.NextDeadline;
        if (next == long.MaxValue) throw new InvalidOperationException("keep-alive not armed");
        if (next <= StartMs + SpanMs) throw new InvalidOperationException("a keep-alive deadline falls inside the run: " + next);
        WarmUp.Run(Tick_KeepAliveArmed);
    }

    /// <summary>Nothing may have fired: a due timer would be measuring timer work, not an idle tick.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        if (_peer.Engine.Counters.TimerChecks != _timerChecks) throw new InvalidOperationException("a timer fired during the run");
    }

    [Benchmark(OperationsPerInvoke = TicksPerInvoke)]
    public long Tick_NoTimers() { return Ticks(); }

    [Benchmark(OperationsPerInvoke = TicksPerInvoke)]
    public long Tick_KeepAliveArmed() { return Ticks(); }

    // Fully optimized from the first call: in the in-process quick mode this loop could otherwise
    // be measured while tiered compilation still runs it as unoptimized or on-stack-replaced code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    long Ticks()
    {
        TcpEngine e = _peer.Engine;
        long now = _now;
        if (now >= StartMs + SpanMs) now = StartMs;
        for (int i = 0; i < TicksPerInvoke; i++) e.Tick(++now);
        _now = now;
        return now;
    }
}
