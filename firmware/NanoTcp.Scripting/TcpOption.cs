using System.Collections;

namespace NanoTcp.Scripting
{
    /// <summary>
    /// One TCP option as a script writes it inside &lt;...&gt;: "mss 1000", "nop", "wscale 7",
    /// "sackOK", "TS val 100 ecr 0", "sack 1:2 3:4", "eol". Encodes to bytes for inbound
    /// segments and decodes outbound ones for comparison and printing.
    /// </summary>
    public sealed class TcpOption
    {
        public const int Eol = 0, Nop = 1, Mss = 2, WindowScale = 3, SackPermitted = 4, Sack = 5, Timestamps = 8;

        public int Kind;
        /// <summary>mss value, wscale shift, TS val.</summary>
        public long A;
        /// <summary>TS ecr.</summary>
        public long B;
        /// <summary>SACK block edges, left/right pairs.</summary>
        public long[] Blocks;
        /// <summary>Raw bytes of an option kind the dialect has no name for (decoded packets only).</summary>
        public int RawLength;

        public TcpOption(int kind) { Kind = kind; }

        /// <summary>True for NOP and EOL, which only pad and are not compared.</summary>
        public bool IsPadding { get { return Kind == Nop || Kind == Eol; } }

        /// <summary>Parses the comma-separated list between '&lt;' and '&gt;' (without them).</summary>
        public static ArrayList ParseList(string text, int line)
        {
            ArrayList list = new ArrayList();
            string[] items = text.Split(new char[] { ',' });
            for (int i = 0; i < items.Length; i++)
            {
                string item = ScriptText.Strip(items[i]);
                if (item.Length == 0) throw ScriptFailure.Syntax(line, "empty TCP option in <" + text + ">");
                list.Add(ParseOne(item, line));
            }
            return list;
        }

        static TcpOption ParseOne(string item, int line)
        {
            Cursor c = new Cursor(item, line);
            string name = c.TryIdentifier();
            if (name == null) throw ScriptFailure.Syntax(line, "unknown TCP option '" + item + "'");
            TcpOption o;
            switch (name)
            {
                case "nop": o = new TcpOption(Nop); break;
                case "eol": o = new TcpOption(Eol); break;
                case "sackOK": o = new TcpOption(SackPermitted); break;
                case "mss":
                    o = new TcpOption(Mss);
                    o.A = c.Number("mss");
                    if (o.A < 0 || o.A > 65535) throw ScriptFailure.Syntax(line, "mss must be 0..65535");
                    break;
                case "wscale":
                    o = new TcpOption(WindowScale);
                    o.A = c.Number("wscale");
                    if (o.A < 0 || o.A > 255) throw ScriptFailure.Syntax(line, "wscale must be 0..255");
                    break;
                case "TS":
                    o = new TcpOption(Timestamps);
                    if (c.TryIdentifier() != "val") throw ScriptFailure.Syntax(line, "expected 'TS val X ecr Y'");
                    o.A = c.U32("TS val");
                    if (c.TryIdentifier() != "ecr") throw ScriptFailure.Syntax(line, "expected 'TS val X ecr Y'");
                    o.B = c.U32("TS ecr");
                    break;
                case "sack":
                    o = new TcpOption(Sack);
                    o.Blocks = ParseSackBlocks(c, line);
                    break;
                default:
                    throw ScriptFailure.Syntax(line, "unknown TCP option '" + item + "' (known: mss, nop, eol, wscale, sackOK, TS val X ecr Y, sack a:b)");
            }
            if (!c.AtEnd) throw ScriptFailure.Syntax(line, "unexpected " + c.Describe() + " in TCP option '" + item + "'");
            return o;
        }

        static long[] ParseSackBlocks(Cursor c, int line)
        {
            ArrayList edges = new ArrayList();
            while (!c.AtEnd)
            {
                edges.Add(c.U32("sack block start"));
                c.Expect(':', "':' in sack block");
                edges.Add(c.U32("sack block end"));
            }
            if (edges.Count == 0 || edges.Count > 8) throw ScriptFailure.Syntax(line, "sack takes 1 to 4 blocks a:b");
            long[] blocks = new long[edges.Count];
            for (int i = 0; i < blocks.Length; i++) blocks[i] = (long)edges[i];
            return blocks;
        }

        /// <summary>Bytes this option takes on the wire.</summary>
        public int WireLength
        {
            get
            {
                switch (Kind)
                {
                    case Eol: case Nop: return 1;
                    case Mss: return 4;
                    case WindowScale: return 3;
                    case SackPermitted: return 2;
                    case Timestamps: return 10;
                    case Sack: return 2 + 4 * Blocks.Length;
                }
                return RawLength;
            }
        }

