namespace NanoTcp.Tests.SubsetGuard;

/// <summary>Locates the repository from the test's output folder, so tests read the tree itself.</summary>
static class RepoPaths
{
    static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NanoTcp.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("no NanoTcp.sln above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    public static string Listings => Path.Combine(Root, "tests", "nanoframework-api");

    public static string Full(string repoRelative) => Path.Combine(Root, repoRelative.Replace('/', Path.DirectorySeparatorChar));

    public static string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    /// <summary>The .cs files under a folder, build output excluded, in a stable order.</summary>
    public static List<string> SourceFiles(string folder)
    {
        if (!Directory.Exists(folder)) return new List<string>();
        return Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f =>
            {
                var parts = Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar);
                return !parts.Contains("bin") && !parts.Contains("obj");
            })
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
    }
}
