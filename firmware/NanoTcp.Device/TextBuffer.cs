namespace NanoTcp.Device
{
    /// <summary>
    /// ASCII text built in a fixed byte array (the status reply, service lines): no strings are
    /// allocated, and text that does not fit is cut off rather than thrown.
    /// </summary>
    public sealed class TextBuffer
    {
        public readonly byte[] Bytes;
        public int Length;
        int _lineStart;
        readonly int _capacity;

        public TextBuffer(int capacity) { Bytes = new byte[capacity]; _capacity = capacity; }

        /// <summary>Text in the first capacity bytes of an array that something else owns too (no allocation).</summary>
        public TextBuffer(byte[] storage, int capacity)
        {
            Bytes = storage;
            _capacity = capacity < storage.Length ? capacity : storage.Length;
        }

        public TextBuffer Clear() { Length = 0; _lineStart = 0; return this; }

        /// <summary>Room left, in bytes.</summary>
        public int Free { get { return _capacity - Length; } }

        public TextBuffer Char(char c) { if (Length < _capacity) Bytes[Length++] = (byte)c; return this; }

        public TextBuffer Str(string s)
        {
            for (int i = 0; i < s.Length; i++) Char(s[i]);
            return this;
        }

        public TextBuffer Int(long v)
        {
            if (v < 0) { Char('-'); v = -v; }
            long div = 1;
            while (div <= v / 10) div *= 10;
            for (; div > 0; div /= 10) Char((char)('0' + (int)(v / div % 10)));
            return this;
        }

        /// <summary>Zero-padded to width digits (v not negative).</summary>
        public TextBuffer Int(long v, int width)
        {
            long limit = 1;
            for (int i = 1; i < width; i++) { limit *= 10; if (v < limit) Char('0'); }
            return Int(v);
        }

        public TextBuffer Addr(uint address)
        {
            return Int(address >> 24).Char('.').Int((address >> 16) & 0xFF).Char('.').Int((address >> 8) & 0xFF).Char('.').Int(address & 0xFF);
        }

        public TextBuffer Key(string key) { Char(' '); Str(key); return Char('='); }

        /// <summary>Spaces up to a column of the current line, and at least one.</summary>
        public TextBuffer Column(int column)
        {
            do Char(' '); while (Length - _lineStart < column && Length < _capacity);
            return this;
        }

        public TextBuffer Line() { Char('\n'); _lineStart = Length; return this; }
    }
}
