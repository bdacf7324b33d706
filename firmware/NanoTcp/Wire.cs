namespace NanoTcp
{
    /// <summary>Why an inbound datagram was dropped. Each reason has its own counter and log name.</summary>
    public static class DropReason
    {
        public const int None = 0;
        public const int Short = 1;          // shorter than an IPv4 + TCP header
        public const int Version = 2;        // not IPv4
        public const int IpHeader = 3;       // IHL < 5 or beyond the datagram
        public const int IpChecksum = 4;
        public const int TotalLength = 5;    // IPv4 total length disagrees with the datagram
        public const int Fragment = 6;       // fragments are not reassembled
        public const int Protocol = 7;       // not TCP
        public const int TcpHeader = 8;      // data offset < 5 or beyond the packet
        public const int TcpChecksum = 9;
        public const int BadOption = 10;     // an option we cannot parse
        public const int NotForUs = 11;      // destination address is not ours
        public const int BadPort = 12;       // port 0
        public const int Count = 13;

        static readonly string[] Names =
        {
            "none", "short", "ip-version", "ip-header", "ip-checksum", "ip-length", "fragment",
            "protocol", "tcp-header", "tcp-checksum", "tcp-option", "not-for-us", "port-zero"
        };

        public static string Name(int reason)
        {
            return reason >= 0 && reason < Count ? Names[reason] : "?";
        }
    }

    /// <summary>
    /// Byte-exact IPv4 (RFC 791) and TCP (RFC 9293) codec. Parsing never throws: malformed input
    /// yields a <see cref="DropReason"/>. Building writes both headers and both checksums.
    /// </summary>
    public static class Wire
    {
        public const int IpHeaderLength = 20;
        public const int TcpHeaderLength = 20;
        public const int ProtocolTcp = 6;
        public const int DefaultTtl = 64;

        public static int ReadU16(byte[] b, int i) { return (b[i] << 8) | b[i + 1]; }

        public static uint ReadU32(byte[] b, int i)
        {
            return ((uint)b[i] << 24) | ((uint)b[i + 1] << 16) | ((uint)b[i + 2] << 8) | b[i + 3];
        }

        public static void WriteU16(byte[] b, int i, int v) { b[i] = (byte)(v >> 8); b[i + 1] = (byte)v; }

        public static void WriteU32(byte[] b, int i, uint v)
        {
            b[i] = (byte)(v >> 24); b[i + 1] = (byte)(v >> 16); b[i + 2] = (byte)(v >> 8); b[i + 3] = (byte)v;
        }

        /// <summary>
        /// Adds bytes to a ones'-complement accumulator (RFC 1071); fold with <see cref="Fold"/>.
        /// Sixteen bytes a step: each eight is read as one 64-bit word in the machine's byte order
        /// (BitConverter reads it in place, no allocation) and its two 32-bit halves go into one
        /// of two 64-bit sums. Since 2^16 ≡ 1 modulo 2^16 − 1, folding those sums with end-around carry
        /// gives the sum of the 16-bit words; on a little-endian machine those words are
        /// byte-swapped, and so is their sum (RFC 1071 §2 B), so it is swapped back once at the
        /// end. The tail (under 8 bytes) is added big-endian. The result is folded to 16 bits,
        /// so it can be passed on as the next call's acc.
        /// </summary>
        public static uint Sum(byte[] b, int offset, int length, uint acc)
        {
            int i = offset;
            int end = offset + length;
            ulong wide = 0, wide2 = 0;
            for (int stop = end - 15; i < stop; i += 16)
            {
                // Two words and two sums a step: neither addition waits for the other.
                ulong v = System.BitConverter.ToUInt64(b, i);
                ulong u = System.BitConverter.ToUInt64(b, i + 8);
                wide += (v & 0xFFFFFFFFUL) + (v >> 32);
                wide2 += (u & 0xFFFFFFFFUL) + (u >> 32);
            }
            if (i + 7 < end)
            {
                ulong v = System.BitConverter.ToUInt64(b, i);
                wide += (v & 0xFFFFFFFFUL) + (v >> 32);
                i += 8;
            }
            uint words = Fold64((ulong)Fold64(wide) + Fold64(wide2));
            if (LittleEndian) words = ((words & 0xFF) << 8) | (words >> 8);
            ulong sum = (ulong)acc + words;
            if (i + 3 < end)
            {
                sum += ((uint)b[i] << 24) | ((uint)b[i + 1] << 16) | ((uint)b[i + 2] << 8) | b[i + 3];
                i += 4;
            }
            if (i + 1 < end)
            {
                sum += ((uint)b[i] << 8) | b[i + 1];
                i += 2;
            }
            if (i < end) sum += (uint)b[i] << 8;
            return Fold64(sum);
        }

        /// <summary>
        /// Copies length bytes from src to dst and adds them to acc as <see cref="Sum"/> would: the
        /// payload's copy and its checksum in one pass over memory. The bytes go a block at a time,
        /// each copied by Array.Copy (native on both runtimes) and summed from dst at once, while
        /// it is still in the first-level cache. A loop that copied and summed each 8-byte word
        /// itself would need an 8-byte store, which portable code does not have (no Span, no
        /// unsafe): byte by byte it is several times slower than the copy and the sum apart.
        /// The first byte is the high byte of a 16-bit word; see <see cref="AddAt"/> for a piece
        /// that starts at an odd position.
        /// </summary>
        public static uint CopyAndSum(byte[] src, int srcOffset, byte[] dst, int dstOffset, int length, uint acc)
        {
            while (length > 0)
            {
                int n = length < CopyBlock ? length : CopyBlock;
                System.Array.Copy(src, srcOffset, dst, dstOffset, n);
                acc = Sum(dst, dstOffset, n, acc);
                srcOffset += n; dstOffset += n; length -= n;
            }
            return acc;
        }

        /// <summary>
        /// Bytes copied and summed a step: even, so every block starts on a word boundary. A block
        /// and its copy (16 KB) stay within a 32 KB first-level cache, and a 64 KB segment takes
        /// eight calls of each (1 KB blocks measured a few per cent slower there, from the calls).
        /// </summary>
        const int CopyBlock = 8192;

        /// <summary>
        /// Adds to acc the <see cref="Sum"/> of a piece that begins `position` bytes into the data
        /// being summed. Sum takes a piece's first byte as a word's high byte; at an odd position
        /// it is the low byte, so every byte of the piece sits on the other side of its word and
        /// its sum comes out byte-swapped (RFC 1071 §2 B): swap it back. Folded to 16 bits.
        /// </summary>
        public static uint AddAt(uint acc, uint pieceSum, int position)
        {
            if ((position & 1) != 0) pieceSum = ((pieceSum & 0xFF) << 8) | ((pieceSum >> 8) & 0xFF);
            return Fold64((ulong)acc + pieceSum);
        }

        // BitConverter.IsLittleEndian is a field on .NET and a property on nanoFramework: ask the bytes instead.
        static readonly bool LittleEndian = System.BitConverter.ToUInt16(new byte[] { 1, 0 }, 0) == 1;

        /// <summary>End-around carry: 64 → 32 → 16 bits.</summary>
        static uint Fold64(ulong sum)
        {
            sum = (sum & 0xFFFFFFFFUL) + (sum >> 32);
            sum = (sum & 0xFFFFFFFFUL) + (sum >> 32);
            uint s32 = (uint)sum;
            s32 = (s32 & 0xFFFF) + (s32 >> 16);
            s32 = (s32 & 0xFFFF) + (s32 >> 16);
            return s32;
        }

        public static int Fold(uint acc)
        {
            while ((acc >> 16) != 0) acc = (acc & 0xFFFF) + (acc >> 16);
            return (int)(~acc & 0xFFFF);
        }

        static uint PseudoHeaderSum(uint src, uint dst, int tcpLength)
        {
            return (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + (uint)ProtocolTcp + (uint)tcpLength;
        }

        /// <summary>Parses one IPv4 packet holding one TCP segment into seg. Returns DropReason.None or why it is malformed.</summary>
        public static int Parse(byte[] b, int offset, int length, Segment seg)
        {
            seg.Clear();
            if (b == null || length < IpHeaderLength + TcpHeaderLength || offset < 0 || offset > b.Length - length) return DropReason.Short;
            int vihl = b[offset];
            if ((vihl >> 4) != 4) return DropReason.Version;
            int ihl = (vihl & 0x0F) * 4;
            if (ihl < IpHeaderLength || ihl + TcpHeaderLength > length) return DropReason.IpHeader;
            if (Fold(Sum(b, offset, ihl, 0)) != 0) return DropReason.IpChecksum;
            int total = ReadU16(b, offset + 2);
            if (total < ihl + TcpHeaderLength || total > length) return DropReason.TotalLength;
            int frag = ReadU16(b, offset + 6);
            if ((frag & 0x3FFF) != 0) return DropReason.Fragment; // MF set or a non-zero fragment offset
            if (b[offset + 9] != ProtocolTcp) return DropReason.Protocol;

            seg.IpId = ReadU16(b, offset + 4);
            seg.Ttl = b[offset + 8];
            seg.SrcAddr = ReadU32(b, offset + 12);
            seg.DstAddr = ReadU32(b, offset + 16);

            int t = offset + ihl;
            int tcpLength = total - ihl;
            int dataOffset = (b[t + 12] >> 4) * 4;
            seg.SrcPort = ReadU16(b, t); // read before the checks below, so a drop can name the sender
            seg.DstPort = ReadU16(b, t + 2);
            if (dataOffset < TcpHeaderLength || dataOffset > tcpLength) return DropReason.TcpHeader;
            if (Fold(Sum(b, t, tcpLength, PseudoHeaderSum(seg.SrcAddr, seg.DstAddr, tcpLength))) != 0) return DropReason.TcpChecksum;

            if (seg.SrcPort == 0 || seg.DstPort == 0) return DropReason.BadPort;
            seg.Seq = ReadU32(b, t + 4);
            seg.Ack = ReadU32(b, t + 8);
            seg.Flags = b[t + 13];
            seg.Window = ReadU16(b, t + 14);
            seg.Buffer = b;
            seg.OptionsOffset = t + TcpHeaderLength;
            seg.OptionsLength = dataOffset - TcpHeaderLength;
            seg.PayloadOffset = t + dataOffset;
            seg.PayloadLength = tcpLength - dataOffset;
            return ParseOptions(b, seg.OptionsOffset, seg.OptionsLength, seg);
        }

        /// <summary>Parses TCP options (RFC 9293 §3.2): EOL, NOP, MSS, window scale, SACK-permitted, SACK, timestamps; unknown kinds are skipped by their length.</summary>
        public static int ParseOptions(byte[] b, int offset, int length, Segment seg)
        {
            int i = offset, end = offset + length;
            while (i < end)
            {
                int kind = b[i];
                if (kind == 0) break;          // EOL: the rest is padding
                if (kind == 1) { i++; continue; } // NOP
                if (i + 1 >= end) return DropReason.BadOption;
                int len = b[i + 1];
                if (len < 2 || i + len > end) return DropReason.BadOption;
                switch (kind)
                {
                    case 2:
                        if (len != 4) return DropReason.BadOption;
                        seg.Mss = ReadU16(b, i + 2);
                        break;
                    case 3:
                        if (len != 3) return DropReason.BadOption;
                        seg.WindowScale = b[i + 2] > 14 ? 14 : b[i + 2]; // RFC 7323 §2.3: clamp to 14
                        break;
                    case 4:
                        if (len != 2) return DropReason.BadOption;
                        seg.SackPermitted = true;
                        break;
                    case 5:
                        if (((len - 2) & 7) != 0) return DropReason.BadOption;
                        int blocks = (len - 2) / 8;
                        if (blocks > 4) blocks = 4; // 40 option bytes hold at most four
                        for (int k = 0; k < 2 * blocks; k++) seg.SackEdges[k] = ReadU32(b, i + 2 + 4 * k);
                        seg.SackBlocks = blocks;
                        break;
                    case 8:
                        if (len != 10) return DropReason.BadOption;
                        seg.HasTimestamps = true;
                        seg.TsVal = ReadU32(b, i + 2);
                        seg.TsEcr = ReadU32(b, i + 6);
                        break;
                }
                i += len;
            }
            return DropReason.None;
        }

        /// <summary>Bytes taken by IPv4 + TCP headers with optionsLength bytes of options (padded to 4).</summary>
        public static int HeaderLength(int optionsLength)
        {
            return IpHeaderLength + TcpHeaderLength + ((optionsLength + 3) & ~3);
        }

        /// <summary>
        /// Writes the IPv4 and TCP headers at b[offset] with the given options (padded with EOL),
        /// and both checksums. The payload must already be at b[offset + HeaderLength(optLen)].
        /// Returns the total packet length.
        /// </summary>
        public static int Build(byte[] b, int offset, uint src, uint dst, int srcPort, int dstPort,
            uint seq, uint ack, int flags, int window, byte[] options, int optionsLength, int payloadLength, int ipId)
        {
            uint payloadSum = Sum(b, offset + HeaderLength(optionsLength), payloadLength, 0);
            return Build(b, offset, src, dst, srcPort, dstPort, seq, ack, flags, window, options, optionsLength, payloadLength, ipId, payloadSum);
        }

        /// <summary>
        /// <see cref="Build"/> for a payload whose <see cref="Sum"/> is known already (taken while
        /// it was copied into place, <see cref="CopyAndSum"/>): only the headers are summed here.
        /// The headers are a whole number of 32-bit words, so the payload starts a word.
        /// </summary>
        public static int Build(byte[] b, int offset, uint src, uint dst, int srcPort, int dstPort,
            uint seq, uint ack, int flags, int window, byte[] options, int optionsLength, int payloadLength, int ipId, uint payloadSum)
        {
            int padded = (optionsLength + 3) & ~3;
            int tcpLength = TcpHeaderLength + padded + payloadLength;
            int total = IpHeaderLength + tcpLength;

            b[offset] = 0x45; b[offset + 1] = 0;
            WriteU16(b, offset + 2, total);
            WriteU16(b, offset + 4, ipId & 0xFFFF);
            WriteU16(b, offset + 6, 0x4000); // DF: the link never fragments
            b[offset + 8] = DefaultTtl; b[offset + 9] = ProtocolTcp;
            WriteU16(b, offset + 10, 0);
            WriteU32(b, offset + 12, src);
            WriteU32(b, offset + 16, dst);
            WriteU16(b, offset + 10, Fold(Sum(b, offset, IpHeaderLength, 0)));

            int t = offset + IpHeaderLength;
            WriteU16(b, t, srcPort);
            WriteU16(b, t + 2, dstPort);
            WriteU32(b, t + 4, seq);
            WriteU32(b, t + 8, ack);
            b[t + 12] = (byte)(((TcpHeaderLength + padded) / 4) << 4);
            b[t + 13] = (byte)flags;
            WriteU16(b, t + 14, window);
            WriteU16(b, t + 16, 0);
            WriteU16(b, t + 18, 0); // urgent pointer
            for (int i = 0; i < padded; i++) b[t + TcpHeaderLength + i] = i < optionsLength ? options[i] : (byte)0;
            uint sum = Sum(b, t, TcpHeaderLength + padded, PseudoHeaderSum(src, dst, tcpLength));
            WriteU16(b, t + 16, Fold(AddAt(sum, payloadSum, 0)));
            return total;
        }
    }
}
