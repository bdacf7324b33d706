using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// An upper estimate of a nanoFramework assembly's string table. nanoFramework's metadata
/// processor keeps every distinct string of an assembly once, as UTF-8 with a terminating zero,
/// and numbers them by byte offset in 16 bits, so the table holds at most 65 535 bytes; past that
/// the build stops ("String table overflow ... Can't use so many strings"). What goes in: string
/// literals as the compiler emits them (constant concatenations folded into one string), and the
/// names of namespaces, types, fields, methods and the members referenced in other assemblies.
///
/// The estimate errs on the large side: it counts every identifier in the source (locals and
/// parameters too, which the processor drops), accessor names for every property and event the
/// code declares or uses, the names of implied calls (String.Concat behind +, foreach, lock), and
/// it gives no credit for the strings the runtime predefines. It does not read the compiled
/// assembly, so it needs nothing beyond the sources and mscorlib (to fold constants).
/// </summary>
public static class StringTable
{
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, MetadataReference> References = new();

    /// <summary>The metadata processor's hard limit.</summary>
    public const int Limit = 65535;

    // Names the compiler calls without the source spelling them.
    static readonly string[] Implied =
    {
        "", ".ctor", ".cctor", "System", "Object", "ValueType", "Enum", "value__", "String", "Concat", "ToString", "Equals",
        "GetHashCode", "Finalize", "op_Equality", "op_Inequality", "GetEnumerator", "MoveNext", "get_Current", "Current",
        "Dispose", "IDisposable", "IEnumerator", "System.Collections", "System.Threading", "Monitor", "Enter", "Exit",
        "System.Diagnostics", "DebuggableAttribute", "CompilationRelaxationsAttribute", "RuntimeCompatibilityAttribute",
        "System.Runtime.CompilerServices", "Array", "Exception",
    };

    public sealed record Estimate(int Bytes, IReadOnlyCollection<string> Strings)
    {
        /// <summary>The largest strings, for a failure message.</summary>
        public string Largest(int n) => string.Join("\n", Strings.OrderByDescending(s => Encoding.UTF8.GetByteCount(s)).Take(n)
            .Select(s => $"  {Encoding.UTF8.GetByteCount(s) + 1,7} bytes  {Preview(s)}"));

        static string Preview(string s)
        {
            s = s.Replace("\n", "\\n");
            return s.Length > 60 ? s[..60] + "..." : s;
        }
    }

    /// <summary>Estimates the string table of one assembly from its sources (path, text) and the names of the assemblies involved.</summary>
    public static Estimate Measure(IEnumerable<(string Path, string Text)> sources, IEnumerable<string> assemblyNames, string mscorlibPath)
    {
        var options = new CSharpParseOptions(LanguageVersion.CSharp7_3);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, options, s.Path)).ToList();
        var compilation = CSharpCompilation.Create("Estimate", trees, new[] { References.GetOrAdd(mscorlibPath, p => MetadataReference.CreateFromFile(p)) },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        var strings = new HashSet<string>(Implied, StringComparer.Ordinal);
        foreach (var name in assemblyNames) strings.Add(name);
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            var root = tree.GetRoot();
            foreach (var token in root.DescendantTokens())
                if (token.IsKind(SyntaxKind.IdentifierToken)) strings.Add(token.ValueText);
            foreach (var node in root.DescendantNodes())
            {
                switch (node)
                {
                    case BaseNamespaceDeclarationSyntax ns:
                        strings.Add(FullName(ns));
                        break;
                    case UsingDirectiveSyntax u:
                        strings.Add(u.NamespaceOrType.ToString());
                        break;
                    case PropertyDeclarationSyntax p:
                        strings.Add("get_" + p.Identifier.ValueText);
                        strings.Add("set_" + p.Identifier.ValueText);
                        break;
                    case IndexerDeclarationSyntax:
                        strings.Add("get_Item");
                        strings.Add("set_Item");
                        break;
                    case EventDeclarationSyntax or EventFieldDeclarationSyntax:
                        foreach (var id in node.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)))
                        {
                            strings.Add("add_" + id.ValueText);
                            strings.Add("remove_" + id.ValueText);
                        }
                        break;
                    case IdentifierNameSyntax id:
                        var symbol = model.GetSymbolInfo(id).Symbol;
                        if (symbol is IPropertySymbol prop)
                        {
                            strings.Add("get_" + prop.Name);
                            strings.Add("set_" + prop.Name);
                        }
                        else if (symbol is IEventSymbol ev)
                        {
                            strings.Add("add_" + ev.Name);
                            strings.Add("remove_" + ev.Name);
                        }
                        var ns2 = (symbol as ITypeSymbol ?? symbol?.ContainingType)?.ContainingNamespace;
                        if (ns2 != null && !ns2.IsGlobalNamespace) strings.Add(ns2.ToDisplayString());
                        break;
                }
                // A string as the compiler emits it: the largest constant expression it is part of.
                if (node is ExpressionSyntax e && IsStringConstant(model, e, out string? value)
                    && !(e.Parent is ExpressionSyntax parent && IsStringConstant(model, parent, out _)))
                    strings.Add(value!);
            }
        }
        int bytes = strings.Sum(s => Encoding.UTF8.GetByteCount(s) + 1);
        return new Estimate(bytes, strings);
    }

    static bool IsStringConstant(SemanticModel model, ExpressionSyntax e, out string? value)
    {
        var constant = model.GetConstantValue(e);
        value = constant.HasValue ? constant.Value as string : null;
        return value != null;
    }

    static string FullName(BaseNamespaceDeclarationSyntax ns)
    {
        var parts = new List<string>();
        for (SyntaxNode? n = ns; n != null; n = n.Parent)
            if (n is BaseNamespaceDeclarationSyntax d) parts.Insert(0, d.Name.ToString());
        return string.Join(".", parts);
    }
}
