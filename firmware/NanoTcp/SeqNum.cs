namespace NanoTcp
{
    /// <summary>Sequence-number comparisons modulo 2^32 (RFC 9293 §3.4): a is "less than" b when b lies within 2^31 after a.</summary>
    public static class SeqNum
    {
        public static bool Lt(uint a, uint b) { return (int)(a - b) < 0; }
        public static bool Le(uint a, uint b) { return (int)(a - b) <= 0; }
        public static bool Gt(uint a, uint b) { return (int)(a - b) > 0; }
        public static bool Ge(uint a, uint b) { return (int)(a - b) >= 0; }
        /// <summary>lo &lt;= x &lt; hi, modulo 2^32.</summary>
        public static bool InRange(uint lo, uint x, uint hi) { return x - lo < hi - lo; }
        public static uint Max(uint a, uint b) { return Gt(a, b) ? a : b; }
    }
}
