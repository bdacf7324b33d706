using NanoTcp;
using NanoTcp.Board;
using NanoTcp.Device;
using NanoTcp.Scripting;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Per-connection options (SetOption/GetOption), their defaults and inheritance, the delayed-ACK
/// bound (MUST-40) and the challenge-ACK budgets (RFC 5961 §7).
/// </summary>
public class SocketOptionTests
{
    const int Port = 80;

    static readonly int[] AllOptions =
    {
        SocketOption.NoDelay, SocketOption.KeepAlive, SocketOption.KeepIdleMs, SocketOption.KeepIntervalMs,
        SocketOption.KeepCount, SocketOption.UserTimeoutMs, SocketOption.RcvBuf, SocketOption.SndBuf,
        SocketOption.KeepInitMs, SocketOption.NoOpt,
    };

    [Fact]
    public void A_new_connection_starts_with_the_configured_defaults()
    {
        var h = new Harness(c => { c.KeepAliveIdleMs = 30000; c.KeepAliveIntervalMs = 5000; c.KeepAliveCount = 4; c.NoDelay = true; c.UserTimeoutMs = 9000; c.RcvBuf = 1500; c.SndBuf = 700; });
        int l = h.Engine.Listen(h.Now, Port, 1);
        Assert.Equal(1, h.Engine.GetOption(l, SocketOption.NoDelay));
        Assert.Equal(1, h.Engine.GetOption(l, SocketOption.KeepAlive));
        Assert.Equal(30000, h.Engine.GetOption(l, SocketOption.KeepIdleMs));
        Assert.Equal(5000, h.Engine.GetOption(l, SocketOption.KeepIntervalMs));
        Assert.Equal(4, h.Engine.GetOption(l, SocketOption.KeepCount));
        Assert.Equal(9000, h.Engine.GetOption(l, SocketOption.UserTimeoutMs));
        Assert.Equal(1500, h.Engine.GetOption(l, SocketOption.RcvBuf));
        Assert.Equal(700, h.Engine.GetOption(l, SocketOption.SndBuf));
        Assert.Equal(0, h.Engine.GetOption(l, SocketOption.KeepInitMs));
        Assert.Equal(0, h.Engine.GetOption(l, SocketOption.NoOpt));
        foreach (int o in AllOptions) Assert.Equal(h.Engine.DefaultOption(o), h.Engine.GetOption(l, o));
    }

    [Fact]
    public void Keep_alive_off_by_default_waits_two_hours_once_turned_on()
    {
        var h = new Harness();
        int l = h.Engine.Listen(h.Now, Port, 1);
        Assert.Equal(0, h.Engine.GetOption(l, SocketOption.KeepAlive));
        Assert.Equal(7_200_000, h.Engine.GetOption(l, SocketOption.KeepIdleMs)); // RFC 1122 §4.2.3.6, MUST-28
    }

    [Fact]
    public void Bad_handles_options_and_values_are_errors()
    {
        var h = new Harness();
        int l = h.Engine.Listen(h.Now, Port, 1);
        Assert.Equal(-TcpError.BadHandle, h.Engine.SetOption(h.Now, l + 1, SocketOption.NoDelay, 1));
        Assert.Equal(-TcpError.BadHandle, h.Engine.GetOption(-1, SocketOption.NoDelay));
        Assert.Equal(-TcpError.NoProtocolOption, h.Engine.SetOption(h.Now, l, 99, 1));
        Assert.Equal(-TcpError.NoProtocolOption, h.Engine.GetOption(l, 0));
        Assert.Equal(-TcpError.Invalid, h.Engine.SetOption(h.Now, l, SocketOption.KeepCount, 0));
        Assert.Equal(-TcpError.Invalid, h.Engine.SetOption(h.Now, l, SocketOption.UserTimeoutMs, -1));
        Assert.Equal(-TcpError.Invalid, h.Engine.SetOption(h.Now, l, SocketOption.RcvBuf, 0));
        Assert.Equal("ENOPROTOOPT", TcpError.Name(TcpError.NoProtocolOption));
    }

