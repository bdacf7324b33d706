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
        var device = new Option<string>("--device") { Description = "The device's link: HOST[:PORT] (port 9293 by default)", HelpName = "HOST[:PORT]" };
        var serial = new Option<string>("--serial") { Description = "The device's serial port (/dev/ttyUSB0, a virtual board's /dev/pts/N) to read its state log from", HelpName = "PATH" };
        var baud = new Option<string>("--baud") { Description = $"The serial port's speed (default {SerialLineReader.DefaultBaud})", HelpName = "N" };
        var settings = new Option<string[]>("--device-setting")
        {
            Description = "A setting the device runs with, when its serial banner does not show it (repeat): e.g. msl_ms=250",
            HelpName = "NAME=VALUE",
            Arity = ArgumentArity.OneOrMore,
        };
        var pcap = ScenarioSession.PcapOption();
        var format = ScenarioSession.FormatOption();
        var html = ScenarioSession.HtmlOption();
        var command = new Command("scenario", "Run scenarios against a running device (an ESP32 or a virtual board) and check both sides");
        command.Arguments.Add(names);
        foreach (Option o in new Option[] { list, device, serial, baud, settings, pcap, html, format }) command.Options.Add(o);
        command.SetAction(parse => parse.GetValue(list)
            ? List(parse.InvocationConfiguration.Output)
            : Run(new Request(parse.GetValue(names) ?? [], parse.GetValue(device), parse.GetValue(serial), parse.GetValue(baud),
                parse.GetValue(settings) ?? [], parse.GetValue(pcap), parse.GetValue(format)) { Html = parse.GetValue(html) },
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    public sealed record Request(IReadOnlyList<string> Names, string? Device, string? Serial, string? Baud, IReadOnlyList<string> Settings,
        string? Pcap, string? Format)
    {
        public string? Html { get; init; }
    }

    public static int List(TextWriter output)
    {
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
        string? bad = ScenarioSession.Validate(request.Format, request.Pcap, request.Html);
        if (bad == null && request.Names.Count == 0) bad = "name a scenario, or all (nanotcp scenario --list names them)";
        if (bad == null && request.Device == null) bad = "--device HOST[:PORT] is required (nanotcp demo runs the scenarios on virtual boards)";
        int baud = SerialLineReader.DefaultBaud;
        if (bad == null && request.Baud != null && (!int.TryParse(request.Baud, out baud) || baud <= 0)) bad = $"--baud: '{request.Baud}' is not a speed";
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
            var report = request.Html == null ? null : new ScenarioSession.HtmlTarget(request.Html, "NanoTcp: scenarios on a device",
                $"nanotcp scenario against {endpoint}: {scenarios.Count} scenario{(scenarios.Count == 1 ? "" : "s")}, the device side from its {(request.Serial != null ? "serial log" : "STATUS replies")}");
            return ScenarioSession.Run(scenarios, target, 1, request.Format == "json", request.Pcap, output, error, report);
        }
    }
}
