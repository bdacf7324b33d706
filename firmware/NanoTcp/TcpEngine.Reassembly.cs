namespace NanoTcp
{
    /// <summary>
    /// Out-of-order segments (RFC 9293 §3.10.7.4 seventh step, RFC 5681 §4.2): data that arrives
    /// beyond RCV.NXT is copied into the receive buffer's free space at its place in the stream,
    /// and its sequence range noted; when the bytes before it arrive, the ranges they reach are
    /// delivered at once. Each connection has <see cref="OooRanges"/> ranges in one table-wide
    /// array allocated with the table, most recently changed first, as SACK blocks are reported
    /// (RFC 2018 §4). The data lies inside the window already advertised, so the window needs no
    /// adjustment: RCV.NXT + RCV.WND never points past the buffer's real free space.
    /// </summary>
    public sealed partial class TcpEngine
    {
        /// <summary>Out-of-order ranges kept per connection: as many as SACK blocks fit in one ACK.</summary>
        internal const int OooRanges = 4;
        /// <summary>Left and right edges (sequence numbers, right exclusive): slot s owns [s·2·OooRanges, (s+1)·2·OooRanges).</summary>
        readonly uint[] _ooo;

        /// <summary>
        /// A segment beyond RCV.NXT: keep its payload in the free space and note its range.
        /// Returns the bytes kept (all of them, or 0 when it cannot be kept).
        /// </summary>
        int QueueOutOfOrder(Tcb t)
        {
            t.AckNow = true; // RFC 5681 §4.2: an out-of-order segment is acknowledged at once (a duplicate ACK)
            if (t.ReadShut) return 0;
            int from = (int)(_seg.Seq - t.RcvNxt);
            int len = _seg.PayloadLength;
            if (from <= 0 || from + len > t.RcvBuf.Free) return 0; // trimming makes this rare: only a shrunk window
            uint left = _seg.Seq, right = _seg.Seq + (uint)len;
            if (!AddRange(t, left, right)) return 0;
            t.RcvBuf.WriteAt(from, _seg.Buffer, _seg.PayloadOffset, len);
            _counters.OutOfOrderQueued++;
            return len;
        }

        /// <summary>
        /// Merges [left, right) with the ranges it overlaps or touches and puts the result first.
        /// False when all ranges are taken and it touches none: the segment is not kept.
        /// </summary>
        bool AddRange(Tcb t, uint left, uint right)
        {
            int b = t.Slot * 2 * OooRanges;
            int n = t.OooCount;
            int i = 0;
            bool merged = false;
            while (i < n)
            {
                uint l = _ooo[b + 2 * i], r = _ooo[b + 2 * i + 1];
                if (SeqNum.Le(l, right) && SeqNum.Le(left, r))
                {
                    if (SeqNum.Lt(l, left)) left = l;
                    if (SeqNum.Gt(r, right)) right = r;
                    RemoveRange(t, i);
                    n--;
                    merged = true;
                    continue;
                }
                i++;
            }
            if (!merged && n == OooRanges) return false;
            for (int k = n; k > 0; k--)
            {
                _ooo[b + 2 * k] = _ooo[b + 2 * k - 2];
                _ooo[b + 2 * k + 1] = _ooo[b + 2 * k - 1];
            }
            _ooo[b] = left;
            _ooo[b + 1] = right;
            t.OooCount = (byte)(n + 1);
            return true;
        }

        void RemoveRange(Tcb t, int i)
        {
            int b = t.Slot * 2 * OooRanges;
            int n = t.OooCount;
            for (int k = i; k + 1 < n; k++)
            {
                _ooo[b + 2 * k] = _ooo[b + 2 * k + 2];
                _ooo[b + 2 * k + 1] = _ooo[b + 2 * k + 3];
            }
            t.OooCount = (byte)(n - 1);
        }

        /// <summary>
        /// RCV.NXT has moved: deliver every kept range it now reaches (their bytes are in the buffer
        /// already) and forget the ones it has passed. Returns the bytes delivered.
        /// </summary>
        int DeliverQueued(Tcb t)
        {
            int delivered = 0;
            int b = t.Slot * 2 * OooRanges;
            int i = 0;
            while (i < t.OooCount)
            {
                uint l = _ooo[b + 2 * i], r = _ooo[b + 2 * i + 1];
                if (SeqNum.Gt(l, t.RcvNxt)) { i++; continue; }
                if (SeqNum.Gt(r, t.RcvNxt))
                {
                    int n = t.RcvBuf.Commit((int)(r - t.RcvNxt));
                    t.RcvNxt += (uint)n;
                    delivered += n;
                }
                RemoveRange(t, i);
                i = 0; // RCV.NXT moved: an earlier range may now be reached
            }
            return delivered;
        }

        /// <summary>
        /// Eighth step's condition: the peer's FIN is next in sequence. A FIN that came beyond a hole
        /// (on a kept segment, or alone) is remembered, and taken once the hole is filled.
        /// </summary>
        bool FinInSequence(Tcb t, int accepted)
        {
            if (_seg.Has(TcpFlags.Fin) && accepted == _seg.PayloadLength)
            {
                uint fin = _seg.Seq + (uint)_seg.PayloadLength;
                if (fin == t.RcvNxt) return true;
                if (SeqNum.Gt(fin, t.RcvNxt) && !t.ReadShut
                    && (t.State == TcpState.Established || t.State == TcpState.FinWait1 || t.State == TcpState.FinWait2))
                {
                    t.OooFin = true;
                    t.OooFinSeq = fin;
                }
            }
            if (!t.OooFin || t.OooFinSeq != t.RcvNxt) return false;
            t.OooFin = false;
            return true;
        }

        /// <summary>The i-th kept range, most recent first, for the SACK option.</summary>
        uint RangeLeft(Tcb t, int i) { return _ooo[t.Slot * 2 * OooRanges + 2 * i]; }
        uint RangeRight(Tcb t, int i) { return _ooo[t.Slot * 2 * OooRanges + 2 * i + 1]; }
    }
}
