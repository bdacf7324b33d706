using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Nanotcp.Net;
using Nanotcp.Tun;

namespace Nanotcp.Commands;

/// <summary>
/// <c>nanotcp tun --device HOST[:PORT]</c> (Linux, root): a TUN interface that puts the device on
/// the PC's own network stack, so nc, curl, ss and tcpdump see it as a host at 192.0.2.2 and the
/// kernel's TCP is the device's peer.
/// </summary>
public static class TunCommand
{
    public const int ExitStopped = 0;
    public const int ExitFailed = 1;
    public const int ExitCannotStart = 2;

    public const string DefaultName = "nanotcp0";
    public const int DefaultMtu = 1400;
    /// <summary>1500 bytes of Ethernet or Wi-Fi less the UDP and IPv4 headers: one packet, one unfragmented datagram.</summary>
    public const int MaxMtu = 1472;
    /// <summary>The smallest datagram every IPv4 host must accept (RFC 791).</summary>
    public const int MinMtu = 576;

    public static Command Create()
    {
        var device = CommonOptions.Device();
        device.Required = true;
        var name = new Option<string>("--name")
        {
            HelpName = "NAME",
            Description = "Name of the interface to create",
            DefaultValueFactory = _ => DefaultName,
        };
        var pc = new Option<string>("--pc")
        {
            HelpName = "ADDRESS",
            Description = "The PC's inner address, given to the interface",
            DefaultValueFactory = _ => "192.0.2.1",
        };
        var deviceAddress = new Option<string>("--device-address")
        {
            HelpName = "ADDRESS",
            Description = "The device's inner address, routed through the interface",
            DefaultValueFactory = _ => "192.0.2.2",
        };
        var mtu = CommonOptions.Number("--mtu", "N", "The interface's MTU; each packet travels in one UDP datagram", DefaultMtu, MinMtu, MaxMtu);
        var pcap = CommonOptions.Pcap("Write every packet that crosses the bridge to this pcap file (Wireshark, tshark)");
        var command = new Command("tun",
            "Bridge the device to this PC's kernel through a TUN interface (Linux, root): " +
            "then nc, curl or any program talks to it with the kernel's own TCP, and ss shows the kernel's side");
        command.Options.Add(device);
        command.Options.Add(name);
        command.Options.Add(pc);
        command.Options.Add(deviceAddress);
        command.Options.Add(mtu);
        command.Options.Add(pcap);
        CommonOptions.Examples(command,
            "sudo nanotcp tun --device 127.0.0.1:9293              # the virtual board as 192.0.2.2; then nc 192.0.2.2 7",
            "sudo nanotcp tun -d 192.168.1.50 --pcap tun.pcap      # an ESP32, every packet saved");
        command.SetAction(parse => Run(new Settings(
            parse.GetValue(device)!, parse.GetValue(name)!, parse.GetValue(pc)!, parse.GetValue(deviceAddress)!,
            parse.GetValue(mtu), parse.GetValue(pcap)), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    public sealed record Settings(string Device, string Name, string Pc, string DeviceAddress, int Mtu, string? Pcap);

    /// <summary>Runs the bridge until Ctrl+C, SIGTERM or SIGHUP; returns the process exit code.</summary>
    public static int Run(Settings settings, TextWriter output, TextWriter error)
    {
        int Fail(string message)
        {
            error.WriteLine("nanotcp tun: " + message);
            return ExitCannotStart;
        }

        IPEndPoint? link = DeviceLink.ParseDevice(settings.Device, out string? bad);
        if (link == null) return Fail($"--device: {bad}");
        if (!TryParseIpv4(settings.Pc, out IPAddress pcAddress)) return Fail($"--pc: '{settings.Pc}' is not an IPv4 address");
        if (!TryParseIpv4(settings.DeviceAddress, out IPAddress deviceAddress))
            return Fail($"--device-address: '{settings.DeviceAddress}' is not an IPv4 address");
        if (pcAddress.Equals(deviceAddress)) return Fail("--pc and --device-address must differ");
        if (settings.Mtu < MinMtu || settings.Mtu > MaxMtu) return Fail($"--mtu: {settings.Mtu} is outside {MinMtu}..{MaxMtu}");
        if (settings.Name.Length == 0 || settings.Name.Length >= Libc.IfNameSize || settings.Name.Any(c => c <= ' ' || c == '/' || c == ':' || c > '~'))
            return Fail($"--name: '{settings.Name}' is not an interface name (1 to {Libc.IfNameSize - 1} characters, no spaces, '/' or ':')");
        if (!OperatingSystem.IsLinux()) return Fail("needs Linux (TUN interfaces); on other systems use nanotcp connect");

        TunInterface tun;
        try
        {
            tun = TunInterface.Create(settings.Name);
        }
        catch (TunException e)
        {
            return Fail(e.Message);
        }

        using (tun)
        {
            // From here on a stop request removes the interface in order and prints the summary.
            using var stop = new CancellationTokenSource();
            void RequestStop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);
            using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, RequestStop);

            PcapWriter? pcap = null;
            DeviceLink? device = null;
            try
            {
                tun.Configure(pcAddress, deviceAddress, settings.Mtu);
                device = new DeviceLink(link);
                if (settings.Pcap != null) pcap = PcapWriter.Create(settings.Pcap);
            }
            catch (TunException e)
            {
                device?.Dispose();
                return Fail(e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                device?.Dispose();
                return Fail($"--pcap: {CommonOptions.CannotWrite(settings.Pcap!, e)}");
            }
            catch (SocketException e)
            {
                return Fail($"link socket: {e.Message}");
            }

            using (device)
            using (pcap)
            {
                output.WriteLine($"nanotcp tun: {tun.Name} is up: {pcAddress} peer {deviceAddress}, mtu {settings.Mtu}, " +
                                 $"bridged to the device at udp {link} (from udp port {device.LocalEndPoint.Port})");
                ProbeDevice(device, deviceAddress, output, error);
                if (pcap != null) output.WriteLine($"pcap: {settings.Pcap}");
                PrintNextSteps(tun.Name, deviceAddress, output);
                output.Flush();
                return Bridge(tun, device, pcap, stop.Token, output, error);
            }
        }
    }

    static int Bridge(TunInterface tun, DeviceLink device, PcapWriter? pcap, CancellationToken stop, TextWriter output, TextWriter error)
    {
        var bridge = new TunBridge(tun, device, pcap)
        {
            OnFirstError = message => error.WriteLine($"nanotcp tun: warning: {message} (further errors are only counted)"),
        };
        int exit = ExitStopped;
        try
        {
            bridge.Run(stop);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            error.WriteLine($"nanotcp tun: {e.Message}");
            exit = ExitFailed;
        }
        string name = tun.Name;
        tun.Dispose();
        output.WriteLine($"nanotcp tun: stopped, {name} removed; to the device: {bridge.ToDevice}; from the device: {bridge.FromDevice}" +
                         (pcap != null ? $"; pcap: {pcap.Count} packets" : ""));
        return exit;
    }

    /// <summary>
    /// Asks the device for its status once, so a wrong port or a board that is not running shows
    /// at once rather than as connections that hang. The bridge starts either way: the device
    /// may come up later.
    /// </summary>
    static void ProbeDevice(DeviceLink device, IPAddress deviceAddress, TextWriter output, TextWriter error)
    {
        string? reply;
        try
        {
            reply = device.Query("STATUS", 1000);
        }
        catch (SocketException e)
        {
            error.WriteLine($"nanotcp tun: warning: cannot reach the device at udp {device.Device}: {e.Message}");
            return;
        }
        if (reply == null)
        {
            error.WriteLine($"nanotcp tun: warning: no answer from the device at udp {device.Device} yet (is it running?); bridging anyway");
            return;
        }
        string first = reply.Split('\n')[0].TrimEnd('\r');
        output.WriteLine($"device: {first}");
        // The reply starts "NanoTcp <address> ...": a device with another address would never answer the kernel.
        string[] words = first.Split(' ');
        if (words.Length > 1 && words[0] == "NanoTcp" && IPAddress.TryParse(words[1], out IPAddress? says) && !says.Equals(deviceAddress))
            error.WriteLine($"nanotcp tun: warning: the device's address is {says}, not {deviceAddress}; restart with --device-address {says}");
    }

    static void PrintNextSteps(string name, IPAddress device, TextWriter output)
    {
        (string Command, string What)[] steps =
        [
            ($"nc -N {device} 7", "echo: type lines, then Ctrl+D closes first (the kernel ends in TIME-WAIT)"),
            ($"nc {device} 13", "daytime: the device sends a line and closes first; the kernel waits in CLOSE-WAIT until Ctrl+D"),
            ($"nc -N {device} 2019", "farewell: after Ctrl+D the device keeps sending in CLOSE_WAIT"),
            ($"ss -tan dst {device}", "the kernel's side of each connection (add 'state time-wait')"),
            ($"tcpdump -ni {name}", "every segment as it crosses"),
        ];
        int width = steps.Max(s => s.Command.Length) + 3;
        output.WriteLine();
        output.WriteLine("From another terminal, talk to the device with the kernel's own TCP:");
        foreach (var (command, what) in steps) output.WriteLine("  " + command.PadRight(width) + what);
        output.WriteLine($"Ctrl+C stops the bridge and removes {name}.");
    }

    static bool TryParseIpv4(string text, out IPAddress address)
    {
        if (IPAddress.TryParse(text, out IPAddress? parsed) && parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') == 3)
        {
            address = parsed;
            return true;
        }
        address = IPAddress.None;
        return false;
    }
}
