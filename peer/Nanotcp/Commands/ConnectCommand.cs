using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using NanoTcp;
using Nanotcp.Html;
using Nanotcp.Ladder;
using Nanotcp.Monitor;
using Nanotcp.Net;
using Nanotcp.Scenarios;
using Nanotcp.Serial;

namespace Nanotcp.Commands;

/// <summary>What <c>nanotcp connect</c> was asked to do.</summary>
public sealed record ConnectOptions
{
    /// <summary>The device's link, HOST[:PORT].</summary>
    public required string Device { get; init; }
    /// <summary>The TCP port on the device (7 echo, 9 discard, 13 daytime, 19 chargen, 2019 farewell).</summary>
    public int Port { get; init; }
    /// <summary>The PC's own port; 0 picks a random ephemeral one.</summary>
    public int LocalPort { get; init; }
    public string? Pcap { get; init; }
    /// <summary>Write the session as an HTML report (its ladder and state diagram) to this file at the end.</summary>
    public string? Html { get; init; }
    /// <summary>The device's serial log, to show its transitions too.</summary>
    public string? Serial { get; init; }
    public int Baud { get; init; } = SerialLineReader.DefaultBaud;
    /// <summary>Send line endings as CR LF (nc -C).</summary>
    public bool Crlf { get; init; }
    /// <summary>No trace on stderr, only data and errors.</summary>
    public bool Quiet { get; init; }
    public int ConnectTimeoutMs { get; init; } = 10_000;
    /// <summary>Stay in TIME_WAIT for its 2·MSL (answering a repeated FIN) before exiting.</summary>
    public bool HoldTimeWait { get; init; }
    /// <summary>Loss, duplication, reordering, corruption and delay put on the link on purpose.</summary>
    public ImpairmentSettings Link { get; init; } = ImpairmentSettings.None;
}

/// <summary>
/// The two ways a user interrupts: the first Ctrl+C closes the connection (FIN), a second one
/// aborts it (RST) and leaves at once.
/// </summary>
public sealed record ConnectSignals(CancellationToken Close, CancellationToken Abort)
{
    public static readonly ConnectSignals None = new(CancellationToken.None, CancellationToken.None);
}

