using System.Diagnostics;
using System.Globalization;

namespace NanoTcp.Bench.SideBySide;

/// <summary>
/// dotnet run -c Release --project bench/NanoTcp.Bench -- --side-by-side [--quick] [--reps N] [--ms N] [--slots N] [--rows TEXT]
///
/// Each row measures NanoTcp and its anchor in the same run, one right after the other, several
/// times over (the rows interleaved: repetition 1 of every row, then repetition 2, ...), and
/// prints the medians, their ratio and the goal. Throughput rows run for a fixed time each;
/// cost rows count their own operations. Nothing here is BenchmarkDotNet: the UDP rows need two
/// threads and real sockets, and the rows must share one run to be compared.
/// </summary>
public static class SideBySideRun
{
    public static int Run(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        bool quick = args.Contains("--quick");
        int reps = Option(args, "--reps", quick ? 3 : 5);
        int ms = Option(args, "--ms", quick ? 150 : 1000);
        // Quick mode fills a smaller big table: filling 65 535 slots takes tens of seconds while
        // a connection's lookup still scans the table.
        int slots = Option(args, "--slots", quick ? 8192 : 65535);
        var settings = new RunSettings(ms, slots, quick);

        Console.WriteLine($"NanoTcp side by side: {reps} repetitions, {ms} ms per throughput measurement, interleaved; medians.");
        Console.WriteLine($"machine: {Machine.Describe()}");
        Console.WriteLine();

        using var rows = new Rows(settings);
        int at = Array.IndexOf(args, "--rows");
        string? only = at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        IReadOnlyList<Row> all = rows.All.Where(r => only == null || r.What.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
        var clock = Stopwatch.StartNew();
        foreach (Row row in all) row.WarmUp(); // first calls, tiered compilation, sockets and boards up
        for (int r = 0; r < reps; r++)
            foreach (Row row in all)
            {
                row.Take();
                Console.Error.Write('.');
            }
        Console.Error.WriteLine();

        Console.WriteLine("| what | NanoTcp | anchor (same run) | ratio | goal | met |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (Row row in all) Console.WriteLine(row.Line());
        Console.WriteLine();
        Console.WriteLine($"({clock.Elapsed.TotalSeconds:0.0} s; each figure is the median of {reps}; min–max in brackets)");
        return 0;
    }

    static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        if (i + 1 < args.Length && int.TryParse(args[i + 1], out int v) && v > 0) return v;
        Console.Error.WriteLine($"{name} needs a positive whole number");
        Environment.Exit(2);
        return fallback;
    }
}

public sealed record RunSettings(int Ms, int Slots, bool Quick);

/// <summary>One line of the table: NanoTcp's figure beside its anchor's, both measured each repetition.</summary>
public sealed class Row
{
    public required string What { get; init; }
    public required string Anchor { get; init; }
    public required Func<double> Measure { get; init; }
    /// <summary>Null for a fixed anchor (a published figure) or none.</summary>
    public Func<double>? MeasureAnchor { get; init; }
    public double? FixedAnchor { get; init; }
    /// <summary>A figure without its unit.</summary>
    public required Func<double, string> Format { get; init; }
    public required string Unit { get; init; }
    /// <summary>The ratio as printed, from NanoTcp's median and the anchor's.</summary>
    public Func<double, double, string> Ratio { get; init; } = (v, a) => (v / a).ToString("0.00", CultureInfo.InvariantCulture);
    public required string Goal { get; init; }
    /// <summary>Whether the goal is met, from the two medians.</summary>
    public required Func<double, double, bool> Met { get; init; }
    /// <summary>Text after the figure (e.g. "for 3 connections"), from the last measurement.</summary>
    public Func<string>? Note { get; init; }

    /// <summary>For a measurement long enough to warm itself up (filling a big table): no untimed first run.</summary>
    public bool NoWarmUp { get; init; }

    readonly List<double> _values = [], _anchors = [];

    public void WarmUp()
    {
        if (!NoWarmUp) Measure();
        MeasureAnchor?.Invoke();
    }

    public void Take()
    {
        _values.Add(Measure());
        if (MeasureAnchor != null) _anchors.Add(MeasureAnchor());
    }

    public string Line()
    {
        double v = Median(_values);
        string value = Format(v) + Unit + Spread(_values) + (Note != null ? " " + Note() : "");
        double a = MeasureAnchor != null ? Median(_anchors) : FixedAnchor ?? double.NaN;
        string anchor = Anchor + (double.IsNaN(a) ? "" : ": " + Format(a) + Unit + (MeasureAnchor != null ? Spread(_anchors) : ""));
        string ratio = double.IsNaN(a) ? "—" : Ratio(v, a);
        return $"| {What} | {value} | {anchor} | {ratio} | {Goal} | {(Met(v, a) ? "yes" : "**no**")} |";
    }

    string Spread(List<double> xs) => xs.Count < 2 ? "" : $" [{Format(xs.Min())}–{Format(xs.Max())}]";

    static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}

static class Machine
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line != null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        string load = "";
        try { load = ", load average " + File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{cpu}, {Environment.ProcessorCount} logical CPUs{load}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
