namespace NanoTcp
{
    /// <summary>What the engine sends: SYN, data, FIN, ACK and RST segments, built in one reused buffer.</summary>
    public sealed partial class TcpEngine
    {
        /// <summary>Option bytes we may send: MSS, SACK-permitted and Window Scale on a SYN, up to four SACK blocks on an ACK.</summary>
        const int MaxOptions = 40;
        readonly byte[] _txBuf;
        readonly byte[] _options = new byte[MaxOptions];
        int _ipId;

        /// <summary>
        /// Sends whatever the connection may send now: SYN or SYN-ACK, data within the send and
        /// congestion windows, FIN after the last byte, or a pure ACK when one is owed.
        /// </summary>
        void Output(long now, Tcb t)
        {
            if (!t.InUse) return;
            switch (t.State)
            {
                case TcpState.Closed:
                case TcpState.Listen:
                    return;
                case TcpState.TimeWait:
                    if (t.AckNow) OweAck(now, t);
                    return;
            }
            if (t.SndUna == t.Iss)
            {
                // Our SYN is not acknowledged yet: (re)send SYN or SYN-ACK, nothing else.
                if (t.SndNxt == t.Iss)
                {
                    int synFlags = t.State == TcpState.SynSent ? TcpFlags.Syn : TcpFlags.Syn | TcpFlags.Ack;
                    SendFromConnection(now, t, t.Iss, synFlags, 0, 0);
                    t.SndNxt = t.Iss + 1;
                    AfterSend(now, t, t.Iss, 1, synFlags, 0);
                }
                else if (t.AckNow && t.State != TcpState.SynSent) OweAck(now, t);
                return;
            }
            if (SeqNum.Lt(t.SndNxt, t.SndUna)) t.SndNxt = t.SndUna;

            bool sent = false;
            while (true)
            {
                int offset = (int)(t.SndNxt - t.SndBufSeq); // first unsent byte in SndBuf
                if (offset < 0) offset = 0;
                int avail = t.SndBuf.Count - offset;
                if (avail < 0) avail = 0;
                int n = SendableNow(t, avail);
                // FIN rides on the segment that ends the data (offset + n past the end means it was sent already).
                bool fin = t.FinQueued && offset + n == t.SndBuf.Count;
                if (n == 0 && !fin) break;
                int flags = TcpFlags.Ack;
                if (n > 0 && offset + n == t.SndBuf.Count) flags |= TcpFlags.Psh; // last bytes of what was written, as BSD/Linux do
                if (fin) flags |= TcpFlags.Fin;
                uint seq = t.SndNxt;
                uint sum = t.SndBuf.PeekSum(offset, _txBuf, Wire.HeaderLength(0), n);
                SendFromConnection(now, t, seq, flags, n, sum);
                int used = n + (fin ? 1 : 0);
                t.SndNxt = seq + (uint)used;
                AfterSend(now, t, seq, used, flags, n);
                sent = true;
                if (fin) break;
            }
            if (!sent && t.AckNow) OweAck(now, t);
            ArmSendTimerIfStalled(now, t);
        }

        /// <summary>
        /// How many bytes from SND.NXT may go out now: the one "may we send now" decision.
        /// Within the send and congestion windows and one MSS, a retransmission always goes (RFC
        /// 6298 §5.4: neither Nagle nor silly-window avoidance may hold it back); new data goes when
        /// (RFC 9293 §3.8.6.2.1) (1) a full segment can be sent, (2) all queued data can, or (3) half
        /// the peer's largest window can, or (4) the override timer fired. Nagle's algorithm
        /// (§3.7.4, off with TCP_NODELAY) adds to (2) and (3) that nothing is unacknowledged; the
        /// segment that ends the data before our FIN is never held (as Linux).
        /// </summary>
        int SendableNow(Tcb t, int avail)
        {
            int wnd = t.SndWnd < t.Cwnd ? t.SndWnd : t.Cwnd;
            int usable = (int)(t.SndUna + (uint)wnd - t.SndNxt);
            int n = avail < usable ? avail : usable;
            if (n > t.SndMss) n = t.SndMss;
            if (n <= 0) return 0;
            if (SeqNum.Lt(t.SndNxt, t.SndMax)) return n;   // retransmission
            if (n == t.SndMss || _swsOverride) return n;    // (1), (4)
            bool nagleAllows = t.NoDelay || t.SndUna == t.SndMax;
            if (n == avail) return nagleAllows || t.FinQueued ? n : 0; // (2)
            return nagleAllows && n >= t.MaxSndWnd / 2 ? n : 0;        // (3), Fs = 1/2
        }

