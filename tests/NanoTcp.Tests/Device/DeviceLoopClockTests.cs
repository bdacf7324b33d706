using NanoTcp.Device;

namespace NanoTcp.Tests.Device;

/// <summary>
/// The device loop takes every waiting datagram in one step, and a step can take long (a first
/// run's compilation, a slow device). Each datagram must be handled at the time it was taken,
/// not at the step's start: the log's times, the RTT samples and the timers all come from it.
/// </summary>
public class DeviceLoopClockTests
{
    static readonly uint Pc = Ipv4.Address(192, 0, 2, 1), Device = Ipv4.Address(192, 0, 2, 2);

    sealed class Clock : IClock
    {
        public long Now;
        public long NowMs() => Now;
    }

    sealed class Log : ILogSink
    {
        public readonly List<string> Lines = new();
        public void WriteLine(char[] line, int length) => Lines.Add(new string(line, 0, length));
    }

    /// <summary>
    /// Hands the device a SYN, then, in the same step, the ACK of its SYN-ACK, built from what the
    /// device sent; the first datagram "takes" 30 ms of the clock.
    /// </summary>
    sealed class Link(Clock clock) : IDatagramLink
    {
        readonly Segment _synAck = new();
        int _taken;
        public int Receive(byte[] buffer, int timeoutMs, out int endpoint)
        {
            endpoint = 0;
            switch (_taken)
            {
                case 0:
                    _taken++;
                    return Wire.Build(buffer, 0, Pc, Device, 40000, 7, 1000, 0, TcpFlags.Syn, 65535, Array.Empty<byte>(), 0, 0, 1);
                case 1:
                    _taken++;
                    clock.Now += 30; // the SYN's handling took this long
                    return Wire.Build(buffer, 0, Pc, Device, 40000, 7, 1001, _synAck.Seq + 1, TcpFlags.Ack, 65535, Array.Empty<byte>(), 0, 0, 2);
                default:
                    endpoint = -1;
                    return -1;
            }
        }

        public void Send(int endpoint, byte[] data, int offset, int length)
        {
            var s = new Segment();
            if (Wire.Parse(data, offset, length, s) == DropReason.None && s.Has(TcpFlags.Syn)) Wire.Parse(data, offset, length, _synAck);
        }
    }

    [Fact]
    public void A_datagram_taken_later_in_a_step_is_handled_at_its_own_time()
    {
        var clock = new Clock { Now = 100 };
        var log = new Log();
        var app = new DeviceApp(new DeviceSettings(), new Link(clock), log, clock);
        app.Start();
        app.Step(0);

        string received = Assert.Single(log.Lines, l => l.Contains("LISTEN->SYN_RECEIVED"));
        string established = Assert.Single(log.Lines, l => l.Contains("SYN_RECEIVED->ESTABLISHED"));
        Assert.StartsWith("100 ", received);
        Assert.StartsWith("130 ", established);
    }
}
