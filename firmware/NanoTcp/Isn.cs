namespace NanoTcp
{
    /// <summary>
    /// Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
    /// M a 4-microsecond clock, F = SipHash-2-4 keyed with a secret the device seeds at boot.
    /// </summary>
    public static class Isn
    {
        public static uint Generate(ulong k0, ulong k1, uint localAddr, int localPort, uint remoteAddr, int remotePort, long nowMs)
        {
            ulong m0 = ((ulong)localAddr << 32) | remoteAddr;
            ulong m1 = ((ulong)(uint)localPort << 16) | (uint)remotePort;
            uint f = (uint)SipHash24(k0, k1, m0, m1);
            return f + (uint)(nowMs * 250); // 250 ticks of 4 µs per ms
        }

        /// <summary>SipHash-2-4 of a 16-byte message given as two little-endian words.</summary>
        public static ulong SipHash24(ulong k0, ulong k1, ulong m0, ulong m1)
        {
            ulong v0 = k0 ^ 0x736f6d6570736575UL;
            ulong v1 = k1 ^ 0x646f72616e646f6dUL;
            ulong v2 = k0 ^ 0x6c7967656e657261UL;
            ulong v3 = k1 ^ 0x7465646279746573UL;
            Compress(ref v0, ref v1, ref v2, ref v3, m0);
            Compress(ref v0, ref v1, ref v2, ref v3, m1);
            Compress(ref v0, ref v1, ref v2, ref v3, 16UL << 56); // length block: 16 bytes, no tail
            v2 ^= 0xff;
            for (int i = 0; i < 4; i++) Round(ref v0, ref v1, ref v2, ref v3);
            return v0 ^ v1 ^ v2 ^ v3;
        }

        static void Compress(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3, ulong m)
        {
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
        {
            v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
            v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
        }

        static ulong Rotl(ulong x, int b) { return (x << b) | (x >> (64 - b)); }
    }
}
