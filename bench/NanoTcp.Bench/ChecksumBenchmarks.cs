using BenchmarkDotNet.Attributes;
using NanoTcp;

namespace NanoTcp.Bench;

/// <summary>
/// The payload's copy and checksum, per segment: a plain copy, the sum alone, the copy then the
/// sum over the copy (what the engine did before summing while it copies), and
/// <see cref="Wire.CopyAndSum"/> (what it does now on the send side). The buffers stay in the
/// cache from one operation to the next, as a connection's send buffer and the datagram being
/// built do in the in-memory bulk row.
/// </summary>
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    [Params(1024, 65495)]
    public int PayloadBytes;

    byte[] _src = null!;
    byte[] _dst = null!;
    const int At = 40; // where the payload of a datagram without options starts

    [GlobalSetup]
    public void Setup()
    {
        _src = new byte[PayloadBytes];
        new Random(1).NextBytes(_src);
        _dst = new byte[At + PayloadBytes];
        Array.Copy(_src, 0, _dst, At, PayloadBytes);
        if (Wire.CopyAndSum(_src, 0, _dst, At, PayloadBytes, 0) != Wire.Sum(_src, 0, PayloadBytes, 0))
            throw new InvalidOperationException("CopyAndSum and Sum disagree");
    }

    [Benchmark]
    public void CopyOnly() => Array.Copy(_src, 0, _dst, At, PayloadBytes);

    [Benchmark]
    public uint SumOnly() => Wire.Sum(_dst, At, PayloadBytes, 0);

    [Benchmark(Baseline = true)]
    public uint CopyThenSum()
    {
        Array.Copy(_src, 0, _dst, At, PayloadBytes);
        return Wire.Sum(_dst, At, PayloadBytes, 0);
    }

    [Benchmark]
    public uint CopyAndSum() => Wire.CopyAndSum(_src, 0, _dst, At, PayloadBytes, 0);
}
