using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>Wire: byte-exact IPv4/TCP encoding, every option, and every way a datagram can be malformed.</summary>
public class CodecTests
{
    static readonly uint Pc = Ipv4.Address(192, 0, 2, 1);
    static readonly uint Device = Ipv4.Address(192, 0, 2, 2);

    // ------------------------------------------------------------------ (a) checksums against known bytes

    /// <summary>
    /// A SYN from 192.0.2.1:50000 to 192.0.2.2:7, seq 1000, window 65535, MSS 1460, IP id 1, DF, TTL 64.
    /// Constructed for this test; both checksums worked out by hand (RFC 1071, 16-bit words):
    ///
    /// IPv4 header, checksum field zero:
    ///   4500 + 002c + 0001 + 4000 + 4006 + 0000 + c000 + 0201 + c000 + 0202 = 0x24936
    ///   fold: 0x4936 + 0x2 = 0x4938;  ~0x4938 = 0xb6c7
    ///
    /// TCP (24 bytes = 0x18), checksum field zero, with the pseudo-header:
    ///   pseudo: c000 + 0201 + c000 + 0202 + 0006 + 0018                              = 0x18421
    ///   header: c350 + 0007 + 0000 + 03e8 + 0000 + 0000 + 6002 + ffff + 0000 + 0000
    ///           + 0204 + 05b4                                                        = 0x22ef8
    ///   0x18421 + 0x22ef8 = 0x3b319; fold: 0xb319 + 0x3 = 0xb31c;  ~0xb31c = 0x4ce3
    /// </summary>
    const string HandCheckedSyn =
        "45 00 00 2c 00 01 40 00 40 06 b6 c7 c0 00 02 01 c0 00 02 02" +
        "c3 50 00 07 00 00 03 e8 00 00 00 00 60 02 ff ff 4c e3 00 00 02 04 05 b4";

