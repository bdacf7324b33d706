using NanoTcp.Scripting;

namespace NanoTcp.Tests.Scripting;

/// <summary>The "%{ peer_port = N }%" extension: several connections from the script's peer in one script.</summary>
public class PeerPortTests
{
    const string TwoFlows =
        "--capacity=5\n" +
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n" +
        "+0 bind(3, ..., ...) = 0\n" +
        "+0 listen(3, 4) = 0\n" +
        "+0 < S 0:0(0) win 32792 <mss 1000>\n" +          // line 5: from the default port 40000
        "+0 > S. 0:0(0) ack 1 <mss 1024>\n" +
        "+0 %{ peer_port = 40001 }%\n" +
        "+0 < S 500:500(0) win 32792 <mss 1000>\n" +      // line 8: a second connection
        "+0 > S. 0:0(0) ack 501 <mss 1024>\n" +           // seq relative to that connection's own ISS
        "+0 %{ peer_port = 40000 }%\n" +
        "+0.1 < . 1:1(0) ack 1 win 32792\n" +             // ack relative to the first connection's ISS
        "+0 %{ assert tcpi_state == TCP_ESTABLISHED }%\n" +
        "+0 %{ peer_port = 40001 }%\n" +
        "+0 %{ assert tcpi_state == TCP_SYN_RECV }%\n";

    [Fact]
    public void Each_peer_port_is_its_own_connection_with_its_own_iss()
    {
        ScriptResult r = ScriptRunner.Run(TwoFlows);
        Assert.True(r.Passed, ScriptFilesTests.Report("script", r));
    }

    [Fact]
    public void A_packet_for_another_flow_is_reported_with_its_port()
    {
        // Without switching back to 40000, the ACK goes out from 40001 and completes nothing.
        string text = TwoFlows.Replace("+0 %{ peer_port = 40000 }%\n", "");
        ScriptResult r = ScriptRunner.Run(text);
        Assert.False(r.Passed);
        Assert.Equal(11, r.Line);
    }

    [Theory]
    [InlineData("peer_port = 0")]
    [InlineData("peer_port = 70000")]
    [InlineData("peer_port = x")]
    public void A_bad_port_is_a_syntax_error(string statement)
    {
        ScriptResult r = ScriptRunner.Run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ " + statement + " }%\n");
        Assert.False(r.Passed);
        Assert.Equal(2, r.Line);
        Assert.Contains("peer_port", r.Message);
    }
}
