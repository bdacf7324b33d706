using System.Text;
using System.Text.RegularExpressions;
using NanoTcp.Tests.SubsetGuard;

namespace NanoTcp.Tests.Device;

/// <summary>
/// The nanoFramework emulator has no file system, so tests/NanoTcp.DeviceTests runs the scenario
/// scripts from generated C# files that hold each tests/scripts/*.pkt as a string constant, with
/// one test method per script. A nanoFramework assembly's string table holds at most 65 535
/// bytes (see <see cref="StringTable"/>), and the scripts together hold more, so they are spread
/// in file-name order over as many test projects as it takes (Scripts1, Scripts2, ...), each
/// kept under <see cref="PartBudget"/> by the same estimate the string-table test applies. This
/// is the generator, and the test that what is committed is what it would write now.
/// </summary>
public class EmbeddedScripts
{
    public const string Folder = "tests/NanoTcp.DeviceTests";
    public const string FirmwareSolution = "firmware/NanoTcp.Firmware.sln";
    public const string RegenerateCommand = "NANOTCP_REGENERATE=1 dotnet test tests/NanoTcp.Tests --filter EmbeddedScripts";

    /// <summary>Estimated string-table bytes one generated test assembly may hold: well under the limit, so a part never needs splitting by hand.</summary>
    public const int PartBudget = 44000;

    const string NfProjectType = "{11A8DD76-328B-46DF-9F39-F559912D0360}";

