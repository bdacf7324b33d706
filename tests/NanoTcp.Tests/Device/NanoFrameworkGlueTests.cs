using NanoTcp.Tests.SubsetGuard;

namespace NanoTcp.Tests.Device;

/// <summary>
/// The nanoFramework-only code (the ESP32 app and the emulator test project) cannot be built here,
/// so the subset guard checks it: every API it uses must be in the nanoFramework 1.x listings.
/// Types that exist only on nanoFramework are declared by the stand-ins below, shaped like the
/// real ones (the listings say how), so the code compiles and each use is looked up by its ID.
/// </summary>
public class NanoFrameworkGlueTests
{
    static readonly string[] DeviceLibraries =
    {
        "mscorlib", "System.Net", "System.Device.Wifi", "nanoFramework.Runtime.Native", "System.Math",
        "nanoFramework.System.Text", "nanoFramework.System.Collections", "System.IO.Ports", "System.IO.Streams",
        "System.Threading", "nanoFramework.Runtime.Events", "nanoFramework.Hardware.Esp32",
    };

    const string Esp32StandIns =
        """
        namespace System.Device.Wifi { public enum WifiReconnectionKind { Automatic, Manual } }
        namespace nanoFramework.Networking
        {
            public enum NetworkHelperStatus { None }
            public static class WifiNetworkHelper
            {
                public static bool ConnectDhcp(string ssid, string password,
                    System.Device.Wifi.WifiReconnectionKind reconnectionKind = System.Device.Wifi.WifiReconnectionKind.Automatic,
                    bool requiresDateTime = false, int wifiAdapterId = 0,
                    System.Threading.CancellationToken token = default(System.Threading.CancellationToken)) { return false; }
                public static bool Reconnect(bool requiresDateTime = false, int wifiAdapterId = 0,
                    System.Threading.CancellationToken token = default(System.Threading.CancellationToken)) { return false; }
                public static NetworkHelperStatus Status { get { return NetworkHelperStatus.None; } }
                public static System.Exception HelperException { get { return null; } }
            }
        }
        namespace System.Net.Sockets
        {
            // nanoFramework's derives from Exception; .NET's from a Win32 type the guard does not load.
            public class SocketException : System.Exception { public SocketException(SocketError errorCode) { } }
        }
        namespace System.Net.NetworkInformation
        {
            public class NetworkInterface
            {
                public static NetworkInterface[] GetAllNetworkInterfaces() { return null; }
                public string IPv4Address { get { return null; } }
            }
        }
        """;

    const string TestFrameworkStandIns =
        """
        namespace nanoFramework.TestFramework
        {
            public class TestClassAttribute : System.Attribute { }
            public class TestMethodAttribute : System.Attribute { }
            public class Assert { public static void IsTrue(bool condition, string message = "") { } }
            public class OutputHelper { public static void WriteLine(string message) { } }
        }
        """;

    [Fact]
    public void Esp32_app_uses_only_nanoFramework_1x()
    {
        var sources = Read("firmware/NanoTcp.Esp32", SourceRole.Checked)
            .Append(ReadFile("boards/esp32/WifiCredentials.template.cs", SourceRole.Checked))
            .Concat(Read("firmware/NanoTcp", SourceRole.Context))
            .Concat(Read("firmware/NanoTcp.Device", SourceRole.Context))
            .Append(new GuardSource("Esp32StandIns.cs", Esp32StandIns, SourceRole.Api));
        AssertClean("firmware/NanoTcp.Esp32", sources, DeviceLibraries);
    }

    [Fact]
    public void Emulator_tests_use_only_nanoFramework_1x()
    {
        var sources = Read("tests/NanoTcp.DeviceTests", SourceRole.Checked)
            .Concat(Read("firmware/NanoTcp", SourceRole.Context))
            .Concat(Read("firmware/NanoTcp.Scripting", SourceRole.Context))
            .Append(new GuardSource("TestFrameworkStandIns.cs", TestFrameworkStandIns, SourceRole.Api));
        AssertClean("tests/NanoTcp.DeviceTests", sources, "mscorlib", "nanoFramework.TestFramework");
    }

    static void AssertClean(string what, IEnumerable<GuardSource> sources, params string[] listings)
    {
        var violations = new SubsetGuard.SubsetGuard(ApiListing.Load(RepoPaths.Listings, listings)).Check(sources);
        Assert.True(violations.Count == 0, $"{what}: {violations.Count} use(s) outside nanoFramework 1.x:\n" + string.Join("\n", violations));
    }

    static IEnumerable<GuardSource> Read(string folder, SourceRole role) =>
        RepoPaths.SourceFiles(RepoPaths.Full(folder)).Select(f => new GuardSource(RepoPaths.Relative(f), File.ReadAllText(f), role));

    static GuardSource ReadFile(string path, SourceRole role) => new(path, File.ReadAllText(RepoPaths.Full(path)), role);
}
