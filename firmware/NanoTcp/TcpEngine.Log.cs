namespace NanoTcp
{
    /// <summary>The state log (README "The state log") and the one place where a connection changes state.</summary>
    public sealed partial class TcpEngine
    {
        const int CauseRx = 1, CauseApp = 2, CauseTimer = 3, CausePolicy = 4;
        int _causeKind;
        string _causeText;
        int _rxFlags;   // the current inbound segment's flags, seq and length as received
        uint _rxSeq;
        int _rxLen;
        /// <summary>
        /// Why the next retransmitted segment goes out: null while a retransmission timeout resends
        /// (its RTX line gives rto= and try=), otherwise the WORD its line gives as why=.
        /// </summary>
        string _rtxWhy = WhyGoBackN;
        const string WhyGoBackN = "go-back-n";

        /// <summary>Records what drives the next transitions: a received segment (the current one), an application call, or a timer.</summary>
        void Cause(int kind, string text) { _causeKind = kind; _causeText = text; }

        /// <summary>
        /// The choke point: every state change goes through here and writes exactly one line.
        /// Entering a state also sets the timers that state owns.
        /// </summary>
        void SetState(long now, Tcb t, TcpState to)
        {
            TcpState from = t.State;
            if (_log.Enabled)
            {
                Prefix(now, t).Char(' ').Str(TcpStates.Name(from)).Str("->").Str(TcpStates.Name(to));
                switch (_causeKind)
                {
                    case CauseRx: RxCause(t); break;
                    case CauseApp: _log.Key("app").Str(_causeText); break;
                    case CauseTimer: _log.Key("timer").Str(_causeText); break;
                    case CausePolicy: _log.Key("recycled").Str(_causeText); break;
                }
                if (from == TcpState.Closed && to == TcpState.SynSent) _log.Key("iss").Int(t.Iss);
                if (to == TcpState.SynReceived) _log.Key("iss").Int(t.Iss).Key("irs").Int(t.Irs);
                if (from == TcpState.SynSent && to == TcpState.Established) _log.Key("irs").Int(t.Irs);
                _log.End();
            }
            t.State = to;
            t.StateSince = now;
            TableStateChanged(t, to);
            switch (to)
            {
                case TcpState.Established:
                    if (from == TcpState.SynReceived && t.Passive) _counters.PassiveOpens++;
                    if (t.SynTimedOut) t.Rto.AfterHandshakeTimeout();
                    ArmKeepAlive(now, t);
                    break;
                case TcpState.FinWait2:
                    t.RtxAt = DeadlineHeap.Never;
                    if (t.AppClosed) ArmFinWait2(now, t);
                    else ArmKeepAlive(now, t); // half-closed: keep-alive watches the peer, as in ESTABLISHED
                    break;
                case TcpState.TimeWait:
                    t.RtxAt = t.FinWait2At = t.KeepAliveAt = t.DelAckAt = DeadlineHeap.Never;
                    t.TimeWaitAt = now + 2L * _cfg.MslMs;
                    break;
                case TcpState.Closed:
                    t.RtxAt = t.FinWait2At = t.KeepAliveAt = t.DelAckAt = t.TimeWaitAt = DeadlineHeap.Never;
                    t.SndBuf.Clear();
                    break;
            }
            UpdateTimer(t);
            if (to == TcpState.Closed && !t.AppOwned && from != TcpState.Listen)
            {
                Notify(t); // an unaccepted child's listener
                Release(t);
                return;
            }
            Notify(t);
        }

        LogWriter Prefix(long now, Tcb t)
        {
            _log.Begin(now).Str(" #").Int(t.Slot).Char(' ').Addr(_cfg.LocalAddress, t.LocalPort).Char(' ');
            if (t.RemotePort == 0) _log.Str("*:*"); // a listener
            else _log.Addr(t.RemoteAddr, t.RemotePort);
            return _log;
        }

        /// <summary>rx=[F.] seq=161 ack=734 len=0, numbers relative to each side's initial sequence number.</summary>
        void RxCause(Tcb t)
        {
            _log.Key("rx").Flags(_rxFlags).Key("seq").Int(_rxSeq - t.Irs);
            if ((_seg.Flags & TcpFlags.Ack) != 0) _log.Key("ack").Int(_seg.Ack - t.Iss);
            _log.Key("len").Int(_rxLen);
        }

        // The budget of lines about segments of no connection (TcpConfig.NoConnectionLinesPerSecond).
        long _noConnSecond = long.MinValue;
        int _noConnLines;
        int _noConnSuppressed;

        /// <summary>
        /// Whether a line about a segment of no connection may be written now. Past the second's
        /// budget it is only counted; the count is said as "- SUPPRESSED lines=N" before the next
        /// such line, or by <see cref="FlushSuppressed"/> once the second is over.
        /// </summary>
        bool NoConnectionLine(long now)
        {
            if (!_log.Enabled) return false;
            int budget = _cfg.NoConnectionLinesPerSecond;
            if (budget == 0) return true;
            long second = now / 1000;
            if (second != _noConnSecond)
            {
                FlushSuppressed(now);
                _noConnSecond = second;
                _noConnLines = 0;
            }
            if (_noConnLines == budget) { _noConnSuppressed++; return false; }
            _noConnLines++;
            return true;
        }

        /// <summary>Says how many lines the budget held back, once their second is over (called by Tick too).</summary>
        void FlushSuppressed(long now)
        {
            if (_noConnSuppressed == 0 || now / 1000 == _noConnSecond) return;
            _log.Begin(now).Str(" - SUPPRESSED").Key("lines").Int(_noConnSuppressed).End();
            _noConnSuppressed = 0;
        }

        void LogDrop(long now, int reason, int length)
        {
            if (!NoConnectionLine(now)) return;
            _log.Begin(now).Str(" - DROP").Key("reason").Str(DropReason.Name(reason)).Key("len").Int(length);
            if (reason >= DropReason.TcpHeader) _log.Key("from").Addr(_seg.SrcAddr, _seg.SrcPort);
            _log.End();
        }

        /// <summary>A segment we sent that is worth a line of its own (retransmission, RST, challenge ACK, probe).</summary>
        void LogTx(long now, Tcb t, string evt, int flags, uint seq, uint ack, int len, string why)
        {
            if (!_log.Enabled) return;
            Prefix(now, t).Char(' ').Str(evt).Key("tx").Flags(flags).Key("seq").Int(seq - t.Iss);
            if ((flags & TcpFlags.Ack) != 0) _log.Key("ack").Int(ack - t.Irs);
            _log.Key("len").Int(len);
            if (evt == EvRtx && why == null) _log.Key("rto").Int(t.Rto.RtoMs).Key("try").Int(t.Retries); // a timeout's; a fast retransmit says why instead
            if (why != null) _log.Key("why").Str(why);
            _log.End();
        }

        /// <summary>An event on a connection with no segment of its own: TIMEOUT, RECYCLE, RST-IGNORED...</summary>
        void LogEvent(long now, Tcb t, string evt, string key, string value)
        {
            if (!_log.Enabled) return;
            Prefix(now, t).Char(' ').Str(evt);
            if (key != null) _log.Key(key).Str(value);
            _log.End();
        }

        void LogRecycle(long now, Tcb victim, string why)
        {
            if (!_log.Enabled) return;
            Prefix(now, victim).Char(' ').Str("RECYCLE").Key("state").Str(TcpStates.Name(victim.State)).Key("age").Int(now - victim.StateSince).Key("why").Str(why);
            _log.End();
            _counters.SlotsRecycled++;
        }

        /// <summary>A segment that belongs to no connection slot (table full, no listener): logged with the segment's own 4-tuple.</summary>
        void LogNoSlot(long now, string evt, string why)
        {
            if (!NoConnectionLine(now)) return;
            _log.Begin(now).Str(" - ").Addr(_seg.DstAddr, _seg.DstPort).Char(' ').Addr(_seg.SrcAddr, _seg.SrcPort).Char(' ').Str(evt)
                .Key("rx").Flags(_seg.Flags).Key("seq").Int(_seg.Seq).Key("len").Int(_seg.PayloadLength);
            if (why != null) _log.Key("why").Str(why);
            _log.End();
        }

        const string EvRtx = "RTX";
        const string EvRst = "RST-OUT";
        const string EvChallenge = "CHALLENGE-ACK";
        const string EvKeepAlive = "KEEPALIVE";
        const string EvTimeout = "TIMEOUT";
    }
}
