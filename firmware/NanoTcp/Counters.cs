namespace NanoTcp
{
    /// <summary>Engine-wide counters, as the device's status query reports them. Plain fields: reading them allocates nothing.</summary>
    public sealed class TcpCounters
    {
        public long SegmentsIn;
        public long SegmentsOut;
        public long Retransmissions;
        public long RstsSent;
        public long ChallengeAcks;
        public long SlotsRecycled;
        public long TableFull;
        public long Dropped;
        /// <summary>Dropped datagrams by <see cref="DropReason"/>.</summary>
        public readonly long[] DroppedBy = new long[DropReason.Count];
        /// <summary>Well-formed segments no connection wanted (answered with RST, or ignored when they were RSTs).</summary>
        public long NoConnection;
        /// <summary>Connections whose retry limit ran out.</summary>
        public long TimedOut;
        /// <summary>Timer entries examined by Tick: grows with expired timers, not with idle connections.</summary>
        public long TimerChecks;
        /// <summary>Out-of-order segments kept in the receive buffer until the hole before them filled.</summary>
        public long OutOfOrderQueued;
        /// <summary>SYN-ACKs sent as SYN cookies (the listener's half-open slots were all taken).</summary>
        public long SynCookiesSent;
        /// <summary>Connections built from a returned cookie.</summary>
        public long SynCookiesAccepted;
        /// <summary>ACKs to a listener, while cookies were in use, whose cookie did not check out (answered with RST).</summary>
        public long SynCookiesRejected;
        /// <summary>Segments resent after duplicate ACKs or a partial ACK, without waiting for the RTO (RFC 5681 §3.2, RFC 6582).</summary>
        public long FastRetransmits;
        /// <summary>Connections from a listener that reached ESTABLISHED (ready to be accepted).</summary>
        public long PassiveOpens;
    }
}
