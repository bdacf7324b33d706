using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Wire.Sum adds 32-bit words into a 64-bit sum; it must agree with the plain RFC 1071 sum of
/// 16-bit words, for every length (odd ones too), offset and starting accumulator.
/// </summary>
public class ChecksumTests
{
    /// <summary>RFC 1071 as written: 16 bits a step, end-around carry at the end.</summary>
    static uint Reference(byte[] b, int offset, int length, uint acc)
    {
        ulong sum = acc;
        int i = offset, end = offset + length;
        for (; i + 1 < end; i += 2) sum += (uint)((b[i] << 8) | b[i + 1]);
        if (i < end) sum += (uint)(b[i] << 8);
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (uint)sum;
    }

    [Fact]
    public void TheWideSumAgreesWithThe16BitSumOnRandomData()
    {
        var rng = new Random(20261201);
        var buffer = new byte[4096];
        for (int round = 0; round < 20000; round++)
        {
            int length = round < 64 ? round : rng.Next(0, 3000);
            int offset = rng.Next(0, 9);
            int fill = rng.Next(4);
            for (int i = 0; i < buffer.Length; i++)
                buffer[i] = fill switch { 0 => 0, 1 => 0xFF, _ => (byte)rng.Next(256) };
            uint acc = rng.Next(3) switch { 0 => 0u, 1 => (uint)rng.Next(0x10000), _ => (uint)rng.Next() };
            uint expected = Reference(buffer, offset, length, acc);
            uint actual = Wire.Sum(buffer, offset, length, acc);
            Assert.True(Wire.Fold(actual) == Wire.Fold((uint)expected) && actual <= 0xFFFF,
                $"length {length}, offset {offset}, acc {acc:X}: 0x{actual:X} vs 0x{expected:X}");
        }
    }

    [Fact]
    public void ChainedSumsEqualOneSum()
    {
        // The pseudo-header, header and payload are summed in pieces: the pieces must add up (even-length pieces, as callers use).
        var rng = new Random(5);
        var b = new byte[2000];
        rng.NextBytes(b);
        for (int cut = 0; cut <= 1000; cut += 2)
        {
            uint whole = Wire.Sum(b, 3, 1001, 0);
            uint chained = Wire.Sum(b, 3 + cut, 1001 - cut, Wire.Sum(b, 3, cut, 0));
            Assert.Equal(Wire.Fold(whole), Wire.Fold(chained));
        }
    }

    [Fact]
    public void AllZeroAndAllOnesFoldAsRfc1071Says()
    {
        var zeros = new byte[100];
        Assert.Equal(0xFFFF, Wire.Fold(Wire.Sum(zeros, 0, 100, 0)));
        var ones = Enumerable.Repeat((byte)0xFF, 100).ToArray();
        Assert.Equal(0, Wire.Fold(Wire.Sum(ones, 0, 100, 0)));
        Assert.Equal(0, Wire.Fold(Wire.Sum(ones, 1, 99, 0xFF))); // an odd tail: 0xFF00 plus the 0xFF carried in
    }
}
