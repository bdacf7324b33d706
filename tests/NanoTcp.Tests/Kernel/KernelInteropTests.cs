using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace NanoTcp.Tests.Kernel;

/// <summary>
/// The Linux kernel's own TCP as the device's peer, through `nanotcp tun`. Each test has a network
/// namespace of its own; inside it run the virtual board (or the test's own engine), the bridge
/// and the kernel's side (nc, ss). The device's side is checked through its serial log, the
/// kernel's through what nc received and what ss shows.
/// </summary>
public class KernelInteropTests
{
    const string Pc = "192.0.2.1", Device = "192.0.2.2";
    const string Interface = "nanotcp0";
    /// <summary>Short, so the device's TIME_WAIT (2·MSL) ends within the test.</summary>
    const string MslMs = "250";

    static readonly Regex Transition = new(@"^\d+ #\d+ (?<local>\S+) (?<remote>\S+) (?<from>[A-Z_0-9]+)->(?<to>[A-Z_0-9]+)\b");

    [KernelFact]
    public void Kernel_closes_first_on_echo_and_holds_TIME_WAIT()
    {
        using var ns = new NetNamespace();
        var (board, bridge) = StartBoardAndBridge(ns);

        var nc = ns.Start("nc (echo client)", "nc", "-N", Device, "7");
        nc.Write("hello through the kernel\n");
        ns.WaitForLine(nc, "echo of the line sent", line => line == "hello through the kernel");
        nc.CloseInput(); // nc -N: end of input shuts the socket down, so the kernel sends the first FIN
        ns.WaitForExit(nc);
        ns.Expect(nc.ExitCode == 0, $"nc exited with {nc.ExitCode}");

        string timeWait = ns.WaitForOutput($"kernel socket in TIME-WAIT to {Device}:7",
            output => KernelPort(output, 7) != null, "ss", "-tan", "state", "time-wait", "dst", Device);
        string port = KernelPort(timeWait, 7)!;
        ns.WaitForLine(board, "LAST_ACK->CLOSED", line => IsTransition(line, 7, port, "LAST_ACK", "CLOSED"));
        ExpectTransitions(ns, board, 7, port,
            "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->CLOSE_WAIT", "CLOSE_WAIT->LAST_ACK", "LAST_ACK->CLOSED");

        StopBridge(ns, bridge);
    }

    [KernelFact]
    public void Device_closes_first_on_daytime_and_the_kernel_is_passive()
    {
        using var ns = new NetNamespace();
        var (board, _) = StartBoardAndBridge(ns);

        // Plain nc keeps its socket open after the device's FIN until its own input ends, so the
        // test decides when the kernel closes: after the device has reached FIN_WAIT_2.
        var nc = ns.Start("nc (daytime client)", "nc", Device, "13");
        ns.WaitForLine(nc, "the daytime line", line => line.StartsWith("NanoTcp uptime", StringComparison.Ordinal));
        ns.WaitForLine(board, "FIN_WAIT_1->FIN_WAIT_2", line => IsTransition(line, 13, null, "FIN_WAIT_1", "FIN_WAIT_2"));

        // The kernel has received the end of the stream: its socket waits in CLOSE-WAIT for nc to close.
        string closeWait = ns.WaitForOutput($"kernel socket in CLOSE-WAIT to {Device}:13",
            output => KernelPort(output, 13) != null, "ss", "-tan", "state", "close-wait", "dst", Device);
        string port = KernelPort(closeWait, 13)!;

        nc.CloseInput();
        ns.WaitForExit(nc);
        ns.Expect(nc.ExitCode == 0, $"nc exited with {nc.ExitCode}");
        ns.WaitForLine(board, "TIME_WAIT->CLOSED after 2·MSL", line => IsTransition(line, 13, port, "TIME_WAIT", "CLOSED"));
        ExpectTransitions(ns, board, 13, port,
            "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->FIN_WAIT_1",
            "FIN_WAIT_1->FIN_WAIT_2", "FIN_WAIT_2->TIME_WAIT", "TIME_WAIT->CLOSED");

        // The passive side holds no TIME-WAIT: the kernel's socket is gone.
        ns.WaitForOutput($"the kernel's socket to {Device}:13 gone",
            output => KernelPort(output, 13) == null, "ss", "-tan", "dst", Device);
    }

