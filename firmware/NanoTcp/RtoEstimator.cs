namespace NanoTcp
{
    /// <summary>
    /// Retransmission timeout per RFC 6298: SRTT/RTTVAR smoothing (alpha 1/8, beta 1/4, K 4),
    /// clamped to [min, max], doubled on every timeout until the next valid sample.
    /// Samples must follow Karn's rule: never time a retransmitted segment (the caller's job).
    /// Kept in microseconds so small RTTs do not round to zero.
    ///
    /// A value type, so it lives inside its connection's slot rather than as an object of its
    /// own; use it through a field or a variable (a copy has its own state).
    /// </summary>
    public struct RtoEstimator
    {
        readonly int _minMs, _maxMs, _initialMs;
        int _srttUs, _rttvarUs; // µs; a sample is capped at 1000 s, well inside an int
        bool _hasSample;
        int _rtoMs;

        public RtoEstimator(int initialMs, int minMs, int maxMs)
        {
            _initialMs = initialMs; _minMs = minMs; _maxMs = maxMs;
            _srttUs = 0; _rttvarUs = 0; _hasSample = false; _rtoMs = initialMs;
        }

        /// <summary>The current RTO in ms, backoff included.</summary>
        public int RtoMs { get { return _rtoMs; } }
        public bool HasSample { get { return _hasSample; } }
        /// <summary>Smoothed RTT in ms (0 before the first sample).</summary>
        public int SrttMs { get { return (int)(_srttUs / 1000); } }
        public int RttVarMs { get { return (int)(_rttvarUs / 1000); } }

        public void Reset()
        {
            _srttUs = 0; _rttvarUs = 0; _hasSample = false; _rtoMs = _initialMs;
        }

        /// <summary>Feeds one RTT measurement (RFC 6298 §2.2–2.3) and clears any backoff.</summary>
        public void Sample(int rttMs)
        {
            long r = (rttMs < 0 ? 0 : (rttMs > 1000000 ? 1000000 : rttMs)) * 1000L; // a sample beyond 1000 s is one of 1000 s
            if (!_hasSample)
            {
                _srttUs = (int)r;
                _rttvarUs = (int)(r / 2);
                _hasSample = true;
            }
            else
            {
                long delta = _srttUs > r ? _srttUs - r : r - _srttUs;
                _rttvarUs = (int)((3L * _rttvarUs + delta) / 4);
                _srttUs = (int)((7L * _srttUs + r) / 8);
            }
            long varTerm = 4L * _rttvarUs;
            if (varTerm < 1000) varTerm = 1000; // G, the clock granularity: 1 ms
            _rtoMs = Clamp((_srttUs + varTerm + 999) / 1000);
        }

        /// <summary>
        /// RFC 6298 §5.7: after the SYN or SYN-ACK timed out, data transmission starts with the RTO
        /// re-initialized to 3 s (or to the initial RTO if that is larger), whatever the SYN's backoff
        /// had made it, unless a valid RTT sample has been taken since.
        /// </summary>
        public void AfterHandshakeTimeout()
        {
            if (!_hasSample) _rtoMs = Clamp(_initialMs < 3000 ? 3000 : _initialMs);
        }

        /// <summary>Timer expired: RTO = min(2·RTO, max) (RFC 6298 §5.5).</summary>
        public void Backoff()
        {
            _rtoMs = Clamp(2L * _rtoMs);
        }

        int Clamp(long ms)
        {
            if (ms < _minMs) return _minMs;
            if (ms > _maxMs) return _maxMs;
            return (int)ms;
        }
    }
}