    [Fact]
    public void Buffers_are_clamped_to_the_slot()
    {
        var h = new Harness(c => { c.RcvBuf = 2048; c.SndBuf = 1024; });
        int l = h.Engine.Listen(h.Now, Port, 1);
        Assert.Equal(0, h.Engine.SetOption(h.Now, l, SocketOption.RcvBuf, 1_000_000));
        Assert.Equal(2048, h.Engine.GetOption(l, SocketOption.RcvBuf));
        Assert.Equal(0, h.Engine.SetOption(h.Now, l, SocketOption.SndBuf, 5000));
        Assert.Equal(1024, h.Engine.GetOption(l, SocketOption.SndBuf));
    }

    [Fact]
    public void A_connection_inherits_its_listeners_options_and_keeps_its_own_after()
    {
        var h = new Harness();
        int l = h.Engine.Listen(h.Now, Port, 2);
        h.Engine.SetOption(h.Now, l, SocketOption.NoDelay, 1);
        h.Engine.SetOption(h.Now, l, SocketOption.KeepAlive, 1);
        h.Engine.SetOption(h.Now, l, SocketOption.KeepIdleMs, 1234);
        h.Engine.SetOption(h.Now, l, SocketOption.UserTimeoutMs, 4321);
        h.Engine.SetOption(h.Now, l, SocketOption.RcvBuf, 1000);
        var (c1, _) = h.OpenPassive(l, Port, 5000, 100);
        foreach (int o in AllOptions) Assert.Equal(h.Engine.GetOption(l, o), h.Engine.GetOption(c1, o));

        h.Engine.SetOption(h.Now, c1, SocketOption.NoDelay, 0);
        Assert.Equal(1, h.Engine.GetOption(l, SocketOption.NoDelay)); // the listener is not changed by its child
        h.Engine.SetOption(h.Now, l, SocketOption.KeepIdleMs, 999);
        Assert.Equal(1234, h.Engine.GetOption(c1, SocketOption.KeepIdleMs)); // nor the child by its listener, once born
    }

    [Fact]
    public void The_advertised_window_honours_SO_RCVBUF_from_the_SYN_ACK_on()
    {
        var h = new Harness(c => c.RcvBuf = 2048);
        int l = h.Engine.Listen(h.Now, Port, 1);
        h.Engine.SetOption(h.Now, l, SocketOption.RcvBuf, 700);
        h.Inject(TcpFlags.Syn, 100, 0, 5000, Port, mss: 1000);
        Segment synAck = h.Last();
        Assert.Equal(700, synAck.Window);
    }

    [Fact]
    public void Options_set_before_connect_reach_the_SYN()
    {
        var h = new Harness(c => c.RcvBuf = 2048);
        int s = h.Engine.Open(h.Now);
        Assert.True(s >= 0);
        Assert.Equal(TcpState.Closed, h.Engine.StateOf(s));
        Assert.Equal(0, h.Engine.SetOption(h.Now, s, SocketOption.RcvBuf, 900));
        Assert.Equal(0, h.Engine.SetOption(h.Now, s, SocketOption.NoOpt, 1));
        Assert.Empty(h.Sent);
        Assert.Equal(0, h.Engine.Connect(h.Now, s, 0, Harness.PeerAddr, 7));
        Segment syn = h.Last();
        Assert.Equal(TcpFlags.Syn, syn.Flags);
        Assert.Equal(900, syn.Window);
        Assert.Equal(0, syn.Mss); // TCP_NOOPT: no MSS option
        Assert.Equal(TcpState.SynSent, h.Engine.StateOf(s));
        Assert.Equal(-TcpError.IsConnected, h.Engine.Connect(h.Now, s, 0, Harness.PeerAddr, 7));
    }

