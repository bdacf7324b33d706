namespace NanoTcp.Tests.Engine;

/// <summary>
/// A flood is made of segments of no connection, and each would cost a line on a serial port that
/// carries about 150 a second. At most <see cref="TcpConfig.NoConnectionLinesPerSecond"/> such lines
/// are written each second; the rest are counted and said as one SUPPRESSED line once their second
/// is over, while the lines about connections are all written.
/// </summary>
public class NoConnectionLineTests
{
    static int Count(Harness h, string what) => h.Log.Count(l => l.Contains(what));

    [Fact]
    public void A_flood_of_SYNs_writes_the_seconds_budget_then_one_count_and_every_connection_line()
    {
        var h = new Harness(c => { c.Capacity = 4; c.SynBacklog = 2; });
        h.Engine.Listen(h.Now, 7, 8);
        h.Now = 1000;
        for (int i = 0; i < 1000; i++) h.Inject(TcpFlags.Syn, 5000u + (uint)i, 0, 20000 + i, 7, mss: 1000);
        for (int i = 0; i < 300; i++) h.Inject(TcpFlags.Syn, 9000, 0, 30000 + i, 9); // no listener: RST-OUT

        Assert.Equal(2, Count(h, "LISTEN->SYN_RECEIVED"));       // the backlog's two slots, both said
        Assert.Equal(998, h.Engine.Counters.SynCookiesSent);      // every cookie sent...
        Assert.Equal(20, Count(h, " SYN-COOKIE tx="));            // ...the second's budget of them said
        Assert.Equal(0, Count(h, "RST-OUT"));                     // the budget was spent
        Assert.Equal(0, Count(h, "SUPPRESSED"));                  // the second is not over

        h.Now = 1999;
        h.Engine.Tick(h.Now);
        Assert.Equal(0, Count(h, "SUPPRESSED"));
        h.Now = 2000;
        h.Engine.Tick(h.Now);
        Assert.Equal("2000 - SUPPRESSED lines=1278", Assert.Single(h.Log, l => l.Contains("SUPPRESSED")));

        // A new second, a new budget.
        h.Inject(TcpFlags.Syn, 9000, 0, 31000, 9);
        Assert.Single(h.Log, l => l.Contains("RST-OUT") && l.Contains(":31000"));
    }

    [Fact]
    public void A_count_still_owed_is_said_before_the_next_line_of_a_later_second()
    {
        var h = new Harness(c => c.NoConnectionLinesPerSecond = 3);
        for (int i = 0; i < 5; i++) h.Inject(TcpFlags.Syn, 9000, 0, 30000 + i, 9);
        h.Now = 5000; // no Tick in between
        h.Inject(TcpFlags.Syn, 9000, 0, 31000, 9);
        string[] lines = h.Log.Where(l => l.Contains(" - ")).ToArray();
        Assert.Equal(5, lines.Length);
        Assert.Equal("5000 - SUPPRESSED lines=2", lines[3]);
        Assert.Contains(":31000 RST-OUT", lines[4]);
    }

    [Fact]
    public void Zero_writes_every_line()
    {
        var h = new Harness(c => c.NoConnectionLinesPerSecond = 0);
        for (int i = 0; i < 500; i++) h.Inject(TcpFlags.Syn, 9000, 0, 30000 + i, 9);
        h.Now = 3000;
        h.Engine.Tick(h.Now);
        Assert.Equal(500, Count(h, "RST-OUT"));
        Assert.Equal(0, Count(h, "SUPPRESSED"));
    }
}