        /// <summary>Encodes a list into a new byte array (not padded); fails when it exceeds 40 bytes.</summary>
        public static byte[] Encode(ArrayList options, int line)
        {
            int total = 0;
            for (int i = 0; i < options.Count; i++) total += ((TcpOption)options[i]).WireLength;
            if (total > 40) throw ScriptFailure.Syntax(line, "TCP options take " + total.ToString() + " bytes, more than 40");
            byte[] b = new byte[total];
            int p = 0;
            for (int i = 0; i < options.Count; i++)
            {
                TcpOption o = (TcpOption)options[i];
                b[p] = (byte)o.Kind;
                switch (o.Kind)
                {
                    case Mss: b[p + 1] = 4; Wire.WriteU16(b, p + 2, (int)o.A); break;
                    case WindowScale: b[p + 1] = 3; b[p + 2] = (byte)o.A; break;
                    case SackPermitted: b[p + 1] = 2; break;
                    case Timestamps: b[p + 1] = 10; Wire.WriteU32(b, p + 2, (uint)o.A); Wire.WriteU32(b, p + 6, (uint)o.B); break;
                    case Sack:
                        b[p + 1] = (byte)o.WireLength;
                        for (int k = 0; k < o.Blocks.Length; k++) Wire.WriteU32(b, p + 2 + 4 * k, (uint)o.Blocks[k]);
                        break;
                }
                p += o.WireLength;
            }
            return b;
        }

        /// <summary>Decodes the options of a parsed segment; stops at the first EOL (the rest is padding).</summary>
        public static ArrayList Decode(byte[] b, int offset, int length)
        {
            ArrayList list = new ArrayList();
            int i = offset, end = offset + length;
            while (i < end)
            {
                int kind = b[i];
                if (kind == Eol) { list.Add(new TcpOption(Eol)); break; }
                if (kind == Nop) { list.Add(new TcpOption(Nop)); i++; continue; }
                int len = i + 1 < end ? b[i + 1] : 0;
                if (len < 2 || i + len > end) break; // the codec has already vetted lengths
                TcpOption o = new TcpOption(kind);
                o.RawLength = len;
                switch (kind)
                {
                    case Mss: if (len == 4) o.A = Wire.ReadU16(b, i + 2); break;
                    case WindowScale: if (len == 3) o.A = b[i + 2]; break;
                    case Timestamps: if (len == 10) { o.A = Wire.ReadU32(b, i + 2); o.B = Wire.ReadU32(b, i + 6); } break;
                    case Sack:
                        o.Blocks = new long[(len - 2) / 4];
                        for (int k = 0; k < o.Blocks.Length; k++) o.Blocks[k] = Wire.ReadU32(b, i + 2 + 4 * k);
                        break;
                }
                list.Add(o);
                i += len;
            }
            return list;
        }

        /// <summary>The option in script syntax.</summary>
        public override string ToString()
        {
            switch (Kind)
            {
                case Eol: return "eol";
                case Nop: return "nop";
                case Mss: return "mss " + A.ToString();
                case WindowScale: return "wscale " + A.ToString();
                case SackPermitted: return "sackOK";
                case Timestamps: return "TS val " + A.ToString() + " ecr " + B.ToString();
                case Sack:
                    string s = "sack";
                    for (int k = 0; k + 1 < Blocks.Length; k += 2) s = s + " " + Blocks[k].ToString() + ":" + Blocks[k + 1].ToString();
                    return s;
            }
            return "kind" + Kind.ToString() + "(" + RawLength.ToString() + ")";
        }

        /// <summary>"&lt;mss 1024,nop,wscale 7&gt;"; trailing EOL padding left out; "" for no options.</summary>
        public static string FormatList(ArrayList options)
        {
            int count = options.Count;
            while (count > 0 && ((TcpOption)options[count - 1]).Kind == Eol) count--;
            if (count == 0) return "";
            string s = "<";
            for (int i = 0; i < count; i++) s = s + (i > 0 ? "," : "") + options[i].ToString();
            return s + ">";
        }

        /// <summary>
        /// Compares the options that carry meaning, in order; NOP and EOL are padding and not
        /// compared. A TS val is the sender's clock and is not compared either; its ecr is.
        /// </summary>
        public static bool SameMeaning(ArrayList expected, ArrayList actual)
        {
            int i = 0, j = 0;
            while (true)
            {
                while (i < expected.Count && ((TcpOption)expected[i]).IsPadding) i++;
                while (j < actual.Count && ((TcpOption)actual[j]).IsPadding) j++;
                if (i == expected.Count || j == actual.Count) return i == expected.Count && j == actual.Count;
                if (!((TcpOption)expected[i]).Matches((TcpOption)actual[j])) return false;
                i++; j++;
            }
        }

        bool Matches(TcpOption other)
        {
            if (Kind != other.Kind) return false;
            switch (Kind)
            {
                case Mss: case WindowScale: return A == other.A;
                case Timestamps: return B == other.B;
                case Sack:
                    if (other.Blocks == null || Blocks.Length != other.Blocks.Length) return false;
                    for (int k = 0; k < Blocks.Length; k++) if (Blocks[k] != other.Blocks[k]) return false;
                    return true;
            }
            return true;
        }
    }
}
