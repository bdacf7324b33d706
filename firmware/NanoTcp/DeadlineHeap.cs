namespace NanoTcp
{
    /// <summary>
    /// Min-heap of connection slots keyed by each slot's earliest timer deadline. Only slots with
    /// an armed timer are in it, so finding what is due costs O(1) and firing costs O(log n)
    /// per expiry: idle connections cost nothing per tick. Arrays sized once at start-up.
    /// </summary>
    public sealed class DeadlineHeap
    {
        public const long Never = long.MaxValue;

        readonly int[] _heap;      // slot numbers, heap-ordered by _deadline
        readonly int[] _position;  // slot -> index in _heap, -1 when absent
        readonly long[] _deadline; // slot -> deadline
        int _count;

        public DeadlineHeap(int slots)
        {
            _heap = new int[slots];
            _position = new int[slots];
            _deadline = new long[slots];
            for (int i = 0; i < slots; i++) { _position[i] = -1; _deadline[i] = Never; }
        }

        public int Count { get { return _count; } }
        public long MinDeadline { get { return _count == 0 ? Never : _deadline[_heap[0]]; } }
        public int MinSlot { get { return _count == 0 ? -1 : _heap[0]; } }
        public long DeadlineOf(int slot) { return _deadline[slot]; }

        /// <summary>Sets a slot's deadline; Never removes it.</summary>
        public void Set(int slot, long deadline)
        {
            int pos = _position[slot];
            if (deadline == Never)
            {
                if (pos >= 0) RemoveAt(pos);
                _deadline[slot] = Never;
                return;
            }
            long old = _deadline[slot];
            _deadline[slot] = deadline;
            if (pos < 0)
            {
                pos = _count++;
                _heap[pos] = slot;
                _position[slot] = pos;
                Up(pos);
            }
            else if (deadline < old) Up(pos);
            else if (deadline > old) Down(pos);
        }

        void RemoveAt(int pos)
        {
            int slot = _heap[pos];
            _position[slot] = -1;
            _count--;
            if (pos == _count) return;
            int last = _heap[_count];
            _heap[pos] = last;
            _position[last] = pos;
            Up(pos);
            Down(_position[last]);
        }

        void Up(int pos)
        {
            while (pos > 0)
            {
                int parent = (pos - 1) / 2;
                if (_deadline[_heap[parent]] <= _deadline[_heap[pos]]) break;
                Swap(pos, parent);
                pos = parent;
            }
        }

        void Down(int pos)
        {
            while (true)
            {
                int l = 2 * pos + 1, r = l + 1, m = pos;
                if (l < _count && _deadline[_heap[l]] < _deadline[_heap[m]]) m = l;
                if (r < _count && _deadline[_heap[r]] < _deadline[_heap[m]]) m = r;
                if (m == pos) return;
                Swap(pos, m);
                pos = m;
            }
        }

        void Swap(int a, int b)
        {
            int sa = _heap[a], sb = _heap[b];
            _heap[a] = sb; _heap[b] = sa;
            _position[sb] = a; _position[sa] = b;
        }
    }
}
