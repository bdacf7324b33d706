using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using NanoTcp.Device;

namespace NanoTcp.Board;

/// <summary>
/// A running virtual board: the portable device application on its own thread (the board's
/// CPU), its link on a UDP socket and its serial port. Start it from the command line
/// (Program) or in-process, as tests and the desktop peer do:
///
///     using var board = VirtualBoard.Start(options, line => Console.WriteLine(line));
///     // send datagrams to board.LinkEndPoint ...
/// </summary>
public sealed class VirtualBoard : IDisposable
{
    /// <summary>How long one turn of the device loop may wait, so a stop request is seen quickly.</summary>
    const int MaxWaitMs = 50;

    readonly UdpLink _link;
    readonly SerialPort _serial;
    readonly DeviceApp _app;
    readonly Thread _thread;
    volatile bool _stopping;
    readonly ManualResetEventSlim _stopped = new(false);

    VirtualBoard(UdpLink link, SerialPort serial, DeviceApp app)
    {
        _link = link;
        _serial = serial;
        _app = app;
        _thread = new Thread(Run) { Name = "device", IsBackground = true };
    }

    /// <summary>The link's UDP address and port (the real port when the options asked for port 0).</summary>
    public IPEndPoint LinkEndPoint => _link.LocalEndPoint;

    /// <summary>The pseudo-terminal to open for the serial log, or null when it goes elsewhere.</summary>
    public string? SerialPath => _serial.Path;

    /// <summary>Set when the device loop stopped by itself; <see cref="Failure"/> says why.</summary>
    public WaitHandle Stopped => _stopped.WaitHandle;

    /// <summary>Why the device loop ended on its own (an exception it could not handle), or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>
    /// Binds the link, opens the serial port, boots the device (banner, listeners) and starts its
    /// loop. observer, if given, receives every serial line on the device thread. Throws
    /// <see cref="BoardException"/> with a one-line message when the configuration cannot work.
    /// </summary>
    public static VirtualBoard Start(BoardOptions options, Action<string>? observer = null)
    {
        string? bad = options.Validate();
        if (bad != null) throw new BoardException(bad);

        var link = new UdpLink(options.Link);
        SerialPort? serial = null;
        try
        {
            serial = new SerialPort(options.Serial, observer);
            DeviceSettings settings = options.Device;
            settings.LinkPort = link.LocalEndPoint.Port;
            SeedIsnKey(settings.Tcp);
            var clock = new MonotonicClock();
            // Said on the serial log before the engine drops the cut packet (its IPv4 length no longer fits).
            SerialPort log = serial;
            link.OnTruncated = (length, kept) => log.WriteBoardLine($"{clock.NowMs()} - DATAGRAM-TRUNCATED len={length} kept={kept}");
            var app = new DeviceApp(settings, link, serial, clock);
            app.Start();
            var board = new VirtualBoard(link, serial, app);
            board._thread.Start();
            return board;
        }
        catch (ArgumentException e)
        {
            Close(link, serial);
            throw new BoardException(e.Message);
        }
        catch
        {
            Close(link, serial);
            throw;
        }
    }

    /// <summary>RFC 6528: the ISN key is a secret, so every boot draws a new one.</summary>
    static void SeedIsnKey(TcpConfig tcp)
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        tcp.IsnKey0 = BitConverter.ToUInt64(key[..8]);
        tcp.IsnKey1 = BitConverter.ToUInt64(key[8..]);
    }

    void Run()
    {
        try
        {
            while (!_stopping) _app.Step(MaxWaitMs);
        }
        catch (Exception e)
        {
            // A real board would reset; the virtual one stops and says why (Program exits with 1).
            Failure = "device loop: " + e.Message;
        }
        finally
        {
            _stopped.Set();
        }
    }

    /// <summary>Stops the device loop, then closes the link and the serial port.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        if (Thread.CurrentThread != _thread) _thread.Join();
        Close(_link, _serial);
    }

    static void Close(UdpLink link, SerialPort? serial)
    {
        link.Dispose();
        serial?.Dispose();
    }

    /// <summary>Milliseconds since boot from the system's monotonic clock.</summary>
    sealed class MonotonicClock : IClock
    {
        readonly Stopwatch _since = Stopwatch.StartNew();
        public long NowMs() => _since.ElapsedMilliseconds;
    }
}
