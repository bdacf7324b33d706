using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Nanotcp.Net;

namespace Nanotcp.Commands;

/// <summary>
/// <c>--loss RATE --duplicate RATE --reorder RATE --corrupt RATE --delay MS --seed N</c>: the
/// link impairment options that <c>connect</c>, <c>scenario</c> and <c>tun</c> share (see
/// <see cref="ImpairedPath"/>). A rate is a percentage (10%) or a fraction (0.1). Without
/// <c>--seed</c> a random seed is drawn; either way it is printed to standard error, so a run
/// can be repeated packet for packet on the virtual clock and fate for fate on a real one.
/// </summary>
public sealed class ImpairmentOptions
{
    readonly Option<string?> _loss, _duplicate, _reorder, _corrupt;
    readonly Option<int> _delay;
    readonly Option<int?> _seed;

    ImpairmentOptions()
    {
        _loss = Rate("--loss", "Lose this share of the packets, each way (10% or 0.1)");
        _duplicate = Rate("--duplicate", "Deliver this share of the packets twice, each way");
        _reorder = Rate("--reorder", "Hold this share of the packets back a few ms, so later ones overtake them");
        _corrupt = Rate("--corrupt", "Flip one bit in this share of the packets (the receiver's checksum drops them)");
        _delay = new Option<int>("--delay") { Description = "Delay every packet by this many ms, each way", HelpName = "MS" };
        _delay.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 60_000) r.AddError("--delay: give 0..60000 ms");
        });
        _seed = new Option<int?>("--seed") { Description = "Seed of the impairments' random choices; without it a random seed is chosen and printed", HelpName = "N" };
    }

    /// <summary>Adds the six options to a command; read them back with <see cref="Read"/>.</summary>
    public static ImpairmentOptions AddTo(Command command)
    {
        var o = new ImpairmentOptions();
        foreach (Option option in new Option[] { o._loss, o._duplicate, o._reorder, o._corrupt, o._delay, o._seed }) command.Options.Add(option);
        return o;
    }

    static Option<string?> Rate(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = "RATE" };
        option.Validators.Add(r =>
        {
            string? text = r.GetValueOrDefault<string?>();
            if (text != null && !ImpairmentSettings.TryParseRate(text, out _, out string? why)) r.AddError($"{name}: {why}");
        });
        return option;
    }

    /// <summary>The settings given (the validators have checked them); <see cref="ImpairmentSettings.None"/> when none.</summary>
    public ImpairmentSettings Read(ParseResult parse)
    {
        double Get(Option<string?> o) => parse.GetValue(o) is string t && ImpairmentSettings.TryParseRate(t, out double v, out _) ? v : 0;
        var settings = new ImpairmentSettings
        {
            Loss = Get(_loss), Duplicate = Get(_duplicate), Reorder = Get(_reorder), Corrupt = Get(_corrupt),
            DelayMs = parse.GetValue(_delay),
        };
        if (!settings.Active) return ImpairmentSettings.None;
        return settings with { Seed = parse.GetValue(_seed) ?? Random.Shared.Next(1, 1_000_000) };
    }

    /// <summary>"nanotcp connect: impaired link: loss=10% ... seed=4711 (again with --seed 4711)" on standard error, when the link is impaired.</summary>
    public static void Announce(ImpairmentSettings settings, string command, TextWriter error)
    {
        if (!settings.Active) return;
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nanotcp {command}: impaired link: {settings} (the same choices again: --seed {settings.Seed})"));
    }
}
