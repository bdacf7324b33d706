namespace NanoTcp
{
    /// <summary>
    /// Fast retransmit and fast recovery (RFC 5681 §3.2) with NewReno's partial ACKs (RFC 6582),
    /// and early retransmit for small flights (RFC 5827): a lost segment is resent as soon as the
    /// duplicate ACKs show it missing, not when the retransmission timer expires. Per connection
    /// this costs a duplicate-ACK count, a flag and RFC 6582's "recover" (SND.MAX when recovery began).
    /// </summary>
    public sealed partial class TcpEngine
    {
        /// <summary>RFC 5681 §3.2: the duplicate ACKs that trigger fast retransmit.</summary>
        const int DupThresh = 3;

        /// <summary>
        /// RFC 5681 §2 "DUPLICATE ACKNOWLEDGMENT": data outstanding, no data, SYN or FIN on the
        /// segment, SEG.ACK = SND.UNA, and the window unchanged. Called before the window update.
        /// A zero window's probe answers are not counted: the persist timer handles them.
        /// </summary>
        bool IsDuplicateAck(Tcb t, uint ack)
        {
            bool dup = ack == t.SndUna && t.SndMax != t.SndUna && t.SndUna != t.Iss
                && _seg.PayloadLength == 0 && _seg.Seq == _rxSeq && !_seg.Has(TcpFlags.Syn | TcpFlags.Fin)
                && SegmentWindow(t) == t.SndWnd && t.SndWnd != 0;
            return dup && (!t.SackOk || SacksNewData(t));
        }

        /// <summary>
        /// With SACK, a duplicate ACK counts only when it SACKs data not SACKed before (RFC 6675 §2):
        /// then a later segment really arrived. The ACK of a duplicated or needlessly resent segment
        /// (SACKing nothing new) and a duplicated ACK do not count, so they cannot start a spurious
        /// fast retransmit. Remembers the highest SACKed edge.
        /// </summary>
        bool SacksNewData(Tcb t)
        {
            uint high = SeqNum.Gt(t.HighSacked, t.SndUna) && SeqNum.Le(t.HighSacked, t.SndMax) ? t.HighSacked : t.SndUna;
            bool fresh = false;
            for (int i = 0; i < _seg.SackBlocks; i++)
            {
                uint right = _seg.SackEdges[2 * i + 1];
                if (SeqNum.Gt(right, high) && SeqNum.Le(right, t.SndMax)) { high = right; fresh = true; }
            }
            if (fresh) t.HighSacked = high;
            return fresh;
        }

        /// <summary>A duplicate ACK: count it; at the threshold resend SND.UNA's segment and enter fast recovery; in recovery, inflate cwnd.</summary>
        void DuplicateAckArrived(long now, Tcb t)
        {
            int mss = t.SndMss;
            if (t.InRecovery)
            {
                t.Cwnd += mss; // RFC 5681 §3.2 step 4: each further duplicate ACK means a segment has left the network
                return;
            }
            if (t.DupAcks < 255) t.DupAcks++;
            if (t.DupAcks < DupAckThreshold(t)) return;
            // RFC 6582 §3.2 step 2: only when the ACK covers more than "recover" (not just after a timeout's go-back).
            if (SeqNum.Lt(t.SndUna, t.Recover)) return;
            int flight = (int)(t.SndMax - t.SndUna);
            t.Ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss; // RFC 5681 equation (4)
            t.Recover = t.SndMax;
            t.InRecovery = true;
            RetransmitFirstUnacked(now, t, "dup-acks");
            t.Cwnd = t.Ssthresh + t.DupAcks * mss; // step 3: the segments that have left the network
        }

        /// <summary>
        /// Duplicate ACKs needed: three, or with fewer than four segments in flight and nothing new
        /// to send, one less than the segments in flight (RFC 5827 §3.1 early retransmit): with
        /// 2-KB buffers a flight is often two segments, and three duplicates could never come.
        /// Early retransmit only with SACK, where each counted duplicate proves a later segment
        /// arrived; without it a single duplicate is too weak a sign (reordering, a duplicated segment).
        /// </summary>
        int DupAckThreshold(Tcb t)
        {
            if (!t.SackOk) return DupThresh;
            int flight = (int)(t.SndMax - t.SndUna);
            int segments = (flight + t.SndMss - 1) / t.SndMss;
            if (segments >= 4 || segments < 2) return DupThresh;
            int wnd = t.SndWnd < t.Cwnd ? t.SndWnd : t.Cwnd;
            bool canSendNew = t.Unsent > 0 && SeqNum.Lt(t.SndNxt, t.SndUna + (uint)wnd);
            return canSendNew ? DupThresh : segments - 1;
        }

        /// <summary>
        /// SND.UNA advanced (after AcknowledgeUpTo). In recovery: a full ACK ends it with cwnd deflated
        /// to ssthresh; a partial ACK resends the next missing segment at once (RFC 6582 §3.2 steps 5–6).
        /// </summary>
        void NewAckArrived(long now, Tcb t, uint before, int cwndBefore)
        {
            t.DupAcks = 0;
            if (!t.InRecovery) return;
            int mss = t.SndMss;
            int flight = (int)(t.SndMax - t.SndUna);
            if (!SeqNum.Lt(t.SndUna, t.Recover))
            {
                // Full ACK: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
                int c = (flight > mss ? flight : mss) + mss;
                t.Cwnd = c < t.Ssthresh ? c : t.Ssthresh;
                t.InRecovery = false;
                return;
            }
            // Partial ACK: the next hole; deflate by what was acknowledged, add back one segment if that was at least one.
            RetransmitFirstUnacked(now, t, "partial-ack");
            int acked = (int)(t.SndUna - before);
            int cwnd = cwndBefore - acked;
            if (acked >= mss) cwnd += mss;
            t.Cwnd = cwnd > mss ? cwnd : mss;
        }

        /// <summary>A retransmission timeout ends any recovery; "recover" = SND.MAX so its go-back does not start another (RFC 6582 §3.2 step 4 note).</summary>
        void RecoveryOnTimeout(Tcb t)
        {
            t.InRecovery = false;
            t.DupAcks = 0;
            t.Recover = t.SndMax;
        }

        /// <summary>Resends the segment at SND.UNA (data up to one MSS, with the FIN if it ends there), leaving SND.NXT alone.</summary>
        void RetransmitFirstUnacked(long now, Tcb t, string why)
        {
            uint seq = t.SndUna;
            int offset = (int)(seq - t.SndBufSeq);
            if (offset < 0) offset = 0;
            int sent = (int)(t.SndMax - seq);
            int n = t.SndBuf.Count - offset;
            if (n > sent) n = sent;
            if (n > t.SndMss) n = t.SndMss;
            if (n < 0) n = 0;
            bool fin = t.FinQueued && offset + n == t.SndBuf.Count && SeqNum.Gt(t.SndMax, t.FinSeq);
            if (n == 0 && !fin) return;
            int flags = TcpFlags.Ack;
            if (n > 0 && offset + n == t.SndBuf.Count) flags |= TcpFlags.Psh;
            if (fin) flags |= TcpFlags.Fin;
            uint sum = t.SndBuf.PeekSum(offset, _txBuf, Wire.HeaderLength(0), n);
            SendFromConnection(now, t, seq, flags, n, sum);
            _counters.Retransmissions++;
            _counters.FastRetransmits++;
            t.RttTiming = false; // Karn: no RTT sample while a retransmission is in flight
            LogTx(now, t, EvRtx, flags, seq, t.RcvNxt, n, why);
            if (t.RtxAt == DeadlineHeap.Never) t.RtxAt = now + t.Rto.RtoMs;
        }
    }
}