    [Fact]
    public void EmbeddedScripts_files_match_tests_scripts()
    {
        var expected = Generate(RepoPaths.Full("tests/scripts"), File.ReadAllText(RepoPaths.Full(FirmwareSolution)));
        var stale = ExistingParts().Where(p => !expected.ContainsKey(p + "/EmbeddedScripts.cs")).ToList();
        if (Environment.GetEnvironmentVariable("NANOTCP_REGENERATE") == "1")
        {
            foreach (var part in stale) Directory.Delete(RepoPaths.Full(part), recursive: true);
            foreach (var (path, text) in expected)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(RepoPaths.Full(path))!);
                // The solution keeps Visual Studio's own form: a byte-order mark and CR LF.
                if (path == FirmwareSolution) File.WriteAllText(RepoPaths.Full(path), text.Replace("\n", "\r\n"), new UTF8Encoding(true));
                else File.WriteAllText(RepoPaths.Full(path), text);
            }
            return;
        }
        var problems = new List<string>();
        foreach (var (path, text) in expected)
        {
            string full = RepoPaths.Full(path);
            string actual = File.Exists(full) ? File.ReadAllText(full).Replace("\r\n", "\n") : "";
            if (actual != text.Replace("\r\n", "\n")) problems.Add(path + (File.Exists(full) ? " is out of date" : " is missing"));
        }
        problems.AddRange(stale.Select(p => p + " is no longer needed"));
        Assert.True(problems.Count == 0, string.Join("\n", problems) + $"\nregenerate with:\n  {RegenerateCommand}");
    }

    [Fact]
    public void Scripts_beyond_one_assemblys_budget_spread_over_parts_in_order()
    {
        const int budget = 12000;
        var files = Generate(RepoPaths.Full("tests/scripts"), File.ReadAllText(RepoPaths.Full(FirmwareSolution)), budget);
        var sources = files.Where(f => f.Key.EndsWith("/EmbeddedScripts.cs", StringComparison.Ordinal)).OrderBy(f => f.Key.Length).ThenBy(f => f.Key).ToList();
        Assert.True(sources.Count >= 2, $"{sources.Count} part(s)");
        var order = new List<string>();
        foreach (var (path, text) in sources)
        {
            var estimate = StringTable.Measure(new[] { (path, text), ("ScriptAssert.cs", File.ReadAllText(RepoPaths.Full(Folder + "/ScriptAssert.cs"))) },
                AssemblyNames, NanoFrameworkMscorlib.Path);
            Assert.True(estimate.Bytes <= budget, $"{path}: {estimate.Bytes}");
            order.AddRange(Regex.Matches(text, @"ScriptAssert\.Passes\(""([^""]+)""").Select(m => m.Groups[1].Value));
            string dir = path[..path.LastIndexOf('/')];
            string part = dir[(dir.LastIndexOf('/') + 1)..];
            Assert.Contains($"\\{part}\\NanoTcp.DeviceTests.{part}.nfproj", files[FirmwareSolution]);
        }
        var all = Directory.GetFiles(RepoPaths.Full("tests/scripts"), "*.pkt").Select(p => Path.GetFileName(p)!).OrderBy(f => f, StringComparer.Ordinal).ToList();
        Assert.Equal(all, order);
    }

    [Fact]
    public void Script_names_become_distinct_identifiers()
    {
        Assert.Equal("FinWait2Timeout", Identifier("fin-wait-2-timeout.pkt"));
        Assert.Equal("Script4WayClose", Identifier("4-way close.pkt"));
    }

    [Fact]
    public void Comment_lines_are_emptied_and_every_other_line_keeps_its_number()
    {
        string script = "// what it shows\n  // more\n--msl_ms=100\n0 socket(...) = 3 // trailing stays\n";
        Assert.Equal("\n\n--msl_ms=100\n0 socket(...) = 3 // trailing stays\n", WithoutCommentLines(script));
    }

    [Fact]
    public void One_assembly_for_every_script_would_overflow_the_string_table()
    {
        // The layout the metadata processor refused: every script in one test assembly.
        var all = Directory.GetFiles(RepoPaths.Full("tests/scripts"), "*.pkt").OrderBy(Path.GetFileName, StringComparer.Ordinal).ToList();
        var estimate = Estimate(0, all.Select(p => (Path.GetFileName(p), File.ReadAllText(p))).ToList(), stripComments: false);
        Assert.True(estimate.Bytes > StringTable.Limit, $"estimated {estimate.Bytes} bytes");
    }

    static IEnumerable<string> ExistingParts() =>
        Directory.Exists(RepoPaths.Full(Folder))
            ? Directory.GetDirectories(RepoPaths.Full(Folder), "Scripts*").Select(RepoPaths.Relative).Where(p => Regex.IsMatch(p, @"/Scripts\d+$"))
            : Enumerable.Empty<string>();

    /// <summary>Every generated file (repository path → text): each part's sources and project, and the firmware solution listing them.</summary>
    public static Dictionary<string, string> Generate(string scriptsFolder, string solution, int budget = PartBudget)
    {
        var scripts = Directory.GetFiles(scriptsFolder, "*.pkt").OrderBy(Path.GetFileName, StringComparer.Ordinal)
            .Select(p => (File: Path.GetFileName(p), Text: File.ReadAllText(p))).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in scripts)
            if (!names.Add(Identifier(s.File))) throw new InvalidOperationException($"two scripts make the identifier {Identifier(s.File)}");

        // Fill each part in file-name order while its estimate stays within the budget.
        var parts = new List<List<(string File, string Text)>>();
        var current = new List<(string File, string Text)>();
        foreach (var s in scripts)
        {
            current.Add(s);
            if (current.Count > 1 && Estimate(parts.Count + 1, current).Bytes > budget)
            {
                current.RemoveAt(current.Count - 1);
                parts.Add(current);
                current = new List<(string File, string Text)> { s };
            }
            if (current.Count == 1 && Estimate(parts.Count + 1, current).Bytes > budget)
                throw new InvalidOperationException($"{s.File} alone is over the string-table budget of a test assembly");
        }
        if (current.Count > 0) parts.Add(current);

        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < parts.Count; i++)
        {
            int n = i + 1;
            string dir = $"{Folder}/Scripts{n}";
            files[dir + "/EmbeddedScripts.cs"] = Source(n, parts[i], stripComments: true);
            files[dir + $"/NanoTcp.DeviceTests.Scripts{n}.nfproj"] = Project(n, parts[i]);
            files[dir + "/packages.config"] = PackagesConfig;
        }
        files[FirmwareSolution] = WithParts(solution, parts.Count);
        return files;
    }

    static StringTable.Estimate Estimate(int part, List<(string File, string Text)> scripts, bool stripComments = true)
    {
        var sources = new List<(string, string)>
        {
            ("EmbeddedScripts.cs", Source(part, scripts, stripComments)),
            ("ScriptAssert.cs", File.ReadAllText(RepoPaths.Full(Folder + "/ScriptAssert.cs"))),
        };
        return StringTable.Measure(sources, AssemblyNames, NanoFrameworkMscorlib.Path);
    }

    /// <summary>The assemblies a test part's metadata names: its own and those it references.</summary>
    public static readonly string[] AssemblyNames = { "NFUnitTest", "mscorlib", "nanoFramework.TestFramework", "nanoFramework.UnitTestLauncher", "NanoTcp", "NanoTcp.Scripting" };

    static string Source(int part, List<(string File, string Text)> scripts, bool stripComments)
    {
        var s = new StringBuilder();
        s.Append("// <auto-generated>\n");
        s.Append("// Scenario scripts ").Append(scripts[0].File).Append(" to ").Append(scripts[^1].File)
            .Append(" from tests/scripts, as string constants, for the nanoFramework emulator, which has no file system.\n");
        s.Append("// Comment lines are left empty (the interpreter skips them; line numbers stay those of the file).\n");
        s.Append("// Do not edit: regenerate with\n");
        s.Append("//   ").Append(RegenerateCommand).Append('\n');
        s.Append("// </auto-generated>\n");
        s.Append("using nanoFramework.TestFramework;\n\n");
        s.Append("namespace NanoTcp.DeviceTests.Scripts").Append(part).Append("\n{\n");
        s.Append("    /// <summary>Each scenario script, run by the interpreter inside nanoCLR.</summary>\n");
        s.Append("    [TestClass]\n    public class ScenarioScripts\n    {\n");
        var constants = new StringBuilder();
        foreach (var (file, text) in scripts)
        {
            string name = Identifier(file);
            s.Append("        [TestMethod]\n");
            s.Append($"        public void {name}() {{ ScriptAssert.Passes(\"{file}\", EmbeddedScripts.{name}); }}\n\n");
            constants.Append($"        public const string {name} =\n");
            constants.Append(Literal(stripComments ? WithoutCommentLines(text) : text)).Append(";\n\n");
        }
        if (scripts.Count > 0) s.Length -= 1; // no blank line before the closing brace
        s.Append("    }\n\n");
        s.Append("    /// <summary>The text of each script.</summary>\n");
        s.Append("    public static class EmbeddedScripts\n    {\n");
        if (constants.Length > 0) constants.Length -= 1;
        s.Append(constants);
        s.Append("    }\n}\n");
        return s.ToString();
    }

    /// <summary>Whole-line // comments become empty lines: the header comments explain a script to its reader, not to the emulator.</summary>
    public static string WithoutCommentLines(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal)) lines[i] = "";
        return string.Join("\n", lines);
    }

    public const string TestFrameworkVersion = "3.0.77";
    const string CoreLibraryVersion = "1.17.11";

    static readonly string PackagesConfig =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<packages>\n" +
        $"  <package id=\"nanoFramework.CoreLibrary\" version=\"{CoreLibraryVersion}\" targetFramework=\"netnano1.0\" />\n" +
        $"  <package id=\"nanoFramework.TestFramework\" version=\"{TestFrameworkVersion}\" targetFramework=\"netnano1.0\" developmentDependency=\"true\" />\n" +
        "</packages>\n";

    static string Guid(int part) => $"{{ED87FB00-20C3-4998-BBA0-33B662BC{part:X4}}}";

    static string Project(int part, List<(string File, string Text)> scripts) => $@"<?xml version=""1.0"" encoding=""utf-8""?>
