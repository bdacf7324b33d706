namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// The union of some nanoFramework API listings (tests/nanoframework-api/*.txt): one
/// documentation-comment ID per line, first line a '#' header naming assembly and version.
/// </summary>
public sealed class ApiListing
{
    readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);

    /// <summary>Short names of the listings this set was built from, for messages.</summary>
    public string Name { get; }

    ApiListing(string name) { Name = name; }

    /// <summary>Loads listing files by name (e.g. "mscorlib") from a folder of *.txt listings.</summary>
    public static ApiListing Load(string folder, params string[] names)
    {
        var listing = new ApiListing(string.Join(", ", names));
        foreach (var name in names)
        {
            var path = Path.Combine(folder, name + ".txt");
            if (!File.Exists(path)) throw new FileNotFoundException("no such nanoFramework listing", path);
            listing.AddLines(File.ReadLines(path));
        }
        return listing;
    }

    /// <summary>Builds a listing from ID lines; used by tests that need a tiny listing.</summary>
    public static ApiListing FromLines(string name, IEnumerable<string> lines)
    {
        var listing = new ApiListing(name);
        listing.AddLines(lines);
        return listing;
    }

    void AddLines(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var id = Normalize(line);
            _ids.Add(id);
            if (id.StartsWith("T:", StringComparison.Ordinal)) AddNamespaces(id.Substring(2));
        }
    }

    // Every enclosing namespace of a listed type exists, so "using X;" of it compiles.
    void AddNamespaces(string typeName)
    {
        for (int dot = typeName.LastIndexOf('.'); dot > 0; dot = typeName.LastIndexOf('.', dot - 1))
            _namespaces.Add(typeName.Substring(0, dot));
    }

    public bool Contains(string id) => _ids.Contains(Normalize(id));

    public bool HasNamespace(string ns) => _namespaces.Contains(ns);

    /// <summary>
    /// Listings print a method's return type after '~'; Roslyn's declaration IDs do so only for
    /// conversion operators (whose return type is part of their identity). Compare without it.
    /// </summary>
    public static string Normalize(string id)
    {
        if (!id.StartsWith("M:", StringComparison.Ordinal)) return id;
        int tilde = id.IndexOf('~');
        if (tilde < 0) return id;
        int paren = id.IndexOf('(');
        var head = paren >= 0 && paren < tilde ? id.Substring(0, paren) : id.Substring(0, tilde);
        if (head.EndsWith(".op_Implicit", StringComparison.Ordinal) || head.EndsWith(".op_Explicit", StringComparison.Ordinal))
            return id;
        return id.Substring(0, tilde);
    }
}
