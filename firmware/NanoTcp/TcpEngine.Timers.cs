namespace NanoTcp
{
    /// <summary>
    /// Per-connection timers: retransmission (and zero-window persist), TIME_WAIT (2·MSL),
    /// FIN_WAIT_2, keep-alive and delayed ACK. Each connection's earliest deadline sits in one
    /// heap, so a tick touches only connections whose timer is due.
    /// </summary>
    public sealed partial class TcpEngine
    {
        /// <summary>Re-files a connection's earliest deadline in the heap; call after changing any of its timers.</summary>
        void UpdateTimer(Tcb t)
        {
            _timers.Set(t.Slot, t.InUse ? t.NextDeadline : DeadlineHeap.Never);
        }

        /// <summary>Runs every timer due at or before now. Cost: O(log n) per due connection, nothing for idle ones.</summary>
        public void Tick(long now)
        {
            FlushSuppressed(now);
            while (_timers.Count > 0 && _timers.MinDeadline <= now)
            {
                _counters.TimerChecks++;
                Tcb t = _table[_timers.MinSlot];
                FireTimers(now, t);
                if (t.InUse && t.NextDeadline <= now)
                {
                    // A handler re-armed for the past (zero-length timer): push it forward so the loop ends.
                    if (t.RtxAt <= now) t.RtxAt = now + 1;
                    if (t.DelAckAt <= now) t.DelAckAt = now + 1;
                    if (t.KeepAliveAt <= now) t.KeepAliveAt = now + 1;
                    if (t.FinWait2At <= now) t.FinWait2At = now + 1;
                    if (t.TimeWaitAt <= now) t.TimeWaitAt = now + 1;
                }
                UpdateTimer(t);
            }
        }

        void FireTimers(long now, Tcb t)
        {
            if (t.TimeWaitAt <= now) { ExpireToClosed(now, t, "2msl"); return; }
            if (t.FinWait2At <= now) { ExpireToClosed(now, t, "fin_wait_2"); return; }
            if (t.RtxAt <= now)
            {
                t.RtxAt = DeadlineHeap.Never;
                RetransmitTimeout(now, t);
                if (!t.InUse || t.State == TcpState.Closed) return;
            }
            if (t.KeepAliveAt <= now)
            {
                t.KeepAliveAt = DeadlineHeap.Never;
                KeepAliveTimeout(now, t);
                if (!t.InUse || t.State == TcpState.Closed) return;
            }
            if (t.DelAckAt <= now)
            {
                t.DelAckAt = DeadlineHeap.Never;
                if (t.AckNow || t.State >= TcpState.Established) SendAck(now, t);
            }
        }

        /// <summary>TIME_WAIT's 2·MSL or the FIN_WAIT_2 timeout ran out: the connection is gone (SetState clears every timer).</summary>
        void ExpireToClosed(long now, Tcb t, string timer)
        {
            LogEvent(now, t, EvTimeout, "timer", timer);
            Cause(CauseTimer, timer);
            SetState(now, t, TcpState.Closed);
        }

        /// <summary>RFC 6298 §5.4–5.7: back off, resend from SND.UNA, or give up after the retry limit.</summary>
        void RetransmitTimeout(long now, Tcb t)
        {
            bool syn = t.SndUna == t.Iss;
            if (!syn && t.SndUna == t.SndMax && t.SndWnd > 0 && t.Unsent > 0)
            {
                // Nothing in flight, the window open but small: silly-window avoidance held the data
                // back, and its override timeout sends what fits (RFC 9293 §3.8.6.2.1 (4)).
                LogEvent(now, t, EvTimeout, "timer", "sws_override");
                _swsOverride = true;
                Output(now, t);
                _swsOverride = false;
                return;
            }
            // The peer's window is closed and data waits at SND.UNA: probe it (again) with one byte.
            bool persist = !syn && t.SndWnd == 0 && SeqNum.Lt(t.SndUna, t.SndBufSeq + (uint)t.SndBuf.Count);
            LogEvent(now, t, EvTimeout, "timer", persist ? "persist" : (syn && t.State == TcpState.SynReceived ? "syn_received" : "rto"));
            if (RetriesExhausted(now, t, syn)) // ACKs to probes reset Retries: only an unresponsive peer gets here
            {
                _counters.TimedOut++;
                if (syn && t.State == TcpState.SynReceived && t.Passive)
                {
                    // A half-open connection that never completed: just forget it (no RST to a peer that may not exist).
                    Cause(CauseTimer, "syn_received");
                    SetState(now, t, TcpState.Closed);
                    return;
                }
                t.Error = TcpError.TimedOut;
                if (t.State != TcpState.SynSent) SendReset(now, t, "retries-exhausted");
                Cause(CauseTimer, "retries-exhausted");
                SetState(now, t, TcpState.Closed);
                return;
            }
            t.Retries++;
            if (syn) t.SynTimedOut = true;
            if (persist)
            {
                SendWindowProbe(now, t);
                t.Rto.Backoff();
                t.RtxAt = now + t.Rto.RtoMs; // not clamped: an answered probe restarts the user timeout from this probe
                return;
            }
            // RFC 5681 §3.1: after a timeout, ssthresh = max(FlightSize / 2, 2·SMSS) and cwnd = 1 segment.
            int flight = (int)(t.SndMax - t.SndUna);
            int mss = t.SndMss > 0 ? t.SndMss : _cfg.Mss;
            t.Ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
            t.Cwnd = mss;
            RecoveryOnTimeout(t);
            t.SndNxt = t.SndUna; // go back: resend from the first unacknowledged byte
            _rtxWhy = null;      // its RTX line names the timeout that expired and the try
            Output(now, t);
            _rtxWhy = WhyGoBackN;
            t.Rto.Backoff();
            t.RtxAt = now + t.Rto.RtoMs;
            ClampToGiveUpTime(t, syn);
        }

        /// <summary>
        /// Zero window with data waiting: send the byte at SND.UNA beyond the window, so the peer's
        /// ACK tells us when the window reopens (RFC 9293 §3.8.6.1). Not timed for RTT (Karn).
        /// </summary>
        void SendWindowProbe(long now, Tcb t)
        {
            uint seq = t.SndUna;
            int offset = (int)(seq - t.SndBufSeq);
            uint sum = t.SndBuf.PeekSum(offset, _txBuf, Wire.HeaderLength(0), 1);
            SendFromConnection(now, t, seq, TcpFlags.Ack, 1, sum);
            LogTx(now, t, "PROBE", TcpFlags.Ack, seq, t.RcvNxt, 1, "zero-window");
            t.SndNxt = seq + 1;
            if (SeqNum.Gt(t.SndNxt, t.SndMax)) t.SndMax = t.SndNxt;
            t.RttTiming = false;
        }

        /// <summary>
        /// Data waits and nothing is in flight, so no ACK will come to release it: with the peer's
        /// window closed, arm the persist timer (§3.8.6.1); with it open but small (silly-window
        /// avoidance holds the data), the override timer (§3.8.6.2.1; RFC 1122 §4.2.3.4: 0.1–1 s).
        /// </summary>
        void ArmSendTimerIfStalled(long now, Tcb t)
        {
            if (t.RtxAt != DeadlineHeap.Never || t.SndUna != t.SndMax || t.Unsent == 0) return;
            t.RtxAt = now + (t.SndWnd == 0 ? t.Rto.RtoMs : SwsOverrideMs);
        }

        /// <summary>The sender's silly-window override timeout, in RFC 1122's range of 0.1 to 1 s.</summary>
        const int SwsOverrideMs = 200;

        void KeepAliveTimeout(long now, Tcb t)
        {
            if (!KeepAliveWatches(t)) return;
            if (t.SndUna != t.SndMax) { ArmKeepAlive(now, t); return; } // data in flight: the RTO watches the peer
            LogEvent(now, t, EvTimeout, "timer", "keepalive");
            if (t.KeepAliveProbes >= t.KeepCount)
            {
                _counters.TimedOut++;
                t.Error = TcpError.TimedOut;
                SendReset(now, t, "keepalive-unanswered");
                Cause(CauseTimer, "keepalive");
                SetState(now, t, TcpState.Closed);
                return;
            }
            t.KeepAliveProbes++;
            // RFC 9293 §3.8.4: a probe is <SEQ=SND.NXT-1> with no data, so the peer must answer with an ACK.
            SendFromConnection(now, t, t.SndNxt - 1, TcpFlags.Ack, 0, 0);
            LogTx(now, t, EvKeepAlive, TcpFlags.Ack, t.SndNxt - 1, t.RcvNxt, 0, null);
            t.KeepAliveAt = now + t.KeepIntervalMs;
        }

        /// <summary>
        /// Keep-alive on, in a synchronized state where the application still waits on the peer:
        /// ESTABLISHED, CLOSE_WAIT, and FIN_WAIT_2 after a half-close, which has no other timer
        /// (the FIN_WAIT_2 timeout is for an application that has closed).
        /// </summary>
        static bool KeepAliveWatches(Tcb t) =>
            t.KeepAlive && (t.State == TcpState.Established || t.State == TcpState.CloseWait
                || (t.State == TcpState.FinWait2 && !t.AppClosed));

        void ArmKeepAlive(long now, Tcb t)
        {
            if (!t.KeepAlive) return; // SO_KEEPALIVE of this connection
            if (!KeepAliveWatches(t)) { t.KeepAliveAt = DeadlineHeap.Never; return; }
            t.KeepAliveAt = now + t.KeepIdleMs;
        }

        void ArmFinWait2(long now, Tcb t)
        {
            if (_cfg.FinWait2TimeoutMs > 0 && t.FinWait2At == DeadlineHeap.Never) t.FinWait2At = now + _cfg.FinWait2TimeoutMs;
        }
    }
}
