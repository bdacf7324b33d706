namespace NanoTcp
{
    /// <summary>"SEGMENT ARRIVES", RFC 9293 §3.10.7, step by step, with RFC 5961 and RFC 1337 hardening.</summary>
    public sealed partial class TcpEngine
    {
        /// <summary>Handles one inbound IPv4 datagram. Malformed input is counted, logged and dropped; this never throws.</summary>
        public void Input(long now, byte[] packet, int offset, int length)
        {
            _counters.SegmentsIn++;
            int reason = Wire.Parse(packet, offset, length, _seg);
            if (reason == DropReason.None && _seg.DstAddr != _cfg.LocalAddress) reason = DropReason.NotForUs;
            if (reason != DropReason.None)
            {
                _counters.Dropped++;
                _counters.DroppedBy[reason]++;
                LogDrop(now, reason, length);
                return;
            }
            Cause(CauseRx, null);
            _rxFlags = _seg.Flags; // the log names the segment as it arrived, before any trimming
            _rxSeq = _seg.Seq;

            Tcb t = Find(_seg.DstPort, _seg.SrcAddr, _seg.SrcPort);
            if (t != null && t.State == TcpState.TimeWait && _seg.Has(TcpFlags.Syn) && !_seg.Has(TcpFlags.Ack | TcpFlags.Rst)
                && SeqNum.Gt(_seg.Seq, t.RcvNxt) && FindListener(_seg.DstPort) != null)
            {
                // RFC 9293 §3.6.1 / RFC 6191: a new SYN above the old RCV.NXT may reopen a 4-tuple in TIME_WAIT.
                RecycleSlot(now, t, "new-syn");
                t = null;
            }
            if (t == null)
            {
                Tcb l = FindListener(_seg.DstPort);
                if (l != null) ListenArrives(now, l);
                else ClosedArrives(now, "no-listener");
                return;
            }
            if (t.State == TcpState.SynSent) SynSentArrives(now, t);
            else SynchronizedArrives(now, t);
            if (t.InUse && t.State != TcpState.Closed)
            {
                Output(now, t);
                UpdateTimer(t);
            }
        }

        /// <summary>§3.10.7.1 CLOSED: reset anything but a reset.</summary>
        void ClosedArrives(long now, string why)
        {
            _counters.NoConnection++;
            SendResetFor(now, why);
        }

        /// <summary>§3.10.7.2 LISTEN.</summary>
        void ListenArrives(long now, Tcb l)
        {
            if (_seg.Has(TcpFlags.Rst)) { _counters.NoConnection++; return; }
            if (_seg.Has(TcpFlags.Ack))
            {
                if (!_seg.Has(TcpFlags.Syn) && _cfg.SynCookies && CookieArrives(now, l)) return;
                ClosedArrives(now, "ack-to-listener");
                return;
            }
            if (!_seg.Has(TcpFlags.Syn)) { _counters.NoConnection++; return; }

            // Half-open connections may take at most SynBacklog slots per listener (SYN flood): beyond
            // that a SYN gets a cookie and no slot, or without cookies the oldest half-open slot makes room.
            bool halfOpenFull = CountChildren(l, true) >= SynBacklog();
            if (halfOpenFull && !_cfg.SynCookies)
            {
                Tcb oldest = Oldest(TcpState.SynReceived, TcpState.SynReceived, l.Slot);
                if (oldest != null) RecycleSlot(now, oldest, "syn-backlog");
            }
            if (CountChildren(l, false) >= l.Backlog)
            {
                LogNoSlot(now, "SYN-DROPPED", "accept-queue-full");
                return; // the peer retransmits its SYN; by then the application may have accepted
            }
            if (halfOpenFull && _cfg.SynCookies)
            {
                SendSynCookie(now);
                return;
            }
            Tcb t = Allocate(now, true);
            if (t == null)
            {
                _counters.TableFull++;
                LogNoSlot(now, "TABLE-FULL", null);
                SendResetFor(now, "table-full");
                return;
            }
            t.LocalPort = _seg.DstPort;
            t.RemoteAddr = _seg.SrcAddr;
            t.RemotePort = _seg.SrcPort;
            t.Listener = l.Slot;
            t.Passive = true;
            t.State = TcpState.Listen; // a child starts as a copy of its listener
            t.Irs = _seg.Seq;
            t.RcvNxt = _seg.Seq + 1; // the SYN; any data or FIN on it is not buffered: the peer sends it again
            InitSendSequence(now, t);
            SetPeerMss(t);
            t.SackOk = _cfg.Sack && _seg.SackPermitted; // RFC 2018 §2: both SYNs must offer it
            t.SndWnd = _seg.Window;
            t.MaxSndWnd = _seg.Window;
            t.SndWl1 = _seg.Seq;
            t.SndWl2 = t.Iss;
            SetState(now, t, TcpState.SynReceived);
            Output(now, t);
            UpdateTimer(t);
        }

        /// <summary>
        /// Half-open slots a listener may hold: SynBacklog when set, else half the slots that
        /// listeners do not occupy, so a flood always leaves room for real connections.
        /// </summary>
        int SynBacklog()
        {
            if (_cfg.SynBacklog > 0) return _cfg.SynBacklog;
            int listeners = 0;
            for (int i = 0; i < _table.Length; i++)
                if (_table[i].InUse && _table[i].State == TcpState.Listen) listeners++;
            int half = (_table.Length - listeners) / 2;
            return half > 0 ? half : 1;
        }

        int CountChildren(Tcb l, bool halfOpenOnly)
        {
            int n = 0;
            for (int i = 0; i < _table.Length; i++)
            {
                Tcb c = _table[i];
                if (!c.InUse || c.Listener != l.Slot || c.Accepted) continue;
                if (halfOpenOnly != (c.State == TcpState.SynReceived)) continue;
                n++;
            }
            return n;
        }

        /// <summary>MSS option: what the peer can take, capped by ours; 536 when absent (RFC 9293 §3.7.1).</summary>
        void SetPeerMss(Tcb t)
        {
            int peer = _seg.Mss > 0 ? _seg.Mss : 536;
            t.SndMss = peer < _cfg.Mss ? peer : _cfg.Mss;
            t.Cwnd = InitialWindow(t.SndMss);
        }

        /// <summary>§3.10.7.3 SYN-SENT.</summary>
        void SynSentArrives(long now, Tcb t)
        {
            bool ack = _seg.Has(TcpFlags.Ack);
            if (ack && (SeqNum.Le(_seg.Ack, t.Iss) || SeqNum.Gt(_seg.Ack, t.SndMax)))
            {
                if (!_seg.Has(TcpFlags.Rst)) SendResetFor(now, "bad-ack-in-syn-sent");
                return;
            }
            if (_seg.Has(TcpFlags.Rst))
            {
                if (!ack) return; // RFC 5961 §3.2: an RST without an acceptable ACK is ignored here
                t.Error = TcpError.ConnectionRefused;
                SetState(now, t, TcpState.Closed);
                return;
            }
            if (!_seg.Has(TcpFlags.Syn)) return;

            t.Irs = _seg.Seq;
            t.RcvNxt = _seg.Seq + 1;
            SetPeerMss(t);
            t.SackOk = _cfg.Sack && _seg.SackPermitted; // RFC 2018 §2: both SYNs must offer it
            if (ack)
            {
                AcknowledgeUpTo(now, t, _seg.Ack);
                t.SndWnd = _seg.Window;
                t.MaxSndWnd = _seg.Window;
                t.SndWl1 = _seg.Seq;
                t.SndWl2 = _seg.Ack;
                t.AckNow = true;
                SetState(now, t, TcpState.Established);
                return;
            }
            // Simultaneous open (§3.5, Figure 7): answer with SYN-ACK <SEQ=ISS><ACK=RCV.NXT>.
            t.SndWnd = _seg.Window;
            t.MaxSndWnd = _seg.Window;
            t.SndWl1 = _seg.Seq;
            t.SndNxt = t.Iss;
            t.SndMax = t.Iss; // resending the SYN with an ACK is not a retransmission
            t.RtxAt = DeadlineHeap.Never;
            SetState(now, t, TcpState.SynReceived);
        }

        /// <summary>§3.10.7.4: SYN-RECEIVED and every synchronized state.</summary>
        void SynchronizedArrives(long now, Tcb t)
        {
            // A duplicate SYN in SYN-RECEIVED means our SYN-ACK was lost: send it again at once, as BSD and Linux do.
            if (t.State == TcpState.SynReceived && _seg.Has(TcpFlags.Syn) && !_seg.Has(TcpFlags.Ack) && _seg.Seq == t.Irs)
            {
                t.SndNxt = t.Iss;
                return; // Output resends the SYN-ACK
            }

            // Simultaneous open (RFC 9293 §3.5, Figure 7 line 6): the peer's SYN-ACK repeats its SYN at
            // IRS. That SYN was taken already; without it the segment sits at RCV.NXT and its ACK
            // completes the handshake. BSD trims it the same way, and acknowledges at once.
            if (t.State == TcpState.SynReceived && _seg.Has(TcpFlags.Syn) && _seg.Has(TcpFlags.Ack) && _seg.Seq == t.Irs)
            {
                _seg.Flags &= ~TcpFlags.Syn;
                _seg.Seq++;
                t.AckNow = true;
            }

            // First: sequence number check.
            if (!Acceptable(t))
            {
                if (_seg.Has(TcpFlags.Rst)) return;
                if (t.State == TcpState.TimeWait && _seg.Has(TcpFlags.Fin) && _seg.Seq + (uint)_seg.SegLen == t.RcvNxt)
                {
                    // The peer's FIN again: our last ACK was lost. ACK it and restart 2·MSL (§3.10.7.4, eighth).
                    t.TimeWaitAt = now + 2L * _cfg.MslMs;
                    LogEvent(now, t, "TIME_WAIT-RESTART", "timer", "2msl");
                }
                t.AckNow = true;
                return;
            }
            TrimToWindow(t);

            // Second: RST (RFC 5961 §3.2; RFC 1337 in TIME-WAIT).
            if (_seg.Has(TcpFlags.Rst))
            {
                if (t.State == TcpState.TimeWait)
                {
                    LogEvent(now, t, "RST-IGNORED", "why", "time-wait(rfc1337)");
                    return;
                }
                if (_seg.Seq != t.RcvNxt)
                {
                    SendChallengeAck(now, t, "rst-in-window");
                    return;
                }
                ResetArrives(now, t);
                return;
            }

            // Fourth: SYN in a synchronized state (RFC 5961 §4).
            if (_seg.Has(TcpFlags.Syn))
            {
                if (t.State == TcpState.SynReceived && t.Passive)
                {
                    SetState(now, t, TcpState.Closed); // back to LISTEN: the child goes away
                    return;
                }
                SendChallengeAck(now, t, "syn");
                return;
            }

            // Fifth: ACK.
            if (!_seg.Has(TcpFlags.Ack)) return;
            if (!AckArrives(now, t)) return;
            if (!t.InUse || t.State == TcpState.Closed) return;

            // Any acceptable segment shows the peer is alive.
            t.KeepAliveProbes = 0;
            if (t.KeepAliveAt != DeadlineHeap.Never) ArmKeepAlive(now, t);

            // Seventh: segment text.
            int accepted = TextArrives(now, t);
            if (!t.InUse || t.State == TcpState.Closed) return;

            // Eighth: FIN, processed only when everything before it has been taken.
            if (FinInSequence(t, accepted))
                FinArrives(now, t);
            else if (t.State == TcpState.FinWait1 && t.FinAcked)
                SetState(now, t, TcpState.FinWait2);
        }

        /// <summary>The four acceptability cases of §3.10.7.4, against the window we advertised.</summary>
        bool Acceptable(Tcb t)
        {
            uint wnd = (uint)AdvertisedWindow(t);
            int len = _seg.SegLen;
            uint seq = _seg.Seq;
            if (len == 0)
            {
                if (wnd == 0) return seq == t.RcvNxt;
                return SeqNum.InRange(t.RcvNxt, seq, t.RcvNxt + wnd);
            }
            if (wnd == 0)
            {
                // Zero window: still take the ACK and control bits of a segment at RCV.NXT; its data is trimmed.
                return seq == t.RcvNxt;
            }
            return SeqNum.InRange(t.RcvNxt, seq, t.RcvNxt + wnd)
                || SeqNum.InRange(t.RcvNxt, seq + (uint)len - 1, t.RcvNxt + wnd);
        }

        /// <summary>Drops the parts of the segment before RCV.NXT and beyond the window (§3.10.7.4, "trimmed").</summary>
        void TrimToWindow(Tcb t)
        {
            if (SeqNum.Lt(_seg.Seq, t.RcvNxt))
            {
                int skip = (int)(t.RcvNxt - _seg.Seq);
                if (_seg.Has(TcpFlags.Syn)) { _seg.Flags &= ~TcpFlags.Syn; skip--; _seg.Seq++; }
                if (skip > _seg.PayloadLength) skip = _seg.PayloadLength;
                _seg.PayloadOffset += skip;
                _seg.PayloadLength -= skip;
                _seg.Seq += (uint)skip;
            }
            int room = (int)(t.RcvNxt + (uint)AdvertisedWindow(t) - _seg.Seq);
            if (room < 0) room = 0;
            if (_seg.PayloadLength > room)
            {
                _seg.PayloadLength = room;
                _seg.Flags &= ~TcpFlags.Fin; // the FIN lies beyond the window
            }
        }

        void ResetArrives(long now, Tcb t)
        {
            switch (t.State)
            {
                case TcpState.SynReceived:
                    if (!t.Passive) t.Error = TcpError.ConnectionRefused;
                    break;
                case TcpState.Established:
                case TcpState.FinWait1:
                case TcpState.FinWait2:
                case TcpState.CloseWait:
                    t.Error = TcpError.ConnectionReset;
                    break;
                // CLOSING, LAST-ACK: the peer had closed anyway; no error to report.
            }
            t.RcvBuf.Clear();
            SetState(now, t, TcpState.Closed);
        }

        /// <summary>Fifth step. Returns false when the segment is to be dropped.</summary>
        bool AckArrives(long now, Tcb t)
        {
            uint ack = _seg.Ack;
            if (t.State == TcpState.SynReceived)
            {
                if (!SeqNum.Lt(t.SndUna, ack) || SeqNum.Gt(ack, t.SndMax))
                {
                    SendResetFor(now, "bad-ack-in-syn-received");
                    return false;
                }
                AcknowledgeUpTo(now, t, ack);
                t.SndWnd = _seg.Window;
                if (_seg.Window > t.MaxSndWnd) t.MaxSndWnd = _seg.Window;
                t.SndWl1 = _seg.Seq;
                t.SndWl2 = ack;
                SetState(now, t, TcpState.Established);
                return true;
            }

            // RFC 5961 §5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT, else challenge and drop.
            if (SeqNum.Gt(ack, t.SndMax) || SeqNum.Lt(ack, t.SndUna - (uint)t.MaxSndWnd))
            {
                if (SeqNum.Gt(ack, t.SndMax)) t.AckNow = true;
                else SendChallengeAck(now, t, "ack-out-of-range");
                return false;
            }
            if (SeqNum.Gt(ack, t.SndUna))
            {
                uint before = t.SndUna;
                int cwndBefore = t.Cwnd;
                AcknowledgeUpTo(now, t, ack);
                NewAckArrived(now, t, before, cwndBefore);
            }
            else if (IsDuplicateAck(t, ack)) DuplicateAckArrived(now, t);

            // Window update (§3.10.7.4 fifth): only from a segment newer than the last one that set it.
            if (SeqNum.Lt(t.SndWl1, _seg.Seq) || (t.SndWl1 == _seg.Seq && SeqNum.Le(t.SndWl2, ack)))
            {
                t.SndWnd = _seg.Window;
                if (_seg.Window > t.MaxSndWnd) t.MaxSndWnd = _seg.Window;
                t.SndWl1 = _seg.Seq;
                t.SndWl2 = ack;
                if (t.SndWnd > 0 && t.SndUna == t.SndMax && t.Unsent > 0 && t.RtxAt != DeadlineHeap.Never) t.RtxAt = DeadlineHeap.Never; // persist over
            }
            if (t.SndWnd == 0) t.Retries = 0; // the peer answers probes: keep probing (RFC 9293 §3.8.6.1)

            switch (t.State)
            {
                case TcpState.FinWait1:
                    // FIN and ACK together go straight to TIME-WAIT (§3.10.7.4 eighth); otherwise FIN-WAIT-2 now.
                    if (t.FinAcked && !(_seg.Has(TcpFlags.Fin) && _seg.Seq == t.RcvNxt))
                        SetState(now, t, TcpState.FinWait2);
                    break;
                case TcpState.Closing:
                    if (t.FinAcked) { SetState(now, t, TcpState.TimeWait); return false; }
                    break;
                case TcpState.LastAck:
                    if (t.FinAcked) SetState(now, t, TcpState.Closed);
                    return false; // nothing more can arrive: the peer's FIN came before
            }
            return true;
        }

        /// <summary>SND.UNA = ack: frees acknowledged bytes, samples the RTT, resets the backoff, grows cwnd.</summary>
        void AcknowledgeUpTo(long now, Tcb t, uint ack)
        {
            uint oldUna = t.SndUna;
            t.SndUna = ack;
            if (SeqNum.Lt(t.SndNxt, ack)) t.SndNxt = ack;
            int dataAcked = (int)(ack - t.SndBufSeq);
            if (dataAcked > t.SndBuf.Count) dataAcked = t.SndBuf.Count;
            if (dataAcked > 0)
            {
                t.SndBuf.Discard(dataAcked);
                t.SndBufSeq += (uint)dataAcked;
            }
            if (t.FinQueued && SeqNum.Gt(ack, t.FinSeq)) t.FinAcked = true;

            if (t.RttTiming && SeqNum.Gt(ack, t.RttSeq))
            {
                t.Rto.Sample((int)(now - t.RttStart));
                t.RttTiming = false;
            }
            t.Retries = 0;
            // RFC 5681 §3.1: slow start below ssthresh, then about one segment per RTT.
            int acked = (int)(ack - oldUna);
            if (t.Cwnd < t.Ssthresh) t.Cwnd += acked < t.SndMss ? acked : t.SndMss;
            else if (t.Cwnd > 0) t.Cwnd += t.SndMss * t.SndMss / t.Cwnd > 0 ? t.SndMss * t.SndMss / t.Cwnd : 1;
            if (t.Cwnd > 1 << 20) t.Cwnd = 1 << 20;
            // RFC 6298 §5.2–5.3: all acknowledged, timer off; otherwise restart it.
            t.RtxAt = t.SndUna == t.SndMax ? DeadlineHeap.Never : now + t.Rto.RtoMs;
            if (dataAcked > 0) Notify(t);
        }

        /// <summary>Seventh step: in-order data goes to the receive buffer, later data is kept for when the hole fills. Returns the segment's bytes taken.</summary>
        int TextArrives(long now, Tcb t)
        {
            if (_seg.PayloadLength == 0) return 0;
            switch (t.State)
            {
                case TcpState.Established:
                case TcpState.FinWait1:
                case TcpState.FinWait2:
                    break;
                default:
                    return 0; // the peer's FIN came before: nothing more can arrive (§3.10.7.4 seventh)
            }
            if (t.AppClosed)
            {
                // Nobody will ever read it: tell the peer rather than lose its data silently (as BSD and Linux do).
                AbortConnection(now, t, "data-after-close");
                return 0;
            }
            if (t.ReadShut) t.OooCount = 0; // nothing will be read: nothing is kept
            if (_seg.Seq != t.RcvNxt) return QueueOutOfOrder(t); // kept in the free space; a duplicate ACK says what we miss
            int n = t.ReadShut ? _seg.PayloadLength : t.RcvBuf.Write(_seg.Buffer, _seg.PayloadOffset, _seg.PayloadLength);
            t.RcvNxt += (uint)n;
            if (t.OooCount > 0)
            {
                int more = DeliverQueued(t);
                if (more > 0) t.AckNow = true; // RFC 5681 §4.2: a segment that fills a hole is acknowledged at once
                if (t.OooCount > 0) t.AckNow = true;           // a hole remains: say so at once (and in SACK blocks)
            }
            if (_cfg.DelayedAckMs > 0 && t.DelAckAt == DeadlineHeap.Never && n < 2 * t.SndMss && !_seg.Has(TcpFlags.Fin))
                t.DelAckAt = now + _cfg.DelayedAckMs; // RFC 9293 §3.8.6.3: at most one full segment unacknowledged
            else
                t.AckNow = true;
            if (n > 0) Notify(t);
            return n;
        }

        /// <summary>Eighth step: the peer's FIN.</summary>
        void FinArrives(long now, Tcb t)
        {
            t.RcvNxt++;
            t.FinReceived = true;
            t.AckNow = true;
            switch (t.State)
            {
                case TcpState.SynReceived:
                case TcpState.Established:
                    SetState(now, t, TcpState.CloseWait);
                    break;
                case TcpState.FinWait1:
                    SetState(now, t, t.FinAcked ? TcpState.TimeWait : TcpState.Closing);
                    break;
                case TcpState.FinWait2:
                    SetState(now, t, TcpState.TimeWait);
                    break;
                case TcpState.TimeWait:
                    t.TimeWaitAt = now + 2L * _cfg.MslMs;
                    break;
                default:
                    Notify(t);
                    break;
            }
        }
    }
}
