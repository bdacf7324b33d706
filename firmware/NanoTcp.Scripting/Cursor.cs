namespace NanoTcp.Scripting
{
    /// <summary>A read position in one script line, with the small scanning steps the parser needs.</summary>
    public sealed class Cursor
    {
        readonly string text;
        readonly int line;
        int pos;

        public Cursor(string text, int line)
        {
            this.text = text;
            this.line = line;
        }

        public int Position { get { return pos; } set { pos = value; } }
        public bool AtEnd { get { SkipSpaces(); return pos >= text.Length; } }
        public char Peek { get { return pos < text.Length ? text[pos] : '\0'; } }

        public char PeekAt(int ahead)
        {
            int i = pos + ahead;
            return i < text.Length ? text[i] : '\0';
        }

        public void SkipSpaces()
        {
            while (pos < text.Length && ScriptText.IsSpace(text[pos])) pos++;
        }

        /// <summary>Skips spaces, then consumes c when it is next.</summary>
        public bool TryChar(char c)
        {
            SkipSpaces();
            if (pos < text.Length && text[pos] == c) { pos++; return true; }
            return false;
        }

        /// <summary>Consumes s when the text continues with it exactly (no space skipping).</summary>
        public bool TryLiteral(string s)
        {
            if (pos + s.Length > text.Length) return false;
            for (int i = 0; i < s.Length; i++) if (text[pos + i] != s[i]) return false;
            pos += s.Length;
            return true;
        }

        public void Expect(char c, string what)
        {
            if (!TryChar(c)) throw Error("expected " + what + " but found " + Describe());
        }

        /// <summary>An identifier, or null (nothing consumed) when none is next.</summary>
        public string TryIdentifier()
        {
            SkipSpaces();
            if (pos >= text.Length || !ScriptText.IsIdentStart(text[pos])) return null;
            int start = pos;
            while (pos < text.Length && ScriptText.IsIdentChar(text[pos])) pos++;
            return text.Substring(start, pos - start);
        }

        /// <summary>Everything up to the next white space (or one of stops), possibly empty.</summary>
        public string Word(string stops)
        {
            SkipSpaces();
            int start = pos;
            while (pos < text.Length && !ScriptText.IsSpace(text[pos]) && (stops == null || stops.IndexOf(text[pos]) < 0)) pos++;
            return text.Substring(start, pos - start);
        }

        /// <summary>An unsigned decimal or 0x number, as written; fails with what the number is for.</summary>
        public long Number(string what)
        {
            SkipSpaces();
            int start = pos;
            if (pos < text.Length && text[pos] == '-') pos++;
            while (pos < text.Length && (ScriptText.IsIdentChar(text[pos]))) pos++;
            string s = text.Substring(start, pos - start);
            long v;
            if (s.Length == 0 || !ScriptText.TryParseLong(s, out v))
            {
                pos = start;
                throw Error("expected a number for " + what + " but found " + Describe());
            }
            return v;
        }

        /// <summary>A sequence number or other 32-bit unsigned value.</summary>
        public long U32(string what)
        {
            int start = pos;
            long v = Number(what);
            if (v < 0 || v > 0xFFFFFFFFL) { pos = start; throw Error(what + " must be 0..4294967295"); }
            return v;
        }

        /// <summary>
        /// A time in seconds ("0", "1.5", ".100") as microseconds. A '.' that starts "..." is not
        /// part of the time: "0...0.200" reads as 0 followed by the ellipsis.
        /// </summary>
        public long Time()
        {
            SkipSpaces();
            int start = pos;
            long whole = 0, frac = 0;
            int digits = 0, fracDigits = 0;
            while (pos < text.Length && ScriptText.IsDigit(text[pos]))
            {
                whole = whole * 10 + (text[pos] - '0');
                if (whole > 100000000L) throw Error("time " + text.Substring(start, pos + 1 - start) + "... is too large");
                pos++; digits++;
            }
            if (pos < text.Length && text[pos] == '.' && PeekAt(1) != '.')
            {
                pos++;
                while (pos < text.Length && ScriptText.IsDigit(text[pos]))
                {
                    if (fracDigits == 6) throw Error("time has more than 6 decimals (microseconds): " + text.Substring(start, pos + 1 - start));
                    frac = frac * 10 + (text[pos] - '0');
                    pos++; fracDigits++;
                }
            }
            if (digits + fracDigits == 0) { pos = start; throw Error("expected a time (seconds) but found " + Describe()); }
            for (int i = fracDigits; i < 6; i++) frac *= 10;
            return whole * 1000000 + frac;
        }

        /// <summary>The rest of the line from the current position, stripped.</summary>
        public string Rest()
        {
            string r = pos < text.Length ? text.Substring(pos) : "";
            pos = text.Length;
            return ScriptText.Strip(r);
        }

        /// <summary>The text from start to the current position.</summary>
        public string Slice(int start) { return text.Substring(start, pos - start); }

        /// <summary>What is next, quoted, for error messages.</summary>
        public string Describe()
        {
            SkipSpaces();
            if (pos >= text.Length) return "the end of the line";
            int end = pos;
            while (end < text.Length && !ScriptText.IsSpace(text[end]) && end - pos < 24) end++;
            return "'" + text.Substring(pos, end - pos) + "'";
        }

        public ScriptFailure Error(string message) { return ScriptFailure.Syntax(line, message); }
    }
}
