using Nanotcp.Ladder;
using Nanotcp.Monitor;
using Nanotcp.Net;
using Nanotcp.Scenarios;
using NanoTcp;
using NanoTcp.Tests.Engine;

namespace NanoTcp.Tests.Peer;

/// <summary>The ladder's reading of retransmissions: a timeout's RTO, or a fast retransmit's reason.</summary>
public class SegmentTraceTests
{
    static readonly uint Pc = Ipv4.Address(192, 0, 2, 1), Device = Ipv4.Address(192, 0, 2, 2);

    static LinkPacket FromDevice(double t, uint seq, int len) =>
        new(t, DateTimeOffset.UnixEpoch, false, Packets.Build(Device, Pc, 7, 40000, seq, 1, TcpFlags.Ack, payload: new byte[len]), false);

    [Theory]
    [InlineData("RTX tx=[.] seq=1 ack=1 len=100 why=dup-acks", null, "dup-acks")]
    [InlineData("RTX tx=[.] seq=1 ack=1 len=100 rto=300 try=1", 300L, null)]
    public void ARetransmissionCarriesItsTimeoutOrItsReason(string rtx, long? rto, string? why)
    {
        var packets = new[]
        {
            new LinkPacket(0, DateTimeOffset.UnixEpoch, true, Packets.Build(Pc, Device, 40000, 7, 0, 0, TcpFlags.Syn), false),
            new LinkPacket(1, DateTimeOffset.UnixEpoch, false, Packets.Build(Device, Pc, 7, 40000, 0, 1, TcpFlags.Syn | TcpFlags.Ack), false),
            FromDevice(2, 1, 100),
            FromDevice(300, 1, 100),
        };
        var log = new[] { StateEvent.FromLine(LogLine.Parse("300 #1 192.0.2.2:7 192.0.2.1:40000 " + rtx), 300)! };
        var trace = SegmentTrace.Build(packets, null, log);
        var again = trace[^1];
        Assert.True(again.Retransmission);
        Assert.Equal(rto, again.RtoMs);
        Assert.Equal(why, again.RtxWhy);
    }
}
