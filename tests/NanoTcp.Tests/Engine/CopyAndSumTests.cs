using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// The payload is checksummed while it is copied out of the send buffer (Wire.CopyAndSum,
/// ByteRing.PeekSum) instead of after. The copy must be the same bytes as a plain copy, and the
/// sum the same as the independent RFC 1071 sum of the copied bytes, for every length, offset,
/// wrap position and odd boundary; and every segment the engine sends must still carry a
/// correct checksum.
/// </summary>
public class CopyAndSumTests
{
    static byte[] Random(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    static bool SameSum(uint a, uint b) => Wire.Fold(a) == Wire.Fold(b);

    [Fact]
    public void CopyAndSumCopiesAndSumsLikeCopyThenReference()
    {
        // Every length to 1,000, then lengths across the 8 KB copy blocks' edges up to three
        // blocks; odd and even offsets on both sides; any acc.
        byte[] src = Random(26000, 1);
        var dst = new byte[26000];
        var rng = new Random(2);
        var lengths = Enumerable.Range(0, 1001).Concat(Enumerable.Range(1, 25).Select(k => k * 997))
            .Concat(new[] { 8191, 8192, 8193, 8194, 16383, 16384, 16385, 24575, 24576, 24577 });
        foreach (int length in lengths)
        {
            int so = length % 5, dof = (length / 5) % 3;
            uint acc = (uint)rng.Next(0x10000);
            Array.Fill(dst, (byte)0xA5);
            uint sum = Wire.CopyAndSum(src, so, dst, dof, length, acc);
            Assert.True(src.AsSpan(so, length).SequenceEqual(dst.AsSpan(dof, length)), $"length {length}: copy differs");
            Assert.Equal(0xA5, dof > 0 ? dst[dof - 1] : 0xA5);
            Assert.Equal(0xA5, dst[dof + length]); // nothing written past the end
            Assert.True(SameSum(Packets.OnesSum(src, so, length, acc), sum) && sum <= 0xFFFF,
                $"length {length}, offsets {so}/{dof}: 0x{sum:X}");
        }
    }

    [Fact]
    public void APieceAtAnOddPositionAddsSwapped()
    {
        // Any data summed in two pieces, cut anywhere (odd cuts too), adds up to its one sum.
        byte[] b = Random(700, 3);
        for (int length = 0; length <= 80; length++)
            for (int cut = 0; cut <= length; cut++)
            {
                uint whole = Packets.OnesSum(b, 1, length);
                uint pieces = Wire.AddAt(Wire.Sum(b, 1, cut, 0), Wire.Sum(b, 1 + cut, length - cut, 0), cut);
                Assert.True(SameSum(whole, pieces), $"length {length}, cut {cut}");
            }
        for (int cut = 0; cut <= 700; cut += 7)
            Assert.True(SameSum(Packets.OnesSum(b, 0, 700), Wire.AddAt(Wire.Sum(b, 0, cut, 0), Wire.Sum(b, cut, 700 - cut, 0), cut)));
    }

    [Fact]
    public void PeekSumAgreesWithPeekAtEveryWrapPositionLengthAndOffset()
    {
        // Odd and even capacities; the head at every cell; every start and length inside the data.
        foreach (int capacity in new[] { 1, 2, 7, 8, 13, 32 })
            for (int head = 0; head < capacity; head++)
            {
                var r = new ByteRing(capacity);
                r.Write(new byte[head], 0, head);
                r.Discard(head); // head now at cell `head`
                byte[] data = Random(capacity, capacity * 100 + head);
                Assert.Equal(capacity, r.Write(data, 0, capacity));
                for (int from = 0; from <= capacity; from++)
                    for (int length = 0; from + length <= capacity; length++)
                        for (int offset = 0; offset < 2; offset++)
                        {
                            var expected = new byte[length + 2];
                            var actual = new byte[length + 2];
                            r.Peek(from, expected, offset, length);
                            uint sum = r.PeekSum(from, actual, offset, length);
                            Assert.Equal(expected, actual);
                            Assert.True(SameSum(Packets.OnesSum(data, from, length), sum),
                                $"capacity {capacity}, head {head}, from {from}, length {length}");
                        }
                Assert.Equal(capacity, r.Count); // peeking takes nothing
            }
    }

    [Fact]
    public void PeekSumAcrossTheWrapOfALargeRingSpanningCopyBlocks()
    {
        // Pieces longer than one copy block on each side of the wrap, odd-sized and even-sized.
        const int capacity = 40001;
        byte[] data = Random(capacity, 9);
        foreach (int head in new[] { 0, 1, 8191, 8192, 8193, 16385, 20000, 31999, 39999, 40000 })
        {
            var r = new ByteRing(capacity);
            r.Write(new byte[head], 0, head);
            r.Discard(head);
            r.Write(data, 0, capacity);
            foreach (int from in new[] { 0, 1, 2, 8191, 15001 })
                foreach (int length in new[] { 0, 1, 8192, 8193, 16385, 24999, capacity - from })
                {
                    if (from + length > capacity) continue;
                    var dst = new byte[length + 40];
                    uint sum = r.PeekSum(from, dst, 40, length);
                    Assert.True(data.AsSpan(from, length).SequenceEqual(dst.AsSpan(40, length)));
                    Assert.True(SameSum(Packets.OnesSum(data, from, length), sum), $"head {head}, from {from}, length {length}");
                }
        }
    }

    [Fact]
    public void BuildWithAKnownPayloadSumWritesTheSamePacket()
    {
        byte[] payload = Random(1501, 4);
        byte[] options = { 2, 4, 5, 0xB4, 1, 1, 4, 2, 1 }; // 9 bytes: padded to 12
        for (int n = 0; n <= payload.Length; n += n < 40 ? 1 : 97)
            foreach (int optLen in new[] { 0, 4, 9 })
            {
                int hl = Wire.HeaderLength(optLen);
                var a = new byte[hl + n];
                var b = new byte[hl + n];
                Array.Copy(payload, 0, a, hl, n);
                uint sum = Wire.CopyAndSum(payload, 0, b, hl, n, 0);
                int la = Wire.Build(a, 0, 0x0A000001, 0xC0A80102, 40000, 7, 123456789, 987654321, TcpFlags.Ack | TcpFlags.Psh, 4321, options, optLen, n, 77);
                int lb = Wire.Build(b, 0, 0x0A000001, 0xC0A80102, 40000, 7, 123456789, 987654321, TcpFlags.Ack | TcpFlags.Psh, 4321, options, optLen, n, 77, sum);
                Assert.Equal(la, lb);
                Assert.Equal(a, b);
            }
    }

    /// <summary>The TCP checksum of a sent packet, checked with the independent sum (pseudo-header included).</summary>
    static void AssertTcpChecksum(byte[] p)
    {
        int ihl = (p[0] & 0x0F) * 4;
        int tcpLength = Wire.ReadU16(p, 2) - ihl;
        var pseudo = new byte[12];
        Array.Copy(p, 12, pseudo, 0, 8);
        pseudo[9] = Wire.ProtocolTcp;
        Wire.WriteU16(pseudo, 10, tcpLength);
        uint sum = Packets.OnesSum(p, ihl, tcpLength, Packets.OnesSum(pseudo, 0, 12));
        Assert.Equal(0xFFFFu, sum);
    }

    [Fact]
    public void EverySegmentSentAcrossTheSendBuffersWrapCarriesAValidChecksum()
    {
        // An odd-sized send buffer and an odd MSS, writes of every size: segments start at every
        // cell of the ring, split at its end after an odd or an even number of bytes. Some are
        // sent again after a timeout, and zero-window probes take one byte from anywhere.
        var h = new Harness(c => { c.SndBuf = 37; c.RcvBuf = 512; });
        int l = h.Engine.Listen(0, 7, 1);
        h.Inject(TcpFlags.Syn, 1000, 0, 50000, 7, mss: 11);
        uint iss = h.TakeOnly().Seq;
        h.Inject(TcpFlags.Ack, 1001, iss + 1, 50000, 7);
        int c = h.Engine.Accept(0, l);
        Assert.True(c >= 0);
        Assert.Equal(0, h.Engine.SetOption(0, c, SocketOption.NoDelay, 1));

        var stream = new List<byte>(); // every byte written, in order: byte k of the stream is stream[k]
        var rng = new Random(11);
        uint sndMax = iss + 1; // the highest sequence number sent, as the peer sees it
        int segments = 0, retransmitted = 0, probes = 0;
        var info = new TcpInfo();

        // Checks every packet sent since the last call: checksum, and payload against the stream.
        void Check()
        {
            foreach (var (_, p) in h.Sent)
            {
                AssertTcpChecksum(p);
                var s = Harness.Parse(p);
                if (s.PayloadLength == 0) continue;
                segments++;
                int at = (int)(s.Seq - (iss + 1));
                for (int i = 0; i < s.PayloadLength; i++) Assert.Equal(stream[at + i], p[s.PayloadOffset + i]);
                uint end = s.Seq + (uint)s.PayloadLength;
                if ((int)(end - sndMax) > 0) sndMax = end;
            }
            h.Sent.Clear();
        }

        for (int round = 0; round < 400; round++)
        {
            bool zeroWindow = round % 13 == 6;
            if (zeroWindow) h.Inject(TcpFlags.Ack, 1001, sndMax, 50000, 7, window: 0); // what is written now waits
            int n = 1 + round % 37;
            var chunk = new byte[n];
            rng.NextBytes(chunk);
            h.Sent.Clear();
            int took = h.Engine.Send(h.Now, c, chunk, 0, n);
            stream.AddRange(chunk.Take(took));
            Check();
            if (zeroWindow)
            {
                // The persist timer probes with the byte at SND.UNA, wherever it lies in the ring.
                h.Advance(30000);
                probes += h.Sent.Count(x => Harness.Parse(x.Bytes).PayloadLength == 1);
                Check();
            }
            else if (round % 9 == 4) { h.Advance(5000); retransmitted++; Check(); } // the RTO resends from SND.UNA
            // Acknowledge what was sent until all that was written is acknowledged.
            for (int k = 0; k < 100; k++)
            {
                Assert.True(h.Engine.GetInfo(c, info));
                if (info.SendQ == 0) break;
                h.Advance(1);
                h.Inject(TcpFlags.Ack, 1001, sndMax, 50000, 7);
                Check();
            }
            Assert.Equal(0, info.SendQ);
        }
        Assert.True(segments > 400 && retransmitted > 20 && probes > 20, $"{segments} segments, {retransmitted} timeouts, {probes} probes");
    }
}
