using Xunit;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>Each portable firmware folder compiles and runs on nanoFramework 1.x.</summary>
public class PortableFolderTests
{
    // What each portable folder may use on the device: the engine and the interpreter get
    // mscorlib alone; the device application also gets the networking and hardware libraries
    // (System.IO.Streams comes with System.Net and System.IO.Ports as their dependency).
    static readonly string[] CoreOnly = { "mscorlib" };
    static readonly string[] DeviceLibraries =
    {
        "mscorlib", "System.Net", "System.Device.Wifi", "nanoFramework.Runtime.Native", "System.Math",
        "nanoFramework.System.Text", "nanoFramework.System.Collections", "System.IO.Ports", "System.IO.Streams",
        "System.Threading", "nanoFramework.Runtime.Events", "nanoFramework.Hardware.Esp32",
    };

    sealed record Layout(string[] Listings, string[] Context, string? ApiStandIns);

    static readonly Dictionary<string, Layout> Layouts = new()
    {
        ["firmware/NanoTcp"] = new(CoreOnly, Array.Empty<string>(), null),
        ["firmware/NanoTcp.Scripting"] = new(CoreOnly, new[] { "firmware/NanoTcp" }, null),
        // The host build of the device app may carry stand-ins for nanoFramework-only APIs;
        // what they declare is checked as if it were that API.
        ["firmware/NanoTcp.Device"] = new(DeviceLibraries,
            new[] { "firmware/NanoTcp", "firmware/NanoTcp.Scripting" }, "firmware/dotnet/NanoTcp.Device"),
    };

    [Theory]
    [InlineData("firmware/NanoTcp")]
    [InlineData("firmware/NanoTcp.Scripting")]
    [InlineData("firmware/NanoTcp.Device")]
    public void SubsetGuard_folder_uses_only_nanoFramework_1x(string folder)
    {
        var layout = Layouts[folder];
        var checkedFiles = RepoPaths.SourceFiles(RepoPaths.Full(folder));
        if (checkedFiles.Count == 0) return; // the folder does not exist (yet): nothing to hold to the subset

        var sources = new List<GuardSource>();
        foreach (var context in layout.Context) sources.AddRange(Read(RepoPaths.Full(context), SourceRole.Context));
        sources.AddRange(Read(RepoPaths.Full(folder), SourceRole.Checked));
        if (layout.ApiStandIns != null) sources.AddRange(Read(RepoPaths.Full(layout.ApiStandIns), SourceRole.Api));

        var guard = new SubsetGuard(ApiListing.Load(RepoPaths.Listings, layout.Listings));
        var violations = guard.Check(sources);

        if (violations.Count > 0)
            Assert.Fail($"{folder}: {violations.Count} use(s) outside nanoFramework 1.x ({string.Join(", ", layout.Listings)}):\n"
                + string.Join("\n", violations));
    }

    static IEnumerable<GuardSource> Read(string folder, SourceRole role) =>
        RepoPaths.SourceFiles(folder).Select(f => new GuardSource(RepoPaths.Relative(f), File.ReadAllText(f), role));
}
