using System.Collections;

namespace NanoTcp.Scripting
{
    /// <summary>A packet the engine sent, with the virtual time it left, waiting to be matched by a '&gt;' line.</summary>
    public sealed class OutboundPacket
    {
        public readonly long Time;
        public readonly byte[] Bytes;
        public readonly Segment Segment = new Segment();
        /// <summary>DropReason of the engine's own packet: anything but None is an engine bug.</summary>
        public readonly int Malformed;
        /// <summary>TcpOption items, empty when malformed.</summary>
        public readonly ArrayList Options;

        public OutboundPacket(long time, byte[] packet, int offset, int length)
        {
            Time = time;
            Bytes = new byte[length];
            System.Array.Copy(packet, offset, Bytes, 0, length);
            Malformed = Wire.Parse(Bytes, 0, length, Segment);
            Options = Malformed == DropReason.None
                ? TcpOption.Decode(Bytes, Segment.OptionsOffset, Segment.OptionsLength)
                : new ArrayList();
        }

        /// <summary>
        /// The packet as a script line: "1.100 &gt; F. 1:1(0) ack 2 win 2048", seq relative to iss,
        /// ack as on the wire. When it is not on the script's connection the addresses follow.
        /// </summary>
        public string Format(uint iss, uint localAddress, int localPort, uint remoteAddress, int remotePort)
        {
            string time = ScriptText.Seconds(Time) + " ";
            if (Malformed != DropReason.None) return time + "> (malformed: " + DropReason.Name(Malformed) + ", " + Bytes.Length.ToString() + " bytes)";
            Segment s = Segment;
            uint seq = unchecked(s.Seq - iss);
            string text = time + "> " + FlagText(s.Flags) + " " + ScriptText.U32(seq) + ":" + ScriptText.U32(unchecked(seq + (uint)s.PayloadLength))
                + "(" + s.PayloadLength.ToString() + ")";
            if ((s.Flags & TcpFlags.Ack) != 0) text = text + " ack " + ScriptText.U32(s.Ack);
            text = text + " win " + s.Window.ToString();
            string options = TcpOption.FormatList(Options);
            if (options.Length > 0) text = text + " " + options;
            if (s.SrcAddr != localAddress || s.SrcPort != localPort || s.DstAddr != remoteAddress || s.DstPort != remotePort)
                text = text + "   (" + Ipv4.ToText(s.SrcAddr) + ":" + s.SrcPort.ToString() + " > " + Ipv4.ToText(s.DstAddr) + ":" + s.DstPort.ToString() + ")";
            return text;
        }

        /// <summary>Flags in packetdrill's order: F S R P . U E W ("F.", "S.", "FP.").</summary>
        public static string FlagText(int flags)
        {
            string s = "";
            if ((flags & TcpFlags.Fin) != 0) s = s + "F";
            if ((flags & TcpFlags.Syn) != 0) s = s + "S";
            if ((flags & TcpFlags.Rst) != 0) s = s + "R";
            if ((flags & TcpFlags.Psh) != 0) s = s + "P";
            if ((flags & TcpFlags.Ack) != 0) s = s + ".";
            if ((flags & TcpFlags.Urg) != 0) s = s + "U";
            if ((flags & TcpFlags.Ece) != 0) s = s + "E";
            if ((flags & TcpFlags.Cwr) != 0) s = s + "W";
            return s.Length == 0 ? "(none)" : s;
        }
    }
}
