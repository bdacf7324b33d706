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
            _rxLen = _seg.PayloadLength;
            _rtxWhy = WhyGoBackN;

            Tcb t = Find(_seg.DstPort, _seg.SrcAddr, _seg.SrcPort);
            if (t != null && t.State == TcpState.TimeWait && _seg.Has(TcpFlags.Syn) && !_seg.Has(TcpFlags.Ack | TcpFlags.Rst)
                && SeqNum.Gt(_seg.Seq, t.RcvNxt) && FindListener(_seg.DstPort) != null)
            {
                // RFC 9293 §3.6.1 / RFC 6191: a new SYN above the old RCV.NXT may reopen a 4-tuple in TIME_WAIT.
                ReopenFromTimeWait(now, t);
                return;
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
                SendSynCookie(now, l);
                return;
            }
            Tcb t = AllocateChild(now, l);
            if (t == null) return;
            t.Irs = _seg.Seq;
            t.RcvNxt = _seg.Seq + 1; // the SYN; any data or FIN on it is not buffered: the peer sends it again
            t.RcvAdv = t.RcvNxt;     // nothing promised yet: the SYN-ACK advertises the window
            InitSendSequence(now, t);
            if (_reopening) InheritTimeWait(t);
            SetPeerMss(t);
            t.SackOk = _cfg.Sack && _seg.SackPermitted && !t.NoOpt; // RFC 2018 §2: both SYNs must offer it
            NegotiateWindowScale(t, _cfg.WindowScale && !t.NoOpt);
            if (t.WsOk) t.RcvShift = ShiftFor(t.RcvLimit); // our SYN-ACK offers it back
            t.SndWnd = SegmentWindow(t);
            t.MaxSndWnd = t.SndWnd;
            t.SndWl1 = _seg.Seq;
            t.SndWl2 = t.Iss;
            SetState(now, t, TcpState.SynReceived);
            Output(now, t);
            UpdateTimer(t);
        }

        // The TIME_WAIT incarnation a new SYN is reopening, while the listener handles that SYN.
        bool _reopening;
        long _oldTimeWaitAt;
        uint _oldIss, _oldIrs, _oldSndMax, _oldRcvNxt;

        /// <summary>
        /// A new SYN on a 4-tuple in TIME_WAIT (RFC 9293 §3.6.1, MAY-2): the old connection ends
        /// (a RECYCLE line, why=new-syn) and the listener takes the SYN. An application that still
        /// holds the old handle finds it CLOSED (end of stream, EPIPE), not unknown.
        /// </summary>
        void ReopenFromTimeWait(long now, Tcb old)
        {
            _oldTimeWaitAt = old.TimeWaitAt;
            _oldIss = old.Iss; _oldIrs = old.Irs; _oldSndMax = old.SndMax; _oldRcvNxt = old.RcvNxt;
            LogRecycle(now, old, "new-syn");
            Cause(CausePolicy, "new-syn");
            SetState(now, old, TcpState.Closed); // released unless the application still holds it
            Cause(CauseRx, null);
            _reopening = true;
            ListenArrives(now, FindListener(_seg.DstPort));
            _reopening = false;
        }

        /// <summary>
        /// The reopened connection's ISS lies above everything the old one sent, beyond any window
        /// (as Linux: old SND.NXT + 65537), so no old duplicate of ours can land in the new sequence
        /// space; it remembers the old incarnation in case the SYN was an old duplicate.
        /// </summary>
        void InheritTimeWait(Tcb t)
        {
            uint floor = _oldSndMax + 65537;
            if (!SeqNum.Gt(t.Iss, floor)) SetIss(t, floor);
            t.ReopenedTimeWaitAt = _oldTimeWaitAt;
            t.ReopenedIss = _oldIss; t.ReopenedIrs = _oldIrs; t.ReopenedSndMax = _oldSndMax; t.ReopenedRcvNxt = _oldRcvNxt;
        }

        /// <summary>
        /// Our SYN-ACK was answered with RST: the SYN that reopened TIME_WAIT was an old duplicate.
        /// The 4-tuple goes back to the old incarnation's TIME_WAIT for the rest of its 2·MSL.
        /// </summary>
        void ReturnToTimeWait(long now, Tcb t)
        {
            long until = t.ReopenedTimeWaitAt;
            ChildUnlink(t); // out of the listener's half-open list before it leaves the listener
            t.Listener = -1;
            t.AppOwned = false;
            t.AppClosed = true;
            SetState(now, t, TcpState.TimeWait); // its line names the RST, relative to the SYN it answers
            t.Iss = t.ReopenedIss; t.Irs = t.ReopenedIrs;
            t.SndUna = t.SndNxt = t.SndMax = t.ReopenedSndMax;
            t.SndBufSeq = t.SndMax;
            t.RcvNxt = t.RcvAdv = t.ReopenedRcvNxt;
            t.SndBuf.Clear(); t.RcvBuf.Clear();
            t.ReopenedTimeWaitAt = DeadlineHeap.Never;
            t.TimeWaitAt = until;
            UpdateTimer(t);
        }

        /// <summary>MSS option: what the peer can take, capped by ours; 536 when absent (RFC 9293 §3.7.1).</summary>
        /// <summary>
        /// A slot for a connection the segment opens on listener l: its 4-tuple, the listener's
        /// options, in LISTEN as a copy of it. Null when the table is full, after the TABLE-FULL
        /// line and a RST to the sender.
        /// </summary>
        Tcb AllocateChild(long now, Tcb l)
        {
            Tcb t = Allocate(now, true);
            if (t == null)
            {
                _counters.TableFull++;
                LogNoSlot(now, "TABLE-FULL", null);
                SendResetFor(now, "table-full");
                return null;
            }
            t.LocalPort = _seg.DstPort;
            t.RemoteAddr = _seg.SrcAddr;
            t.RemotePort = _seg.SrcPort;
            t.Listener = l.Slot;
            t.Passive = true;
            InheritOptions(l, t);
            t.State = TcpState.Listen; // a child starts as a copy of its listener
            return t;
        }

        /// <summary>
        /// RFC 7323 §2.2: both sides scale once both SYNs carried Window Scale, neither otherwise.
        /// The peer's shift (Snd.Wind.Shift) applies to its windows from now on; ours (Rcv.Wind.Shift)
        /// is the one our SYN offered, or our SYN-ACK will. Without scaling both are 0.
        /// </summary>
        void NegotiateWindowScale(Tcb t, bool offered)
        {
            t.WsOk = offered && _seg.WindowScale >= 0;
            t.SndShift = t.WsOk ? _seg.WindowScale : 0;
            if (!t.WsOk) t.RcvShift = 0;
            // RFC 5681 §3.1: the initial ssthresh as high as the largest window the peer can
            // advertise (a SYN timeout has set it from the flight already: that one stays).
            if (!t.SynTimedOut) t.Ssthresh = 65535 << t.SndShift;
        }

        /// <summary>SEG.WND in bytes: the window field shifted by Snd.Wind.Shift, except a SYN's, which is never scaled (RFC 7323 §2.2, §2.3).</summary>
        int SegmentWindow(Tcb t)
        {
            return (_rxFlags & TcpFlags.Syn) != 0 ? _seg.Window : _seg.Window << t.SndShift;
        }

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
            // Our SYN advertised its window before RCV.NXT was known, counting from 0, so RCV.ADV
            // holds that window: the right edge is now that far beyond RCV.NXT.
            uint offered = t.RcvAdv;
            t.RcvNxt = _seg.Seq + 1;
            t.RcvAdv = t.RcvNxt + offered;
            SetPeerMss(t);
            t.SackOk = _cfg.Sack && _seg.SackPermitted && !t.NoOpt; // RFC 2018 §2: both SYNs must offer it
            NegotiateWindowScale(t, _cfg.WindowScale && !t.NoOpt);
            if (ack)
            {
                AcknowledgeUpTo(now, t, _seg.Ack);
                t.SndWnd = SegmentWindow(t);
                t.MaxSndWnd = t.SndWnd;
                t.SndWl1 = _seg.Seq;
                t.SndWl2 = _seg.Ack;
                t.AckNow = true;
                SetState(now, t, TcpState.Established);
                // §3.10.7.3: "If there are other controls or text in the segment, then continue
                // processing at the sixth step": data and FIN on the SYN-ACK are taken.
                if (_seg.PayloadLength > 0 || _seg.Has(TcpFlags.Fin))
                {
                    _seg.Flags &= ~TcpFlags.Syn;
                    _seg.Seq++;
                    TrimToWindow(t);
                    TextAndFinArrive(now, t);
                }
                return;
            }
            // Simultaneous open (§3.5, Figure 7): answer with SYN-ACK <SEQ=ISS><ACK=RCV.NXT>.
            t.SndWnd = SegmentWindow(t);
            t.MaxSndWnd = t.SndWnd;
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
                _rtxWhy = "dup-syn";
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

            // RST and SYN are judged on the sequence number as the segment arrived, before trimming
            // could move it (RFC 5961 §3.2, §4; Linux and FreeBSD check them first too).
            if (_seg.Has(TcpFlags.Rst))
            {
                RstArrives(now, t);
                return;
            }
            if (_seg.Has(TcpFlags.Syn) && t.State != TcpState.SynReceived)
            {
                // Fourth step: "If the SYN bit is set, irrespective of the sequence number, TCP
                // endpoints MUST send a 'challenge ACK'" (RFC 5961 §4), and take nothing else from it.
                SendChallengeAck(now, t, "syn");
                return;
            }

            // First: sequence number check.
            if (!Acceptable(t))
            {
                if (t.State == TcpState.TimeWait && _seg.Has(TcpFlags.Fin) && _seg.Seq + (uint)_seg.SegLen == t.RcvNxt)
                {
                    // The peer's FIN again: our last ACK was lost. ACK it and restart 2·MSL (§3.10.7.4, eighth).
                    t.TimeWaitAt = now + 2L * _cfg.MslMs;
                    LogEvent(now, t, "TIME_WAIT-RESTART", "timer", "2msl");
                }
                t.AckNow = true;
                return;
            }

            // Fourth, in SYN-RECEIVED: a passive open returns to LISTEN; an active one is challenged.
            if (_seg.Has(TcpFlags.Syn))
            {
                if (t.Passive)
                {
                    SetState(now, t, TcpState.Closed); // back to LISTEN: the child goes away
                    return;
                }
                SendChallengeAck(now, t, "syn");
                return;
            }
            TrimToWindow(t);

            // Fifth: ACK.
            if (!_seg.Has(TcpFlags.Ack)) return;
            if (!AckArrives(now, t)) return;
            if (!t.InUse || t.State == TcpState.Closed) return;

            // Any acceptable segment shows the peer is alive.
            t.KeepAliveProbes = 0;
            if (t.KeepAliveAt != DeadlineHeap.Never) ArmKeepAlive(now, t);

            TextAndFinArrive(now, t);
        }

        /// <summary>Seventh and eighth steps: segment text, then the FIN once everything before it has been taken.</summary>
        void TextAndFinArrive(long now, Tcb t)
        {
            int accepted = TextArrives(now, t);
            if (!t.InUse || t.State == TcpState.Closed) return;

            // Eighth: FIN, processed only when everything before it has been taken (a FIN kept beyond a hole included).
            if (FinInSequence(t, accepted))
            {
                FinArrives(now, t);
                return;
            }
            // A FIN beyond RCV.NXT is out of order: a duplicate ACK at once, as for data (RFC 5681 §4.2).
            if (_seg.Has(TcpFlags.Fin)) t.AckNow = true;
            if (t.State == TcpState.FinWait1 && t.FinAcked) SetState(now, t, TcpState.FinWait2);
        }

        /// <summary>
        /// Second step, RFC 5961 §3.2 on SEG.SEQ as it arrived: outside the window, drop silently;
        /// exactly RCV.NXT, reset; elsewhere in the window, a challenge ACK. RFC 1337 in TIME-WAIT.
        /// </summary>
        void RstArrives(long now, Tcb t)
        {
            uint wnd = (uint)AdvertisedWindow(t);
            bool inWindow = wnd == 0 ? _seg.Seq == t.RcvNxt : SeqNum.InRange(t.RcvNxt, _seg.Seq, t.RcvNxt + wnd);
            if (!inWindow) return;
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
        }

        /// <summary>The four acceptability cases of §3.10.7.4, against the window we advertised.</summary>
        bool Acceptable(Tcb t)
        {
            uint wnd = (uint)AdvertisedWindow(t);
            int len = _seg.SegLen;
            uint seq = _seg.Seq;
            if (len == 0)
            {
                // Up to and including the right edge: a peer with a full window in flight sends its
                // ACKs at SEG.SEQ = RCV.NXT + RCV.WND; BSD and Linux take them, and so do we.
                if (wnd == 0) return seq == t.RcvNxt;
                return SeqNum.InRange(t.RcvNxt, seq, t.RcvNxt + wnd + 1);
            }
            if (wnd == 0)
            {
                // Zero window: still take the ACK and control bits of a segment at RCV.NXT; its data is trimmed.
                return seq == t.RcvNxt;
            }
            return SeqNum.InRange(t.RcvNxt, seq, t.RcvNxt + wnd)
                || SeqNum.InRange(t.RcvNxt, seq + (uint)len - 1, t.RcvNxt + wnd);
        }

        /// <summary>
        /// Drops the parts of the segment before RCV.NXT and beyond the window (§3.10.7.4, "trimmed").
        /// What lies beyond the right edge (a window probe's byte, say) is owed an ACK: the peer
        /// learns from it that we are alive and where our window stands (§3.8.6.1).
        /// </summary>
        void TrimToWindow(Tcb t)
        {
            if (SeqNum.Lt(_seg.Seq, t.RcvNxt))
            {
                int skip = (int)(t.RcvNxt - _seg.Seq);
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
                t.AckNow = true;
            }
        }

        void ResetArrives(long now, Tcb t)
        {
            if (t.State == TcpState.SynReceived && t.ReopenedTimeWaitAt != DeadlineHeap.Never && t.ReopenedTimeWaitAt > now)
            {
                ReturnToTimeWait(now, t);
                return;
            }
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
                t.SndWnd = SegmentWindow(t);
                if (t.SndWnd > t.MaxSndWnd) t.MaxSndWnd = t.SndWnd;
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

            // Window update (§3.10.7.4 fifth): only if SND.UNA =< SEG.ACK, and only from a segment newer
            // than the last one that set it.
            if (SeqNum.Ge(ack, t.SndUna)
                && (SeqNum.Lt(t.SndWl1, _seg.Seq) || (t.SndWl1 == _seg.Seq && SeqNum.Le(t.SndWl2, ack))))
            {
                t.SndWnd = SegmentWindow(t);
                if (t.SndWnd > t.MaxSndWnd) t.MaxSndWnd = t.SndWnd;
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
            // RFC 5681 §3.1: slow start below ssthresh, then about one segment per RTT. The ACK of
            // our SYN acknowledges no data: cwnd stays at the initial window.
            int acked = (int)(ack - oldUna);
            if (oldUna == t.Iss) acked--;
            if (acked > 0)
            {
                if (t.Cwnd < t.Ssthresh) t.Cwnd += acked < t.SndMss ? acked : t.SndMss;
                else if (t.Cwnd > 0) t.Cwnd += t.SndMss * t.SndMss / t.Cwnd > 0 ? t.SndMss * t.SndMss / t.Cwnd : 1;
            }
            if (t.Cwnd > 1 << 30) t.Cwnd = 1 << 30; // the largest scaled window (RFC 7323 §2.3), far from overflow
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
                // Nobody will ever read it: tell the peer rather than lose its data silently (as BSD
                // and Linux do). The transition's cause is this segment.
                SendReset(now, t, "data-after-close");
                SetState(now, t, TcpState.Closed);
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
            if (t.FinReceived)
            {
                // The peer's FIN was taken already: a second one at RCV.NXT ends nothing new. It is
                // acknowledged where RCV.NXT stands (as BSD and Linux do), not counted again.
                t.AckNow = true;
                if (t.State == TcpState.TimeWait) t.TimeWaitAt = now + 2L * _cfg.MslMs;
                return;
            }
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
