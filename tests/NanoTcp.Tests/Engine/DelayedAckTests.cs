using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>
/// Delayed ACK's bound: RFC 1122 §4.2.3.2 says the delay MUST be less than 0.5 s, so 500 ms or more
/// is refused when the settings are validated. What it does when on: tests/scripts/delayed-ack-*.pkt.
/// </summary>
public class DelayedAckTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(200, true)]
    [InlineData(499, true)]
    [InlineData(500, false)]
    [InlineData(2000, false)]
    public void The_delay_must_be_under_half_a_second(int ms, bool accepted)
    {
        var cfg = new TcpConfig();
        cfg.Set("delayed_ack_ms", ms);
        Assert.Equal(ms, cfg.DelayedAckMs);
        Assert.Equal(accepted, cfg.Validate() == null);
    }
}
