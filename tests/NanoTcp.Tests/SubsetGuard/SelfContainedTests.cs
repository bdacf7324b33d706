using System.Text.RegularExpressions;
using Xunit;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// The repository is all a user or contributor gets: no file in it points at notes or folders
/// outside it, and every relative link of its Markdown files leads to a file that is there.
/// </summary>
public class SelfContainedTests
{
    static readonly string[] TextExtensions = { ".cs", ".md", ".pkt", ".csproj", ".nfproj", ".props", ".targets", ".json", ".sln", ".config", ".runsettings", ".txt", ".sh", "" };

    // Names of material that lives beside a checkout, never in it.
    static readonly Regex Outside = new(@"DESIGN(\.md| §|:)|\.\./shared/|\.\./\.library|/work/", RegexOptions.Compiled);

    static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(RepoPaths.Root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(RepoPaths.Root, f).Split(Path.DirectorySeparatorChar)
                .Any(d => d is ".git" or "bin" or "obj" or "packages" or "TestResults" or "nupkg"))
            .Where(f => TextExtensions.Contains(Path.GetExtension(f)) && new FileInfo(f).Length < 4_000_000);

    [Fact]
    public void No_file_refers_to_notes_outside_the_repository()
    {
        var hits = new List<string>();
        foreach (var f in Files())
        {
            if (f.EndsWith("SelfContainedTests.cs", StringComparison.Ordinal)) continue; // the pattern itself
            int n = 0;
            foreach (var line in File.ReadLines(f))
            {
                n++;
                if (Outside.IsMatch(line)) hits.Add($"{RepoPaths.Relative(f)}:{n}: {line.Trim()}");
            }
        }
        Assert.True(hits.Count == 0, "these lines point outside the repository (say it here, e.g. in docs/design.md):\n" + string.Join("\n", hits));
    }

    [Fact]
    public void Every_relative_markdown_link_leads_to_a_file_in_the_repository()
    {
        var broken = new List<string>();
        foreach (var md in Files().Where(f => f.EndsWith(".md", StringComparison.Ordinal)))
        {
            foreach (Match m in Regex.Matches(File.ReadAllText(md), @"\]\(([^)#\s]+)(#[^)]*)?\)"))
            {
                string target = m.Groups[1].Value;
                if (Regex.IsMatch(target, @"^[a-z]+:", RegexOptions.IgnoreCase)) continue; // http:, https:, mailto:
                string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(md)!, target));
                if (!full.StartsWith(RepoPaths.Root, StringComparison.Ordinal) || !(File.Exists(full) || Directory.Exists(full)))
                    broken.Add($"{RepoPaths.Relative(md)}: ({target})");
            }
        }
        Assert.True(broken.Count == 0, "links to nothing in the repository:\n" + string.Join("\n", broken));
    }
}
