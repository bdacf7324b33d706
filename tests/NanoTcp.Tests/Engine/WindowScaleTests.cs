using NanoTcp;
using NanoTcp.Tests.Reliability;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Window scaling (RFC 7323 §2): the shift offered for each buffer size, two engines in memory
/// with 1 MB buffers moving data with more than 64 KB in flight, and the rounding of our scaled
/// window against the free space and the right edge already shown. The scripts
/// tests/scripts/window-scale-*.pkt show the segments one by one.
/// </summary>
public class WindowScaleTests
{
    /// <summary>Our SYN from an active open with this receive buffer.</summary>
    static Segment SynFor(int rcvBuf, Action<TcpConfig>? more = null)
    {
        var h = new Harness(c => { c.RcvBuf = rcvBuf; c.Capacity = 1; more?.Invoke(c); });
        int c = h.Engine.Connect(h.Now, 0, Harness.PeerAddr, 80);
        Assert.True(c >= 0, TcpError.Name(-c));
        return h.TakeOnly();
    }

    [Theory]
    [InlineData(2048, 0)]          // the device's buffer: the option is offered, with shift 0
    [InlineData(65535, 0)]
    [InlineData(65536, 1)]         // one byte more than the field holds
    [InlineData(131071, 1)]        // 131 071 >> 1 = 65 535 (the odd byte is rounded off, as Linux does)
    [InlineData(131072, 2)]
    [InlineData(1 << 20, 5)]
    [InlineData(TcpConfig.MaxRcvBuf, 14)]
    public void TheSynOffersTheSmallestShiftThatFitsTheBuffer(int rcvBuf, int shift)
    {
        Segment syn = SynFor(rcvBuf);
        Assert.Equal(shift, syn.WindowScale);
        Assert.Equal(Math.Min(rcvBuf, 65535), syn.Window); // a SYN's window is never scaled (§2.2)
    }

    [Fact]
    public void NoWindowScaleWhenTurnedOffOrWithTcpNoOpt()
    {
        Assert.Equal(-1, SynFor(1 << 20, c => c.WindowScale = false).WindowScale);
        Assert.True(new TcpConfig().Set("wscale", 0));
        Assert.False(new TcpConfig().Set("wscale", 2));

        var h = new Harness(c => { c.RcvBuf = 1 << 20; c.Capacity = 1; });
        int s = h.Engine.Open(h.Now);
        Assert.Equal(0, h.Engine.SetOption(h.Now, s, SocketOption.NoOpt, 1));
        Assert.Equal(0, h.Engine.Connect(h.Now, s, 0, Harness.PeerAddr, 80));
        Segment syn = h.TakeOnly();
        Assert.Equal(-1, syn.WindowScale);
        Assert.Equal(0, syn.OptionsLength);
    }

    [Theory]
    [InlineData(1 << 20, null)]
    [InlineData(TcpConfig.MaxRcvBuf + 1, "rcv_buf must be 1..1073725440 (65535 << 14, the largest scaled window)")]
    public void TheReceiveBufferMayExceed64KBUpToTheLargestScaledWindow(int rcvBuf, string? error)
    {
        Assert.Equal(error, new TcpConfig { RcvBuf = rcvBuf }.Validate());
        Assert.Equal(error == null, new TcpConfig().Set("rcv_buf", rcvBuf));
    }

    /// <summary>Both engines of a pair, each packet handed to the other in the order sent.</summary>
    sealed class Wire2
    {
        public readonly EnginePair Pair;
        readonly Queue<(bool FromA, byte[] Bytes)> _inFlight = new();
        public Wire2(Action<TcpConfig> configure)
        {
            Pair = new EnginePair(configure, keepLog: false);
            Pair.OnTransmit = (fromA, bytes) => _inFlight.Enqueue((fromA, bytes));
        }

        /// <summary>Delivers what is in flight now (what that provokes waits for the next call).</summary>
        public void Step()
        {
            for (int n = _inFlight.Count; n > 0; n--)
            {
                var (fromA, bytes) = _inFlight.Dequeue();
                Pair.Deliver(fromA, bytes);
            }
        }

        public int Connect()
        {
            int c = Pair.A.Connect(Pair.Now, 0, EnginePair.AddrB, EnginePair.ServerPort);
            Assert.True(c >= 0, TcpError.Name(-c));
            for (int i = 0; i < 4; i++) Step();
            Assert.Equal(TcpState.Established, Pair.A.StateOf(c));
            return c;
        }
    }