    /// <summary>
    /// The README's two daytime one-liners. With nothing to send, nc closes as soon as the
    /// device's line and FIN arrive, so the kernel's FIN rides on its ACK of the device's FIN and
    /// the device goes FIN_WAIT_1 → TIME_WAIT directly. With a byte to send, that byte reaches
    /// the device after daytime has closed: data after close is answered with RST.
    /// </summary>
    [KernelFact]
    public void Daytime_with_nothing_to_send_skips_FIN_WAIT_2_and_with_a_byte_draws_a_RST()
    {
        using var ns = new NetNamespace();
        var (board, _) = StartBoardAndBridge(ns);

        var quiet = ns.Start("nc 192.0.2.2 13 </dev/null", "sh", "-c", $"nc {Device} 13 </dev/null");
        ns.WaitForLine(quiet, "the daytime line", line => line.StartsWith("NanoTcp uptime", StringComparison.Ordinal));
        ns.WaitForExit(quiet);
        ns.WaitForLine(board, "TIME_WAIT->CLOSED after 2·MSL", line => IsTransition(line, 13, null, "TIME_WAIT", "CLOSED"));
        string first = DevicePeerPort(board, 13).Single();
        ExpectTransitions(ns, board, 13, first,
            "LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->FIN_WAIT_1", "FIN_WAIT_1->TIME_WAIT", "TIME_WAIT->CLOSED");

        var withByte = ns.Start("printf 'x' | nc 192.0.2.2 13", "sh", "-c", $"printf 'x' | nc {Device} 13");
        ns.WaitForLine(board, "the second connection's end", line => IsTransition(line, 13, null, "FIN_WAIT_1", "CLOSED")
            || (Transition.Match(line) is { Success: true } m && m.Groups["remote"].Value != $"{Pc}:{first}" && m.Groups["to"].Value == "CLOSED"));
        ns.WaitForExit(withByte);
        string second = DevicePeerPort(board, 13).Single(p => p != first);
        string[] lines = board.Lines.Where(l => l.Contains($"{Pc}:{second} ")).ToArray();
        ns.Expect(lines.Any(l => l.Contains("FIN_WAIT_1->CLOSED") || l.Contains("FIN_WAIT_2->CLOSED")) && lines.Any(l => l.Contains("RST-OUT")),
            "the byte after daytime's close did not draw a RST:\n  " + string.Join("\n  ", lines));
        ns.Expect(!lines.Any(l => l.Contains("->TIME_WAIT")), "with a byte to send the device still reached TIME_WAIT:\n  " + string.Join("\n  ", lines));
    }

    /// <summary>
    /// Window scaling with the kernel (RFC 7323 §2): the board's 256 KB receive buffer needs shift 3;
    /// the kernel's SYN offers Window Scale, so the board's SYN-ACK answers with 3 and the kernel
    /// scales what the board advertises. ss shows the shifts (wscale:SND,RCV, the kernel's
    /// snd_wscale first: ours) and the kernel's send window, well past 64 KB.
    /// </summary>
    [KernelFact]
    public void The_kernel_scales_the_window_of_a_board_with_a_256_KB_receive_buffer()
    {
        using var ns = new NetNamespace();
        StartBoardWithAndBridge(ns, ["--rcv-buf", "262144"]);

        var nc = ns.Start("nc (echo client)", "nc", "-N", Device, "7");
        nc.Write("scaled\n");
        ns.WaitForLine(nc, "echo of the line sent", line => line == "scaled");
        string info = ns.WaitForOutput($"the kernel's connection to {Device}:7 with its window scale",
            output => output.Contains("wscale:"), "ss", "-tin", "state", "established", "dst", $"{Device}:7");
        Match m = Regex.Match(info, @"wscale:(?<snd>\d+),(?<rcv>\d+)");
        ns.Expect(m.Success && m.Groups["snd"].Value == "3", $"the kernel did not take the board's shift 3:\n{info}");
        Match wnd = Regex.Match(info, @"snd_wnd:(?<wnd>\d+)");
        ns.Expect(wnd.Success && int.Parse(wnd.Groups["wnd"].Value) > 65535, $"the kernel's send window is not above 64 KB:\n{info}");
        nc.CloseInput();
        ns.WaitForExit(nc);
    }

    /// <summary>The kernel's ports that opened a connection to the device's port, in order.</summary>
    static IEnumerable<string> DevicePeerPort(ChildProcess board, int devicePort) =>
        board.Lines.Select(line => Transition.Match(line))
            .Where(m => m.Success && m.Groups["local"].Value == $"{Device}:{devicePort}" && m.Groups["from"].Value == "LISTEN")
            .Select(m => m.Groups["remote"].Value.Split(':')[1]);

