using System.Xml.Linq;
using Xunit;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// The nanoFramework projects list their sources one by one (no globbing there), so a .cs file
/// added to a portable folder must be added to that folder's .nfproj too.
/// </summary>
public class NfprojTests
{
    static readonly XNamespace MsBuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    static List<string> ProjectPaths() =>
        Directory.EnumerateFiles(RepoPaths.Full("firmware"), "*.nfproj", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj" or "packages"))
            .Select(RepoPaths.Relative)
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();

    public static TheoryData<string> Projects() => new(ProjectPaths());

    [Theory]
    [InlineData("firmware/NanoTcp/NanoTcp.nfproj")]
    [InlineData("firmware/NanoTcp.Scripting/NanoTcp.Scripting.nfproj")]
    public void Portable_library_has_a_nanoFramework_project(string project) =>
        Assert.True(File.Exists(RepoPaths.Full(project)), project + " is missing");

    [Theory]
    [MemberData(nameof(Projects))]
    public void Nfproj_compiles_exactly_the_cs_files_of_its_folder(string project)
    {
        var problems = CompileItemProblems(RepoPaths.Full(project));
        if (problems.Count > 0) Assert.Fail(project + ":\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Nfproj_check_notices_a_missing_and_a_stale_file()
    {
        var folder = Directory.CreateTempSubdirectory("nfproj-check").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "A.cs"), "class A { }");
            Directory.CreateDirectory(Path.Combine(folder, "Sub"));
            File.WriteAllText(Path.Combine(folder, "Sub", "B.cs"), "class B { }");
            Directory.CreateDirectory(Path.Combine(folder, "obj"));
            File.WriteAllText(Path.Combine(folder, "obj", "Generated.cs"), "class G { }");
            var project = Path.Combine(folder, "P.nfproj");
            File.WriteAllText(project, $@"<Project xmlns=""{MsBuild.NamespaceName}""><ItemGroup>
                <Compile Include=""A.cs"" /><Compile Include=""Gone.cs"" /></ItemGroup></Project>");

            var problems = CompileItemProblems(project);

            Assert.Equal(2, problems.Count);
            Assert.Contains(problems, p => p.StartsWith("Sub/B.cs is in the folder but not in the .nfproj", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("Gone.cs is in the .nfproj but not in the folder", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static List<string> CompileItemProblems(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        var listed = Load(path).Descendants(MsBuild + "Compile")
            .Select(c => ((string?)c.Attribute("Include") ?? "").Replace('\\', '/'))
            .ToList();
        var present = RepoPaths.SourceFiles(folder)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .ToList();

        var problems = new List<string>();
        problems.AddRange(present.Except(listed, StringComparer.Ordinal).Select(f => $"{f} is in the folder but not in the .nfproj: add <Compile Include=\"{f.Replace('/', '\\')}\" />"));
        problems.AddRange(listed.Except(present, StringComparer.Ordinal).Select(f => $"{f} is in the .nfproj but not in the folder"));
        problems.AddRange(listed.GroupBy(f => f).Where(g => g.Count() > 1).Select(g => $"{g.Key} is listed twice"));
        return problems;
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Nfproj_references_the_CoreLibrary_version_of_its_packages_config(string project)
    {
        var path = RepoPaths.Full(project);
        var config = Path.Combine(Path.GetDirectoryName(path)!, "packages.config");
        Assert.True(File.Exists(config), project + " has no packages.config beside it");
        var version = (string?)XDocument.Load(config).Descendants("package")
            .SingleOrDefault(p => (string?)p.Attribute("id") == "nanoFramework.CoreLibrary")?.Attribute("version");
        Assert.False(version == null, "packages.config does not name nanoFramework.CoreLibrary");
        Assert.StartsWith("1.17.", version);

        var hint = Load(path).Descendants(MsBuild + "Reference")
            .Where(r => ((string?)r.Attribute("Include") ?? "").StartsWith("mscorlib", StringComparison.Ordinal))
            .Select(r => (string?)r.Element(MsBuild + "HintPath"))
            .SingleOrDefault();
        Assert.Equal($@"..\packages\nanoFramework.CoreLibrary.{version}\lib\mscorlib.dll", hint);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Nfproj_project_references_exist(string project)
    {
        var path = RepoPaths.Full(project);
        foreach (var reference in Load(path).Descendants(MsBuild + "ProjectReference"))
        {
            var include = ((string?)reference.Attribute("Include") ?? "").Replace('\\', Path.DirectorySeparatorChar);
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, include)), $"{project} references missing {include}");
        }
    }

    [Fact]
    public void Firmware_solution_lists_every_nfproj()
    {
        var solution = File.ReadAllText(RepoPaths.Full("firmware/NanoTcp.Firmware.sln"));
        foreach (var project in ProjectPaths())
        {
            var inSolution = Path.GetRelativePath(RepoPaths.Full("firmware"), RepoPaths.Full(project)).Replace('/', '\\');
            Assert.Contains($"\"{inSolution}\"", solution);
        }
    }

    static XDocument Load(string path) => XDocument.Load(path);
}