        /// <summary>Set while the sender-SWS override timer sends what avoidance held back (RFC 1122 §4.2.3.4).</summary>
        bool _swsOverride;

        /// <summary>Bookkeeping after a sequence-consuming segment: SND.MAX, retransmission log, RTT timing, RTO timer.</summary>
        void AfterSend(long now, Tcb t, uint seq, int used, int flags, int payloadLength)
        {
            if (SeqNum.Lt(seq, t.SndMax))
            {
                _counters.Retransmissions++;
                t.RttTiming = false; // Karn: never time a retransmitted segment
                LogTx(now, t, EvRtx, flags, seq, t.RcvNxt, payloadLength, _rtxWhy);
                _rtxWhy = WhyGoBackN; // a timeout resends one segment; what follows it is go-back-N
            }
            else if (!t.RttTiming)
            {
                t.RttTiming = true;
                t.RttSeq = seq;
                t.RttStart = now;
            }
            if (SeqNum.Gt(seq + (uint)used, t.SndMax)) t.SndMax = seq + (uint)used;
            if (t.RtxAt == DeadlineHeap.Never) t.RtxAt = now + t.Rto.RtoMs;
        }

        /// <summary>
        /// Builds and transmits one segment of a connection. The payload, if any, is already in
        /// _txBuf, and payloadSum is its ones'-complement sum, taken as it was copied there
        /// (ByteRing.PeekSum), so the payload is not read a second time for the checksum.
        /// </summary>
        void SendFromConnection(long now, Tcb t, uint seq, int flags, int payloadLength, uint payloadSum)
        {
            int optLen = 0;
            bool syn = (flags & TcpFlags.Syn) != 0;
            if (syn && !t.NoOpt)
            {
                // A SYN offers SACK and window scaling when configured; a SYN-ACK only what the
                // peer's SYN offered (RFC 2018 §2, RFC 7323 §2.2).
                bool sackOk = (flags & TcpFlags.Ack) == 0 ? _cfg.Sack : t.SackOk;
                bool wscale = (flags & TcpFlags.Ack) == 0 ? _cfg.WindowScale : t.WsOk;
                if (wscale && (flags & TcpFlags.Ack) == 0) t.RcvShift = ShiftFor(t.RcvLimit); // kept if the SYN-ACK agrees
                optLen = WriteSynOptions(_options, sackOk, wscale ? t.RcvShift : -1);
                // Moved by whole 32-bit words (every option length here is a multiple of 4), the payload keeps its sum.
                if (payloadLength > 0) System.Array.Copy(_txBuf, Wire.HeaderLength(0), _txBuf, Wire.HeaderLength(optLen), payloadLength);
            }
            else if (payloadLength == 0 && t.SackOk && t.OooCount > 0 && (flags & TcpFlags.Ack) != 0)
                optLen = WriteSackBlocks(t);
            uint ack = (flags & TcpFlags.Ack) != 0 ? t.RcvNxt : 0;
            int window = WindowField(t, syn);
            if ((flags & TcpFlags.Ack) != 0 || syn)
            {
                // The right edge the peer now sees; RCV.ADV keeps the farthest one shown, which we
                // honour (RFC 7323 §2.4) even when rounding made this one fall short of it.
                uint edge = t.RcvNxt + (uint)(syn ? window : window << t.RcvShift);
                if (syn || SeqNum.Gt(edge, t.RcvAdv)) t.RcvAdv = edge;
            }
            int len = Wire.Build(_txBuf, 0, _cfg.LocalAddress, t.RemoteAddr, t.LocalPort, t.RemotePort,
                seq, ack, flags, window, _options, optLen, payloadLength, _ipId++, payloadSum);
            if ((flags & TcpFlags.Ack) != 0) { t.AckNow = false; t.AckHeld = false; t.DelAckAt = DeadlineHeap.Never; }
            _counters.SegmentsOut++;
            _link.Transmit(_txBuf, 0, len);
        }

        /// <summary>
        /// MSS, then NOP NOP SACK-permitted when offered (the order BSD uses), then NOP and Window
        /// Scale with our shift when offered (shift -1: not offered). Returns the option bytes.
        /// </summary>
        int WriteSynOptions(byte[] o, bool sackOk, int shift)
        {
            o[0] = 2; o[1] = 4;
            Wire.WriteU16(o, 2, _cfg.Mss);
            int n = 4;
            if (sackOk) { o[n] = 1; o[n + 1] = 1; o[n + 2] = 4; o[n + 3] = 2; n += 4; }
            if (shift >= 0) { o[n] = 1; o[n + 1] = 3; o[n + 2] = 3; o[n + 3] = (byte)shift; n += 4; }
            return n;
        }

