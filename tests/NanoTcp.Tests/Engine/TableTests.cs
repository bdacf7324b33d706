using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// The fixed connection table (docs/design.md §5): exact capacity, the table-full policy (oldest TIME_WAIT,
/// then oldest LAST_ACK/CLOSING, else RST), the SYN backlog, stale handles and ephemeral ports.
/// </summary>
public class TableTests
{
    const int Port = 7;

    sealed record Conn(int Handle, int Slot, int PeerPort, uint Iss, uint PeerIsn);

    static Harness NewTable(int capacity, out int listener)
    {
        var h = new Harness(c => c.Capacity = capacity);
        listener = h.Engine.Listen(0, Port, 16);
        Assert.True(listener >= 0);
        return h;
    }

    static Conn Open(Harness h, int listener, int peerPort)
    {
        uint peerIsn = (uint)peerPort * 1000;
        var (c, iss) = h.OpenPassive(listener, Port, peerPort, peerIsn);
        return new Conn(c, HarnessExtensions.SlotOf(c), peerPort, iss, peerIsn);
    }

    /// <summary>We close first and the peer's FIN comes with the ACK of ours: TIME_WAIT.</summary>
    static void ToTimeWait(Harness h, Conn c)
    {
        h.Engine.Close(h.Now, c.Handle);
        h.Inject(TcpFlags.Fin | TcpFlags.Ack, c.PeerIsn + 1, c.Iss + 2, c.PeerPort, Port);
        Assert.Equal(TcpState.TimeWait, h.StateOf(Port, c.PeerPort));
    }

    /// <summary>The peer closes first, then we do, and our FIN is never acknowledged: LAST_ACK.</summary>
    static void ToLastAck(Harness h, Conn c)
    {
        h.Inject(TcpFlags.Fin | TcpFlags.Ack, c.PeerIsn + 1, c.Iss + 1, c.PeerPort, Port);
        h.Engine.Close(h.Now, c.Handle);
        Assert.Equal(TcpState.LastAck, h.StateOf(Port, c.PeerPort));
    }

    /// <summary>Both close at once; the peer's FIN does not acknowledge ours: CLOSING.</summary>
    static void ToClosing(Harness h, Conn c)
    {
        h.Engine.Close(h.Now, c.Handle);
        h.Inject(TcpFlags.Fin | TcpFlags.Ack, c.PeerIsn + 1, c.Iss + 1, c.PeerPort, Port);
        Assert.Equal(TcpState.Closing, h.StateOf(Port, c.PeerPort));
    }

    /// <summary>A SYN from a new peer port; returns what the engine sent in answer.</summary>
    static List<Segment> Syn(Harness h, int peerPort, uint seq)
    {
        h.Sent.Clear();
        h.Log.Clear();
        h.Inject(TcpFlags.Syn, seq, 0, peerPort, Port, mss: 1460);
        var sent = h.Sent.Select(s => Harness.Parse(s.Bytes)).ToList();
        h.Sent.Clear();
        return sent;
    }

    static void CompleteHandshake(Harness h, int peerPort, uint peerIsn, Segment synAck)
    {
        h.Inject(TcpFlags.Ack, peerIsn + 1, synAck.Seq + 1, peerPort, Port);
        Assert.Equal(TcpState.Established, h.StateOf(Port, peerPort));
    }

    // ------------------------------------------------------------------ capacity

    [Fact]
    public void CapacityCountsConnectionsAndListenersHaveSlotsOfTheirOwn()
    {
        var h = NewTable(3, out int l);
        for (int p = 1001; p <= 1003; p++) Open(h, l, p);
        for (int s = 0; s < 4; s++) Assert.True(h.Engine.SlotInUse(s)); // the listener and three connections
        Assert.Equal(3, h.Engine.ConnectionsInUse);
        Assert.Equal(1, h.Engine.ListenersInUse);
        Assert.Equal(-TcpError.NoBuffers, h.Engine.Connect(h.Now, 0, Harness.PeerAddr, 80));

        // The table is full of connections, yet listeners still open, up to Config.Listeners (5).
        for (int port = 8; port < 12; port++) Assert.True(h.Engine.Listen(h.Now, port, 4) >= 0);
        Assert.Equal(-TcpError.NoBuffers, h.Engine.Listen(h.Now, 12, 4));
        Assert.Equal(3 + 5, h.Engine.SlotCount);
    }

