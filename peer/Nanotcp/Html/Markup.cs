using System.Globalization;
using System.Text;
using System.Xml;

namespace Nanotcp.Html;

/// <summary>
/// Writes XHTML that a browser's HTML parser reads the same way: every piece of text and every
/// attribute goes through <see cref="XmlWriter"/>, which escapes it, so no scenario name, check or
/// serial line can inject markup. HTML elements always get an end tag (<c>&lt;div/&gt;</c> would
/// open a div for the HTML parser); SVG elements may close themselves.
/// </summary>
public sealed class Markup : IDisposable
{
    public const string XhtmlNs = "http://www.w3.org/1999/xhtml";
    public const string SvgNs = "http://www.w3.org/2000/svg";

    readonly XmlWriter _xml;
    readonly Stack<bool> _open = new(); // true for an SVG element

    public Markup(TextWriter output)
    {
        _xml = XmlWriter.Create(output, new XmlWriterSettings
        {
            OmitXmlDeclaration = true,
            Indent = false,
            NewLineHandling = NewLineHandling.None,
            ConformanceLevel = ConformanceLevel.Document,
        });
    }

    public void DocType() => _xml.WriteDocType("html", null, null, null);

    bool InSvg => _open.Count > 0 && _open.Peek();

    /// <summary>Opens an element; attributes with a null value are left out. An &lt;svg&gt; switches to the SVG namespace.</summary>
    public Markup Open(string name, params (string Name, object? Value)[] attributes)
    {
        bool svg = name == "svg" || InSvg;
        _xml.WriteStartElement(name, svg ? SvgNs : XhtmlNs);
        foreach (var (key, value) in attributes)
            if (value != null) _xml.WriteAttributeString(key, Format(value));
        _open.Push(svg);
        return this;
    }

    public Markup Close()
    {
        if (_open.Pop()) _xml.WriteEndElement();
        else _xml.WriteFullEndElement();
        return this;
    }

    /// <summary>An element with only text in it.</summary>
    public Markup Element(string name, string? text, params (string Name, object? Value)[] attributes)
    {
        Open(name, attributes);
        if (!string.IsNullOrEmpty(text)) Text(text);
        return Close();
    }

    /// <summary>An element with nothing in it (an SVG shape; for HTML, only void elements such as meta).</summary>
    public Markup Empty(string name, params (string Name, object? Value)[] attributes)
    {
        Open(name, attributes);
        _xml.WriteEndElement();
        _open.Pop();
        return this;
    }

    public Markup Text(string text)
    {
        _xml.WriteString(Clean(text));
        return this;
    }

    /// <summary>Style sheet text, written as it is (the caller's own constant: no &lt; or &amp; in it).</summary>
    public Markup Css(string css)
    {
        if (css.IndexOfAny(['<', '&', '>']) >= 0) throw new ArgumentException("a style sheet here must not contain <, > or &");
        _xml.WriteString(css);
        return this;
    }

    public void Dispose() => _xml.Dispose();

    /// <summary>Numbers in the invariant culture with at most two decimals, so coordinates read the same everywhere.</summary>
    public static string Format(object value) => value switch
    {
        double d => Math.Round(d, 2).ToString(CultureInfo.InvariantCulture),
        float f => Math.Round(f, 2).ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Clean(value.ToString() ?? ""),
    };

    /// <summary>Characters XML cannot hold at all (control characters from a noisy serial line) become U+FFFD.</summary>
    public static string Clean(string text)
    {
        StringBuilder? clean = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool ok;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            ok = c is '\t' or '\n' or '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
            if (!ok && clean == null) clean = new StringBuilder(text, 0, i, text.Length);
            clean?.Append(ok ? c : '\uFFFD');
        }
        return clean?.ToString() ?? text;
    }
}
