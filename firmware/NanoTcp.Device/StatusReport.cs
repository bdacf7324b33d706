namespace NanoTcp.Device
{
    /// <summary>
    /// The status query: a datagram on the link port whose text is STATUS (a first byte of 0x53
    /// reads as IP version 5, so it can never be mistaken for an IPv4 packet) is answered with the
    /// connection table, like `ss -tan`, and the counters:
    ///
    ///     NanoTcp 192.0.2.2 uptime_ms=5123 capacity=8 in_use=1 listeners=5
    ///     Slot  State         Local               Peer                  Timer_ms
    ///     0     LISTEN        192.0.2.2:7         *:*                   -
    ///     7     TIME_WAIT     192.0.2.2:13        192.0.2.1:40001       3870
    ///     segments_in=12 segments_out=9 retransmissions=0 rsts_sent=0 challenge_acks=0 recycled=0 table_full=0 timed_out=0 unroutable=0 dropped=2
    ///     drop.short=1 drop.ip-version=1 drop.ip-header=0 ...
    ///
    /// capacity and in_use count connections; listeners have slots of their own (listed as
    /// LISTEN) and are counted apart. Free slots are left out. When the reply would not fit one
    /// datagram, the last slot line says how many were left out.
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

        const int ColState = 6, ColLocal = 20, ColPeer = 40, ColTimer = 62;
        /// <summary>Room kept for the counter lines when slot lines are cut.</summary>
        const int CountersRoom = 420;

        public static void Write(TextBuffer t, TcpEngine engine, LinkRouter router, long now)
        {
            int inUse = engine.ConnectionsInUse + engine.ListenersInUse; // slots to list

            t.Clear().Str("NanoTcp ").Addr(engine.Config.LocalAddress).Key("uptime_ms").Int(now)
                .Key("capacity").Int(engine.Capacity).Key("in_use").Int(engine.ConnectionsInUse)
                .Key("listeners").Int(engine.ListenersInUse).Line();
            t.Str("Slot").Column(ColState).Str("State").Column(ColLocal).Str("Local").Column(ColPeer).Str("Peer")
                .Column(ColTimer).Str("Timer_ms").Line();
            int shown = 0;
            for (int i = 0; i < engine.SlotCount; i++)
            {
                if (!engine.SlotInUse(i)) continue;
                if (t.Free < CountersRoom + 80)
                {
                    t.Str("... ").Int(inUse - shown).Str(" more slots").Line();
                    break;
                }
                SlotLine(t, engine, i, now);
                shown++;
            }
            Counters(t, engine.Counters, router);
        }

        static void SlotLine(TextBuffer t, TcpEngine engine, int slot, long now)
        {
            t.Int(slot).Column(ColState).Str(TcpStates.Name(engine.SlotState(slot)))
                .Column(ColLocal).Addr(engine.Config.LocalAddress).Char(':').Int(engine.SlotLocalPort(slot)).Column(ColPeer);
            if (engine.SlotRemotePort(slot) == 0) t.Str("*:*");
            else t.Addr(engine.SlotRemoteAddress(slot)).Char(':').Int(engine.SlotRemotePort(slot));
            long timer = engine.SlotTimerRemaining(slot, now);
            t.Column(ColTimer);
            if (timer < 0) t.Char('-'); else t.Int(timer);
            t.Line();
        }

        static void Counters(TextBuffer t, TcpCounters c, LinkRouter router)
        {
            t.Str("segments_in=").Int(c.SegmentsIn).Key("segments_out").Int(c.SegmentsOut)
                .Key("retransmissions").Int(c.Retransmissions).Key("rsts_sent").Int(c.RstsSent)
                .Key("challenge_acks").Int(c.ChallengeAcks).Key("recycled").Int(c.SlotsRecycled)
                .Key("table_full").Int(c.TableFull).Key("timed_out").Int(c.TimedOut)
                .Key("unroutable").Int(router.Unroutable).Key("dropped").Int(c.Dropped).Line();
            for (int r = 1; r < DropReason.Count; r++)
            {
                if (r > 1) t.Char(' ');
                t.Str("drop.").Str(DropReason.Name(r)).Char('=').Int(c.DroppedBy[r]);
            }
            t.Line();
        }
    }
}
