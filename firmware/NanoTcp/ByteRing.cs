namespace NanoTcp
{
    /// <summary>
    /// A fixed-size byte FIFO: a connection's send or receive buffer. Allocated once; never grows.
    /// A ring of capacity 0 (what a listener holds) is always empty and full.
    /// </summary>
    public sealed class ByteRing
    {
        readonly byte[] _data;
        int _head;  // index of the oldest byte
        int _count;

        public ByteRing(int capacity) { _data = new byte[capacity]; }

        public int Capacity { get { return _data.Length; } }
        public int Count { get { return _count; } }
        public int Free { get { return _data.Length - _count; } }

        public void Clear() { _head = 0; _count = 0; }

        /// <summary>Appends up to length bytes; returns how many fitted.</summary>
        public int Write(byte[] src, int offset, int length)
        {
            int n = length < Free ? length : Free;
            if (n <= 0) return 0;
            int tail = (_head + _count) % _data.Length;
            int first = n < _data.Length - tail ? n : _data.Length - tail;
            System.Array.Copy(src, offset, _data, tail, first);
            if (n > first) System.Array.Copy(src, offset + first, _data, 0, n - first);
            _count += n;
            return n;
        }

        /// <summary>
        /// Copies up to length bytes into the free space, `from` bytes past the last byte, without
        /// counting them (out-of-order data kept until the bytes before it arrive; <see cref="Commit"/>
        /// counts them then). Returns how many fitted.
        /// </summary>
        public int WriteAt(int from, byte[] src, int offset, int length)
        {
            int room = Free - from;
            if (from < 0 || room <= 0 || length <= 0) return 0;
            int n = length < room ? length : room;
            int start = (_head + _count + from) % _data.Length;
            int first = n < _data.Length - start ? n : _data.Length - start;
            System.Array.Copy(src, offset, _data, start, first);
            if (n > first) System.Array.Copy(src, offset + first, _data, 0, n - first);
            return n;
        }

        /// <summary>Counts n bytes already placed past the last byte by <see cref="WriteAt"/>; returns how many (at most Free).</summary>
        public int Commit(int n)
        {
            if (n > Free) n = Free;
            if (n <= 0) return 0;
            _count += n;
            return n;
        }

        /// <summary>Copies length bytes starting at `from` bytes after the head, without removing them.</summary>
        public void Peek(int from, byte[] dst, int offset, int length)
        {
            if (length <= 0) return;
            int start = (_head + from) % _data.Length;
            int first = length < _data.Length - start ? length : _data.Length - start;
            System.Array.Copy(_data, start, dst, offset, first);
            if (length > first) System.Array.Copy(_data, 0, dst, offset + first, length - first);
        }

        /// <summary>
        /// <see cref="Peek"/> that also returns the copied bytes' ones'-complement sum (as
        /// <see cref="Wire.Sum"/> gives it, the first byte a word's high byte), taken during the copy.
        /// Across the wrap the second piece starts at an odd position when the first is odd-sized.
        /// </summary>
        public uint PeekSum(int from, byte[] dst, int offset, int length)
        {
            if (length <= 0) return 0;
            int start = (_head + from) % _data.Length;
            int first = length < _data.Length - start ? length : _data.Length - start;
            uint sum = Wire.CopyAndSum(_data, start, dst, offset, first, 0);
            if (length > first) sum = Wire.AddAt(sum, Wire.CopyAndSum(_data, 0, dst, offset + first, length - first, 0), first);
            return sum;
        }

        /// <summary>Removes up to length bytes into dst; returns how many.</summary>
        public int Read(byte[] dst, int offset, int length)
        {
            int n = length < _count ? length : _count;
            Peek(0, dst, offset, n);
            Discard(n);
            return n;
        }

        public void Discard(int n)
        {
            if (n > _count) n = _count;
            if (n <= 0) return;
            _head = (_head + n) % _data.Length;
            _count -= n; // _head stays where it is even when empty: bytes placed by WriteAt lie beyond it
        }
    }
}