        /// <summary>
        /// The shift we offer for a receive buffer: the smallest that makes it fit the 16-bit
        /// window field, at most 14 (RFC 7323 §2.3). The device's small buffers take 0.
        /// </summary>
        static int ShiftFor(int buffer)
        {
            int s = 0;
            while (s < 14 && (buffer >> s) > 65535) s++;
            return s;
        }

        /// <summary>
        /// The window field of an outgoing segment. A SYN's is never scaled (RFC 7323 §2.2): RCV.WND
        /// up to 65 535. Any other segment carries RCV.WND shifted right by Rcv.Wind.Shift (§2.3).
        /// A window AdvertisedWindow opened is a whole number of 2^shift; one that holds a right
        /// edge already promised may not be, as RCV.NXT moves by any number of bytes. Rounding it
        /// down would show the peer an edge left of the one it was given, so it rounds up while the
        /// free space reaches that far; only within 2^shift of the buffer's end, where rounding up
        /// would promise space there is not, does it round down (the edge honoured stays RCV.ADV).
        /// </summary>
        int WindowField(Tcb t, bool syn)
        {
            int wnd = AdvertisedWindow(t);
            if (syn) return wnd > 65535 ? 65535 : wnd;
            int shift = t.RcvShift;
            int field = wnd >> shift;
            if ((field << shift) < wnd && ((field + 1) << shift) <= t.RcvSpace) field++;
            return field > 65535 ? 65535 : field;
        }

        /// <summary>
        /// NOP NOP SACK with one block per kept out-of-order range, the most recently changed first
        /// (RFC 2018 §4: the first block holds the segment that caused this ACK). Returns the option bytes.
        /// </summary>
        int WriteSackBlocks(Tcb t)
        {
            int n = t.OooCount;
            _options[0] = 1; _options[1] = 1; _options[2] = 5; _options[3] = (byte)(2 + 8 * n);
            for (int i = 0; i < n; i++)
            {
                Wire.WriteU32(_options, 4 + 8 * i, RangeLeft(t, i));
                Wire.WriteU32(_options, 8 + 8 * i, RangeRight(t, i));
            }
            return 4 + 8 * n;
        }

        /// <summary>
        /// RCV.WND in bytes: never shrinking what we already advertised, and moving the right edge
        /// RCV.NXT + RCV.WND only once at least min(RCV.BUFF / 2, MSS) more is free (receiver
        /// silly-window avoidance, RFC 9293 §3.8.6.2.2, MUST-39). A window opened is the free space
        /// rounded down to a whole number of 2^Rcv.Wind.Shift, so that the shifted field carries it
        /// exactly and never promises more than is free; at most 65 535 of those units.
        /// </summary>
        int AdvertisedWindow(Tcb t)
        {
            int shift = t.RcvShift;
            int free = (t.RcvSpace >> shift) << shift;
            int promised = (int)(t.RcvAdv - t.RcvNxt);
            if (promised < 0) promised = 0;
            int step = t.RcvLimit / 2 < t.SndMss ? t.RcvLimit / 2 : t.SndMss; // RCV.BUFF: what SO_RCVBUF allows
            int wnd = free - promised >= step ? free : promised;
            int max = 65535 << shift;
            return wnd > max ? max : wnd;
        }

        /// <summary>
        /// &lt;SEQ=SND.NXT&gt;&lt;ACK=RCV.NXT&gt;&lt;CTL=ACK&gt;, where SND.NXT is the highest sequence
        /// number sent (SND.MAX): after a go-back-N rewind, the peer's RCV.NXT may lie above the rewound one.
        /// </summary>
        void SendAck(long now, Tcb t)
        {
            SendFromConnection(now, t, t.SndMax, TcpFlags.Ack, 0, 0);
        }

        /// <summary>RST for an established connection: &lt;SEQ=SND.NXT&gt;&lt;CTL=RST&gt; (RFC 9293 §3.10.5), SND.NXT the highest sent.</summary>
        void SendReset(long now, Tcb t, string why)
        {
            int len = Wire.Build(_txBuf, 0, _cfg.LocalAddress, t.RemoteAddr, t.LocalPort, t.RemotePort,
                t.SndMax, 0, TcpFlags.Rst, 0, _options, 0, 0, _ipId++);
            _counters.SegmentsOut++;
            _counters.RstsSent++;
            LogTx(now, t, EvRst, TcpFlags.Rst, t.SndMax, 0, 0, why);
            _link.Transmit(_txBuf, 0, len);
        }

