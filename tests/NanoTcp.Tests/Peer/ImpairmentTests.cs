using System.CommandLine;
using Nanotcp.Commands;
using Nanotcp.Net;
using NanoTcp.Tests.PeerCommands;

namespace NanoTcp.Tests.Peer;

/// <summary>The seeded lossy link (<see cref="ImpairedPath"/>) and the options that put it on connect, scenario and tun.</summary>
public class ImpairmentTests
{
    static List<(long Due, byte[] Bytes)> Through(ImpairmentSettings s, int packets, int stream = 1)
    {
        var path = new ImpairedPath(s, stream);
        var got = new List<(long, byte[])>();
        for (int i = 0; i < packets; i++)
        {
            byte[] p = BitConverter.GetBytes(i).Concat(new byte[36]).ToArray();
            path.Send(i, p, 0, p.Length);
            while (path.TryTake(i, out var h)) got.Add((i, h.Bytes));
        }
        while (path.TryTake(long.MaxValue - 1, out var h)) got.Add((long.MaxValue, h.Bytes));
        return got;
    }

    [Fact]
    public void TheSameSeedGivesTheSameFatesAndAnotherSeedOthers()
    {
        var s = new ImpairmentSettings { Loss = 0.1, Duplicate = 0.05, Reorder = 0.05, Corrupt = 0.01, DelayMs = 3, Seed = 42 };
        var a = Through(s, 2000);
        var b = Through(s, 2000);
        Assert.Equal(a.Select(x => Convert.ToHexString(x.Bytes)), b.Select(x => Convert.ToHexString(x.Bytes)));
        var c = Through(s with { Seed = 43 }, 2000);
        Assert.NotEqual(a.Select(x => Convert.ToHexString(x.Bytes)), c.Select(x => Convert.ToHexString(x.Bytes)));
        // The two directions of one link draw from their own streams.
        Assert.NotEqual(a.Select(x => Convert.ToHexString(x.Bytes)), Through(s, 2000, stream: 2).Select(x => Convert.ToHexString(x.Bytes)));
    }

    [Fact]
    public void EachImpairmentHappensAtItsRate()
    {
        const int n = 20000;
        var path = new ImpairedPath(new ImpairmentSettings { Loss = 0.1, Duplicate = 0.05, Reorder = 0.05, Corrupt = 0.01, Seed = 7 }, 1);
        var sent = new byte[40];
        int overtaken = 0, delivered = 0, last = -1;
        for (int i = 0; i < n; i++)
        {
            BitConverter.GetBytes(i).CopyTo(sent, 0);
            path.Send(i, sent, 0, sent.Length);
            while (path.TryTake(i, out var h))
            {
                delivered++;
                int k = BitConverter.ToInt32(h.Bytes, 0) & 0x7FFFFFFF;
                if (k < last && !h.Duplicate) overtaken++;
                if (!h.Corrupted) last = Math.Max(last, k);
            }
        }
        ImpairmentCounts c = path.Counts;
        Assert.InRange(c.Lost, n * 0.09, n * 0.11);
        Assert.InRange(c.Duplicated, n * 0.9 * 0.04, n * 0.9 * 0.06);
        Assert.InRange(c.Reordered, n * 0.95 * 0.04, n * 0.95 * 0.06);
        Assert.InRange(c.Corrupted, n * 0.95 * 0.007, n * 0.95 * 0.013);
        Assert.True(overtaken > c.Reordered / 2, $"{overtaken} packets came after a later one, {c.Reordered} were held back");
        Assert.Equal(c.Offered - c.Lost + c.Duplicated, delivered + path.InFlight);
    }