    [Fact]
    public void TwoEnginesWith1MBBuffersKeepMoreThan64KBInFlight()
    {
        const int Buffer = 1 << 20, Total = 8 << 20;
        var w = new Wire2(c => { c.Capacity = 1; c.RcvBuf = Buffer; c.SndBuf = Buffer; c.Mss = 8960; });
        int a = w.Connect();
        int b = w.Pair.B.Accept(w.Pair.Now, w.Pair.Listener);
        Assert.True(b >= 0);

        var ia = new TcpInfo();
        var ib = new TcpInfo();
        Assert.True(w.Pair.A.GetInfo(a, ia));
        Assert.True(w.Pair.B.GetInfo(b, ib));
        Assert.Equal((5, 5), (ia.SndWndShift, ia.RcvWndShift)); // 1 MB >> 5 = 32 768 units
        Assert.Equal((5, 5), (ib.SndWndShift, ib.RcvWndShift));

        var data = new byte[Buffer];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7 + 3);
        var read = new byte[Buffer];
        long sent = 0, received = 0;
        int maxFlight = 0, maxSndWnd = 0, maxRcvWnd = 0;
        for (int round = 0; received < Total && round < 100000; round++)
        {
            if (sent < Total)
            {
                int offset = (int)(sent % Buffer);
                int want = (int)Math.Min(Total - sent, Buffer - offset);
                int n = w.Pair.A.Send(w.Pair.Now, a, data, offset, want);
                if (n > 0) sent += n;
            }
            Assert.True(w.Pair.A.GetInfo(a, ia));
            maxFlight = Math.Max(maxFlight, (int)(ia.SndMax - ia.SndUna));
            maxSndWnd = Math.Max(maxSndWnd, ia.SndWnd);
            w.Step();
            Assert.True(w.Pair.B.GetInfo(b, ib));
            maxRcvWnd = Math.Max(maxRcvWnd, ib.RcvWnd);
            int r;
            while ((r = w.Pair.B.Receive(w.Pair.Now, b, read, 0, read.Length)) > 0)
            {
                for (int i = 0; i < r; i++)
                    if (read[i] != data[(int)((received + i) % Buffer)]) Assert.Fail($"byte {received + i} differs");
                received += r;
            }
            w.Step();
        }

        Assert.Equal(Total, received);
        Assert.Equal(0, w.Pair.A.Counters.Retransmissions);
        Assert.True(maxSndWnd > 65535, $"the sender's largest SND.WND was {maxSndWnd}");
        Assert.True(maxRcvWnd > 65535, $"the receiver's largest RCV.WND was {maxRcvWnd}");
        Assert.True(maxFlight > 65535, $"at most {maxFlight} bytes were in flight");
    }

    [Theory]
    [InlineData(1 << 18, 1)]
    [InlineData(100_000, 2)]
    [InlineData(1 << 20, 3)]
    public void OurScaledWindowNeverExceedsTheFreeSpaceNorPullsTheEdgeBackButAtTheBuffersEnd(int rcvBuf, int seed)
    {
        // A sends writes of random sizes (Nagle off, so each goes as it is); B reads now and then.
        // Every segment B sends is checked as it leaves: its window, shifted, fits the free space,
        // and the right edge the peer sees moves left only where rounding up would not have fit.
        var rng = new Random(seed);
        var w = new Wire2(c => { c.Capacity = 1; c.RcvBuf = rcvBuf; c.SndBuf = 1 << 16; c.Mss = 1460; c.NoDelay = true; });
        int a = w.Connect();
        int b = w.Pair.B.Accept(w.Pair.Now, w.Pair.Listener);
        var info = new TcpInfo();
        Assert.True(w.Pair.B.GetInfo(b, info));
        int shift = info.RcvWndShift;
        Assert.True(shift > 0);

        uint? seen = null;
        uint honoured = info.RcvNxt + (uint)info.RcvWnd;
        int checkedSegments = 0, heldAtTheEnd = 0;
        var previous = w.Pair.OnTransmit!;
        w.Pair.OnTransmit = (fromA, bytes) =>
        {
            previous(fromA, bytes);
            if (fromA) return;
            Segment s = Harness.Parse(bytes);
            if (!s.Has(TcpFlags.Ack) || s.Has(TcpFlags.Syn) || s.Has(TcpFlags.Rst)) return;
            Assert.True(w.Pair.B.GetInfo(b, info));
            int free = info.RcvBufFree;
            Assert.True(s.Window << shift <= free, $"window {s.Window} << {shift} with {free} bytes free");
            uint edge = s.Ack + (uint)(s.Window << shift);
            if (seen is uint last && SeqNum.Lt(edge, last))
            {
                Assert.True(last - edge < 1u << shift, $"the edge moved back from {last} to {edge}");
                Assert.True((s.Window + 1) << shift > free, "rounded down although rounding up fitted the free space");
                heldAtTheEnd++;
            }
            uint promised = info.RcvNxt + (uint)info.RcvWnd;
            Assert.False(SeqNum.Lt(promised, honoured), "RCV.ADV moved left");
            honoured = promised;
            Assert.False(SeqNum.Lt(promised, edge), "an edge shown beyond RCV.ADV");
            seen = seen is uint l && SeqNum.Gt(l, edge) ? l : edge;
            checkedSegments++;
        };

        var data = new byte[4000];
        var sink = new byte[1 << 20];
        for (int round = 0; round < 3000; round++)
        {
            w.Pair.A.Send(w.Pair.Now, a, data, 0, rng.Next(1, data.Length));
            w.Step();
            if (rng.Next(4) == 0) w.Pair.B.Receive(w.Pair.Now, b, sink, 0, rng.Next(1, rcvBuf));
            w.Step();
        }
        Assert.True(checkedSegments > 1000, $"{checkedSegments} segments checked");
        Assert.True(w.Pair.B.GetInfo(b, info));
        Assert.Equal(0, w.Pair.A.Counters.Retransmissions);
        Assert.True(heldAtTheEnd > 0, "the buffer's end was never reached: the case that rounds down is not exercised");
    }
}
