using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nanotcp.Ladder;
using Nanotcp.Monitor;
using Nanotcp.Net;
using Nanotcp.Serial;
using NanoTcp;
using NanoTcp.Board;
using NanoTcp.Device;

namespace Nanotcp.Scenarios;

/// <summary>Where scenarios run: a virtual board of their own, or a device somewhere on the network.</summary>
public interface IScenarioTarget : IDisposable
{
    /// <summary>Whether several scenarios may run at once (each on its own board).</summary>
    bool Concurrent { get; }
    ScenarioResult Run(Scenario scenario);
}

/// <summary>Each scenario on a fresh in-process virtual board with the scenario's own settings; the device side read from its serial lines.</summary>
public sealed class VirtualBoardTarget : IScenarioTarget
{
    public bool Concurrent => true;

    /// <summary>
    /// Runs one short scenario and forgets it: the code paths are compiled before the first ladder
    /// is drawn, so its times are the link's and not the JIT compiler's (which adds 100 ms and more).
    /// </summary>
    public void WarmUp() => Run(OpenClose.ClosePcFirst);

    public ScenarioResult Run(Scenario scenario)
    {
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.None };
        scenario.Board?.Invoke(options.Device);
        // The observer's copy: the board owns options.Device from now on.
        var profile = new DeviceSettings();
        scenario.Board?.Invoke(profile);
        var observer = new DeviceObserver(fromSerial: true, profile);
        VirtualBoard board;
        try
        {
            board = VirtualBoard.Start(options, observer.OnSerialLine);
        }
        catch (BoardException e)
        {
            return ScenarioRunner.Failed(scenario, "the virtual board did not start: " + e.Message, observer.Source);
        }
        using (board) return ScenarioRunner.Execute(scenario, board.LinkEndPoint, observer);
    }

    public void Dispose() { }
}

/// <summary>
/// A device that is already running (an ESP32, or a virtual board started by hand). Its settings
/// are the defaults unless its serial banner (CONFIG lines) or the user says otherwise; its side
/// is read from its serial port when one is given, else from STATUS polling.
/// </summary>
public sealed class ExternalDeviceTarget : IScenarioTarget
{
    readonly IPEndPoint _device;
    readonly SerialLineReader? _serial;
    readonly Thread? _serialThread;
    readonly DeviceSettings _profile;
    volatile bool _stopped;
    volatile DeviceObserver? _current;

    /// <summary>Opens the serial port if given; throws <see cref="SerialException"/> with a one-line message when it cannot.</summary>
    public ExternalDeviceTarget(IPEndPoint device, DeviceSettings profile, string? serialPath, int baud)
    {
        _device = device;
        _profile = profile;
        if (serialPath == null) return;
        _serial = SerialLineReader.Open(serialPath, baud);
        _serialThread = new Thread(ReadSerial) { IsBackground = true, Name = "serial" };
        _serialThread.Start();
    }

    public bool Concurrent => false;

    /// <summary>Loss, duplication, reordering, corruption and delay put on the link of every scenario on purpose.</summary>
    public ImpairmentSettings Link { get; init; } = ImpairmentSettings.None;

    void ReadSerial()
    {
        try
        {
            while (!_stopped)
            {
                SerialRead read = _serial!.ReadLine(100, out string? text);
                if (read == SerialRead.End) return;
                if (read != SerialRead.Line) continue;
                // The boot banner tells the device's settings; the lines of a scenario go to its observer.
                lock (_profile) DeviceObserver.LearnSettings(_profile, LogLine.Parse(text!));
                _current?.OnSerialLine(text!);
            }
        }
        catch (SerialException)
        {
            // The port went away: the scenarios then see no more transitions, and say so.
        }
    }

    /// <summary>Null when the device answers the STATUS query, else why not.</summary>
    public string? Probe()
    {
        using var link = new DeviceLink(_device);
        try
        {
            if (link.Query("STATUS", 2000) != null) return null;
            return link.Refused
                ? $"the device {_device} does not answer the STATUS query on its link port: nothing listens there (ICMP port unreachable)"
                : $"the device {_device} does not answer the STATUS query on its link port";
        }
        catch (SocketException e)
        {
            return $"the device {_device}: {e.Message}";
        }
    }

    public ScenarioResult Run(Scenario scenario)
    {
        var observer = new DeviceObserver(_serial != null, _profile);
        _current = observer;
        try
        {
            return ScenarioRunner.Execute(scenario, _device, observer, Link);
        }
        finally
        {
            _current = null;
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _serialThread?.Join();
        _serial?.Dispose();
    }
}

/// <summary>Runs one scenario against a device's link, and many in order (on several boards at once where the target allows).</summary>
public static class ScenarioRunner
{
    /// <summary>How often the device's table is sampled when there is no serial log.</summary>
    const int PollIntervalMs = 25;

