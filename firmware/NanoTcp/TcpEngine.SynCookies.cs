namespace NanoTcp
{
    /// <summary>
    /// SYN cookies (RFC 4987 §3.6). Once a listener's half-open slots are all taken, a SYN is
    /// answered with a SYN-ACK whose sequence number encodes everything the connection needs, and
    /// no slot is taken: a flood costs nothing but the answers. A real client's ACK carries the
    /// cookie back (SEG.ACK − 1); if it checks out, the connection is built from it right then and
    /// the handshake completes as if the slot had been there all along.
    ///
    /// The cookie's 32 bits: a 5-bit time bucket (64 s each), 23 bits of SipHash-2-4 over the
    /// 4-tuple and the client's ISN under the ISN secret (a separate domain of the same key), the
    /// peer's MSS as a 3-bit index into a table, and 1 bit for SACK-permitted. A cookie is good
    /// for its bucket and the next one (64 to 128 s), and only while cookies are being sent.
    /// </summary>
    public sealed partial class TcpEngine
    {
        const int CookieBucketMs = 64000;
        /// <summary>The MSS values a cookie can carry; the peer's MSS is rounded down to one of them.</summary>
        static readonly int[] CookieMss = { 536, 1000, 1024, 1220, 1360, 1400, 1440, 1460 };
        /// <summary>Bucket of the last cookie sent: a cookie ACK is only looked at while cookies are in use.</summary>
        long _lastCookieBucket = long.MinValue / 2;

        /// <summary>The half-open slots are all taken: answer this SYN with a cookie, keeping no state.</summary>
        void SendSynCookie(long now, Tcb l)
        {
            int peerMss = _seg.Mss > 0 ? _seg.Mss : 536;
            int idx = 0;
            for (int i = 1; i < CookieMss.Length; i++) if (CookieMss[i] <= peerMss) idx = i;
            bool sack = _cfg.Sack && _seg.SackPermitted && !l.NoOpt;
            long bucket = now / CookieBucketMs;
            uint cookie = Cookie(bucket, _seg.Seq, idx, sack);
            _lastCookieBucket = bucket;

            uint ack = _seg.Seq + 1; // the SYN only: data on a SYN is not kept (the peer sends it again)
            int window = CookieWindow(l);
            int optLen = l.NoOpt ? 0 : WriteSynOptions(_options, sack); // TCP_NOOPT on the listener: none
            int len = Wire.Build(_txBuf, 0, _cfg.LocalAddress, _seg.SrcAddr, _seg.DstPort, _seg.SrcPort,
                cookie, ack, TcpFlags.Syn | TcpFlags.Ack, window, _options, optLen, 0, _ipId++);
            _counters.SegmentsOut++;
            _counters.SynCookiesSent++;
            if (NoConnectionLine(now))
            {
                _log.Begin(now).Str(" - ").Addr(_seg.DstAddr, _seg.DstPort).Char(' ').Addr(_seg.SrcAddr, _seg.SrcPort).Str(" SYN-COOKIE")
                    .Key("tx").Flags(TcpFlags.Syn | TcpFlags.Ack).Key("seq").Int(cookie).Key("ack").Int(ack).Key("mss").Int(CookieMss[idx]);
                _log.End();
            }
            _link.Transmit(_txBuf, 0, len);
        }

        /// <summary>
        /// An ACK to a listener with no connection: if it returns a valid cookie, build the connection
        /// (SYN_RECEIVED, then this ACK completes it). Returns false when no cookies are out (the ACK is then answered like any other).
        /// </summary>
        bool CookieArrives(long now, Tcb l)
        {
            long bucket = now / CookieBucketMs;
            if (bucket - _lastCookieBucket > 1) return false; // no cookies out: an ACK like any other
            uint cookie = _seg.Ack - 1;
            uint clientIsn = _seg.Seq - 1;
            long sent = bucket - ((bucket - (cookie >> 27)) & 31);
            int idx = (int)((cookie >> 1) & 7);
            bool sack = (cookie & 1) != 0;
            if (bucket - sent > 1 || Cookie(sent, clientIsn, idx, sack) != cookie)
            {
                _counters.SynCookiesRejected++;
                ClosedArrives(now, "bad-syn-cookie");
                return true;
            }
            if (CountChildren(l, false) >= l.Backlog)
            {
                LogNoSlot(now, "SYN-DROPPED", "accept-queue-full");
                return true; // the client sends again; by then the application may have accepted
            }
            Tcb t = AllocateChild(now, l);
            if (t == null) return true;
            _counters.SynCookiesAccepted++;
            t.Irs = clientIsn;
            t.RcvNxt = _seg.Seq;
            InitSendSequence(now, t);
            SetIss(t, cookie); // our SYN-ACK's sequence number was the cookie, and it was sent
            t.SndNxt = cookie + 1;
            t.SndMax = cookie + 1;
            int mss = CookieMss[idx];
            t.SndMss = mss < _cfg.Mss ? mss : _cfg.Mss;
            t.Cwnd = InitialWindow(t.SndMss);
            t.SackOk = sack && _cfg.Sack;
            t.SndWnd = _seg.Window;
            t.MaxSndWnd = _seg.Window;
            t.SndWl1 = clientIsn;
            t.SndWl2 = cookie;
            t.RcvAdv = t.RcvNxt + (uint)CookieWindow(l); // the window the cookie's SYN-ACK offered
            if (_log.Enabled)
            {
                Prefix(now, t).Str(" SYN-COOKIE").Key("rx").Flags(_seg.Flags).Key("seq").Int(_seg.Seq - t.Irs)
                    .Key("ack").Int(_seg.Ack - t.Iss).Key("len").Int(_seg.PayloadLength).Key("mss").Int(mss);
                _log.End();
            }
            SetState(now, t, TcpState.SynReceived);
            SynchronizedArrives(now, t); // the ACK completes the handshake; data on it is taken
            if (t.InUse && t.State != TcpState.Closed)
            {
                Output(now, t);
                UpdateTimer(t);
            }
            return true;
        }

        /// <summary>The window a cookie's SYN-ACK offers: a new connection's whole buffer, as SO_RCVBUF on the listener allows.</summary>
        int CookieWindow(Tcb l)
        {
            int w = l.RcvLimit < _cfg.RcvBuf ? l.RcvLimit : _cfg.RcvBuf;
            return w > 65535 ? 65535 : w;
        }

        /// <summary>The cookie for a SYN from the current segment's 4-tuple with this client ISN, sent in this bucket.</summary>
        uint Cookie(long bucket, uint clientIsn, int mssIndex, bool sack)
        {
            ulong m0 = ((ulong)_cfg.LocalAddress << 32) | _seg.SrcAddr;
            ulong m1 = ((ulong)(uint)((_seg.DstPort << 16) | _seg.SrcPort) << 32) | clientIsn;
            // Same secret as the ISN, in its own domain: the bucket and a constant fold into the key.
            ulong h = Isn.SipHash24(_cfg.IsnKey0 ^ (ulong)bucket, _cfg.IsnKey1 ^ 0x636F6F6B69657321UL, m0, m1);
            return ((uint)(bucket & 31) << 27) | (((uint)h & 0x7FFFFF) << 4) | ((uint)mssIndex << 1) | (sack ? 1u : 0u);
        }
    }
}