    [Fact]
    public void AListenerNeverTakesAConnectionsBuffers()
    {
        // One connection slot and a listener: the listener leaves the connection slot to the client.
        var h = NewTable(1, out int l);
        var a = Open(h, l, 1001);
        Assert.Equal(TcpState.Established, h.StateOf(Port, 1001));
        Assert.Equal(0, h.Engine.Available(l));
        Assert.Equal(0, h.Engine.SendSpace(l));
        Assert.True(h.Engine.SendSpace(a.Handle) > 0);
    }

    [Fact]
    public void CapacityIsExactForActiveOpens()
    {
        var h = new Harness(c => c.Capacity = 5);
        for (int i = 0; i < 5; i++) Assert.True(h.Engine.Connect(0, 0, Harness.PeerAddr, 80) >= 0);
        Assert.Equal(-TcpError.NoBuffers, h.Engine.Connect(0, 0, Harness.PeerAddr, 80));
        Assert.Equal(5, h.Sent.Count); // one SYN each, none for the refused one
    }

    // ------------------------------------------------------------------ table full

    [Fact]
    public void TableFullRecyclesTheOldestTimeWaitThenLastAckThenAnswersRst()
    {
        var h = NewTable(3, out int l);
        var a = Open(h, l, 1001);
        var b = Open(h, l, 1002);
        var c = Open(h, l, 1003);
        h.Advance(100); ToLastAck(h, a);   // the oldest closing connection, but not TIME_WAIT
        h.Advance(100); ToTimeWait(h, b);  // t = 200
        h.Advance(100); ToTimeWait(h, c);  // t = 300
        h.Advance(100);                    // t = 400

        // 1. The oldest TIME_WAIT (b, 200 ms in it) makes room, with no RST: its peer has finished already.
        var answer = Syn(h, 2001, 50);
        Assert.Equal($"400 #{b.Slot} 192.0.2.2:7 192.0.2.1:1002 RECYCLE state=TIME_WAIT age=200 why=table-full", h.Log[0]);
        var synAck = Assert.Single(answer);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(2001, synAck.DstPort);
        Assert.Equal(TcpState.Closed, h.StateOf(Port, 1002));
        Assert.Equal(TcpState.SynReceived, h.Engine.SlotState(b.Slot));
        Assert.Equal(2001, h.Engine.SlotRemotePort(b.Slot));
        CompleteHandshake(h, 2001, 50, synAck);

        // 2. Then the other TIME_WAIT.
        h.Advance(10);
        answer = Syn(h, 2002, 60);
        Assert.Contains($"#{c.Slot} 192.0.2.2:7 192.0.2.1:1003 RECYCLE state=TIME_WAIT", h.Log[0]);
        CompleteHandshake(h, 2002, 60, Assert.Single(answer));

        // 3. No TIME_WAIT left: the LAST_ACK goes, and its peer is told with a RST.
        h.Advance(10);
        answer = Syn(h, 2003, 70);
        Assert.Contains($"#{a.Slot} 192.0.2.2:7 192.0.2.1:1001 RECYCLE state=LAST_ACK", h.Log[0]);
        Assert.Contains("why=table-full", h.Log[0]);
        Assert.Equal(2, answer.Count);
        Assert.Equal(TcpFlags.Rst, answer[0].Flags);
        Assert.Equal(1001, answer[0].DstPort);
        Assert.Equal(a.Iss + 2, answer[0].Seq); // SND.NXT, after our FIN
        Assert.Equal(2003, answer[1].DstPort);
        CompleteHandshake(h, 2003, 70, answer[1]);
        Assert.Equal(3, h.Engine.Counters.SlotsRecycled);
        Assert.Equal(0, h.Engine.Counters.TableFull);

        // 4. Nothing to recycle: RST,ACK <SEQ=0><ACK=SEG.SEQ+1> (RFC 9293 §3.10.7.1), and a TABLE-FULL line.
        h.Advance(10);
        answer = Syn(h, 2004, 80);
        var rst = Assert.Single(answer);
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, rst.Flags);
        Assert.Equal(0u, rst.Seq);
        Assert.Equal(81u, rst.Ack);
        Assert.Equal(Port, rst.SrcPort);
        Assert.Equal(2004, rst.DstPort);
        Assert.Equal(1, h.Engine.Counters.TableFull);
        Assert.Contains(h.Log, x => x.Contains(" - 192.0.2.2:7 192.0.2.1:2004 TABLE-FULL rx=[S] seq=80"));
        Assert.Contains(h.Log, x => x.Contains("RST-OUT tx=[R.] seq=0 ack=81 why=table-full"));
        Assert.Equal(TcpState.Closed, h.StateOf(Port, 2004));
        for (int s = 1; s < 4; s++) Assert.Equal(TcpState.Established, h.Engine.SlotState(s));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LastAckAndClosingAreRecycledOldestFirst(bool closingIsOlder)
    {
        var h = NewTable(3, out int l);
        var x = Open(h, l, 1001);
        var y = Open(h, l, 1002);
        Open(h, l, 1003);
        h.Advance(100);
        if (closingIsOlder) ToClosing(h, x); else ToLastAck(h, x);
        h.Advance(100);
        if (closingIsOlder) ToLastAck(h, y); else ToClosing(h, y);
        h.Advance(100);

        Syn(h, 2001, 50);
        string older = closingIsOlder ? "CLOSING" : "LAST_ACK";
        Assert.Equal($"300 #{x.Slot} 192.0.2.2:7 192.0.2.1:1001 RECYCLE state={older} age=200 why=table-full", h.Log[0]);
        Assert.Equal(TcpState.Closed, h.StateOf(Port, 1001));
        Assert.NotEqual(TcpState.Closed, h.StateOf(Port, 1002));
    }