/// <summary>
/// <c>nanotcp connect HOST[:PORT] --port N</c>: an interactive TCP client, like nc, whose TCP is
/// the PC's own NanoTcp engine talking to the device over its link. Standard input goes to the
/// device, what the device sends goes to standard output; end of input (Ctrl+D) half-closes
/// (shutdown SHUT_WR) and the client keeps reading until the device closes too. Standard error
/// shows each state transition as it happens: the PC's from its engine, the device's from its
/// serial log when --serial is given, and every segment as a one-line arrow.
/// </summary>
public static class ConnectCommand
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    public static Command Create()
    {
        var device = CommonOptions.Device();
        // The spelling of earlier versions, nanotcp connect HOST[:PORT] --port N, still works.
        var devicePositional = new Argument<string?>("device") { Arity = ArgumentArity.ZeroOrOne, Hidden = true };
        var port = CommonOptions.OptionalNumber("--port", "N", "TCP port on the device: 7 echo, 9 discard, 13 daytime, 19 chargen, 2019 farewell", 1, 65535, "-p");
        port.Required = true;
        var localPort = CommonOptions.OptionalNumber("--local-port", "N",
            "The PC's own TCP port; reuse one to meet an old connection's TIME_WAIT [default: a random one from 49152..65535]", 1, 65535);
        var pcap = CommonOptions.Pcap();
        var html = CommonOptions.Html("At the end, write the session to this HTML file: its ladder and the state diagram with both sides' paths");
        var serial = CommonOptions.Serial("The device's serial port or the virtual board's pty, to show the device's transitions too");
        var baud = CommonOptions.Baud();
        var crlf = new Option<bool>("--crlf", "-C") { Description = "Send line endings as CR LF, as nc -C does" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No trace on standard error: only the data, and errors" };
        var timeout = CommonOptions.Number("--connect-timeout", "MS", "Give up when the handshake has not completed after this many milliseconds",
            10_000, 1, int.MaxValue);
        var hold = new Option<bool>("--hold-time-wait")
        {
            Description = "When the PC ends in TIME_WAIT, stay its 2*MSL (answering a repeated FIN) before exiting",
        };
        var command = new Command("connect", "Talk to a device's TCP service through the PC's own engine, like nc, showing both sides' states")
        {
            device, devicePositional, port, localPort, pcap, html, serial, baud, crlf, quiet, timeout, hold,
        };
        CommonOptions.Examples(command,
            "nanotcp connect --device 127.0.0.1:9293 --port 7             # echo: type lines, Ctrl+D half-closes",
            "printf 'hello\\n' | nanotcp connect -d 127.0.0.1:9293 -p 7     # one line, then the PC closes first",
            "nanotcp connect -d 127.0.0.1:9293 -p 2019 --serial /dev/pts/3  # farewell, with the device's states",
            "nanotcp connect -d 192.168.1.50 -p 13 --pcap daytime.pcap      # an ESP32's daytime, saved for Wireshark",
            "nanotcp connect -d 127.0.0.1:9293 -p 13 -s /dev/pts/3 --html daytime.html  # the session drawn as a slide");
        var impairment = ImpairmentOptions.AddTo(command);
        command.SetAction(parseResult =>
        {
            var options = new ConnectOptions
            {
                Device = parseResult.GetValue(device) ?? parseResult.GetValue(devicePositional) ?? "",
                Port = parseResult.GetValue(port),
                LocalPort = parseResult.GetValue(localPort),
                Pcap = parseResult.GetValue(pcap),
                Html = parseResult.GetValue(html),
                Serial = parseResult.GetValue(serial),
                Baud = parseResult.GetValue(baud),
                Crlf = parseResult.GetValue(crlf),
                Quiet = parseResult.GetValue(quiet),
                ConnectTimeoutMs = parseResult.GetValue(timeout),
                HoldTimeWait = parseResult.GetValue(hold),
                Link = impairment.Read(parseResult),
            };
            using var close = new CancellationTokenSource();
            using var abort = new CancellationTokenSource();
            int presses = 0;
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                // First Ctrl+C: close gracefully; second: abort; a third one is the way out if all else hangs.
                presses++;
                e.Cancel = presses <= 2;
                (presses == 1 ? close : abort).Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                // Bytes both ways, as nc passes them: no text decoding. The raw input stream, not
                // Console.In: on a terminal the kernel's line discipline then edits lines and turns
                // Ctrl+D into end of input, as for nc.
                using Stream stdin = Console.OpenStandardInput();
                using Stream stdout = StandardOutput.Open();
                return Run(options, stdin, stdout, parseResult.InvocationConfiguration.Error,
                    Ansi.ShouldColour(Console.IsErrorRedirected), new ConnectSignals(close.Token, abort.Token));
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    /// <summary>
    /// Runs one connection to its end with text in and out (UTF-8 on the wire); returns the exit
    /// code. For tests and callers that hold text; the command itself passes bytes.
    /// </summary>
    public static int Run(ConnectOptions options, TextReader input, TextWriter output, TextWriter error, bool colour, ConnectSignals signals) =>
        Run(options, new TextReaderStream(input), new TextWriterStream(output), error, colour, signals);

    /// <summary>Runs one connection to its end, passing bytes through unchanged; returns the exit code.</summary>
    public static int Run(ConnectOptions options, Stream input, Stream output, TextWriter error, bool colour, ConnectSignals signals)
    {
        if (options.Device.Length == 0) return Usage(error, "--device HOST[:PORT] is required (the virtual board: 127.0.0.1:9293)");
        IPEndPoint? endpoint = DeviceLink.ParseDevice(options.Device, out string? bad);
        if (endpoint == null) return Usage(error, bad!);
        if (options.Port < 1 || options.Port > 65535) return Usage(error, $"--port {options.Port}: a TCP port is 1..65535");
        if (options.LocalPort < 0 || options.LocalPort > 65535) return Usage(error, $"--local-port {options.LocalPort}: a TCP port is 1..65535");
        if (options.ConnectTimeoutMs <= 0) return Usage(error, "--connect-timeout must be a positive number of milliseconds");
        if (ScenarioSession.Writable("--html", options.Html) is string unwritable) return Usage(error, unwritable);

        SerialLineReader? serial = null;
        PcapWriter? pcap = null;
        try
        {
            if (options.Serial != null) serial = SerialLineReader.Open(options.Serial, options.Baud);
            if (options.Pcap != null) pcap = PcapWriter.Create(options.Pcap);
        }
        catch (Exception e) when (e is SerialException or IOException or UnauthorizedAccessException)
        {
            serial?.Dispose();
            return Usage(error, e is SerialException ? e.Message : $"--pcap: {CommonOptions.CannotWrite(options.Pcap!, e)}");
        }

        try
        {
            using var link = new DeviceLink(endpoint);
            var session = new Session(options, endpoint, link, pcap, serial, input, output, error, colour, signals);
            return session.Run();
        }
        finally
        {
            serial?.Dispose();
            pcap?.Dispose();
        }
    }

    /// <summary>
    /// Standard output as a stream that reports a closed pipe. .NET's console streams ignore
    /// EPIPE, so `nanotcp connect ... | head` would never learn that head has gone.
    /// </summary>
    static class StandardOutput
    {
        public static Stream Open()
        {
            if (OperatingSystem.IsWindows()) return Console.OpenStandardOutput();
            var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
            if (!stream.CanSeek) return stream; // a pipe, socket or terminal
            // A regular file (> out.txt 2>&1): a FileStream would write at its own offset over what
            // stderr appends; the console stream appends, and a file has no reader to go away.
            stream.Dispose();
            return Console.OpenStandardOutput();
        }
    }

    /// <summary>Text typed by a caller, as UTF-8 bytes.</summary>
    sealed class TextReaderStream(TextReader reader) : Stream
    {
        readonly char[] _chars = new char[1024];
        byte[] _bytes = [];
        int _offset;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_offset == _bytes.Length)
            {
                int n = reader.Read(_chars, 0, _chars.Length);
                if (n <= 0) return 0;
                _bytes = Encoding.UTF8.GetBytes(_chars, 0, n);
                _offset = 0;
            }
            int take = Math.Min(count, _bytes.Length - _offset);
            Array.Copy(_bytes, _offset, buffer, offset, take);
            _offset += take;
            return take;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Bytes from the device, decoded as UTF-8 for a caller that holds text.</summary>
    sealed class TextWriterStream(TextWriter writer) : Stream
    {
        readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public override void Write(byte[] buffer, int offset, int count)
        {
            var chars = new char[_decoder.GetCharCount(buffer, offset, count)];
            int n = _decoder.GetChars(buffer, offset, count, chars, 0);
            writer.Write(chars, 0, n);
        }

        public override void Flush() => writer.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"nanotcp connect: {message}");
        return ExitUsage;
    }

    /// <summary>One connection's life: handshake, data both ways, the close, and the trace of it all.</summary>
    sealed class Session
    {
        /// <summary>
        /// How long one turn of the loop may wait for a packet, so typed input leaves promptly; shorter
        /// with a serial log, whose lines are printed between turns and should keep their place in time.
        /// </summary>
        int TurnMs => _serial == null ? 10 : 2;
        /// <summary>After the PC's side has closed, how long to wait for the device's last transitions on its serial log.</summary>
        const int SerialSettleMs = 1000;

        readonly ConnectOptions _options;
        readonly IPEndPoint _endpoint;
        readonly PeerStack _stack;
        readonly TcpEngine _engine;
        readonly SerialLineReader? _serial;
        readonly Stream _output;
        readonly TextWriter _error;
        readonly ConnectSignals _signals;
        readonly LogFormatter _formatter;
        readonly int _localPort;
        readonly string _deviceEnd, _pcEnd; // the two ends, as the logs write them
        readonly Stream _input;

        readonly ConcurrentQueue<byte[]> _typed = new();
        volatile bool _inputEnded;
        bool _lastTypedWasCr; // for --crlf across chunks
        int _handle = -1;
        /// <summary>A RST crossed the link on this connection, either way: the close was not clean.</summary>
        bool _rstSent, _rstReceived;
        readonly ConcurrentQueue<string> _serialLines = new();
        readonly CancellationTokenSource _stopSerial = new();
        Thread? _serialThread;
        readonly byte[] _received = new byte[4096];
        byte[] _pending = [];
        int _pendingOffset;

        uint? _pcIsn, _deviceIsn;
        string? _deviceState;
        /// <summary>This connection's lines from the device's serial log, for the HTML report.</summary>
        readonly List<StateEvent> _deviceEvents = [];
        /// <summary>How the session ended, in the words of the last message (for the HTML report).</summary>
        string _outcome = "the connection closed";

        public Session(ConnectOptions options, IPEndPoint endpoint, DeviceLink link, PcapWriter? pcap, SerialLineReader? serial,
            Stream input, Stream output, TextWriter error, bool colour, ConnectSignals signals)
        {
            _options = options;
            _endpoint = endpoint;
            _serial = serial;
            _output = output;
            _error = error;
            _signals = signals;
            _formatter = new LogFormatter(colour);
            // The HTML report draws the session from the recorded packets; without it nothing is kept.
            _stack = new PeerStack(link, pcap: pcap, recordLimit: options.Html != null ? PeerStack.LadderRecordLimit : 0);
            _stack.Impair(options.Link);
            _engine = _stack.Engine;
            _localPort = options.LocalPort != 0 ? options.LocalPort : Random.Shared.Next(49152, 65536);
            _deviceEnd = $"192.0.2.2:{options.Port}";
            _pcEnd = $"192.0.2.1:{_localPort}";
            _input = input;
            // Always watched (a RST decides the exit code); printed unless --quiet.
            _stack.OnLog = PcLog;
            _stack.OnPacket = Packet;
        }

        public int Run()
        {
            StartInput();
            if (_serial != null)
            {
                // What the device printed before we came is history, not this connection.
                while (_serial.ReadLine(0, out _) == SerialRead.Line) { }
                _serialThread = new Thread(ReadSerial) { IsBackground = true, Name = "serial" };
                _serialThread.Start();
            }
            int exit = ExitFailed;
            try
            {
                Trace($"connecting to {_deviceEnd} through {_endpoint}, from {_pcEnd}");
                ImpairmentOptions.Announce(_options.Link, "connect", _error);
                exit = Converse();
                if (_options.Link.Active)
                    Trace($"impaired link: PC → device {_stack.OutboundImpairment}; device → PC {_stack.InboundImpairment}");
                return exit;
            }
            catch (IOException e)
            {
                // Standard output went away (a closed pipe, as under `| head`): end the connection at once, as nc does.
                if (_handle >= 0 && _engine.StateOf(_handle) != TcpState.Closed) _engine.Abort(_stack.Now, _handle);
                _error.WriteLine($"nanotcp connect: standard output closed ({e.Message}); the connection was reset");
                _outcome = "standard output closed: the connection was reset";
                return ExitFailed;
            }
            finally
            {
                // The reader must be out of the port before the caller closes it.
                _stopSerial.Cancel();
                _serialThread?.Join();
                _stopSerial.Dispose();
                while (_serialLines.TryDequeue(out string? text)) DeviceLog(text);
                if (_options.Html != null) WriteHtml(exit);
            }
        }

        /// <summary>The session as the scenarios' report draws it: one ladder from the packets and both logs.</summary>
        void WriteHtml(int exit)
        {
            var packets = _stack.Packets.ToList();
            var pcLog = ScenarioContext.PcEvents(_stack.Log);
            // As for a scenario: the device's lines go on the PC's clock by the device's own, not by when they were read.
            var deviceLog = StateEvent.OnDeviceClock(_deviceEvents);
            var connect = new Scenario
            {
                Name = "connect",
                Description = $"nanotcp connect {_options.Device} --port {_options.Port}: the PC {_pcEnd}, the device {_deviceEnd}",
                Run = _ => { },
            };
            var result = new ScenarioResult
            {
                Scenario = connect,
                Passed = exit == ExitOk,
                Reason = _outcome,
                Checks = [],
                Packets = packets,
                Segments = SegmentTrace.Build(packets, pcLog, deviceLog),
                PcLog = pcLog,
                DeviceLog = deviceLog,
                Connections = [],
                DeviceSource = _serial != null ? "serial log" : "",
                DurationMs = _stack.NowPrecise,
            };
            string subtitle = _serial != null ? "the device's states from its serial log" : "the device's states are not shown: no --serial log";
            try
            {
                HtmlReport.WriteFile(_options.Html!, $"NanoTcp: connect to {_deviceEnd}", subtitle, [result], session: true);
                Trace($"html: the session written to {_options.Html}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _error.WriteLine($"nanotcp connect: --html: {CommonOptions.CannotWrite(_options.Html!, e)}");
            }
        }

        int Converse()
        {
            int handle = _engine.Connect(_stack.Now, _localPort, PeerStack.DeviceAddress, _options.Port);
            _handle = handle;
            if (handle < 0) return Fail($"cannot open a connection: {TcpError.Name(handle)}");

            // The handshake.
            long deadline = _stack.Now + _options.ConnectTimeoutMs;
            while (_engine.StateOf(handle) == TcpState.SynSent || _engine.StateOf(handle) == TcpState.SynReceived)
            {
                if (_signals.Close.IsCancellationRequested || _signals.Abort.IsCancellationRequested)
                {
                    _engine.Abort(_stack.Now, handle);
                    return Fail("interrupted before the connection was established");
                }
                if (_stack.Link.Refused)
                {
                    _engine.Abort(_stack.Now, handle);
                    return Fail($"nothing listens on udp {_endpoint} (ICMP port unreachable): is the device running, and is that its link port?");
                }
                if (_stack.Now >= deadline)
                {
                    _engine.Abort(_stack.Now, handle);
                    return Fail($"no answer from {_deviceEnd} through {_endpoint} within {_options.ConnectTimeoutMs} ms");
                }
                Turn();
            }
            if (_engine.StateOf(handle) == TcpState.Closed)
            {
                int errno = _engine.TakeError(handle);
                _engine.Close(_stack.Now, handle);
                return Fail(errno == TcpError.ConnectionRefused
                    ? $"connection refused: nothing listens on port {_options.Port} of the device"
                    : $"the connection failed: {Describe(errno)}");
            }

            // Data both ways, until the device has sent everything (its FIN) or the user closes.
            bool writeShut = false;
            while (true)
            {
                if (_signals.Abort.IsCancellationRequested) return Abort(handle);
                // Ctrl+C closes at once: what the device sent since the last turn stays unread, and
                // close() with unread data is a reset, as for any socket.
                if (_signals.Close.IsCancellationRequested) break;
                int got = Deliver(handle);
                if (got < 0 && got != -TcpError.WouldBlock)
                {
                    _engine.Close(_stack.Now, handle);
                    return Fail($"the connection ended: {Describe(-got)}");
                }
                if (got == 0 || _signals.Close.IsCancellationRequested) break; // 0: end of the device's data
                if (!writeShut && Forward(handle))
                {
                    // All input is in the engine: FIN follows the queued data (shutdown SHUT_WR).
                    _engine.Shutdown(_stack.Now, handle, ShutdownHow.Write);
                    writeShut = true;
                }
                Turn();
            }

            // The close: our FIN if not sent yet, then the engine finishes alone (retransmissions,
            // the FIN_WAIT_2 timeout) and the handle is gone. A Ctrl+C from here on leaves at once.
            bool closeAsked = _signals.Close.IsCancellationRequested;
            _engine.Close(_stack.Now, handle);
            while (true)
            {
                TcpState state = _engine.StateOf(_localPort, PeerStack.DeviceAddress, _options.Port);
                if (state == TcpState.Closed || (state == TcpState.TimeWait && !_options.HoldTimeWait)) break;
                if (_signals.Abort.IsCancellationRequested || (!closeAsked && _signals.Close.IsCancellationRequested))
                    return Fail($"left in {TcpStates.Name(state)} before the close completed; the device's timers will end its side");
                Turn();
            }
            if (_serial != null)
            {
                // Let the device's last transitions (LAST_ACK -> CLOSED, ... -> TIME_WAIT) reach the trace.
                long settle = _stack.Now + SerialSettleMs;
                while (_stack.Now < settle && _deviceState is not ("CLOSED" or "TIME_WAIT")) Turn();
            }
            // A close that ended in RST is no clean close: data was lost on one side or the other.
            if (_rstReceived) return Fail("the connection was reset by the device (RST received)");
            if (_rstSent) return Fail("the connection was reset (RST sent): data from the device was still unread, or came after the close");
            return ExitOk;
        }

        /// <summary>One turn: timers and at most one packet, then the device's serial lines.</summary>
        void Turn()
        {
            _stack.Pump(TurnMs);
            while (_serialLines.TryDequeue(out string? text)) DeviceLog(text);
        }

        /// <summary>Reads what the device sent and writes it out. Returns bytes read, 0 at the device's FIN, or -errno.</summary>
        int Deliver(int handle)
        {
            int total = 0;
            while (true)
            {
                int n = _engine.Receive(_stack.Now, handle, _received, 0, _received.Length);
                if (n <= 0)
                {
                    _output.Flush();
                    return total > 0 ? total : n;
                }
                _output.Write(_received, 0, n);
                total += n;
            }
        }

        /// <summary>Moves typed input into the engine. True once input has ended and all of it is queued.</summary>
        bool Forward(int handle)
        {
            while (true)
            {
                if (_pendingOffset == _pending.Length)
                {
                    if (!_typed.TryDequeue(out byte[]? chunk)) return _inputEnded && _typed.IsEmpty;
                    _pending = _options.Crlf ? WithCrlf(chunk) : chunk;
                    _pendingOffset = 0;
                }
                int n = _engine.Send(_stack.Now, handle, _pending, _pendingOffset, _pending.Length - _pendingOffset);
                if (n <= 0) return false; // the send buffer is full (or the connection failed, which Deliver reports)
                _pendingOffset += n;
            }
        }

        /// <summary>Every LF not already after a CR becomes CR LF (nc -C).</summary>
        byte[] WithCrlf(byte[] chunk)
        {
            var converted = new List<byte>(chunk.Length + 8);
            foreach (byte b in chunk)
            {
                if (b == (byte)'\n' && !_lastTypedWasCr) converted.Add((byte)'\r');
                converted.Add(b);
                _lastTypedWasCr = b == (byte)'\r';
            }
            return converted.ToArray();
        }

        int Abort(int handle)
        {
            _engine.Abort(_stack.Now, handle);
            _engine.Close(_stack.Now, handle);
            return Fail("aborted: the connection was reset (RST sent)");
        }

        int Fail(string message)
        {
            _outcome = message;
            _output.Flush();
            _error.WriteLine($"nanotcp connect: {message}");
            return ExitFailed;
        }

        static string Describe(int errno) => errno switch
        {
            TcpError.ConnectionReset => "connection reset by the device",
            TcpError.TimedOut => "timed out (the device stopped answering)",
            TcpError.ConnectionRefused => "connection refused",
            TcpError.ConnectionAborted => "connection aborted",
            _ => TcpError.Name(errno),
        };

        /// <summary>Standard input is read on its own thread: a console read cannot be polled.</summary>
        void StartInput()
        {
            Stream input = _input;
            var thread = new Thread(() =>
            {
                var buffer = new byte[4096];
                try
                {
                    int n;
                    while ((n = input.Read(buffer, 0, buffer.Length)) > 0) _typed.Enqueue(buffer.AsSpan(0, n).ToArray());
                }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
                catch (NotSupportedException) { } // closed or write-only: nothing to send
                _inputEnded = true;
            }) { IsBackground = true, Name = "stdin" };
            thread.Start();
        }

        void ReadSerial()
        {
            try
            {
                while (_serial!.ReadLine(_stopSerial.Token) is string line) _serialLines.Enqueue(line);
            }
            catch (SerialException e)
            {
                _serialLines.Enqueue("serial: " + e.Message);
            }
        }

        // ------------------------------------------------------------ the trace on stderr

        void PcLog(string text)
        {
            if (!_options.Quiet) TraceLine("PC", _formatter.What(LogLine.Parse(text)));
        }

        void DeviceLog(string text)
        {
            LogLine line = LogLine.Parse(text);
            // Only this connection: the device may be serving others, and its listeners' lines are not news.
            if (line.Local != _deviceEnd || line.Peer != _pcEnd) return;
            if (line.Kind == LogLineKind.Transition) _deviceState = line.To;
            if (StateEvent.FromLine(line, _stack.NowPrecise) is StateEvent e) _deviceEvents.Add(e);
            if (!_options.Quiet) TraceLine("device", _formatter.What(line));
        }

        void Packet(LinkPacket packet)
        {
            Segment s = packet.Parse();
            if (s.Has(TcpFlags.Rst) && s.SrcPort == (packet.FromPc ? _localPort : _options.Port))
            {
                if (packet.FromPc) _rstSent = true; else _rstReceived = true;
            }
            if (_options.Quiet) return;
            if (s.Has(TcpFlags.Syn))
            {
                if (packet.FromPc) _pcIsn ??= s.Seq;
                else _deviceIsn ??= s.Seq;
            }
            string label = packet.FromPc ? SegmentLabel.Describe(s, _pcIsn, _deviceIsn) : SegmentLabel.Describe(s, _deviceIsn, _pcIsn);
            if (s.Has(TcpFlags.Rst) && _formatter.Colour) label = Ansi.Paint(label, $"{Ansi.Bold};{Ansi.Red}");
            TraceLine(packet.FromPc ? "──────>" : "<──────", label);
        }

        void Trace(string text)
        {
            if (!_options.Quiet) TraceLine("", text);
        }

        void TraceLine(string who, string what)
        {
            string time = _stack.NowPrecise.ToString("0.0", CultureInfo.InvariantCulture).PadLeft(9);
            _error.WriteLine($"{time} ms  {who,-7}  {what}".TrimEnd());
            _error.Flush();
        }
    }
}
