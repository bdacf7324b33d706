using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>The fixed-size FIFO behind each connection's send and receive buffers.</summary>
public class ByteRingTests
{
    static byte[] Bytes(params int[] v) => v.Select(x => (byte)x).ToArray();

    static byte[] ReadAll(ByteRing r)
    {
        var b = new byte[r.Count];
        Assert.Equal(b.Length, r.Read(b, 0, b.Length));
        return b;
    }

    [Fact]
    public void StartsEmpty()
    {
        var r = new ByteRing(8);
        Assert.Equal(8, r.Capacity);
        Assert.Equal(0, r.Count);
        Assert.Equal(8, r.Free);
        Assert.Equal(0, r.Read(new byte[4], 0, 4));
    }

    [Fact]
    public void WriteThenReadKeepsOrder()
    {
        var r = new ByteRing(8);
        Assert.Equal(3, r.Write(Bytes(1, 2, 3), 0, 3));
        Assert.Equal(3, r.Count);
        Assert.Equal(5, r.Free);
        Assert.Equal(Bytes(1, 2, 3), ReadAll(r));
        Assert.Equal(0, r.Count);
    }

    [Fact]
    public void WritesAndReadsWrapAround()
    {
        var r = new ByteRing(8);
        r.Write(Bytes(1, 2, 3, 4, 5), 0, 5);
        var two = new byte[3];
        Assert.Equal(3, r.Read(two, 0, 3)); // head now at 3, two bytes left
        Assert.Equal(Bytes(1, 2, 3), two);

        // Six bytes from index 5: three fit before the end, three wrap to the start.
        Assert.Equal(6, r.Write(Bytes(6, 7, 8, 9, 10, 11), 0, 6));
        Assert.Equal(8, r.Count);
        Assert.Equal(0, r.Free);
        Assert.Equal(Bytes(4, 5, 6, 7, 8, 9, 10, 11), ReadAll(r));
    }

    [Fact]
    public void PeekAcrossTheWrapDoesNotConsume()
    {
        var r = new ByteRing(8);
        r.Write(Bytes(1, 2, 3, 4, 5, 6, 7), 0, 7); // cells 0..6
        r.Discard(2);                               // head at cell 2
        r.Write(Bytes(8, 9), 0, 2);                 // 8 in cell 7, 9 wraps to cell 0

        var p = new byte[5];
        r.Peek(1, p, 0, 5);
        Assert.Equal(Bytes(4, 5, 6, 7, 8), p);
        var q = new byte[3];
        r.Peek(4, q, 0, 3); // cells 6, 7, 0: across the wrap
        Assert.Equal(Bytes(7, 8, 9), q);
        Assert.Equal(7, r.Count);
        Assert.Equal(Bytes(3, 4, 5, 6, 7, 8, 9), ReadAll(r));
    }

    [Fact]
    public void PeekWritesAtTheGivenOffset()
    {
        var r = new ByteRing(4);
        r.Write(Bytes(1, 2), 0, 2);
        var dst = new byte[5];
        r.Peek(0, dst, 3, 2);
        Assert.Equal(Bytes(0, 0, 0, 1, 2), dst);
    }

    [Fact]
    public void PartialWriteWhenNearlyFull()
    {
        var r = new ByteRing(8);
        r.Write(Bytes(1, 2, 3, 4, 5, 6), 0, 6);
        Assert.Equal(2, r.Write(Bytes(7, 8, 9, 10), 0, 4));
        Assert.Equal(0, r.Free);
        Assert.Equal(0, r.Write(Bytes(11), 0, 1)); // full: nothing fits
        Assert.Equal(Bytes(1, 2, 3, 4, 5, 6, 7, 8), ReadAll(r));
    }

    [Fact]
    public void WriteFromASourceOffset()
    {
        var r = new ByteRing(4);
        Assert.Equal(2, r.Write(Bytes(9, 9, 1, 2, 9), 2, 2));
        Assert.Equal(Bytes(1, 2), ReadAll(r));
    }

    [Fact]
    public void ReadMoreThanAvailableAndDiscardMoreThanHeld()
    {
        var r = new ByteRing(8);
        r.Write(Bytes(1, 2, 3), 0, 3);
        var b = new byte[10];
        Assert.Equal(3, r.Read(b, 0, 10));
        r.Write(Bytes(4, 5), 0, 2);
        r.Discard(100);
        Assert.Equal(0, r.Count);
        Assert.Equal(8, r.Free);
    }

    [Fact]
    public void ClearEmpties()
    {
        var r = new ByteRing(4);
        r.Write(Bytes(1, 2, 3), 0, 3);
        r.Clear();
        Assert.Equal(0, r.Count);
        Assert.Equal(4, r.Write(Bytes(5, 6, 7, 8), 0, 4));
        Assert.Equal(Bytes(5, 6, 7, 8), ReadAll(r));
    }

    [Fact]
    public void RandomOperationsMatchAQueue()
    {
        var rng = new Random(42);
        var r = new ByteRing(13); // a capacity that does not divide the write sizes
        var model = new Queue<byte>();
        byte next = 0;
        for (int op = 0; op < 5000; op++)
        {
            int n = rng.Next(0, 17);
            switch (rng.Next(4))
            {
                case 0:
                case 1:
                    var src = new byte[n];
                    for (int i = 0; i < n; i++) src[i] = next++;
                    int took = r.Write(src, 0, n);
                    Assert.Equal(Math.Min(n, 13 - model.Count), took);
                    for (int i = 0; i < took; i++) model.Enqueue(src[i]);
                    next = (byte)(next - (n - took)); // bytes that did not fit are offered again
                    break;
                case 2:
                    var dst = new byte[n];
                    int got = r.Read(dst, 0, n);
                    Assert.Equal(Math.Min(n, model.Count), got);
                    for (int i = 0; i < got; i++) Assert.Equal(model.Dequeue(), dst[i]);
                    break;
                default:
                    if (model.Count == 0) break;
                    int from = rng.Next(model.Count);
                    int len = rng.Next(model.Count - from + 1);
                    var peek = new byte[len];
                    r.Peek(from, peek, 0, len);
                    Assert.Equal(model.Skip(from).Take(len).ToArray(), peek);
                    break;
            }
            Assert.Equal(model.Count, r.Count);
            Assert.Equal(13 - model.Count, r.Free);
        }
    }
}