    [Fact]
    public void RecyclingIsLimitedToClosingStates()
    {
        // FIN_WAIT_1, FIN_WAIT_2 and CLOSE_WAIT connections still have a job: never recycled.
        var h = NewTable(3, out int l);
        var a = Open(h, l, 1001);
        var b = Open(h, l, 1002);
        var c = Open(h, l, 1003);
        h.Engine.Close(h.Now, a.Handle);                                                      // FIN_WAIT_1
        h.Engine.Close(h.Now, b.Handle);
        h.Inject(TcpFlags.Ack, b.PeerIsn + 1, b.Iss + 2, b.PeerPort, Port);                  // FIN_WAIT_2
        h.Inject(TcpFlags.Fin | TcpFlags.Ack, c.PeerIsn + 1, c.Iss + 1, c.PeerPort, Port);   // CLOSE_WAIT

        var answer = Syn(h, 2001, 50);
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, Assert.Single(answer).Flags);
        Assert.Equal(0, h.Engine.Counters.SlotsRecycled);
        Assert.Equal(TcpState.FinWait1, h.StateOf(Port, 1001));
        Assert.Equal(TcpState.FinWait2, h.StateOf(Port, 1002));
        Assert.Equal(TcpState.CloseWait, h.StateOf(Port, 1003));
    }

    // ------------------------------------------------------------------ SYN backlog

    static int HalfOpen(Harness h) =>
        Enumerable.Range(0, h.Engine.SlotCount).Count(s => h.Engine.SlotState(s) == TcpState.SynReceived);

    [Fact]
    public void WithoutCookiesASynFloodHoldsAtMostHalfTheTableAndAConnectionStillGetsThrough()
    {
        var h = new Harness(c => { c.Capacity = 8; c.SynCookies = false; }); // half-open limit: half the 8 connection slots
        int l = h.Engine.Listen(0, Port, 16);
        int peak = 0;
        for (int i = 0; i < 100; i++)
        {
            h.Inject(TcpFlags.Syn, (uint)i * 7919, 0, 10000 + i, Port);
            peak = Math.Max(peak, HalfOpen(h));
            h.Advance(1);
        }
        Assert.Equal(4, peak);
        Assert.Equal(96, h.Engine.Counters.SlotsRecycled);
        Assert.Contains(h.Log, x => x.Contains("RECYCLE state=SYN_RECEIVED") && x.Contains("why=syn-backlog"));

        // A real client connects in the middle of the flood: a few more SYNs arrive between its SYN and ACK.
        h.Sent.Clear();
        h.Inject(TcpFlags.Syn, 555, 0, 20000, Port);
        var synAck = h.Last();
        Assert.Equal(20000, synAck.DstPort);
        for (int i = 100; i < 103; i++) h.Inject(TcpFlags.Syn, (uint)i, 0, 10000 + i, Port);
        h.Inject(TcpFlags.Ack, 556, synAck.Seq + 1, 20000, Port);
        Assert.Equal(TcpState.Established, h.StateOf(Port, 20000));

        // The flood goes on; the established connection is not touched and carries data.
        for (int i = 103; i < 200; i++)
        {
            h.Inject(TcpFlags.Syn, (uint)i, 0, 10000 + i, Port);
            Assert.True(HalfOpen(h) <= 4);
        }
        int c = h.Engine.Accept(h.Now, l);
        Assert.Equal(20000, h.Engine.RemotePort(c));
        h.Sent.Clear();
        h.InjectData(TcpFlags.Ack | TcpFlags.Psh, 556, synAck.Seq + 1, 20000, Port, Packets.Pattern(10));
        Assert.Equal(566u, h.TakeOnly().Ack);
        Assert.Equal(10, h.Engine.Available(c));
        Assert.Equal(0, h.Engine.Counters.TableFull);
    }

    [Fact]
    public void SynBacklogCanBeConfigured()
    {
        var h = new Harness(c => { c.Capacity = 8; c.SynBacklog = 2; c.SynCookies = false; });
        h.Engine.Listen(0, Port, 16);
        for (int i = 0; i < 10; i++) h.Inject(TcpFlags.Syn, (uint)i, 0, 10000 + i, Port);
        Assert.Equal(2, HalfOpen(h));
        // The two youngest survive: the oldest half-open connection is the one recycled.
        Assert.Equal(TcpState.SynReceived, h.StateOf(Port, 10009));
        Assert.Equal(TcpState.SynReceived, h.StateOf(Port, 10008));
        Assert.Equal(TcpState.Closed, h.StateOf(Port, 10007));
    }

    // ------------------------------------------------------------------ SYN cookies (RFC 4987 §3.6)

    [Fact]
    public void SynFloodBeyondTheBacklogGetsCookiesAndCannotEvictARealClient()
    {
        var h = NewTable(8, out int l); // half-open limit 4
        for (int i = 0; i < 100; i++)
        {
            h.Inject(TcpFlags.Syn, (uint)i * 7919, 0, 10000 + i, Port);
            Assert.True(HalfOpen(h) <= 4);
            h.Advance(1);
        }
        Assert.Equal(4, HalfOpen(h));
        Assert.Equal(96, h.Engine.Counters.SynCookiesSent);
        Assert.Equal(0, h.Engine.Counters.SlotsRecycled); // the first four half-open slots are never recycled
        Assert.Equal(TcpState.SynReceived, h.StateOf(Port, 10000));

        // A real client's SYN gets a cookie and no slot; a thousand flood SYNs arrive before its ACK.
        h.Sent.Clear();
        h.Inject(TcpFlags.Syn, 555, 0, 20000, Port, mss: 1460);
        var synAck = h.Last();
        Assert.Equal(20000, synAck.DstPort);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(556u, synAck.Ack);
        Assert.Equal(1024, synAck.Mss);
        Assert.Equal(TcpState.Closed, h.StateOf(Port, 20000));
        for (int i = 100; i < 1100; i++) h.Inject(TcpFlags.Syn, (uint)i, 0, 10000 + i, Port);
        Assert.Equal(4, HalfOpen(h));

        h.Log.Clear();
        h.Inject(TcpFlags.Ack, 556, synAck.Seq + 1, 20000, Port);
        Assert.Equal(TcpState.Established, h.StateOf(Port, 20000));
        Assert.Equal(1, h.Engine.Counters.SynCookiesAccepted);
        Assert.Contains(h.Log, x => x.Contains(" SYN-COOKIE rx=[.] seq=1 ack=1 len=0 mss=1460"));
        int c = h.Engine.Accept(h.Now, l);
        Assert.Equal(20000, h.Engine.RemotePort(c));
        h.Sent.Clear();
        h.InjectData(TcpFlags.Ack | TcpFlags.Psh, 556, synAck.Seq + 1, 20000, Port, Packets.Pattern(10));
        Assert.Equal(566u, h.TakeOnly().Ack);
        Assert.Equal(10, h.Engine.Available(c));
        // The MSS came back in the cookie: 1460 from the client, capped by ours (1024).
        Assert.Equal(2000, h.Engine.Send(h.Now, c, Packets.Pattern(2000), 0, 2000));
        Assert.Equal(1024, h.Sent.Select(x => Harness.Parse(x.Bytes).PayloadLength).Max());
        Assert.Equal(0, h.Engine.Counters.TableFull);
    }

    [Fact]
    public void ACookieIsBoundToItsTupleAndClientIsnAndExpires()
    {
        var h = new Harness(c => { c.Capacity = 8; c.SynBacklog = 1; });
        h.Engine.Listen(0, Port, 16);
        h.Inject(TcpFlags.Syn, 100, 0, 10000, Port);          // the one half-open slot
        h.Sent.Clear();
        h.Inject(TcpFlags.Syn, 5000, 0, 20000, Port);         // a cookie
        uint cookie = h.TakeOnly().Seq;

        // The same cookie from another port, or with another client ISN, is refused with RST.
        h.Inject(TcpFlags.Ack, 5001, cookie + 1, 20001, Port);
        Assert.Equal(TcpFlags.Rst, h.TakeOnly().Flags);
        h.Inject(TcpFlags.Ack, 6001, cookie + 1, 20000, Port);
        Assert.Equal(TcpFlags.Rst, h.TakeOnly().Flags);
        Assert.Equal(2, h.Engine.Counters.SynCookiesRejected);
        Assert.Contains(h.Log, x => x.Contains("RST-OUT") && x.Contains("why=bad-syn-cookie"));

        // Good for its 64-second bucket and the next: still valid 100 s later (flood still on)...
        h.Now += 100_000;
        h.Inject(TcpFlags.Syn, 9000, 0, 30000, Port);         // the flood goes on: cookies still in use
        h.Sent.Clear();
        h.Inject(TcpFlags.Ack, 5001, cookie + 1, 20000, Port);
        Assert.Equal(TcpState.Established, h.StateOf(Port, 20000));

        // ...but not two buckets on.
        h.Sent.Clear();
        h.Inject(TcpFlags.Syn, 7000, 0, 20002, Port);
        uint old = h.TakeOnly().Seq;
        h.Now += 130_000;
        h.Inject(TcpFlags.Syn, 9100, 0, 30001, Port);
        h.Sent.Clear();
        h.Inject(TcpFlags.Ack, 7001, old + 1, 20002, Port);
        Assert.Equal(TcpFlags.Rst, h.TakeOnly().Flags);
        Assert.Equal(TcpState.Closed, h.StateOf(Port, 20002));
    }

    [Fact]
    public void WithNoCookiesOutAnAckToAListenerIsReset()
    {
        var h = new Harness(c => c.Capacity = 8);
        h.Engine.Listen(0, Port, 16);
        h.Inject(TcpFlags.Ack, 5001, 12345, 20000, Port);
        Assert.Equal(TcpFlags.Rst, h.TakeOnly().Flags);
        Assert.Equal(0, h.Engine.Counters.SynCookiesRejected); // no cookie was looked for
        Assert.Contains(h.Log, x => x.Contains("why=ack-to-listener"));
    }

    // ------------------------------------------------------------------ handles

    [Fact]
    public void AHandleIsInvalidAfterClose()
    {
        var h = NewTable(3, out int l);
        var a = Open(h, l, 1001);
        Assert.Equal(0, h.Engine.Close(h.Now, a.Handle));
        Assert.Equal(TcpState.FinWait1, h.StateOf(Port, 1001)); // the connection lives on without its handle

        var buf = new byte[4];
        Assert.Equal(-TcpError.BadHandle, h.Engine.Send(h.Now, a.Handle, buf, 0, 4));
        Assert.Equal(-TcpError.BadHandle, h.Engine.Receive(h.Now, a.Handle, buf, 0, 4));
        Assert.Equal(-TcpError.BadHandle, h.Engine.Shutdown(h.Now, a.Handle, ShutdownHow.Write));
        Assert.Equal(-TcpError.BadHandle, h.Engine.Close(h.Now, a.Handle));
        Assert.Equal(-TcpError.BadHandle, h.Engine.Abort(h.Now, a.Handle));
        Assert.Equal(-TcpError.BadHandle, h.Engine.SetLinger(a.Handle, true, 0));
        Assert.Equal(-TcpError.BadHandle, h.Engine.Accept(h.Now, a.Handle));
        Assert.Equal(0, h.Engine.Poll(a.Handle));
        Assert.Equal(TcpState.Closed, h.Engine.StateOf(a.Handle));
    }

    [Fact]
    public void AStaleHandleDoesNotReachTheSlotsNextOccupant()
    {
        var h = new Harness(c => c.Capacity = 1);
        int first = h.Engine.Connect(0, 0, Harness.PeerAddr, 80);
        Assert.Equal(0, h.Engine.Close(0, first)); // SYN_SENT: released at once
        int second = h.Engine.Connect(0, 0, Harness.PeerAddr, 81);
        Assert.True(second >= 0);
        Assert.Equal(HarnessExtensions.SlotOf(first), HarnessExtensions.SlotOf(second));
        Assert.NotEqual(first, second);

        Assert.Equal(-TcpError.BadHandle, h.Engine.Close(0, first));
        Assert.Equal(TcpState.SynSent, h.Engine.StateOf(second)); // untouched by the stale close
        Assert.Equal(-TcpError.BadHandle, h.Engine.Send(0, -1, new byte[1], 0, 1));
        Assert.Equal(-TcpError.BadHandle, h.Engine.Send(0, 0x7FFF0000 | 5, new byte[1], 0, 1)); // no such slot
    }

    [Fact]
    public void AListenerHandleIsInvalidAfterClose()
    {
        var h = NewTable(3, out int l);
        Assert.Equal(0, h.Engine.Close(0, l));
        Assert.Equal(-TcpError.BadHandle, h.Engine.Accept(0, l));
        Assert.Equal(-TcpError.BadHandle, h.Engine.Close(0, l));
        Assert.True(h.Engine.Listen(0, Port, 4) >= 0); // the port is free again
    }

    [Fact]
    public void TheIndexFindsEveryLiveTupleThroughRandomOpensAndCloses()
    {
        // Active opens to random peer ports fill and empty a 64-slot table many times over: the
        // index (Robin Hood insertion, backward-shift removal) must find each live 4-tuple and
        // none that is gone.
        var h = new Harness(c => c.Capacity = 64) { Recording = false };
        var rng = new Random(7);
        var live = new Dictionary<int, int>(); // remote port -> handle
        var gone = new HashSet<int>();
        for (int step = 0; step < 20000; step++)
        {
            if (live.Count < 64 && (live.Count == 0 || rng.Next(3) > 0))
            {
                int port = rng.Next(1, 2000);
                if (live.ContainsKey(port)) continue;
                int handle = h.Engine.Connect(0, 5000, Harness.PeerAddr, port);
                Assert.True(handle >= 0, "connect failed: " + handle);
                live[port] = handle;
                gone.Remove(port);
            }
            else
            {
                int port = live.Keys.ElementAt(rng.Next(live.Count));
                Assert.Equal(0, h.Engine.Close(0, live[port])); // SYN_SENT: released at once
                live.Remove(port);
                gone.Add(port);
            }
            if (step % 97 == 0)
            {
                foreach (int port in live.Keys) Assert.Equal(TcpState.SynSent, h.Engine.StateOf(5000, Harness.PeerAddr, port));
                foreach (int port in gone) Assert.Equal(TcpState.Closed, h.Engine.StateOf(5000, Harness.PeerAddr, port));
                Assert.Equal(live.Count, h.Engine.ConnectionsInUse);
            }
        }
    }

    // ------------------------------------------------------------------ ephemeral ports

    [Fact]
    public void EphemeralPortsAreDistinct()
    {
        var h = new Harness(c => c.Capacity = 16);
        var ports = new List<int>();
        for (int i = 0; i < 16; i++)
        {
            int c = h.Engine.Connect(0, 0, Harness.PeerAddr, 80);
            Assert.True(c >= 0);
            ports.Add(h.Engine.LocalPort(c));
        }
        Assert.Equal(16, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 49152, 65535));
        // The SYNs really leave from those ports.
        Assert.Equal(ports, h.Sent.Select(s => (int)Harness.Parse(s.Bytes).SrcPort));
    }

    [Fact]
    public void EphemeralPortsWrapAndSkipPortsInUse()
    {
        var h = new Harness(c => { c.Capacity = 4; c.EphemeralPortFirst = 65534; });
        int a = h.Engine.Connect(0, 0, Harness.PeerAddr, 80);
        int b = h.Engine.Connect(0, 0, Harness.PeerAddr, 80);
        Assert.Equal(65534, h.Engine.LocalPort(a));
        Assert.Equal(65535, h.Engine.LocalPort(b));
        // Both ports are taken towards this peer: no duplicate 4-tuple is ever made.
        Assert.Equal(-TcpError.AddressInUse, h.Engine.Connect(0, 0, Harness.PeerAddr, 80));
        // Towards another remote port the same local port is fine.
        int c = h.Engine.Connect(0, 0, Harness.PeerAddr, 81);
        Assert.True(c >= 0);
        h.Engine.Close(0, a);
        int d = h.Engine.Connect(0, 0, Harness.PeerAddr, 80);
        Assert.Equal(65534, h.Engine.LocalPort(d));
    }

    [Fact]
    public void EphemeralPortsSkipAListeningPort()
    {
        var h = new Harness(c => { c.Capacity = 4; c.EphemeralPortFirst = 50000; });
        h.Engine.Listen(0, 50000, 4);
        int c = h.Engine.Connect(0, 0, Harness.PeerAddr, 80);
        Assert.Equal(50001, h.Engine.LocalPort(c));
    }
}