        /// <summary>
        /// RST answering the current segment when no connection wants it (RFC 9293 §3.10.7.1):
        /// &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt; if it had ACK, else &lt;SEQ=0&gt;&lt;ACK=SEG.SEQ+SEG.LEN&gt;&lt;CTL=RST,ACK&gt;.
        /// </summary>
        void SendResetFor(long now, string why)
        {
            if ((_seg.Flags & TcpFlags.Rst) != 0) return; // never answer a RST
            uint seq, ack;
            int flags;
            if ((_seg.Flags & TcpFlags.Ack) != 0) { seq = _seg.Ack; ack = 0; flags = TcpFlags.Rst; }
            else { seq = 0; ack = _seg.Seq + (uint)_seg.SegLen; flags = TcpFlags.Rst | TcpFlags.Ack; }
            int srcPort = _seg.SrcPort, dstPort = _seg.DstPort;
            uint srcAddr = _seg.SrcAddr;
            if (NoConnectionLine(now))
            {
                _log.Begin(now).Str(" - ").Addr(_cfg.LocalAddress, dstPort).Char(' ').Addr(srcAddr, srcPort).Char(' ').Str(EvRst)
                    .Key("tx").Flags(flags).Key("seq").Int(seq);
                if ((flags & TcpFlags.Ack) != 0) _log.Key("ack").Int(ack);
                _log.Key("why").Str(why).End();
            }
            int len = Wire.Build(_txBuf, 0, _cfg.LocalAddress, srcAddr, dstPort, srcPort, seq, ack, flags, 0, _options, 0, 0, _ipId++);
            _counters.SegmentsOut++;
            _counters.RstsSent++;
            _link.Transmit(_txBuf, 0, len);
        }

        /// <summary>RFC 5961 challenge ACK, within the connection's and the engine's budgets (TcpEngine.Options.cs).</summary>
        void SendChallengeAck(long now, Tcb t, string why)
        {
            if (!ChallengeAckAllowed(now, t))
            {
                LogEvent(now, t, EvChallenge, "suppressed", why);
                return;
            }
            _counters.ChallengeAcks++;
            LogTx(now, t, EvChallenge, TcpFlags.Ack, t.SndMax, t.RcvNxt, 0, why);
            SendAck(now, t);
        }

        /// <summary>Send a window update once reading has moved the right edge (by min(MSS, half the buffer): AdvertisedWindow).</summary>
        void MaybeWindowUpdate(long now, Tcb t)
        {
            if (t.State < TcpState.Established || t.State == TcpState.TimeWait || t.FinReceived) return;
            int advertised = (int)(t.RcvAdv - t.RcvNxt);
            if (AdvertisedWindow(t) > advertised)
            {
                OweAck(now, t);
                UpdateTimer(t);
            }
        }

        // ---------------------------------------------------------------- ACKs held to the end of a step

        bool _holdingAcks;
        readonly int[] _heldAcks; // slots whose Tcb.AckHeld is set, in the order they were held
        int _heldCount;

        /// <summary>
        /// Until <see cref="FlushAcks"/>, a pure ACK a connection owes for data (after a segment,
        /// or a window update after a read) is held instead of sent. A device that hands the engine
        /// every datagram waiting, then runs its application, then flushes, sends one ACK where it
        /// would send two, and none when the data it sends meanwhile carries the ACK. The ACK of a
        /// FIN is never held, so close segments 2 and 3 stay apart; nor are challenge ACKs, probes
        /// or RSTs. Time still comes only from the caller.
        /// </summary>
        public void HoldAcks()
        {
            _holdingAcks = true;
        }

        /// <summary>Sends each ACK held since <see cref="HoldAcks"/>, one per connection, and stops holding.</summary>
        public void FlushAcks(long now)
        {
            _holdingAcks = false;
            for (int i = 0; i < _heldCount; i++)
            {
                Tcb t = _table[_heldAcks[i]];
                if (!t.AckHeld) continue; // a segment sent since carried it, or the slot was freed
                t.AckHeld = false;
                if (!t.InUse || t.State == TcpState.Closed || t.State == TcpState.Listen) continue;
                SendAck(now, t);
                UpdateTimer(t);
            }
            _heldCount = 0;
        }

        /// <summary>A pure ACK is owed: sent now, or held to the end of the step.</summary>
        void OweAck(long now, Tcb t)
        {
            if (!_holdingAcks || t.FinReceived || (!t.AckHeld && _heldCount == _heldAcks.Length))
            {
                SendAck(now, t);
                return;
            }
            if (t.AckHeld) return;
            t.AckHeld = true;
            _heldAcks[_heldCount++] = t.Slot;
        }
    }
}
