using System.Xml.Linq;
using Xunit;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// No nanoFramework assembly of the repository comes near the 65 535-byte string table that
/// nanoFramework's metadata processor can address (see <see cref="StringTable"/> for what the
/// estimate counts and why it errs on the large side). The budget leaves a further margin for
/// what an estimate from sources might still miss.
/// </summary>
public class StringTableTests
{
    public const int Budget = 56000;

    static readonly XNamespace MsBuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    public static TheoryData<string> Projects() => new(
        Directory.EnumerateFiles(RepoPaths.Root, "*.nfproj", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj" or "packages" or ".git"))
            .Select(RepoPaths.Relative).OrderBy(p => p, StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Projects))]
    public void Nanoframework_assembly_string_table_stays_well_under_the_limit(string project)
    {
        var estimate = Measure(project);
        Assert.True(estimate.Bytes <= Budget,
            $"{project}: its string table is estimated at {estimate.Bytes} bytes, over the budget of {Budget} " +
            $"(the limit is {StringTable.Limit}). Largest strings:\n{estimate.Largest(8)}");
    }

    [Fact]
    public void Estimate_counts_each_string_once_as_emitted_with_its_terminator()
    {
        const string source = "namespace N { class C { const string A = \"ab\" + \"cd\"; string M() { return A; } string K() { return \"abcd\"; } } }";
        var estimate = StringTable.Measure(new[] { ("C.cs", source) }, new[] { "Asm" }, NanoFrameworkMscorlib.Path);
        Assert.Contains("abcd", estimate.Strings);     // the folded constant, once (the same string in K)
        Assert.DoesNotContain("ab", estimate.Strings); // never the pieces
        Assert.Contains("N", estimate.Strings);
        Assert.Contains("M", estimate.Strings);
        Assert.Contains("Asm", estimate.Strings);
        var without = StringTable.Measure(new[] { ("C.cs", source.Replace("\"abcd\"", "A")) }, new[] { "Asm" }, NanoFrameworkMscorlib.Path);
        Assert.Equal(estimate.Bytes, without.Bytes);   // "abcd" was counted once
    }

    [Fact]
    public void Estimate_of_a_large_literal_counts_its_utf8_bytes()
    {
        string big = new string('x', 70000);
        var estimate = StringTable.Measure(new[] { ("C.cs", "class C { string M() { return \"" + big + "\" + \"é\"; } }") }, new[] { "Asm" }, NanoFrameworkMscorlib.Path);
        Assert.True(estimate.Bytes > 70000 + 2 + 1 && estimate.Bytes > StringTable.Limit);
    }

    /// <summary>A project's estimate from its Compile items and the assemblies it names.</summary>
    public static StringTable.Estimate Measure(string project)
    {
        string path = RepoPaths.Full(project);
        string dir = Path.GetDirectoryName(path)!;
        var doc = XDocument.Load(path);
        var sources = doc.Descendants(MsBuild + "Compile")
            .Select(c => Path.GetFullPath(Path.Combine(dir, ((string?)c.Attribute("Include") ?? "").Replace('\\', Path.DirectorySeparatorChar))))
            .Select(f => (f, File.ReadAllText(f))).ToList();
        var names = doc.Descendants(MsBuild + "AssemblyName").Select(e => e.Value)
            .Concat(doc.Descendants(MsBuild + "Reference").Select(r => ((string?)r.Attribute("Include") ?? "").Split(',')[0]))
            .Concat(doc.Descendants(MsBuild + "ProjectReference").Select(r => Path.GetFileNameWithoutExtension(((string?)r.Attribute("Include") ?? "").Replace('\\', '/'))))
            .ToList();
        return StringTable.Measure(sources, names, NanoFrameworkMscorlib.Path);
    }
}
