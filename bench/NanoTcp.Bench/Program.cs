using BenchmarkDotNet.Analysers;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace NanoTcp.Bench;

/// <summary>
/// dotnet run -c Release --project bench/NanoTcp.Bench -- --filter '*'          full BenchmarkDotNet runs
/// dotnet run -c Release --project bench/NanoTcp.Bench -- --quick               every benchmark, numbers in well under a minute
/// dotnet run -c Release --project bench/NanoTcp.Bench -- --quick --filter '*Timer*'
/// dotnet run -c Release --project bench/NanoTcp.Bench -- --table               segment cost against table size, fill time, heap per slot
/// dotnet run -c Release --project bench/NanoTcp.Bench -- --side-by-side [--quick]  the issue table: each row beside its anchor (SideBySide/)
/// Any other BenchmarkDotNet option (--list flat, --anyCategories Kernel, --job short, ...) works as usual.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--side-by-side")) return SideBySide.SideBySideRun.Run(args);
        if (args.Contains("--table"))
        {
            TableWorkload.Report(Console.Out); // cost against table size, fill time, heap per slot: no BenchmarkDotNet
            return 0;
        }
        bool quick = args.Contains("--quick");
        args = args.Where(a => a != "--quick").ToArray();
        if (quick && !args.Contains("--filter") && !args.Contains("-f") && !args.Contains("--list"))
            args = args.Concat(new[] { "--filter", "*" }).ToArray();

        IConfig config = quick ? QuickConfig() : DefaultConfig.Instance;
        string? artifacts = ArtifactsPath();
        if (artifacts != null) config = config.WithArtifactsPath(artifacts);

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToList();
        if (summaries.Count == 0) return 0;

        Console.WriteLine();
        Console.WriteLine("How to read these numbers:");
        Console.WriteLine("  Engine_* and Tick_* rows: one NanoTcp endpoint, pure computation in memory. No I/O: the peer's");
        Console.WriteLine("    segments are prebuilt bytes, the segments the engine sends are only counted, time is virtual.");
        Console.WriteLine("  Kernel_* rows: the Linux kernel's TCP on 127.0.0.1 through .NET Sockets: both endpoints, the system");
        Console.WriteLine("    calls and the loopback device (and, for connections, the .NET Socket objects).");
        Console.WriteLine("  Side by side they show how small the engine's own cost is next to what a real stack and its I/O");
        Console.WriteLine("  cost; they do not show that one TCP is faster than the other.");
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    /// <summary>
    /// In-process (no separate build and process per benchmark), three warm-up and five 50 ms
    /// iterations: rough numbers, enough to see the shape. Use the full run for anything you quote.
    /// BenchmarkDotNet's defaults otherwise, less the analyser that asks for 100 ms iterations.
    /// </summary>
    static IConfig QuickConfig()
    {
        IConfig d = DefaultConfig.Instance;
        Job quick = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(50))
            .WithId("Quick");
        return ManualConfig.CreateEmpty()
            .AddJob(quick)
            .AddColumnProvider(d.GetColumnProviders().ToArray())
            .AddLogger(d.GetLoggers().ToArray())
            .AddExporter(d.GetExporters().ToArray())
            .AddValidator(d.GetValidators().ToArray())
            .AddAnalyser(d.GetAnalysers().Where(a => a is not MinIterationTimeAnalyser).ToArray())
            .WithOptions(d.Options);
    }

    /// <summary>BenchmarkDotNet.Artifacts beside this project (bin/Release/net10.0 is three levels below it), else BenchmarkDotNet's default.</summary>
    static string? ArtifactsPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        for (int i = 0; i < 5 && dir != null; i++, dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NanoTcp.Bench.csproj")))
                return Path.Combine(dir.FullName, "BenchmarkDotNet.Artifacts");
        return null;
    }
}
