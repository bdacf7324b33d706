namespace NanoTcp.Scripting
{
    /// <summary>
    /// Small character and number helpers. Written by hand because the device's mscorlib lacks
    /// char classification, StringBuilder and culture-aware parsing.
    /// </summary>
    public static class ScriptText
    {
        public static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

        public static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

        public static bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

        public static bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

        /// <summary>The text without leading and trailing white space (null becomes "").</summary>
        public static string Strip(string s)
        {
            if (s == null) return "";
            int a = 0, b = s.Length;
            while (a < b && IsSpace(s[a])) a++;
            while (b > a && IsSpace(s[b - 1])) b--;
            return a == 0 && b == s.Length ? s : s.Substring(a, b - a);
        }

        /// <summary>
        /// Parses an optionally negative decimal or 0x-hexadecimal integer; false on anything else
        /// or when it does not fit in 48 bits (more than any value a script needs).
        /// </summary>
        public static bool TryParseLong(string s, out long value)
        {
            value = 0;
            if (s == null || s.Length == 0) return false;
            int i = 0;
            bool negative = false;
            if (s[0] == '-') { negative = true; i = 1; }
            if (i >= s.Length) return false;
            int radix = 10;
            if (i + 1 < s.Length && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) { radix = 16; i += 2; if (i >= s.Length) return false; }
            long v = 0;
            for (; i < s.Length; i++)
            {
                int d = DigitValue(s[i]);
                if (d < 0 || d >= radix) return false;
                v = v * radix + d;
                if (v > 0xFFFFFFFFFFFFL) return false;
            }
            value = negative ? -v : v;
            return true;
        }

        static int DigitValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        /// <summary>Microseconds as seconds: "4.012" (milliseconds), or "4.012345" when there are stray microseconds.</summary>
        public static string Seconds(long micros)
        {
            string sign = "";
            if (micros < 0) { sign = "-"; micros = -micros; }
            long whole = micros / 1000000;
            long frac = micros % 1000000;
            string fraction;
            if (frac % 1000 == 0) fraction = ((int)(frac / 1000)).ToString().PadLeft(3, '0');
            else fraction = ((int)frac).ToString().PadLeft(6, '0');
            return sign + whole.ToString() + "." + fraction;
        }

        /// <summary>The text with its line breaks as spaces, for a one-line message (mscorlib has no String.Replace).</summary>
        public static string OneLine(string s)
        {
            if (s == null || (s.IndexOf('\n') < 0 && s.IndexOf('\r') < 0)) return s;
            char[] c = s.ToCharArray();
            for (int i = 0; i < c.Length; i++) if (c[i] == '\n' || c[i] == '\r') c[i] = ' ';
            return new string(c);
        }

        /// <summary>An unsigned 32-bit value as decimal text (the device's mscorlib formats int and long only).</summary>
        public static string U32(uint value) { return ((long)value).ToString(); }
    }
}
