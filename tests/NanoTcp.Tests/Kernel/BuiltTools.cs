namespace NanoTcp.Tests.Kernel;

/// <summary>
/// The programs the kernel tests start as child processes: the desktop peer (nanotcp) and the
/// virtual board, built with this test project (it references both), run with the same dotnet
/// as the tests.
/// </summary>
public static class BuiltTools
{
    /// <summary>The dotnet host running the tests, so children use the same runtime.</summary>
    public static string Dotnet { get; } = FindDotnet();

    public static string Peer => Find("NanoTcp.Peer", Path.Combine("peer", "Nanotcp"));
    public static string Board => Find("NanoTcp.Board", Path.Combine("boards", "host"));

    static string FindDotnet()
    {
        string? self = Environment.ProcessPath;
        if (self != null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"); // set by `dotnet test` for its children
        if (host != null && File.Exists(host)) return host;
        return KernelPrerequisites.FindOnPath("dotnet") ?? "dotnet";
    }

    /// <summary>
    /// The assembly next to the tests when its runtime configuration was copied with it, else
    /// in its own project's output folder for the same configuration and framework.
    /// </summary>
    static string Find(string assembly, string projectFolder)
    {
        string here = AppContext.BaseDirectory;
        string local = Path.Combine(here, assembly + ".dll");
        if (File.Exists(local) && File.Exists(Path.Combine(here, assembly + ".runtimeconfig.json"))) return local;

        // .../tests/NanoTcp.Tests/bin/<Configuration>/<framework>/
        var framework = new DirectoryInfo(here.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = framework.Parent!.Name;
        DirectoryInfo? root = framework;
        while (root != null && !File.Exists(Path.Combine(root.FullName, "NanoTcp.sln"))) root = root.Parent;
        if (root == null) throw new FileNotFoundException($"{assembly}.dll: not next to the tests, and no NanoTcp.sln above {here}");
        string built = Path.Combine(root.FullName, projectFolder, "bin", configuration, framework.Name, assembly + ".dll");
        if (!File.Exists(built)) throw new FileNotFoundException($"{assembly}.dll is not built: {built}");
        return built;
    }
}