    [Theory]
    [InlineData(SocketOption.UserTimeoutMs, 2500)]
    [InlineData(SocketOption.KeepInitMs, 2500)]
    public void A_time_limit_ends_the_handshake_on_time(int option, int ms)
    {
        var h = new Harness(c => { c.RtoInitialMs = 1000; c.RtoMinMs = 1000; c.SynMaxRetries = 50; });
        int s = h.Engine.Open(h.Now);
        Assert.Equal(0, h.Engine.SetOption(h.Now, s, option, ms));
        Assert.Equal(0, h.Engine.Connect(h.Now, s, 0, Harness.PeerAddr, 7));
        h.Advance(2499);
        Assert.Equal(TcpState.SynSent, h.Engine.StateOf(s)); // SYN at 0, again at 1000 (then the timeout doubles)
        Assert.Equal(2, h.Sent.Count);
        h.Advance(1);
        Assert.Equal(TcpState.Closed, h.Engine.StateOf(s));  // 2500: given up, though 3000 was the next retransmission
        Assert.Equal(2, h.Sent.Count);                        // no RST in SYN_SENT
        Assert.Equal(TcpError.TimedOut, h.Engine.TakeError(s));
    }

    [Fact]
    public void An_opened_socket_listens_and_closes()
    {
        var h = new Harness();
        int s = h.Engine.Open(h.Now);
        Assert.Equal(-TcpError.Invalid, h.Engine.Listen(h.Now, s, 0, 1));
        Assert.Equal(0, h.Engine.Listen(h.Now, s, Port, 1));
        Assert.Equal(TcpState.Listen, h.Engine.StateOf(s));
        int other = h.Engine.Open(h.Now);
        Assert.Equal(-TcpError.AddressInUse, h.Engine.Listen(h.Now, other, Port, 1));
        Assert.Equal(0, h.Engine.Close(h.Now, other));
        Assert.False(h.Engine.SlotInUse(HarnessExtensions.SlotOf(other)));
    }

    [Fact]
    public void Send_honours_SO_SNDBUF()
    {
        var h = new Harness(c => c.SndBuf = 2048);
        int l = h.Engine.Listen(h.Now, Port, 1);
        var (c1, _) = h.OpenPassive(l, Port, 5000, 100);
        h.Engine.SetOption(h.Now, c1, SocketOption.SndBuf, 300);
        Assert.Equal(300, h.Engine.SendSpace(c1));
        Assert.Equal(300, h.Engine.Send(h.Now, c1, new byte[1000], 0, 1000));
        Assert.Equal(-TcpError.WouldBlock, h.Engine.Send(h.Now, c1, new byte[10], 0, 10));
        Assert.Equal(0, h.Engine.Poll(c1) & TcpEvents.Writable);
    }

    [Fact]
    public void TCP_NODELAY_releases_what_Nagle_holds_and_small_writes_go_at_once()
    {
        var h = new Harness();
        int l = h.Engine.Listen(h.Now, Port, 1);
        var (c1, _) = h.OpenPassive(l, Port, 5000, 100);
        Assert.Equal(0, h.Engine.GetOption(c1, SocketOption.NoDelay)); // Nagle on by default
        h.Engine.Send(h.Now, c1, new byte[10], 0, 10);
        Assert.Single(h.Sent);
        h.Engine.Send(h.Now, c1, new byte[10], 0, 10);
        Assert.Single(h.Sent); // held: 10 bytes are unacknowledged (RFC 9293 §3.7.4)
        Assert.Equal(0, h.Engine.SetOption(h.Now, c1, SocketOption.NoDelay, 1));
        Assert.Equal(2, h.Sent.Count); // released at once
        Assert.Equal(10, h.Last().PayloadLength);
        h.Engine.Send(h.Now, c1, new byte[5], 0, 5);
        Assert.Equal(3, h.Sent.Count);
    }

    [Fact]
    public void Turning_keep_alive_on_arms_it_and_off_disarms_it()
    {
        var h = new Harness();
        int l = h.Engine.Listen(h.Now, Port, 1);
        var (c1, _) = h.OpenPassive(l, Port, 5000, 100);
        Assert.Equal(long.MaxValue, h.Engine.NextDeadline);
        h.Engine.SetOption(h.Now, c1, SocketOption.KeepIdleMs, 3000);
        h.Engine.SetOption(h.Now, c1, SocketOption.KeepAlive, 1);
        Assert.Equal(h.Now + 3000, h.Engine.NextDeadline);
        h.Engine.SetOption(h.Now, c1, SocketOption.KeepAlive, 0);
        Assert.Equal(long.MaxValue, h.Engine.NextDeadline);
    }