<!-- Generated by tests/NanoTcp.Tests/Device/EmbeddedScripts.cs (do not edit): scenario scripts
     {scripts[0].File} to {scripts[^1].File} in the emulator. -->
<Project ToolsVersion=""Current"" DefaultTargets=""Build"" xmlns=""http://schemas.microsoft.com/developer/msbuild/2003"">
  <PropertyGroup Label=""Globals"">
    <NanoFrameworkProjectSystemPath>$(MSBuildExtensionsPath)\nanoFramework\v1.0\</NanoFrameworkProjectSystemPath>
    <!-- The repository's Directory.Build.props/targets configure the .NET host build, not this one. -->
    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
    <ImportDirectoryBuildTargets>false</ImportDirectoryBuildTargets>
  </PropertyGroup>
  <Import Project=""$(NanoFrameworkProjectSystemPath)NFProjectSystem.Default.props"" Condition=""Exists('$(NanoFrameworkProjectSystemPath)NFProjectSystem.Default.props')"" />
  <ItemGroup>
    <ProjectCapability Include=""TestContainer"" />
  </ItemGroup>
  <PropertyGroup>
    <Configuration Condition="" '$(Configuration)' == '' "">Debug</Configuration>
    <Platform Condition="" '$(Platform)' == '' "">AnyCPU</Platform>
    <ProjectTypeGuids>{NfProjectType};{{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}}</ProjectTypeGuids>
    <ProjectGuid>{Guid(part)}</ProjectGuid>
    <OutputType>Library</OutputType>
    <AppDesignerFolder>Properties</AppDesignerFolder>
    <FileAlignment>512</FileAlignment>
    <RootNamespace>NanoTcp.DeviceTests.Scripts{part}</RootNamespace>
    <!-- The test launcher loads the test assembly by this name. -->
    <AssemblyName>NFUnitTest</AssemblyName>
    <IsCodedUITest>False</IsCodedUITest>
    <IsTestProject>true</IsTestProject>
    <TestProjectType>UnitTest</TestProjectType>
    <TargetFrameworkVersion>v1.0</TargetFrameworkVersion>
    <LangVersion>7.3</LangVersion>
  </PropertyGroup>
  <Import Project=""$(NanoFrameworkProjectSystemPath)NFProjectSystem.props"" Condition=""Exists('$(NanoFrameworkProjectSystemPath)NFProjectSystem.props')"" />
  <PropertyGroup>
    <RunSettingsFilePath>$(MSBuildProjectDirectory)\..\nano.runsettings</RunSettingsFilePath>
  </PropertyGroup>
  <ItemGroup>
    <Compile Include=""EmbeddedScripts.cs"" />
    <Compile Include=""..\ScriptAssert.cs"" />
  </ItemGroup>
  <ItemGroup>
    <None Include=""..\nano.runsettings"" />
    <None Include=""packages.config"" />
  </ItemGroup>
  <!-- Packages restore beside firmware/NanoTcp.Firmware.sln, the solution this project belongs to. -->
  <ItemGroup>
    <Reference Include=""mscorlib, Version={CoreLibraryVersion}.0, Culture=neutral, PublicKeyToken=c07d481e9758c731"">
      <HintPath>..\..\..\firmware\packages\nanoFramework.CoreLibrary.{CoreLibraryVersion}\lib\mscorlib.dll</HintPath>
      <Private>True</Private>
    </Reference>
    <Reference Include=""nanoFramework.TestFramework, Version={TestFrameworkVersion}.0, Culture=neutral, PublicKeyToken=c07d481e9758c731"">
      <HintPath>..\..\..\firmware\packages\nanoFramework.TestFramework.{TestFrameworkVersion}\lib\nanoFramework.TestFramework.dll</HintPath>
      <Private>True</Private>
    </Reference>
    <Reference Include=""nanoFramework.UnitTestLauncher, Version=0.0.0.0, Culture=neutral, PublicKeyToken=c07d481e9758c731"">
      <HintPath>..\..\..\firmware\packages\nanoFramework.TestFramework.{TestFrameworkVersion}\lib\nanoFramework.UnitTestLauncher.exe</HintPath>
      <Private>True</Private>
    </Reference>
  </ItemGroup>
  <ItemGroup>
    <ProjectReference Include=""..\..\..\firmware\NanoTcp\NanoTcp.nfproj"" />
    <ProjectReference Include=""..\..\..\firmware\NanoTcp.Scripting\NanoTcp.Scripting.nfproj"" />
  </ItemGroup>
  <Import Project=""$(NanoFrameworkProjectSystemPath)NFProjectSystem.CSharp.targets"" Condition=""Exists('$(NanoFrameworkProjectSystemPath)NFProjectSystem.CSharp.targets')"" />
  <ProjectExtensions>
    <ProjectCapabilities>
      <ProjectConfigurationsDeclaredAsItems />
    </ProjectCapabilities>
  </ProjectExtensions>
