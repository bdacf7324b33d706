using System.CommandLine;
using System.Net;
using Nanotcp.Net;
using Nanotcp.Serial;
using Nanotcp.Scenarios;
using NanoTcp.Device;

namespace Nanotcp.Commands;

/// <summary>
/// <c>nanotcp scenario NAME|all --device HOST[:PORT] [--serial PATH [--baud N]]</c>: the demo's
/// scenarios against a device that is already running (an ESP32, or a virtual board started by
/// hand), one at a time. The device's side comes from its serial log when given, else from the
/// STATUS query and the segments it sends. <c>nanotcp scenario --list</c> names them.
/// </summary>
public static class ScenarioCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "Scenario names, or all", Arity = ArgumentArity.ZeroOrMore, HelpName = "NAME|all" };
        var list = new Option<bool>("--list") { Description = "Name every scenario with one line each, and the board settings it is designed for" };
        var device = CommonOptions.Device();
        var serial = CommonOptions.Serial("The device's serial port (/dev/ttyUSB0, a virtual board's /dev/pts/N) to read its state log from");
        var baud = CommonOptions.Baud();
        var settings = new Option<string[]>("--device-setting")
        {
            Description = "A setting the device runs with, when its serial banner does not show it (repeat): e.g. msl_ms=250",
            HelpName = "NAME=VALUE",
            Arity = ArgumentArity.OneOrMore,
        };
        var pcap = ScenarioSession.PcapOption();
        var format = ScenarioSession.FormatOption();
        var command = new Command("scenario", "Run scenarios against a running device (an ESP32 or a virtual board) and check both sides");
        command.Arguments.Add(names);
        foreach (Option o in new Option[] { list, device, serial, baud, settings, pcap, format }) command.Options.Add(o);
        CommonOptions.Examples(command,
            "nanotcp scenario --list                                          # every scenario and the board settings it wants",
            "nanotcp scenario all --device 192.168.1.50 --serial /dev/ttyUSB0  # every scenario against an ESP32",
            "nanotcp scenario lost-fin -d 127.0.0.1:9293 -s /dev/pts/3         # one, against a virtual board");
        command.SetAction(parse => parse.GetValue(list)
            ? List(parse.InvocationConfiguration.Output, parse.GetValue(format) == "json")
            : Run(new Request(parse.GetValue(names) ?? [], parse.GetValue(device), parse.GetValue(serial),
                parse.GetResult(baud) is { Implicit: false } ? parse.GetValue(baud) : null,
                parse.GetValue(settings) ?? [], parse.GetValue(pcap), parse.GetValue(format)),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Baud is null when not given.</summary>
    public sealed record Request(IReadOnlyList<string> Names, string? Device, string? Serial, int? Baud, IReadOnlyList<string> Settings,
        string? Pcap, string? Format);

    public static int List(TextWriter output, bool json = false)
    {
        if (json)
        {
            ScenarioReport.WriteList(output, ScenarioLibrary.All);
            return ScenarioSession.ExitPassed;
        }
        int width = ScenarioLibrary.All.Max(s => s.Name.Length);
        foreach (Scenario s in ScenarioLibrary.All)
        {
            output.WriteLine($"{s.Name.PadRight(width)}  {s.Description}");
            if (s.BoardOptions.Length > 0) output.WriteLine($"{new string(' ', width)}    board: {s.BoardOptions}");
        }
        return ScenarioSession.ExitPassed;
    }

    public static int Run(Request request, TextWriter output, TextWriter error)
    {
        string? bad = ScenarioSession.Validate(request.Format, request.Pcap);
        if (bad == null && request.Names.Count == 0) bad = "name a scenario, or all (nanotcp scenario --list names them)";
        if (bad == null && request.Device == null) bad = "--device HOST[:PORT] is required (nanotcp demo runs the scenarios on virtual boards)";
        int baud = request.Baud ?? SerialLineReader.DefaultBaud;
        if (bad == null && baud <= 0) bad = $"--baud: {baud} is not a speed";
        if (bad == null && request.Baud != null && request.Serial == null) bad = "--baud needs --serial";
        var profile = new DeviceSettings();
        foreach (string setting in request.Settings)
        {
            if (bad != null) break;
            int eq = setting.IndexOf('=');
            string name = eq > 0 ? setting[..eq].Replace('-', '_') : setting;
            string? why = eq > 0 && DeviceSettings.IsKnown(name) ? profile.Set(name, setting[(eq + 1)..]) : "expected NAME=VALUE with a device setting name";
            if (why != null) bad = $"--device-setting {setting}: {why}";
        }
        IPEndPoint? endpoint = null;
        if (bad == null) endpoint = DeviceLink.ParseDevice(request.Device!, out bad);
        List<Scenario>? scenarios = bad == null ? DemoCommand.Select(request.Names, out bad) : null;
        if (bad != null || scenarios == null || endpoint == null)
        {
            error.WriteLine("nanotcp scenario: " + bad);
            return ScenarioSession.ExitUsage;
        }

        ExternalDeviceTarget target;
        try
        {
            target = new ExternalDeviceTarget(endpoint, profile, request.Serial, baud);
        }
        catch (SerialException e)
        {
            error.WriteLine("nanotcp scenario: --serial: " + e.Message);
            return ScenarioSession.ExitUsage;
        }
        using (target)
        {
            if (target.Probe() is string unreachable)
            {
                error.WriteLine("nanotcp scenario: " + unreachable);
                return ScenarioSession.ExitFailed;
            }
            return ScenarioSession.Run(scenarios, target, 1, request.Format == "json", request.Pcap, output, error);
        }
    }
}