    [Fact]
    public void ACorruptedCopyDiffersInExactlyOneBitAndTheDecoderDropsIt()
    {
        var path = new ImpairedPath(new ImpairmentSettings { Corrupt = 1, Seed = 1 }, 1);
        byte[] packet = Engine.Packets.FromPeer(NanoTcp.TcpFlags.Ack, 1, 1, 40000, 80, payload: new byte[100]);
        for (int i = 0; i < 200; i++)
        {
            Assert.True(path.Send(0, packet, 0, packet.Length));
            Assert.True(path.TryTake(0, out var h));
            Assert.True(h.Corrupted);
            Assert.Equal(1, packet.Zip(h.Bytes, (x, y) => System.Numerics.BitOperations.PopCount((uint)(x ^ y))).Sum());
            Assert.NotEqual(NanoTcp.DropReason.None, NanoTcp.Wire.Parse(h.Bytes, 0, h.Bytes.Length, new NanoTcp.Segment()));
        }
    }

    [Fact]
    public void DelayHoldsEveryPacket()
    {
        var path = new ImpairedPath(new ImpairmentSettings { DelayMs = 25 }, 1);
        path.Send(100, new byte[40], 0, 40);
        Assert.False(path.TryTake(124, out _));
        Assert.Equal(125, path.NextDue);
        Assert.True(path.TryTake(125, out _));
    }

    [Theory]
    [InlineData("10%", 0.1)]
    [InlineData("0.5%", 0.005)]
    [InlineData("0.25", 0.25)]
    [InlineData("1", 1.0)]
    [InlineData("100%", 1.0)]
    public void RatesArePercentagesOrFractions(string text, double rate)
    {
        Assert.True(ImpairmentSettings.TryParseRate(text, out double r, out _));
        Assert.Equal(rate, r, 9);
    }

    [Theory]
    [InlineData("10", "'10' is more than 1 (write a percentage as 10%)")]
    [InlineData("150%", "'150%' is more than 100%")]
    [InlineData("lots", "'lots' is not a rate (write 10% or 0.1)")]
    [InlineData("-5%", "'-5%' is not a rate (write 10% or 0.1)")]
    public void ABadRateIsOneLine(string text, string why)
    {
        Assert.False(ImpairmentSettings.TryParseRate(text, out _, out string? error));
        Assert.Equal(why, error);
    }

    [Fact]
    public void TheOptionsParseOnEveryCommandThatTakesThem()
    {
        foreach (string name in new[] { "connect", "scenario", "tun" })
        {
            Command command = name switch { "connect" => ConnectCommand.Create(), "scenario" => ScenarioCommand.Create(), _ => TunCommand.Create() };
            foreach (string option in new[] { "--loss", "--duplicate", "--reorder", "--corrupt", "--delay", "--seed" })
                Assert.Contains(command.Options, o => o.Name == option);
            ParseResult bad = command.Parse("--loss 300%");
            Assert.Contains(bad.Errors, e => e.Message == "--loss: '300%' is more than 100%");
        }
    }

    [Fact]
    public void ConnectOverALossyLinkStillDeliversAndPrintsTheSeed()
    {
        var log = new SyncLog();
        using var board = Boards.Start(log, configure: o => { o.Device.Tcp.RtoInitialMs = 100; o.Device.Tcp.RtoMinMs = 50; });
        var output = new SyncWriter();
        var trace = new SyncWriter();
        var link = new ImpairmentSettings { Loss = 0.25, Duplicate = 0.1, Reorder = 0.1, DelayMs = 2, Seed = 12345 };
        string lines = string.Concat(Enumerable.Range(0, 20).Select(i => $"line {i} of the echo test\n"));
        int exit = ConnectCommand.Run(new ConnectOptions { Device = Boards.Device(board), Port = 7, Link = link, ConnectTimeoutMs = 60_000 },
            new StringReader(lines), output, trace, false, ConnectSignals.None);
        string t = trace.ToString();
        Assert.True(exit == 0, t);
        Assert.Equal(lines, output.ToString());
        Assert.Contains("nanotcp connect: impaired link: loss=25% duplicate=10% reorder=10% corrupt=0% delay=2ms seed=12345 (the same choices again: --seed 12345)", t);
        Assert.Matches(@"impaired link: PC → device \d+ offered, [1-9]\d* lost", t);
    }
}
