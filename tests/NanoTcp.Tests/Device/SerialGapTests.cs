using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using NanoTcp.Board;

namespace NanoTcp.Tests.Device;

/// <summary>
/// The virtual board says what it could not pass on: log lines that did not fit a pseudo-terminal
/// nobody was reading, and datagrams longer than the device's buffer.
/// </summary>
public sealed class SerialGapTests
{
    static readonly uint Peer = Ipv4.Address(192, 0, 2, 1), DeviceAddress = Ipv4.Address(192, 0, 2, 2);

    /// <summary>A SYN to the device whose checksum is wrong: one DROP line on the serial log each.</summary>
    static byte[] BadSyn()
    {
        var b = new byte[40];
        int n = Wire.Build(b, 0, Peer, DeviceAddress, 40000, 7, 1000, 0, TcpFlags.Syn, 65535, Array.Empty<byte>(), 0, 0, 1);
        b[n - 1] ^= 0xFF;
        return b[..n];
    }

    [Fact]
    public void LinesLostWhileNobodyReadsThePtyAreMarkedWhenReadingResumes()
    {
        if (!OperatingSystem.IsLinux()) return;
        var observed = new List<string>();
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.Pty };
        options.Device.Tcp.NoConnectionLinesPerSecond = 0; // every DROP line, to fill the terminal
        using VirtualBoard board = VirtualBoard.Start(options, line => { lock (observed) observed.Add(line); });
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] bad = BadSyn();
        int DropLines() { lock (observed) return observed.Count(l => l.Contains(" - DROP reason=tcp-checksum")); }

        // Far more log than a pseudo-terminal holds (a few kilobytes), with nobody reading.
        const int Burst = 3000;
        for (int i = 0; i < Burst; i++)
        {
            udp.SendTo(bad, board.LinkEndPoint);
            if (i % 100 == 99) Wait.For(() => DropLines() >= i + 1 - 50, "the board to log the drops");
        }
        Wait.For(() => DropLines() >= Burst - 50, "the board to log the drops");

        using var reader = new PtyReader(board.SerialPath!);
        // More lines, now that someone reads: once the terminal has room again, the marker comes
        // before the first line that fits, with the count of what was lost.
        Wait.For(() =>
        {
            udp.SendTo(bad, board.LinkEndPoint);
            Thread.Sleep(20);
            return reader.Lines.Any(l => l.Contains("LOG-DROPPED"));
        }, "the gap marker");
        Wait.For(() => reader.Lines.SkipWhile(l => !l.Contains("LOG-DROPPED")).Skip(1).Any(), "the line after the marker");

        List<string> lines = reader.Lines;
        // A reader starved again (a loaded machine) makes a second gap, marked the same way; the
        // first gap is the one this test made.
        int before = lines.FindIndex(l => l.Contains("LOG-DROPPED"));
        string context = string.Join("\n", lines.Skip(Math.Max(0, before - 2)).Take(6));
        Assert.All(lines.Where(l => l.Contains("LOG-DROPPED")), l => Assert.Matches(@"^\d+ - LOG-DROPPED lines=\d+$", l));
        Match m = Regex.Match(lines[before], @"^\d+ - LOG-DROPPED lines=(?<n>\d+)$");
        int lost = int.Parse(m.Groups["n"].Value);
        // The count is of lines the terminal refused, never more than were logged. (It is not
        // always all that is missing: on a loaded machine Linux's pty can also discard what it
        // had accepted before anyone opened it, which no writer is told of.)
        Assert.True(lost >= 1 && before + lost <= DropLines() + 40,
            $"{before} lines held and {lost} lost, against {DropLines()} logged:\n{context}");
        Assert.Matches(@"^\d+ - (DROP reason=tcp-checksum|LOG-DROPPED)", lines[before + 1]);
        Assert.Matches(@"^\d+ - BOOT", lines[0]); // the start of the log was kept
    }

    [Fact]
    public void ADatagramLongerThanTheDevicesBufferIsSaidToBeCut()
    {
        var observed = new List<string>();
        var options = new BoardOptions { Link = new IPEndPoint(IPAddress.Loopback, 0), Serial = SerialKind.None };
        using VirtualBoard board = VirtualBoard.Start(options, line => { lock (observed) observed.Add(line); });
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        // A well-formed 1500-byte packet: 20 + 20 bytes of headers and 1460 of data, more than the device's 1472-byte datagram buffer.
        var big = new byte[1500];
        int n = Wire.Build(big, 0, Peer, DeviceAddress, 40000, 9, 1000, 0, TcpFlags.Syn, 65535, Array.Empty<byte>(), 0, 1460, 1);
        Assert.Equal(1500, n);
        udp.SendTo(big, board.LinkEndPoint);

        Wait.For(() => { lock (observed) return observed.Any(l => l.Contains(" DROP ")); }, "the engine's DROP");
        string[] lines;
        lock (observed) lines = observed.ToArray();
        int cut = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^\d+ - DATAGRAM-TRUNCATED len=1500 kept=1472$"));
        Assert.True(cut >= 0, string.Join("\n", lines));
        Assert.Matches(@" - DROP reason=ip-length len=1472", lines[cut + 1]);
    }
}

static class Wait
{
    public static void For(Func<bool> condition, string what, int timeoutMs = 20_000)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, $"timed out after {timeoutMs} ms waiting for {what}");
            Thread.Sleep(5);
        }
    }
}
