using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// Every nanoFramework project names package versions that exist: each packages.config entry is
/// the version its API listing in tests/nanoframework-api was taken from (the listings' first
/// line names it), and each reference's HintPath and assembly version agree with packages.config.
/// </summary>
public class PackageVersionTests
{
    static readonly XNamespace MsBuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    public static TheoryData<string> Projects() => StringTableTests.Projects();

    [Theory]
    [MemberData(nameof(Projects))]
    public void Packages_are_versions_that_exist_and_references_agree(string project)
    {
        string path = RepoPaths.Full(project);
        string config = Path.Combine(Path.GetDirectoryName(path)!, "packages.config");
        Assert.True(File.Exists(config), project + " has no packages.config beside it");
        var packages = XDocument.Load(config).Descendants("package")
            .ToDictionary(p => (string)p.Attribute("id")!, p => (string)p.Attribute("version")!);

        var problems = new List<string>();
        foreach (var (id, version) in packages)
        {
            string? known = ListedVersion(id);
            if (known == null) problems.Add($"{id}: no API listing in tests/nanoframework-api names its version");
            else if (known != version) problems.Add($"{id} {version}: the version that exists (its listing's) is {known}");
        }
        foreach (var reference in XDocument.Load(path).Descendants(MsBuild + "Reference"))
        {
            string include = (string?)reference.Attribute("Include") ?? "";
            string hint = (string?)reference.Element(MsBuild + "HintPath") ?? "";
            var m = Regex.Match(hint, @"packages\\([A-Za-z.]+?)\.(\d+\.\d+\.\d+)\\");
            if (!m.Success) { problems.Add($"{include}: HintPath {hint} is not inside a package folder"); continue; }
            if (!packages.TryGetValue(m.Groups[1].Value, out var v)) problems.Add($"{hint}: {m.Groups[1].Value} is not in packages.config");
            else if (v != m.Groups[2].Value) problems.Add($"{hint}: packages.config has {m.Groups[1].Value} {v}");
            var asm = Regex.Match(include, @"Version=(\d+\.\d+\.\d+)\.0");
            if (asm.Success && asm.Groups[1].Value != m.Groups[2].Value && !include.StartsWith("nanoFramework.UnitTestLauncher", StringComparison.Ordinal))
                problems.Add($"{include}: the assembly version differs from the package's {m.Groups[2].Value}");
        }
        Assert.True(problems.Count == 0, project + ":\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_test_framework_is_a_release_that_exists()
    {
        // 3.0.38 was never published: the 3.0 line is numbered from the commit count plus 40.
        Assert.Equal("3.0.77", ListedVersion("nanoFramework.TestFramework"));
    }

    /// <summary>The version an API listing was taken from (its first line), for a package id.</summary>
    static string? ListedVersion(string id)
    {
        if (id == "nanoFramework.CoreLibrary")
        {
            // The listing names the 1.17 line; the genuine package the compile guard uses names the release.
            var name = System.Reflection.AssemblyName.GetAssemblyName(NanoFrameworkMscorlib.Path);
            Assert.StartsWith("# mscorlib (nanoFramework.CoreLibrary) 1.17 ", File.ReadLines(Path.Combine(RepoPaths.Listings, "mscorlib.txt")).First());
            return $"{name.Version!.Major}.{name.Version.Minor}.{name.Version.Build}";
        }
        foreach (var file in new[] { id, id.StartsWith("nanoFramework.System.", StringComparison.Ordinal) && !File.Exists(Path.Combine(RepoPaths.Listings, id + ".txt")) ? id["nanoFramework.".Length..] : id })
        {
            string listing = Path.Combine(RepoPaths.Listings, file + ".txt");
            if (!File.Exists(listing)) continue;
            var m = Regex.Match(File.ReadLines(listing).First(), @"^# \S+ (\d+\.\d+\.\d+)");
            return m.Success ? m.Groups[1].Value : null;
        }
        return null;
    }
}
