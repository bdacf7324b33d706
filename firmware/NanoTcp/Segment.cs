namespace NanoTcp
{
    /// <summary>TCP header flag bits (RFC 9293 §3.1).</summary>
    public static class TcpFlags
    {
        public const int Fin = 0x01;
        public const int Syn = 0x02;
        public const int Rst = 0x04;
        public const int Psh = 0x08;
        public const int Ack = 0x10;
        public const int Urg = 0x20;
        public const int Ece = 0x40;
        public const int Cwr = 0x80;
    }

    /// <summary>
    /// One IPv4 + TCP segment, parsed in place: the payload stays in <see cref="Buffer"/>.
    /// Instances are reused; nothing here allocates.
    /// </summary>
    public sealed class Segment
    {
        public uint SrcAddr, DstAddr;
        public int SrcPort, DstPort;
        public uint Seq, Ack;
        public int Flags;
        /// <summary>The raw 16-bit window field.</summary>
        public int Window;
        public int Ttl, IpId;

        /// <summary>MSS option value, 0 when absent.</summary>
        public int Mss;
        /// <summary>Window-scale shift, -1 when absent.</summary>
        public int WindowScale;
        public bool SackPermitted;
        /// <summary>SACK blocks (RFC 2018 §3): left and right edges, SackBlocks pairs of them.</summary>
        public readonly uint[] SackEdges = new uint[8];
        public int SackBlocks;
        public bool HasTimestamps;
        public uint TsVal, TsEcr;

        public byte[] Buffer;
        /// <summary>Where the TCP options start in Buffer, and how many bytes they take (padding included).</summary>
        public int OptionsOffset, OptionsLength;
        public int PayloadOffset, PayloadLength;

        public bool Has(int flag) { return (Flags & flag) != 0; }

        /// <summary>SEG.LEN: payload plus one for SYN and one for FIN.</summary>
        public int SegLen
        {
            get
            {
                int n = PayloadLength;
                if ((Flags & TcpFlags.Syn) != 0) n++;
                if ((Flags & TcpFlags.Fin) != 0) n++;
                return n;
            }
        }

        public void Clear()
        {
            SrcAddr = DstAddr = 0; SrcPort = DstPort = 0; Seq = Ack = 0; Flags = 0; Window = 0;
            Ttl = IpId = 0; Mss = 0; WindowScale = -1; SackPermitted = false; SackBlocks = 0; HasTimestamps = false;
            TsVal = TsEcr = 0; Buffer = null; OptionsOffset = OptionsLength = 0; PayloadOffset = PayloadLength = 0;
        }
    }
}
