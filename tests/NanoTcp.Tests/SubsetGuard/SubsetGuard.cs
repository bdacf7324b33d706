using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>What the guard does with one source file.</summary>
public enum SourceRole
{
    /// <summary>Compiled and checked: its violations are reported.</summary>
    Checked,
    /// <summary>Compiled so the checked files bind (e.g. the engine under the interpreter); not checked.</summary>
    Context,
    /// <summary>Stand-ins for nanoFramework-only APIs: what they declare counts as external API.</summary>
    Api,
}

/// <summary>One C# source text. Path is how violations name the file.</summary>
public sealed record GuardSource(string Path, string Text, SourceRole Role = SourceRole.Checked);

/// <summary>
/// Checks that C# sources stay inside what nanoFramework 1.x can compile and run: C# 7.3 syntax
/// without generics, LINQ, async, tuples, stackalloc, dynamic, interpolation, field-like events,
/// unsafe code or iterators, and every external type and member (explicit or implied by the
/// compiler's lowering) present in the allowed API listings.
/// </summary>
public sealed class SubsetGuard
{
    readonly ApiListing _api;

    public SubsetGuard(ApiListing api) { _api = api; }

    /// <summary>Returns one "file:line: what" line per violation, sorted; empty when clean.</summary>
    public IReadOnlyList<string> Check(IEnumerable<GuardSource> sources)
    {
        var list = sources.ToList();
        var report = new GuardReport();
        // Code under #if must hold in both configurations a nanoFramework project builds.
        bool conditional = list.Any(s => s.Text.Contains("#if", StringComparison.Ordinal));
        var configurations = conditional
            ? new[] { new[] { "DEBUG" }, Array.Empty<string>() }
            : new[] { new[] { "DEBUG" } };
        foreach (var symbols in configurations) CheckConfiguration(list, symbols, report);
        return report.Lines();
    }

    /// <summary>Checks one snippet as a file of its own (for tests).</summary>
    public IReadOnlyList<string> CheckText(string text, string path = "Snippet.cs") =>
        Check(new[] { new GuardSource(path, text) });

    void CheckConfiguration(List<GuardSource> sources, string[] symbols, GuardReport report)
    {
        var parse = new CSharpParseOptions(LanguageVersion.CSharp7_3, DocumentationMode.None,
            SourceCodeKind.Regular, symbols);
        var roles = sources
            .Select(s => (Tree: CSharpSyntaxTree.ParseText(s.Text, parse, s.Path, Encoding.UTF8), s.Role))
            .ToList();

        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
            allowUnsafe: true, nullableContextOptions: NullableContextOptions.Disable);
        var compilation = CSharpCompilation.Create("PortableUnderGuard", roles.Select(r => r.Tree), HostReferences.Value, options);

        // Syntax newer than C# 7.3 is a parse error with these options; anything that does not
        // compile cannot be checked reliably, so every error is a violation.
        foreach (var d in compilation.GetDiagnostics())
        {
            if (d.Severity != DiagnosticSeverity.Error) continue;
            var span = d.Location.GetLineSpan();
            var path = span.Path.Length > 0 ? span.Path : "(compilation)";
            report.Add(path, span.StartLinePosition.Line + 1, $"error {d.Id}: {d.GetMessage()}");
        }

        var apiTrees = new HashSet<SyntaxTree>(roles.Where(r => r.Role == SourceRole.Api).Select(r => r.Tree));
        foreach (var (tree, role) in roles)
        {
            if (role != SourceRole.Checked) continue;
            SyntaxRules.Check(tree.GetRoot(), report);
            new SemanticWalker(compilation, compilation.GetSemanticModel(tree), _api, apiTrees, report).Run();
        }
    }

    /// <summary>
    /// The running .NET's own assemblies: the portable code compiles against them, and every
    /// symbol it binds is then looked up, by documentation ID, in the nanoFramework listings.
    /// </summary>
    static readonly Lazy<IReadOnlyList<MetadataReference>> HostReferences = new(() =>
    {
        var tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return tpa.Split(Path.PathSeparator)
            .Where(p => string.Equals(Path.GetDirectoryName(p), runtimeDir, StringComparison.Ordinal))
            .Where(p =>
            {
                var name = Path.GetFileName(p);
                return name.StartsWith("System.", StringComparison.Ordinal) || name == "netstandard.dll" || name == "mscorlib.dll";
            })
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
    });
}

/// <summary>Collects violations once each, sorted by file and line.</summary>
sealed class GuardReport
{
    readonly SortedSet<(string Path, int Line, string What)> _items = new();

    public void Add(string path, int line, string what) => _items.Add((path, line, what));

    public void Add(SyntaxNode at, string what) => Add(at.GetLocation(), what);

    public void Add(Location location, string what)
    {
        var span = location.GetLineSpan();
        Add(span.Path, span.StartLinePosition.Line + 1, what);
    }

    public IReadOnlyList<string> Lines() => _items.Select(i => $"{i.Path}:{i.Line}: {i.What}").ToList();
}