    [Fact]
    public void BuildProducesTheHandCheckedSyn()
    {
        var expected = Packets.Hex(HandCheckedSyn);
        var b = new byte[expected.Length];
        int len = Wire.Build(b, 0, Pc, Device, 50000, 7, 1000, 0, TcpFlags.Syn, 65535, new byte[] { 2, 4, 0x05, 0xb4 }, 4, 0, 1);
        Assert.Equal(expected.Length, len);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(b));
    }

    [Fact]
    public void ParseAcceptsTheHandCheckedSyn()
    {
        var b = Packets.Hex(HandCheckedSyn);
        var s = new Segment();
        Assert.Equal(DropReason.None, Wire.Parse(b, 0, b.Length, s));
        Assert.Equal(Pc, s.SrcAddr);
        Assert.Equal(Device, s.DstAddr);
        Assert.Equal(50000, s.SrcPort);
        Assert.Equal(7, s.DstPort);
        Assert.Equal(1000u, s.Seq);
        Assert.Equal(0u, s.Ack);
        Assert.Equal(TcpFlags.Syn, s.Flags);
        Assert.Equal(65535, s.Window);
        Assert.Equal(1460, s.Mss);
        Assert.Equal(1, s.IpId);
        Assert.Equal(64, s.Ttl);
        Assert.Equal(4, s.OptionsLength);
        Assert.Equal(0, s.PayloadLength);
        Assert.Equal(44, s.PayloadOffset);
        Assert.Equal(1, s.SegLen);
    }

    [Fact]
    public void ChecksumMatchesRfc1071Example()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to 0x2ddf0, folded 0xddf2; the checksum is ~0xddf2 = 0x220d.
        // Sum returns the sum folded with end-around carry.
        var b = Packets.Hex("00 01 f2 03 f4 f5 f6 f7");
        Assert.Equal(0xddf2u, Wire.Sum(b, 0, b.Length, 0));
        Assert.Equal(0x220d, Wire.Fold(Wire.Sum(b, 0, b.Length, 0)));
    }

    [Fact]
    public void ChecksumOfWellKnownIpv4HeaderVerifiesToZero()
    {
        // The worked example of the IPv4 header checksum (Wikipedia, "IPv4 header checksum"):
        // a UDP datagram 192.168.0.1 -> 192.168.0.199 whose header checksum is b861.
        var h = Packets.Hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
        Assert.Equal(0, Wire.Fold(Wire.Sum(h, 0, h.Length, 0)));
        h[10] = 0; h[11] = 0;
        Assert.Equal(0xb861, Wire.Fold(Wire.Sum(h, 0, h.Length, 0)));
    }

    [Fact]
    public void ChecksumPadsAnOddLastByteWithZero()
    {
        var b = new byte[] { 0x12, 0x34, 0x56 };
        Assert.Equal(0x1234u + 0x5600u, Wire.Sum(b, 0, 3, 0));
        Assert.Equal(Packets.OnesSum(b, 0, 3), Wire.Sum(b, 0, 3, 0));
    }

    [Fact]
    public void OddLengthPayloadGetsTheRightTcpChecksum()
    {
        var b = Packets.Build(Pc, Device, 1234, 80, 7, 9, TcpFlags.Ack | TcpFlags.Psh, payload: Packets.Pattern(5));
        var copy = (byte[])b.Clone();
        Packets.FixChecksums(copy); // independent implementation
        Assert.Equal(Convert.ToHexString(copy), Convert.ToHexString(b));
        var s = Packets.Parse(b);
        Assert.Equal(5, s.PayloadLength);
        Assert.Equal(Packets.Pattern(5), Packets.PayloadOf(s));
    }

    [Fact]
    public void ParseWorksAtANonZeroOffset()
    {
        var pkt = Packets.Hex(HandCheckedSyn);
        var b = new byte[pkt.Length + 13];
        pkt.CopyTo(b, 7);
        var s = new Segment();
        Assert.Equal(DropReason.None, Wire.Parse(b, 7, pkt.Length, s));
        Assert.Equal(1460, s.Mss);
        Assert.Equal(7 + 44, s.PayloadOffset);
    }

    // ------------------------------------------------------------------ (b) options

    static Segment ParseWithOptions(params byte[] options)
    {
        var b = Packets.Build(Pc, Device, 1234, 80, 1, 0, TcpFlags.Syn, options: options);
        var s = new Segment();
        Assert.Equal(DropReason.None, Wire.Parse(b, 0, b.Length, s));
        return s;
    }

    static int ParseReasonWithOptions(params byte[] options)
    {
        var b = Packets.Build(Pc, Device, 1234, 80, 1, 0, TcpFlags.Syn, options: options);
        return Wire.Parse(b, 0, b.Length, new Segment());
    }

    [Fact]
    public void NoOptionsLeavesDefaults()
    {
        var s = ParseWithOptions();
        Assert.Equal(0, s.Mss);
        Assert.Equal(-1, s.WindowScale);
        Assert.False(s.SackPermitted);
        Assert.False(s.HasTimestamps);
        Assert.Equal(0, s.OptionsLength);
    }

    [Fact]
    public void MssOption()
    {
        Assert.Equal(536, ParseWithOptions(2, 4, 0x02, 0x18).Mss);
    }

    [Fact]
    public void NopsBeforeAnOptionAreSkipped()
    {
        var s = ParseWithOptions(1, 1, 1, 1, 2, 4, 0x05, 0xb4);
        Assert.Equal(1460, s.Mss);
        Assert.Equal(8, s.OptionsLength);
    }

    [Fact]
    public void EolEndsTheListAndWhatFollowsIsPadding()
    {
        // After EOL: "2 0" would be an MSS option of length 0 (malformed) if it were read.
        var s = ParseWithOptions(2, 4, 0x05, 0xb4, 0, 2, 0, 0xff);
        Assert.Equal(1460, s.Mss);
        // An option that would be valid after EOL is not read either.
        Assert.Equal(0, ParseWithOptions(0, 0, 0, 0, 2, 4, 0x05, 0xb4).Mss);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(7, 7)]
    [InlineData(14, 14)]
    [InlineData(15, 14)] // RFC 7323 §2.3: a shift above 14 is used as 14
    [InlineData(255, 14)]
    public void WindowScaleIsClampedTo14(int shift, int expected)
    {
        Assert.Equal(expected, ParseWithOptions(1, 3, 3, (byte)shift).WindowScale);
    }

    [Fact]
    public void SackPermitted()
    {
        Assert.True(ParseWithOptions(1, 1, 4, 2).SackPermitted);
    }

    [Fact]
    public void SackBlocksAreAcceptedAndSkipped()
    {
        // One block (length 10) and two blocks (length 18), each followed by an MSS that must still be read.
        var one = ParseWithOptions(1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9, 2, 4, 0x01, 0x00);
        Assert.Equal(256, one.Mss);
        var two = ParseWithOptions(1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 20, 0, 0, 0, 30, 2, 4, 0x01, 0x01);
        Assert.Equal(257, two.Mss);
    }

    [Fact]
    public void SackWithAPartialBlockIsBad()
    {
        Assert.Equal(DropReason.BadOption, ParseReasonWithOptions(1, 1, 5, 6, 0, 0, 0, 1));
    }

    [Fact]
    public void Timestamps()
    {
        var s = ParseWithOptions(1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04);
        Assert.True(s.HasTimestamps);
        Assert.Equal(0xdeadbeefu, s.TsVal);
        Assert.Equal(0x01020304u, s.TsEcr);
    }

    [Fact]
    public void UnknownKindsAreSkippedByTheirLength()
    {
        // Kind 30 (MPTCP) with 4 data bytes that look like an MSS option, then kind 254 with none, then a real MSS.
        var s = ParseWithOptions(30, 6, 2, 4, 0x00, 0x10, 254, 2, 2, 4, 0x05, 0x78);
        Assert.Equal(1400, s.Mss);
    }

    [Fact]
    public void LinuxStyleSynOptionsAllParse()
    {
        // mss 1460, sackOK, TS val 0x11223344 ecr 0, nop, wscale 7: what a Linux SYN carries.
        var s = ParseWithOptions(2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0, 1, 3, 3, 7);
        Assert.Equal(1460, s.Mss);
        Assert.True(s.SackPermitted);
        Assert.True(s.HasTimestamps);
        Assert.Equal(0x11223344u, s.TsVal);
        Assert.Equal(0u, s.TsEcr);
        Assert.Equal(7, s.WindowScale);
        Assert.Equal(20, s.OptionsLength);
    }

    [Fact]
    public void ParseClearsFieldsOfThePreviousSegment()
    {
        var s = new Segment();
        var withOpts = Packets.Build(Pc, Device, 1234, 80, 1, 0, TcpFlags.Syn, options: new byte[] { 2, 4, 5, 0xb4, 1, 3, 3, 7 });
        Assert.Equal(DropReason.None, Wire.Parse(withOpts, 0, withOpts.Length, s));
        var plain = Packets.Build(Pc, Device, 1234, 80, 1, 0, TcpFlags.Ack);
        Assert.Equal(DropReason.None, Wire.Parse(plain, 0, plain.Length, s));
        Assert.Equal(0, s.Mss);
        Assert.Equal(-1, s.WindowScale);
    }

    // ------------------------------------------------------------------ (c) malformed input

    /// <summary>A valid ACK with 4 bytes of payload: 44 bytes; IP header at 0, TCP at 20, payload at 40.</summary>
    static byte[] Valid() => Packets.Build(Pc, Device, 1234, 80, 100, 200, TcpFlags.Ack, payload: new byte[] { 1, 2, 3, 4 });

    static int Reason(byte[] b, int length = -1) => Wire.Parse(b, 0, length < 0 ? b.Length : length, new Segment());

    /// <summary>Applies a change, repairs both checksums, and parses: the change is the only defect.</summary>
    static int ReasonAfter(Action<byte[]> change)
    {
        var b = Valid();
        change(b);
        Packets.FixChecksums(b);
        return Reason(b);
    }

    [Fact]
    public void ValidBaselineParses() => Assert.Equal(DropReason.None, Reason(Valid()));

    [Fact]
    public void TooShort()
    {
        Assert.Equal(DropReason.Short, Reason(Valid(), 39));
        Assert.Equal(DropReason.Short, Reason(new byte[0]));
        Assert.Equal(DropReason.Short, Reason(new byte[19]));
    }

    [Fact]
    public void NotIpv4() => Assert.Equal(DropReason.Version, ReasonAfter(b => b[0] = 0x65));

    [Fact]
    public void IhlBelowFive() => Assert.Equal(DropReason.IpHeader, ReasonAfter(b => b[0] = 0x44));

    [Fact]
    public void IhlBeyondTheBuffer() => Assert.Equal(DropReason.IpHeader, ReasonAfter(b => b[0] = 0x4F)); // 60 + 20 > 44

    [Fact]
    public void BadIpChecksum()
    {
        var b = Valid();
        b[8] ^= 0x01; // TTL changed, checksum not
        Assert.Equal(DropReason.IpChecksum, Reason(b));
        b = Valid();
        b[11] ^= 0x80; // the checksum itself
        Assert.Equal(DropReason.IpChecksum, Reason(b));
    }

    [Fact]
    public void TotalLengthLargerThanTheDatagram()
    {
        Assert.Equal(DropReason.TotalLength, ReasonAfter(b => Wire.WriteU16(b, 2, 45)));
        Assert.Equal(DropReason.TotalLength, ReasonAfter(b => Wire.WriteU16(b, 2, 0xFFFF)));
    }

    [Fact]
    public void TotalLengthTooSmallForTheHeaders() => Assert.Equal(DropReason.TotalLength, ReasonAfter(b => Wire.WriteU16(b, 2, 39)));

    [Fact]
    public void FragmentsAreDropped()
    {
        Assert.Equal(DropReason.Fragment, ReasonAfter(b => Wire.WriteU16(b, 6, 0x2000)));          // MF
        Assert.Equal(DropReason.Fragment, ReasonAfter(b => Wire.WriteU16(b, 6, 0x0001)));          // offset 8
        Assert.Equal(DropReason.Fragment, ReasonAfter(b => Wire.WriteU16(b, 6, 0x4000 | 0x1FFF))); // DF with an offset
        Assert.Equal(DropReason.None, ReasonAfter(b => Wire.WriteU16(b, 6, 0x0000)));              // DF clear is fine
    }

    [Fact]
    public void NotTcp() => Assert.Equal(DropReason.Protocol, ReasonAfter(b => b[9] = 17));

    [Fact]
    public void TcpDataOffsetBelowFive() => Assert.Equal(DropReason.TcpHeader, ReasonAfter(b => b[32] = 0x40));

    [Fact]
    public void TcpDataOffsetBeyondTheSegment()
    {
        Assert.Equal(DropReason.TcpHeader, ReasonAfter(b => b[32] = 0x70)); // 28 > 24 bytes of TCP
        Assert.Equal(DropReason.TcpHeader, ReasonAfter(b => b[32] = 0xF0));
    }

    [Fact]
    public void BadTcpChecksum()
    {
        var b = Valid();
        b[43] ^= 0x10; // a payload bit
        Assert.Equal(DropReason.TcpChecksum, Reason(b));
        b = Valid();
        b[24] ^= 0x01; // a sequence-number bit
        Assert.Equal(DropReason.TcpChecksum, Reason(b));
    }

    [Fact]
    public void BadTcpChecksumCoversThePseudoHeader()
    {
        // Changing the destination address and fixing only the IP checksum must break the TCP one.
        var b = Valid();
        b[19] = 3;
        b[10] = 0; b[11] = 0;
        int sum = (int)(~Packets.OnesSum(b, 0, 20) & 0xFFFF);
        b[10] = (byte)(sum >> 8); b[11] = (byte)sum;
        Assert.Equal(DropReason.TcpChecksum, Reason(b));
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 5, 0xb4 })]           // length 0
    [InlineData(new byte[] { 2, 1, 5, 0xb4 })]           // length 1
    [InlineData(new byte[] { 1, 1, 8, 10 })]             // timestamps running past the header
    [InlineData(new byte[] { 30, 40, 0, 0 })]            // unknown kind running past the header
    [InlineData(new byte[] { 1, 1, 1, 2 })]              // a kind with no room for its length byte
    [InlineData(new byte[] { 2, 3, 5, 0 })]              // MSS with length 3
    [InlineData(new byte[] { 2, 6, 5, 0xb4, 0, 0, 0, 0 })] // MSS with length 6
    [InlineData(new byte[] { 3, 2, 0, 0 })]              // window scale with length 2
    [InlineData(new byte[] { 4, 3, 0, 0 })]              // SACK-permitted with length 3
    [InlineData(new byte[] { 8, 8, 0, 0, 0, 0, 0, 0 })]  // timestamps with length 8
    public void BadOptions(byte[] options) => Assert.Equal(DropReason.BadOption, ParseReasonWithOptions(options));

    [Fact]
    public void PortZero()
    {
        var b = Packets.Build(Pc, Device, 0, 80, 1, 0, TcpFlags.Syn);
        Assert.Equal(DropReason.BadPort, Reason(b));
        b = Packets.Build(Pc, Device, 1234, 0, 1, 0, TcpFlags.Syn);
        Assert.Equal(DropReason.BadPort, Reason(b));
    }

    [Fact]
    public void NullBufferAndOutOfRangeOffsets()
    {
        var s = new Segment();
        var b = Valid();
        Assert.Equal(DropReason.Short, Wire.Parse(null, 0, 44, s));
        Assert.Equal(DropReason.Short, Wire.Parse(b, -1, 44, s));
        Assert.Equal(DropReason.Short, Wire.Parse(b, 1, 44, s));       // runs one byte past the end
        Assert.Equal(DropReason.Short, Wire.Parse(b, 0, 45, s));
        Assert.Equal(DropReason.Short, Wire.Parse(b, 44, 44, s));
        Assert.Equal(DropReason.Short, Wire.Parse(b, 0, -1, s));
    }

    [Fact]
    public void EveryDropReasonHasALogName()
    {
        var names = new HashSet<string>();
        for (int r = 0; r < DropReason.Count; r++)
        {
            string n = DropReason.Name(r);
            Assert.Matches("^[a-z][a-z-]*$", n);
            Assert.True(names.Add(n), "duplicate name " + n);
        }
        Assert.Equal("?", DropReason.Name(DropReason.Count));
        Assert.Equal("?", DropReason.Name(-1));
    }

    // ------------------------------------------------------------------ (d) padding beyond the IPv4 total length

    [Fact]
    public void DatagramPaddedBeyondTotalLengthUsesTheHeaderLength()
    {
        // Ethernet pads short frames, and a UDP carrier may too: the IPv4 total length is authoritative.
        var pkt = Valid();
        var b = new byte[pkt.Length + 16];
        pkt.CopyTo(b, 0);
        for (int i = pkt.Length; i < b.Length; i++) b[i] = 0xAA;
        var s = new Segment();
        Assert.Equal(DropReason.None, Wire.Parse(b, 0, b.Length, s));
        Assert.Equal(4, s.PayloadLength);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Packets.PayloadOf(s));
    }

    [Fact]
    public void EngineDeliversOnlyThePayloadTheHeaderDeclares()
    {
        var h = new Harness();
        int l = h.Engine.Listen(0, 7, 4);
        var (c, iss) = h.OpenPassive(l, 7, 40000, 5000);
        var pkt = Packets.FromPeer(TcpFlags.Ack | TcpFlags.Psh, 5001, iss + 1, 40000, 7, Packets.Pattern(3));
        var padded = new byte[pkt.Length + 20];
        pkt.CopyTo(padded, 0);
        h.Engine.Input(h.Now, padded, 0, padded.Length);

        Assert.Equal(5004u, h.TakeOnly().Ack);
        Assert.Equal(3, h.Engine.Available(c));
        Assert.Equal(0, h.Engine.Counters.Dropped);
    }

    // ------------------------------------------------------------------ robustness

    [Fact]
    public void RandomMutationsNeverThrowAndEveryDropIsCounted()
    {
        var rng = new Random(9293);
        var h = new Harness(c => c.Capacity = 4) { Recording = false };
        h.Engine.Listen(0, 80, 4);
        var seeds = new[]
        {
            Packets.Build(Pc, Device, 1234, 80, 100, 0, TcpFlags.Syn,
                options: new byte[] { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 }),
            Packets.Build(Pc, Device, 1234, 80, 101, 0, TcpFlags.Ack | TcpFlags.Psh, payload: Packets.Pattern(30)),
            Packets.Build(Pc, Device, 1234, 80, 131, 0, TcpFlags.Fin | TcpFlags.Ack),
        };
        var expected = new long[DropReason.Count];
        var seg = new Segment();
        const int Runs = 10000;

        for (int run = 0; run < Runs; run++)
        {
            var seed = seeds[rng.Next(seeds.Length)];
            int offset = rng.Next(4); // also exercise a packet that does not start the buffer
            var b = new byte[seed.Length + offset + 8];
            rng.NextBytes(b);
            seed.CopyTo(b, offset);
            int length = seed.Length;

            switch (rng.Next(4))
            {
                case 0: length = rng.Next(seed.Length + 1); break;                           // truncation
                case 1: length += rng.Next(9); break;                                        // trailing garbage
                default:
                    for (int k = rng.Next(1, 9); k > 0; k--)                                 // bit flips
                        b[offset + rng.Next(seed.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
            }
            // Repair the checksums half the time so mutations reach the deeper checks.
            if (rng.Next(2) == 0)
            {
                var view = new byte[length];
                Array.Copy(b, offset, view, 0, length);
                Packets.FixChecksums(view, length);
                Array.Copy(view, 0, b, offset, length);
            }

            int reason;
            try { reason = Wire.Parse(b, offset, length, seg); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"Wire.Parse threw on run {run}: {Convert.ToHexString(b)}\n{e}"); }
            Assert.InRange(reason, DropReason.None, DropReason.Count - 1);
            if (reason == DropReason.None && seg.DstAddr != Device) reason = DropReason.NotForUs;
            if (reason != DropReason.None) expected[reason]++;

            try { h.Engine.Input(h.Now, b, offset, length); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"Input threw on run {run}: {Convert.ToHexString(b)}\n{e}"); }
            h.Advance(1);
        }

        var counters = h.Engine.Counters;
        Assert.Equal(Runs, counters.SegmentsIn);
        Assert.Equal(expected, counters.DroppedBy);
        Assert.Equal(expected.Sum(), counters.Dropped);
        // The mix must have reached most checks, or the test proves little.
        Assert.True(expected.Count(n => n > 0) >= 8, "reasons hit: " + string.Join(",", expected));
        Assert.True(expected.Sum() < Runs, "no mutation survived parsing");
    }

    [Fact]
    public void EngineCountsAndLogsEachDrop()
    {
        var h = new Harness();
        var b = Valid();
        b[8] ^= 1;
        h.InjectBytes(b);
        var toOther = Packets.Build(Pc, Ipv4.Address(192, 0, 2, 9), 1234, 80, 1, 0, TcpFlags.Syn);
        h.InjectBytes(toOther);

        Assert.Equal(2, h.Engine.Counters.Dropped);
        Assert.Equal(1, h.Engine.Counters.DroppedBy[DropReason.IpChecksum]);
        Assert.Equal(1, h.Engine.Counters.DroppedBy[DropReason.NotForUs]);
        Assert.Empty(h.Sent); // a malformed datagram is never answered, not even with RST
        Assert.Equal(new[] { "0 - DROP reason=ip-checksum len=44", "0 - DROP reason=not-for-us len=40 from=192.0.2.1:1234" }, h.Log);
    }
}