    [Fact]
    public void A_zero_window_peer_that_answers_probes_outlives_the_user_timeout()
    {
        var h = new Harness(c => { c.RtoInitialMs = 500; c.RtoMinMs = 500; c.RtoMaxMs = 2000; });
        int l = h.Engine.Listen(h.Now, Port, 1);
        var (c1, iss) = h.OpenPassive(l, Port, 5000, 100);
        Assert.Equal(0, h.Engine.SetOption(h.Now, c1, SocketOption.UserTimeoutMs, 3000));
        h.Inject(TcpFlags.Ack, 101, iss + 1, 5000, Port, window: 0);
        Assert.Equal(100, h.Engine.Send(h.Now, c1, new byte[100], 0, 100));
        while (h.Now < 20000) // 20 s of probes, each answered "still zero"
        {
            h.NextTransmission();
            h.Inject(TcpFlags.Ack, 101, iss + 1, 5000, Port, window: 0);
        }
        Assert.Equal(TcpState.Established, h.StateOf(Port, 5000));
        long silentFrom = h.Now;
        h.Advance(3000 + 2000); // unanswered: gone within the user timeout and one backed-off probe
        Assert.Equal(TcpState.Closed, h.Engine.StateOf(c1));
        Assert.Contains(h.Log, x => x.Contains("retries-exhausted"));
        Assert.True(h.Now - silentFrom <= 5000);
    }

    [Fact]
    public void Without_a_user_timeout_the_retry_count_decides()
    {
        var h = new Harness(c => { c.RtoInitialMs = 100; c.RtoMinMs = 100; c.RtoMaxMs = 100; c.MaxRetries = 3; });
        int l = h.Engine.Listen(h.Now, Port, 1);
        var (c1, _) = h.OpenPassive(l, Port, 5000, 100);
        h.Engine.Send(h.Now, c1, new byte[10], 0, 10);
        h.Advance(350);
        Assert.Equal(TcpState.Established, h.Engine.StateOf(c1)); // three retransmissions at 100, 200, 300
        h.Advance(100);
        Assert.Equal(TcpState.Closed, h.Engine.StateOf(c1));    // the fourth timeout gives up
        Assert.Equal(0, h.Engine.SetOption(h.Now, c1, SocketOption.UserTimeoutMs, 0));
    }

    // ---- delayed ACK: under 500 ms (RFC 9293 §3.8.6.3, MUST-40) ---------------------------------

    [Theory]
    [InlineData(0, true)]
    [InlineData(200, true)]
    [InlineData(499, true)]
    [InlineData(500, false)]
    [InlineData(2000, false)]
    public void Delayed_ack_must_be_under_half_a_second(int ms, bool valid)
    {
        var cfg = new TcpConfig();
        Assert.True(cfg.Set("delayed_ack_ms", ms));
        string? reason = cfg.Validate();
        if (valid) Assert.Null(reason);
        else
        {
            Assert.NotNull(reason);
            Assert.Contains("delayed_ack_ms must be 0..499", reason);
            Assert.Contains("MUST-40", reason);
            Assert.Throws<ArgumentException>(() => new TcpEngine(cfg, new Harness(), new Harness()));
        }
    }