</Project>
".Replace("\r\n", "\n");

    /// <summary>The firmware solution with exactly the generated test parts as its DeviceTests projects; every other project as it was.</summary>
    static string WithParts(string solution, int count)
    {
        solution = solution.Replace("\r\n", "\n");
        // Drop every DeviceTests project and its configuration lines.
        var project = new Regex(@"Project\(""[^""]+""\) = ""[^""]*"", ""[^""]*NanoTcp\.DeviceTests[^""]*"", ""(\{[0-9A-F-]+\})""\nEndProject\n");
        var guids = project.Matches(solution).Select(m => m.Groups[1].Value).ToList();
        solution = project.Replace(solution, "");
        foreach (var guid in guids)
            solution = Regex.Replace(solution, @"\t\t" + Regex.Escape(guid) + @"\.[^\n]*\n", "");

        var projects = new StringBuilder();
        var configs = new StringBuilder();
        for (int n = 1; n <= count; n++)
        {
            projects.Append($"Project(\"{NfProjectType}\") = \"NanoTcp.DeviceTests.Scripts{n}\", \"..\\tests\\NanoTcp.DeviceTests\\Scripts{n}\\NanoTcp.DeviceTests.Scripts{n}.nfproj\", \"{Guid(n)}\"\nEndProject\n");
            foreach (var cfg in new[] { "Debug", "Release" })
                foreach (var what in new[] { "ActiveCfg", "Build.0", "Deploy.0" })
                    configs.Append($"\t\t{Guid(n)}.{cfg}|Any CPU.{what} = {cfg}|Any CPU\n");
        }
        int global = solution.IndexOf("Global\n", StringComparison.Ordinal);
        solution = solution.Insert(global, projects.ToString());
        const string section = "\tGlobalSection(ProjectConfigurationPlatforms) = postSolution\n";
        int end = solution.IndexOf("\tEndGlobalSection\n", solution.IndexOf(section, StringComparison.Ordinal), StringComparison.Ordinal);
        return solution.Insert(end, configs.ToString());
    }

    /// <summary>"fin-wait-2-timeout.pkt" -> "FinWait2Timeout"; a leading digit gets a "Script" prefix.</summary>
    static string Identifier(string fileName)
    {
        var id = new StringBuilder();
        bool upper = true;
        foreach (char c in Path.GetFileNameWithoutExtension(fileName))
        {
            if (!char.IsAsciiLetterOrDigit(c)) { upper = true; continue; }
            id.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (id.Length == 0 || char.IsAsciiDigit(id[0])) id.Insert(0, "Script");
        return id.ToString();
    }

    /// <summary>One "...\n" + literal per line: readable, and immune to how git checks out line endings.</summary>
    static string Literal(string text)
    {
        text = text.Replace("\r\n", "\n");
        if (text.Length == 0) return "            \"\"";
        var lines = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end + 1;
            lines.Add("            \"" + Escape(text[start..end]) + "\"");
            start = end;
        }
        return string.Join(" +\n", lines);
    }

    static string Escape(string s)
    {
        var e = new StringBuilder();
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': e.Append(@"\\"); break;
                case '"': e.Append("\\\""); break;
                case '\n': e.Append(@"\n"); break;
                case '\t': e.Append(@"\t"); break;
                default:
                    if (c < ' ' || c > '~') e.Append($"\\u{(int)c:x4}");
                    else e.Append(c);
                    break;
            }
        }
        return e.ToString();
    }
}
