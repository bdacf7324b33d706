using System.Text;
using Nanotcp.Commands;
using Nanotcp.Serial;

namespace NanoTcp.Tests.PeerCommands;

/// <summary>
/// After a debugger has connected, a nanoFramework board sends its Console output inside debugger
/// wire-protocol packets. The serial reader recognises them, says so once with what to do, and
/// keeps their bytes out of the log instead of printing them as noise.
/// </summary>
public class WireProtocolTests
{
    /// <summary>A packet as nanoFramework frames one: marker, CRCs, command, sequence numbers, flags, payload length, payload.</summary>
    static byte[] Packet(string marker, uint command, ushort seq, byte[] payload)
    {
        var header = new byte[32];
        Encoding.ASCII.GetBytes(marker).CopyTo(header, 0);                 // 7 characters and a zero
        BitConverter.GetBytes(0x1234ABCDu).CopyTo(header, 8);             // header CRC
        BitConverter.GetBytes(0x0BADF00Du).CopyTo(header, 12);            // payload CRC
        BitConverter.GetBytes(command).CopyTo(header, 16);
        BitConverter.GetBytes(seq).CopyTo(header, 20);
        BitConverter.GetBytes((ushort)0).CopyTo(header, 22);
        BitConverter.GetBytes(1u).CopyTo(header, 24);                     // flags
        BitConverter.GetBytes((uint)payload.Length).CopyTo(header, 28);
        return header.Concat(payload).ToArray();
    }

    // What a Console.WriteLine of a log line looks like once it travels as a monitor message.
    static readonly byte[] LogInAPacket = Packet("NFPKTV1", 0x00000002, 7,
        Encoding.ASCII.GetBytes("9043 #5 192.0.2.2:13 192.0.2.1:43000 ESTABLISHED->FIN_WAIT_1 app=close\r\n").Concat(new byte[] { 0, 1, 0xFF, 10, 13 }).ToArray());

    [Fact]
    public void Filter_passes_text_and_swallows_each_packet_whole()
    {
        var filter = new WireProtocolFilter();
        var bytes = Encoding.ASCII.GetBytes("before\n").Concat(LogInAPacket).Concat(Packet("NFDBGV1", 0, 0, Array.Empty<byte>()))
            .Concat(Encoding.ASCII.GetBytes("NF not a marker\n")).ToArray();
        var text = new List<byte>();
        int markers = 0;
        foreach (byte b in bytes)
        {
            switch (filter.Take(b))
            {
                case WireProtocolFilter.Result.Text: text.Add(b); break;
                case WireProtocolFilter.Result.MarkerCompleted: markers++; text.RemoveRange(text.Count - 7, 7); break;
            }
        }
        Assert.Equal(2, markers);
        Assert.Equal(2, filter.Packets);
        Assert.Equal("before\nNF not a marker\n", Encoding.ASCII.GetString(text.ToArray()));
    }

    [Fact]
    public void Monitor_names_the_wire_protocol_once_and_prints_no_noise()
    {
        using var pty = TestPty.Open();
        var output = new SyncWriter();
        var error = new SyncWriter();
        var run = MonitorTests.Start(pty, json: false, colour: false, output, error);
        pty.WriteLines("0 - BOOT NanoTcp device");
        pty.Write(LogInAPacket);
        pty.Write(Packet("NFPKTV1", 0x00000002, 8, Encoding.ASCII.GetBytes("more\r\n")));
        pty.WriteLines("12 - READY status_query=STATUS");
        Boards.WaitFor(() => output.ToString().Contains("READY") || run.IsCompleted, "the monitor to print the line after the packets");
        pty.CloseMaster();
        Assert.Equal(0, run.Exit());

        string[] errors = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var notice = Assert.Single(errors);
        Assert.StartsWith($"nanotcp monitor: {pty.SlavePath} carries nanoFramework's debugger wire protocol", notice);
        Assert.Contains("close Visual Studio's Device Explorer", notice);
        Assert.Contains("reset", notice);

        string[] printed = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray(); // after the header
        Assert.Equal(2, printed.Length);
        Assert.Contains("BOOT NanoTcp device", printed[0]);
        Assert.Contains("READY", printed[1]);
        Assert.DoesNotContain('\uFFFD', output.ToString());
    }

    [Fact]
    public void A_serial_port_that_is_not_there_is_one_line()
    {
        var e = Assert.Throws<SerialException>(() => SerialLineReader.Open("/dev/nanotcp-no-such-port"));
        Assert.Equal("no such serial port: /dev/nanotcp-no-such-port", e.Message);
    }

    [Fact]
    public void A_pseudo_terminal_opens_through_System_IO_Ports()
    {
        using var pty = TestPty.Open();
        using var reader = SerialLineReader.Open(pty.SlavePath, 115200);
        pty.WriteLines("1 - BOOT NanoTcp device");
        Assert.Equal(SerialRead.Line, reader.ReadLine(10000, out string? line));
        Assert.Equal("1 - BOOT NanoTcp device", line);
        pty.CloseMaster();
        Assert.Equal(SerialRead.End, reader.ReadLine(10000, out _));
    }
}