    [KernelFact]
    public void Device_connects_to_a_kernel_listener_and_closes_first()
    {
        // The device application only listens, so the device's side here is the test's own engine,
        // and the kernel's side a socket of the test's, both living in the namespace.
        using var ns = new NetNamespace();
        using var device = new UdpEngine(ns.CreateSocket(SocketType.Dgram, ProtocolType.Udp, new IPEndPoint(IPAddress.Loopback, 0)), int.Parse(MslMs));
        var bridge = ns.StartDotnet("nanotcp tun", BuiltTools.Peer, "tun", "--device", device.LocalEndPoint.ToString());
        // The bridge's status query at start-up tells the engine where the PC is, as it tells a device.
        ns.Expect(device.RunUntil(() => device.KnowsPc, NetNamespace.Patience), "the bridge never sent a datagram to the test's engine");
        ns.WaitForLine(bridge, "the ready message", line => line.StartsWith("Ctrl+C stops", StringComparison.Ordinal));

        const int Port = 5001;
        using Socket listener = ns.CreateSocket(SocketType.Stream, ProtocolType.Tcp, new IPEndPoint(IPAddress.Parse(Pc), Port));
        listener.Listen(1);

        TcpEngine engine = device.Engine;
        string Log() => "\nengine log:\n" + string.Join('\n', device.Log);
        int handle = engine.Connect(device.Now, 0, Ipv4.Address(192, 0, 2, 1), Port);
        ns.Expect(handle >= 0, $"Connect returned {handle}");
        ns.Expect(device.RunUntil(() => listener.Poll(0, SelectMode.SelectRead), NetNamespace.Patience), "the kernel never accepted the connection" + Log());
        using Socket kernel = listener.Accept();
        ns.Expect(engine.StateOf(handle) == TcpState.Established, $"the engine's connection is {engine.StateOf(handle)}" + Log());
        string port = engine.LocalPort(handle).ToString();

        // Data both ways.
        byte[] hello = Encoding.ASCII.GetBytes("hello from the device\n");
        ns.Expect(engine.Send(device.Now, handle, hello, 0, hello.Length) == hello.Length, "the engine did not take the data");
        var fromDevice = new StringBuilder();
        byte[] buffer = new byte[256];
        ns.Expect(device.RunUntil(() =>
        {
            if (kernel.Available > 0) fromDevice.Append(Encoding.ASCII.GetString(buffer, 0, kernel.Receive(buffer)));
            return fromDevice.ToString() == "hello from the device\n";
        }, NetNamespace.Patience), $"the kernel received '{fromDevice}'" + Log());

        kernel.Send(Encoding.ASCII.GetBytes("hello from the kernel\n"));
        var fromKernel = new StringBuilder();
        ns.Expect(device.RunUntil(() =>
        {
            int n = engine.Receive(device.Now, handle, buffer, 0, buffer.Length);
            if (n > 0) fromKernel.Append(Encoding.ASCII.GetString(buffer, 0, n));
            return fromKernel.ToString() == "hello from the kernel\n";
        }, NetNamespace.Patience), $"the engine received '{fromKernel}'" + Log());

        // The device closes first; the kernel acknowledges, reads the end of the stream and sits in CLOSE-WAIT.
        engine.Close(device.Now, handle);
        ns.Expect(device.RunUntil(() => device.Log.Any(line => line.Contains("FIN_WAIT_1->FIN_WAIT_2")), NetNamespace.Patience),
            "the kernel never acknowledged the engine's FIN" + Log());
        ns.Expect(device.RunUntil(() => kernel.Poll(0, SelectMode.SelectRead) && kernel.Receive(buffer) == 0, NetNamespace.Patience),
            "the kernel's socket never read the end of the stream" + Log());
        ns.WaitForOutput($"the kernel's socket {Pc}:{Port} in CLOSE-WAIT",
            output => output.Contains($"{Pc}:{Port} ") && output.Contains($"{Device}:{port} "), "ss", "-tan", "state", "close-wait");

        kernel.Close(); // the kernel's FIN
        ns.Expect(device.RunUntil(() => device.Log.Any(line => line.Contains("TIME_WAIT->CLOSED")), NetNamespace.Patience),
            "the engine's TIME_WAIT never ended" + Log());

        string[] transitions = device.Log.Select(line => Transition.Match(line)).Where(m => m.Success)
            .Select(m => $"{m.Groups["from"].Value}->{m.Groups["to"].Value}").ToArray();
        string[] expected = ["CLOSED->SYN_SENT", "SYN_SENT->ESTABLISHED", "ESTABLISHED->FIN_WAIT_1",
            "FIN_WAIT_1->FIN_WAIT_2", "FIN_WAIT_2->TIME_WAIT", "TIME_WAIT->CLOSED"];
        ns.Expect(transitions.SequenceEqual(expected),
            $"the engine's transitions were\n  {string.Join("\n  ", transitions)}\nexpected\n  {string.Join("\n  ", expected)}" + Log());
    }