    public static ScenarioResult Execute(Scenario scenario, IPEndPoint device, DeviceObserver observer, ImpairmentSettings? impairment = null)
    {
        var watch = Stopwatch.StartNew();
        using var link = new DeviceLink(device);
        using var statusLink = new DeviceLink(device);
        // A random first ephemeral port: a real device may still hold an earlier run's 4-tuple in TIME_WAIT.
        var pc = new PeerStack(link, cfg =>
        {
            cfg.EphemeralPortFirst = Random.Shared.Next(49152, 61000);
            scenario.Pc?.Invoke(cfg);
        }, recordLimit: PeerStack.LadderRecordLimit);
        if (impairment != null) pc.Impair(impairment);
        observer.Clock = () => pc.NowPrecise;
        using var poller = observer.FromSerial ? null : new StatusPoller(device, observer, PollIntervalMs);
        var context = new ScenarioContext(pc, observer, () =>
        {
            string? text = statusLink.Query("STATUS", 1000);
            return text == null ? null : DeviceStatus.Parse(text, out _);
        });

        string? aborted = null;
        string? skipped = scenario.Requires?.Invoke(observer.Profile);
        if (skipped != null)
        {
            string enable = scenario.BoardOptions;
            skipped = enable.Length > 0 ? $"{skipped}; it is designed for a device started with {enable}" : skipped;
        }
        else
        {
            try
            {
                scenario.Run(context);
            }
            catch (ScenarioAbort e)
            {
                aborted = e.Message;
            }
            catch (SocketException e)
            {
                aborted = "link: " + e.Message;
            }
        }

        // What the scenario saw ends here; the clean-up below is not part of it.
        double end = pc.NowPrecise;
        var packets = pc.Packets.ToList();
        var pcLog = ScenarioContext.PcEvents(pc.Log);
        var deviceLog = StateEvent.OnDeviceClock(observer.Events.Where(e => e.TimeMs <= end + 1).ToList());
        CleanUp(context);

        var checks = context.Checks;
        var failed = checks.FirstOrDefault(c => !c.Passed);
        bool passed = aborted == null && failed == null && checks.Count > 0;
        string reason = skipped ?? aborted ?? (failed != null ? failed.Text + (failed.Detail != null ? ": " + failed.Detail : "")
            : checks.Count == 0 ? "nothing was checked" : $"{checks.Count} checks held");
        return new ScenarioResult
        {
            Scenario = scenario,
            Passed = passed,
            Skipped = skipped,
            Reason = reason,
            Checks = checks,
            Packets = packets,
            PacketsNotRecorded = pc.PacketsNotRecorded,
            Segments = SegmentTrace.Build(packets, pcLog, deviceLog),
            PcLog = pcLog,
            DeviceLog = deviceLog,
            Connections = context.Connections,
            Background = context.Background,
            DeviceSource = observer.Source,
            DurationMs = watch.Elapsed.TotalMilliseconds,
        };
    }

    /// <summary>Leaves nothing behind on the device: connections the scenario left open are reset.</summary>
    static void CleanUp(ScenarioContext context)
    {
        PeerStack pc = context.Pc;
        pc.LoseInbound = null;
        pc.LoseOutbound = null;
        pc.Engine.OnEvent = null;
        bool reset = false;
        foreach (Conn c in context.Connections)
        {
            TcpState state = context.PcState(c);
            if (state is TcpState.Closed or TcpState.TimeWait) continue;
            pc.Engine.Abort(pc.Now, c.Handle);
            reset = true;
        }
        if (reset) pc.RunFor(20);
    }

    public static ScenarioResult Failed(Scenario scenario, string reason, string source) => new()
    {
        Scenario = scenario, Passed = false, Reason = reason, Checks = [], Packets = [], Segments = [], PcLog = [],
        DeviceLog = [], Connections = [], DeviceSource = source, DurationMs = 0,
    };

    /// <summary>
    /// Runs the scenarios, several at once when the target allows, and hands each result over in
    /// list order: starting(i) when the next one to report is awaited (progress), finished(i, result).
    /// </summary>
    public static void RunAll(IReadOnlyList<Scenario> scenarios, IScenarioTarget target, int parallel,
        Action<int>? starting, Action<int, ScenarioResult> finished)
    {
        var results = new ScenarioResult?[scenarios.Count];
        int next = -1;
        int workers = target.Concurrent ? Math.Clamp(parallel, 1, scenarios.Count) : 1;
        var threads = Enumerable.Range(0, workers).Select(_ => new Thread(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < scenarios.Count)
            {
                ScenarioResult r;
                try
                {
                    r = target.Run(scenarios[i]);
                }
                catch (Exception e) when (e is SocketException or IOException)
                {
                    r = Failed(scenarios[i], e.Message, "");
                }
                lock (results)
                {
                    results[i] = r;
                    System.Threading.Monitor.PulseAll(results);
                }
            }
        }) { IsBackground = true, Name = "scenario" }).ToList();
        threads.ForEach(t => t.Start());
        for (int i = 0; i < scenarios.Count; i++)
        {
            starting?.Invoke(i);
            ScenarioResult r;
            lock (results)
            {
                while (results[i] == null) System.Threading.Monitor.Wait(results);
                r = results[i]!;
            }
            finished(i, r);
        }
        threads.ForEach(t => t.Join());
    }

    /// <summary>Samples the device's table on a socket of its own, for a device without a serial log.</summary>
    sealed class StatusPoller : IDisposable
    {
        readonly DeviceLink _link;
        readonly Thread _thread;
        volatile bool _stop;

        public StatusPoller(IPEndPoint device, DeviceObserver observer, int intervalMs)
        {
            _link = new DeviceLink(device);
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    try
                    {
                        if (_link.Query("STATUS", 500) is string text && DeviceStatus.Parse(text, out _) is DeviceStatus status) observer.OnStatus(status);
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
                    Thread.Sleep(intervalMs);
                }
            }) { IsBackground = true, Name = "status-poll" };
            _thread.Start();
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
            _link.Dispose();
        }
    }
}
