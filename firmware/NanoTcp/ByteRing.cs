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

        /// <summary>Copies length bytes starting at `from` bytes after the head, without removing them.</summary>
        public void Peek(int from, byte[] dst, int offset, int length)
        {
            if (length <= 0) return;
            int start = (_head + from) % _data.Length;
            int first = length < _data.Length - start ? length : _data.Length - start;
            System.Array.Copy(_data, start, dst, offset, first);
            if (length > first) System.Array.Copy(_data, 0, dst, offset + first, length - first);
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
            _count -= n;
            if (_count == 0) _head = 0;
        }
    }
}
