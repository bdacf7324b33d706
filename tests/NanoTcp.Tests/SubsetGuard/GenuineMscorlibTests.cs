using System.Reflection;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// The second guard of the nanoFramework subset, beside the listing-based one:
/// firmware/nanoframework/NanoTcp.Nf.csproj compiles the engine and the interpreter against the
/// genuine mscorlib of the nanoFramework.CoreLibrary package and no standard library, so the
/// build itself fails on anything mscorlib 1.17 lacks. These tests check that the project is
/// wired that way and show, with the same inputs compiled here, that it does fail.
/// </summary>
/// <summary>Where the test build found nanoFramework.CoreLibrary's mscorlib.dll (NanoTcp.Tests.csproj records it).</summary>
public static class NanoFrameworkMscorlib
{
    public static string Path =>
        typeof(NanoFrameworkMscorlib).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NanoFrameworkMscorlib").Value!;
}

public class GenuineMscorlibTests
{
    const string Project = "firmware/nanoframework/NanoTcp.Nf.csproj";
    static readonly string[] Folders = { "firmware/NanoTcp", "firmware/NanoTcp.Scripting" };

    static string MscorlibPath => NanoFrameworkMscorlib.Path;

    [Fact]
    public void The_package_is_nanoFrameworks_own_mscorlib_1_17()
    {
        Assert.True(File.Exists(MscorlibPath), "no mscorlib.dll at " + MscorlibPath);
        var name = AssemblyName.GetAssemblyName(MscorlibPath);
        Assert.Equal("mscorlib", name.Name);
        Assert.Equal(new Version(1, 17, 11, 0), name.Version);
        // The device image travels beside it in the package.
        Assert.True(File.Exists(Path.ChangeExtension(MscorlibPath, ".pe")));
    }

    [Fact]
    public void The_project_compiles_both_portable_folders_alone_against_that_mscorlib_in_CSharp_7_3()
    {
        var doc = XDocument.Load(RepoPaths.Full(Project));
        string Prop(string n) => doc.Descendants(n).Select(e => e.Value).SingleOrDefault() ?? "";
        Assert.Equal("7.3", Prop("LangVersion"));
        Assert.Equal("true", Prop("NoStdLib"));
        Assert.Equal("true", Prop("NoCompilerStandardLib"));
        Assert.Equal("true", Prop("DisableImplicitFrameworkReferences"));
        var compiles = doc.Descendants("Compile").Select(c => (string?)c.Attribute("Include")).ToList();
        foreach (var folder in Folders)
            Assert.Contains($"../{Path.GetFileName(folder)}/**/*.cs", compiles);
        var reference = doc.Descendants("Reference").Single();
        Assert.Equal("mscorlib", (string?)reference.Attribute("Include"));
        Assert.Equal("$(PkgnanoFramework_CoreLibrary)/lib/mscorlib.dll", reference.Element("HintPath")?.Value);
        Assert.Contains("firmware\\nanoframework\\NanoTcp.Nf.csproj", File.ReadAllText(RepoPaths.Full("NanoTcp.sln")));
    }

    [Fact]
    public void The_portable_sources_compile_against_the_genuine_mscorlib()
    {
        var errors = Compile(null);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    // Each probe is code that compiles on .NET but not on nanoFramework 1.x.
    [Theory]
    [InlineData("static int P() { return System.Math.Max(1, 2); }", "Math")]                       // System.Math is its own assembly there
    [InlineData("static object P() { return new System.Text.StringBuilder(); }", "Text")]           // System.Text is nanoFramework.System.Text
    [InlineData("static object P() { return new System.Collections.Generic.List<int>(); }", "Generic")] // no generics at all
    [InlineData("static long P() { return System.Environment.TickCount64; }", "Environment")]       // nanoFramework.Runtime.Native
    [InlineData("static string P() { return \"ab\".Replace(\"a\", \"b\"); }", "Replace")]             // a member its String lacks
    public void A_member_outside_nanoFrameworks_mscorlib_fails_the_compile(string member, string named)
    {
        var errors = Compile("namespace NanoTcp { static class Probe { " + member + " } }");
        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    static List<string> Compile(string? probe)
    {
        var options = new CSharpParseOptions(LanguageVersion.CSharp7_3);
        var trees = Folders.SelectMany(f => RepoPaths.SourceFiles(RepoPaths.Full(f)))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f)).ToList();
        if (probe != null) trees.Add(CSharpSyntaxTree.ParseText(probe, options, "Probe.cs"));
        var compilation = CSharpCompilation.Create("NanoTcp.Nf", trees,
            new[] { MetadataReference.CreateFromFile(MscorlibPath) },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        return compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
    }
}
