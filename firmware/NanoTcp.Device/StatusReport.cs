namespace NanoTcp.Device
{
    /// <summary>
    /// The status query: a datagram on the link port whose text is STATUS (a first byte of 0x53
    /// reads as IP version 5, so it can never be mistaken for an IPv4 packet) is answered with the
    /// connection table, like `ss -tan`, and the counters:
    ///
    ///     NanoTcp 192.0.2.2 uptime_ms=5123 capacity=8 in_use=2 listeners=5
    ///     Slot State        Recv-Q Send-Q Local               Peer                  RTO_ms Cwnd   Timer      Timer_ms
    ///     0    LISTEN       0      0      192.0.2.2:7         *:*                   -      -      -          -
    ///     6    ESTABLISHED  0      1460   192.0.2.2:7         192.0.2.1:40002       400    2048   rto        212
    ///     7    TIME_WAIT    0      0      192.0.2.2:13        192.0.2.1:40001       1000   4096   2msl       3870
    ///     segments_in=12 segments_out=9 retransmissions=0 rsts_sent=0 challenge_acks=0 recycled=0 table_full=0 timed_out=0 unroutable=0 dropped=2
    ///     syn_cookies_sent=0 syn_cookies_ok=0 syn_cookies_bad=0 out_of_order=0 fast_retransmits=0
    ///     drop.short=1 drop.ip-version=1 drop.ip-header=0 ...
    ///
    /// Free slots are left out. Recv-Q is the bytes not yet read, Send-Q the bytes not yet
    /// acknowledged (as ss shows them), RTO_ms and Cwnd the connection's retransmission timeout and
    /// congestion window, Timer the next timer to fire and Timer_ms how soon. Readers take the
    /// columns by their header's names, so a column added later breaks no reader. When the reply
    /// would not fit one datagram, the last slot line says how many were left out.
    /// </summary>
    public static class StatusReport
    {
        /// <summary>True when a datagram is the status query: "STATUS", optionally followed by CR/LF.</summary>
        public static bool IsQuery(byte[] d, int length)
        {
            const string Query = "STATUS";
            if (length < Query.Length || length > Query.Length + 2) return false;
            for (int i = 0; i < Query.Length; i++) if (d[i] != Query[i]) return false;
            for (int i = Query.Length; i < length; i++) if (d[i] != '\r' && d[i] != '\n') return false;
            return true;
        }

        /// <summary>The largest reply: one UDP datagram that a 1500-byte MTU carries without IP fragmentation (1500 - 20 - 8).</summary>
        public const int MaxLength = 1472;

        const int ColState = 5, ColRecvQ = 18, ColSendQ = 25, ColLocal = 32, ColPeer = 52, ColRto = 74, ColCwnd = 81,
            ColTimerName = 88, ColTimer = 99;

        /// <summary>
        /// Writes the reply into t; info is the caller's scratch snapshot, reused for every slot so
        /// the report allocates nothing. When the whole table and the counters do not fit, it is
        /// written again with one slot line fewer until they do: the counters are never cut.
        /// </summary>
        public static void Write(TextBuffer t, TcpInfo info, TcpEngine engine, LinkRouter router, long now)
        {
            int inUse = engine.ConnectionsInUse + engine.ListenersInUse; // slots to list
            for (int limit = inUse; ; limit--)
            {
                Write(t, info, engine, router, now, inUse, limit);
                if (t.Free > 0 || limit == 0) return; // a full buffer may have cut something off
            }
        }

        static void Write(TextBuffer t, TcpInfo info, TcpEngine engine, LinkRouter router, long now, int inUse, int limit)
        {
            t.Clear().Str("NanoTcp ").Addr(engine.Config.LocalAddress).Key("uptime_ms").Int(now)
                .Key("capacity").Int(engine.Capacity).Key("in_use").Int(engine.ConnectionsInUse)
                .Key("listeners").Int(engine.ListenersInUse).Line();
            t.Str("Slot").Column(ColState).Str("State").Column(ColRecvQ).Str("Recv-Q").Column(ColSendQ).Str("Send-Q")
                .Column(ColLocal).Str("Local").Column(ColPeer).Str("Peer").Column(ColRto).Str("RTO_ms").Column(ColCwnd).Str("Cwnd")
                .Column(ColTimerName).Str("Timer").Column(ColTimer).Str("Timer_ms").Line();
            int shown = 0;
            for (int i = 0; i < engine.SlotCount; i++)
            {
                if (!engine.SlotInUse(i)) continue;
                if (shown == limit)
                {
                    t.Str("... ").Int(inUse - shown).Str(" more slots").Line();
                    break;
                }
                SlotLine(t, info, engine, i, now);
                shown++;
            }
            Counters(t, engine.Counters, router);
        }

        static void SlotLine(TextBuffer t, TcpInfo i, TcpEngine engine, int slot, long now)
        {
            engine.GetSlotInfo(slot, i);
            bool listener = i.State == TcpState.Listen;
            t.Int(slot).Column(ColState).Str(TcpStates.Name(i.State))
                .Column(ColRecvQ).Int(i.RecvQ).Column(ColSendQ).Int(i.SendQ)
                .Column(ColLocal).Addr(engine.Config.LocalAddress).Char(':').Int(i.LocalPort).Column(ColPeer);
            if (i.RemotePort == 0) t.Str("*:*");
            else t.Addr(i.RemoteAddress).Char(':').Int(i.RemotePort);
            t.Column(ColRto);
            if (listener) t.Char('-'); else t.Int(i.RtoMs);
            t.Column(ColCwnd);
            if (listener) t.Char('-'); else t.Int(i.Cwnd);
            t.Column(ColTimerName).Str(i.NextTimer == null ? "-" : i.NextTimer).Column(ColTimer);
            if (!i.HasTimer) t.Char('-'); else t.Int(i.NextDeadline > now ? i.NextDeadline - now : 0);
            t.Line();
        }

        static void Counters(TextBuffer t, TcpCounters c, LinkRouter router)
        {
            t.Str("segments_in=").Int(c.SegmentsIn).Key("segments_out").Int(c.SegmentsOut)
                .Key("retransmissions").Int(c.Retransmissions).Key("rsts_sent").Int(c.RstsSent)
                .Key("challenge_acks").Int(c.ChallengeAcks).Key("recycled").Int(c.SlotsRecycled)
                .Key("table_full").Int(c.TableFull).Key("timed_out").Int(c.TimedOut)
                .Key("unroutable").Int(router.Unroutable).Key("dropped").Int(c.Dropped).Line();
            t.Str("syn_cookies_sent=").Int(c.SynCookiesSent).Key("syn_cookies_ok").Int(c.SynCookiesAccepted)
                .Key("syn_cookies_bad").Int(c.SynCookiesRejected).Key("out_of_order").Int(c.OutOfOrderQueued)
                .Key("fast_retransmits").Int(c.FastRetransmits).Line();
            for (int r = 1; r < DropReason.Count; r++)
            {
                if (r > 1) t.Char(' ');
                t.Str("drop.").Str(DropReason.Name(r)).Char('=').Int(c.DroppedBy[r]);
            }
            t.Line();
        }
    }
}