    [KernelFact("tshark")]
    public void The_bridge_pcap_opens_in_tshark_with_good_checksums()
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"nanotcp-tun-{Guid.NewGuid():N}.pcap");
        try
        {
            using var ns = new NetNamespace("tshark");
            var (board, bridge) = StartBoardAndBridge(ns, "--pcap", pcap);

            var nc = ns.Start("nc (echo client)", "nc", "-N", Device, "7");
            nc.Write("pcap\n");
            ns.WaitForLine(nc, "echo", line => line == "pcap");
            nc.CloseInput();
            ns.WaitForExit(nc);
            ns.WaitForLine(board, "LAST_ACK->CLOSED", line => IsTransition(line, 7, null, "LAST_ACK", "CLOSED"));
            StopBridge(ns, bridge);

            // tshark verifies checksums only when asked; any packet this filter shows is a bad one.
            var (exit, bad) = ns.TryRun("tshark", "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-Y", "_ws.malformed || _ws.expert.severity >= 8388608 || ip.checksum.status == 0 || tcp.checksum.status == 0",
                "-T", "fields", "-e", "frame.number");
            ns.Expect(exit == 0, $"tshark could not read the pcap (exit {exit})");
            ns.Expect(!bad.Split('\n').Any(line => line.Length > 0 && char.IsDigit(line[0])), "tshark found malformed packets or bad checksums");

            // Source, SYN, FIN and payload length of each packet: a SYN each way, a FIN each way, the 5 bytes each way.
            string fields = ns.Run("tshark", "-n", "-r", pcap, "-T", "fields", "-e", "ip.src", "-e", "tcp.flags.syn", "-e", "tcp.flags.fin", "-e", "tcp.len");
            string[][] packets = fields.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(line => line.StartsWith("192.0.2.", StringComparison.Ordinal)).Select(line => line.Split('\t')).ToArray();
            static bool Set(string flag) => flag is "1" or "True";
            foreach (string side in new[] { Pc, Device })
            {
                ns.Expect(packets.Count(p => p[0] == side && Set(p[1])) == 1, $"expected one SYN from {side}");
                ns.Expect(packets.Count(p => p[0] == side && Set(p[2])) == 1, $"expected one FIN from {side}");
                ns.Expect(packets.Count(p => p[0] == side && p[3] == "5") == 1, $"expected the 5 bytes once from {side}");
            }
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    [KernelFact("setpriv")]
    public void Tun_says_in_one_line_what_stops_it()
    {
        using var ns = new NetNamespace();

        // Root without CAP_NET_ADMIN, which is what creating an interface takes.
        var (exit, output) = ns.TryRun(["ip", "netns", "exec", ns.Name, "setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin",
            BuiltTools.Dotnet, BuiltTools.Peer, "tun", "--device", "127.0.0.1:9293"]);
        ns.Expect(exit == 2, $"without CAP_NET_ADMIN, nanotcp tun exited with {exit}, not 2");
        ns.Expect(output.Trim() == "nanotcp tun: creating interface nanotcp0: permission denied; run as root (sudo) or with CAP_NET_ADMIN",
            "without CAP_NET_ADMIN, nanotcp tun did not say so in one line");

        // The interface's name taken by a running bridge.
        var first = ns.StartDotnet("nanotcp tun", BuiltTools.Peer, "tun", "--device", "127.0.0.1:9293");
        ns.WaitForLine(first, "the ready message", line => line.StartsWith("Ctrl+C stops", StringComparison.Ordinal));
        (exit, output) = ns.TryRun(["ip", "netns", "exec", ns.Name, BuiltTools.Dotnet, BuiltTools.Peer, "tun", "--device", "127.0.0.1:9293"]);
        ns.Expect(exit == 2, $"a second nanotcp tun exited with {exit}, not 2");
        ns.Expect(output.Trim() == "nanotcp tun: interface nanotcp0 is in use (another nanotcp tun?); choose another name with --name",
            "a second nanotcp tun did not say in one line that the name is taken");
    }

    /// <summary>Starts the virtual board and `nanotcp tun` in the namespace; returns when both are ready.</summary>
    static (ChildProcess Board, ChildProcess Bridge) StartBoardAndBridge(NetNamespace ns, params string[] bridgeOptions) =>
        StartBoardWithAndBridge(ns, [], bridgeOptions);

    /// <summary>The same, with further options for the board.</summary>
    static (ChildProcess Board, ChildProcess Bridge) StartBoardWithAndBridge(NetNamespace ns, string[] boardOptions, params string[] bridgeOptions)
    {
        var board = ns.StartDotnet("virtual board", BuiltTools.Board, ["--link", "127.0.0.1:9293", "--serial", "stdout", "--msl-ms", MslMs, .. boardOptions]);
        ns.WaitForLine(board, "the READY line", line => line.Contains(" READY "));
        var bridge = ns.StartDotnet("nanotcp tun", BuiltTools.Peer, ["tun", "--device", "127.0.0.1:9293", .. bridgeOptions]);
        ns.WaitForLine(bridge, "the ready message", line => line.StartsWith("Ctrl+C stops", StringComparison.Ordinal));
        ns.Expect(bridge.Lines.Any(line => line.StartsWith($"device: NanoTcp {Device} ", StringComparison.Ordinal)),
            "the bridge did not get the board's status at start-up");
        return (board, bridge);
    }

    /// <summary>SIGTERM, as Ctrl+C: the bridge reports and exits 0, and its interface is gone.</summary>
    static void StopBridge(NetNamespace ns, ChildProcess bridge)
    {
        bridge.Signal(15);
        ns.WaitForExit(bridge);
        ns.Expect(bridge.ExitCode == 0, $"nanotcp tun exited with {bridge.ExitCode}");
        ns.Expect(bridge.Lines.Any(line => line.Contains($"{Interface} removed")), "nanotcp tun did not report its teardown");
        ns.Expect(ns.TryRun("ip", "netns", "exec", ns.Name, "ip", "link", "show", Interface).Exit != 0, $"{Interface} still exists");
    }

    /// <summary>The kernel's local port of the first `ss` line from 192.0.2.1 to the device's port, or null.</summary>
    static string? KernelPort(string ss, int devicePort)
    {
        Match m = Regex.Match(ss, $@"{Regex.Escape(Pc)}:(?<port>\d+)\s+{Regex.Escape(Device)}:{devicePort}\s");
        return m.Success ? m.Groups["port"].Value : null;
    }

    /// <summary>Whether a serial line is the device's transition FROM->TO on its port (and the kernel's port, when given).</summary>
    static bool IsTransition(string line, int devicePort, string? kernelPort, string from, string to)
    {
        Match m = Transition.Match(line);
        return m.Success && m.Groups["local"].Value == $"{Device}:{devicePort}"
            && (kernelPort == null ? m.Groups["remote"].Value.StartsWith(Pc + ":", StringComparison.Ordinal) : m.Groups["remote"].Value == $"{Pc}:{kernelPort}")
            && m.Groups["from"].Value == from && m.Groups["to"].Value == to;
    }

    /// <summary>The device's transitions of one connection, in order, must be exactly these.</summary>
    static void ExpectTransitions(NetNamespace ns, ChildProcess board, int devicePort, string kernelPort, params string[] expected)
    {
        string[] actual = board.Lines.Select(line => Transition.Match(line))
            .Where(m => m.Success && m.Groups["local"].Value == $"{Device}:{devicePort}" && m.Groups["remote"].Value == $"{Pc}:{kernelPort}")
            .Select(m => $"{m.Groups["from"].Value}->{m.Groups["to"].Value}").ToArray();
        ns.Expect(actual.SequenceEqual(expected),
            $"the device's transitions for {Device}:{devicePort} <-> {Pc}:{kernelPort} were\n  {string.Join("\n  ", actual)}\n" +
            $"expected\n  {string.Join("\n  ", expected)}");
    }
}