    [Fact]
    public void Delayed_ack_of_500_is_refused_by_scripts_the_device_and_the_board()
    {
        ScriptResult r = ScriptRunner.Run("--delayed_ack_ms=500\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
        Assert.False(r.Passed);
        Assert.Equal(1, r.Line);
        Assert.Contains("delayed by less than 500 ms", r.Message);

        var device = new DeviceSettings();
        Assert.Null(device.Set("delayed_ack_ms", "500"));
        Assert.Contains("MUST-40", device.Validate());

        Assert.Null(BoardOptions.Parse(["--delayed-ack-ms", "500"], out string? error, out _));
        Assert.Contains("delayed-ack-ms must be 0..499", error);
        Assert.NotNull(BoardOptions.Parse(["--delayed-ack-ms", "499"], out error, out _));
    }

    [Fact]
    public void The_device_takes_nodelay_and_user_timeout_as_defaults_for_its_connections()
    {
        var device = new DeviceSettings();
        Assert.Null(device.Set("nodelay", "1"));
        Assert.Null(device.Set("user_timeout_ms", "30000"));
        Assert.Null(device.Validate());
        Assert.True(device.Tcp.NoDelay);
        Assert.Equal(30000, device.Tcp.UserTimeoutMs);
        Assert.NotNull(device.Set("nodelay", "2"));
    }

    // ---- challenge ACKs (RFC 5961 §7) --------------------------------------------------------------

    /// <summary>Sends n in-window SYNs on a connection; returns the challenge ACKs they drew.</summary>
    static int ProvokeChallenges(Harness h, int peerPort, uint peerIsn, uint iss, int n)
    {
        h.Sent.Clear();
        for (int i = 0; i < n; i++) h.Inject(TcpFlags.Syn, peerIsn + 1, 0, peerPort, Port);
        return h.Sent.Count;
    }

    [Fact]
    public void One_connection_cannot_spend_anothers_challenge_acks()
    {
        var h = new Harness(c => { c.ChallengeAckLimit = 5; c.ChallengeAckGlobalLimit = 1000; });
        int l = h.Engine.Listen(h.Now, Port, 2);
        var (_, issA) = h.OpenPassive(l, Port, 5000, 100);
        var (_, issB) = h.OpenPassive(l, Port, 5001, 200);
        Assert.Equal(5, ProvokeChallenges(h, 5000, 100, issA, 8));
        Assert.Equal(5, ProvokeChallenges(h, 5001, 200, issB, 8));
        Assert.Contains(h.Log, x => x.Contains("CHALLENGE-ACK suppressed=syn"));
        h.Advance(1000);
        Assert.Equal(5, ProvokeChallenges(h, 5000, 100, issA, 8));
    }

    [Fact]
    public void The_global_budget_is_drawn_at_random_each_second_around_its_limit()
    {
        const int limit = 40;
        var budgets = new List<int>();
        var h = new Harness(c => { c.ChallengeAckLimit = 1000; c.ChallengeAckGlobalLimit = limit; c.Capacity = 8; });
        int l = h.Engine.Listen(h.Now, Port, 4);
        var (_, iss) = h.OpenPassive(l, Port, 5000, 100);
        for (int second = 0; second < 50; second++)
        {
            int sent = ProvokeChallenges(h, 5000, 100, iss, 200);
            Assert.Equal(h.Engine.ChallengeAckBudget, sent);
            Assert.InRange(sent, limit / 2, limit / 2 + limit - 1);
            budgets.Add(sent);
            h.Advance(1000);
        }
        Assert.True(budgets.Distinct().Count() >= 10, "the budget hardly varies: " + string.Join(",", budgets));
    }

    [Fact]
    public void The_global_budget_depends_on_the_secret_key()
    {
        static List<int> Budgets(ulong key)
        {
            var h = new Harness(c => { c.ChallengeAckGlobalLimit = 1000; c.ChallengeAckLimit = 5000; c.IsnKey0 = key; });
            int l = h.Engine.Listen(h.Now, Port, 1);
            var (_, iss) = h.OpenPassive(l, Port, 5000, 100);
            var list = new List<int>();
            for (int i = 0; i < 5; i++) { ProvokeChallenges(h, 5000, 100, iss, 1); list.Add(h.Engine.ChallengeAckBudget); h.Advance(1000); }
            return list;
        }
        Assert.Equal(Budgets(1), Budgets(1));
        Assert.NotEqual(Budgets(1), Budgets(2));
    }
}
