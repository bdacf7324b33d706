using Xunit;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>The guard itself: it rejects what nanoFramework 1.x cannot run and accepts what it can.</summary>
public class SubsetGuardRuleTests
{
    static readonly Lazy<ApiListing> Mscorlib = new(() => ApiListing.Load(RepoPaths.Listings, "mscorlib"));

    static IReadOnlyList<string> Check(string code) => new SubsetGuard(Mscorlib.Value).CheckText(code);

    // mscorlib without the lines a test removes, to show an implied call is really looked up.
    static IReadOnlyList<string> CheckWithout(string removedPrefixes, string code)
    {
        var removed = removedPrefixes.Split(' ');
        var lines = File.ReadLines(Path.Combine(RepoPaths.Listings, "mscorlib.txt"))
            .Where(l => !removed.Any(r => l.StartsWith(r, StringComparison.Ordinal)));
        return new SubsetGuard(ApiListing.FromLines("mscorlib minus " + removedPrefixes, lines)).CheckText(code);
    }

    static void AssertViolation(IReadOnlyList<string> violations, string expected)
    {
        Assert.True(violations.Any(v => v.Contains(expected, StringComparison.Ordinal)),
            $"expected a violation containing \"{expected}\", got:\n" + string.Join("\n", violations));
    }

    static void AssertClean(IReadOnlyList<string> violations) =>
        Assert.True(violations.Count == 0, "expected no violation, got:\n" + string.Join("\n", violations));

    [Fact]
    public void Clean_portable_code_has_no_violation()
    {
        AssertClean(Check(@"
using System;
using System.Collections;
using System.Diagnostics;

namespace Sample
{
    [Flags]
    public enum Bits { None = 0, A = 1, B = 2 }

    public delegate void Handler(int code);

    public interface ISink { void Put(string line); }

    public class Failure : Exception
    {
        public Failure(string message) : base(message) { }
    }

    public sealed class Clean : ISink, IDisposable
    {
        static readonly byte[] Table = { 1, 2, 3, 4 };
        readonly object _gate = new object();
        readonly ArrayList _lines = new ArrayList();
        public Handler OnCode;
        Handler _extra;
        int _count;

        public int Count { get { return _count; } }
        public string this[int i] { get { return (string)_lines[i]; } }

        public event Handler Extra { add { _extra += value; } remove { _extra -= value; } }

        public void Put(string line)
        {
            lock (_gate)
            {
                _lines.Add(line.Trim() + "" "" + _count + ':' + (uint)line.Length);
                _count++;
            }
            if (OnCode != null) OnCode(line.Length);
        }

        public int Sum(params int[] values)
        {
            int sum = 0;
            foreach (int v in values) sum += v;
            foreach (object o in _lines) sum += ((string)o).Length;
            foreach (char c in ""abc"") sum += c;
            return sum + Table.Length;
        }

        public static int Classify(string word)
        {
            switch (word)
            {
                case ""syn"": return 1;
                case ""ack"": return 2;
                default: return word.IndexOf('x') >= 0 ? 3 : 0;
            }
        }

        public string Describe(Bits b, long ticks, uint seq)
        {
            string s = ""bits="" + b + "" ticks="" + ticks.ToString() + "" seq="" + seq.ToString() + "" t="" + typeof(Clean).Name;
            s += ""!"";
            Debug.WriteLine(s);
            Console.WriteLine(s);
            return string.Format(""{0}/{1}"", ticks, seq) + s.Substring(1) + int.MaxValue;
        }

        public void Copy(byte[] from, byte[] to)
        {
            Array.Copy(from, 0, to, 0, from.Length);
            if (b(to) && to.Length > 0) throw new Failure(""bad"");
        }

        static bool b(byte[] x) { return x == null; }

        public void Dispose() { using (var other = new Clean()) { other.Put(""x""); } }

        public override string ToString() { return ""Clean "" + Count; }
    }
}"));
    }

    [Fact]
    public void Generic_collection_fails()
    {
        var v = Check("using System.Collections.Generic; class C { List<int> l = new List<int>(); }");
        AssertViolation(v, "uses generic name List<int>");
        AssertViolation(v, "System.Collections.Generic.List<T> (generic type)");
        AssertViolation(v, "using System.Collections.Generic: the nanoFramework 1.x listings (mscorlib) have no type in that namespace");
    }

    [Fact]
    public void Generic_method_declaration_fails() =>
        AssertViolation(Check("class C { static T Id<T>(T x) { return x; } }"), "declares generic method Id<>");

    [Fact]
    public void Generic_method_call_by_inference_fails() =>
        AssertViolation(Check("class C { int[] M() { return System.Array.Empty<int>(); } }"), "calls generic method");

    [Fact]
    public void Linq_query_fails() =>
        AssertViolation(Check("using System.Linq; class C { static int[] a = { 1 }; object Q() { return from x in a select x; } }"),
            "uses a LINQ query expression");

    [Fact]
    public void Async_method_fails() =>
        AssertViolation(Check("class C { async void M() { } }"), "uses async");

    [Fact]
    public void Tuple_fails() =>
        AssertViolation(Check("class C { object M() { var t = (1, 2); return t; } }"), "uses a tuple");

    [Fact]
    public void Stackalloc_fails() =>
        AssertViolation(Check("class C { int M() { System.Span<byte> s = stackalloc byte[4]; return s.Length; } }"), "uses stackalloc");

    [Fact]
    public void String_interpolation_fails() =>
        AssertViolation(Check("class C { string M(int x) { return $\"x={x}\"; } }"), "uses string interpolation");

    [Theory]
    [InlineData("class D : System.IDisposable { public void Dispose() { } } class C { void M() { using var d = new D(); } }")]
    [InlineData("class C { int M(int x) { return x switch { 1 => 2, _ => 0 }; } }")]
    [InlineData("class C { string s; void M() { s ??= \"a\"; } }")]
    public void Csharp8_syntax_fails(string code) =>
        AssertViolation(Check(code), "error CS");

    [Fact]
    public void StringBuilder_is_not_in_mscorlib() =>
        AssertViolation(Check("class C { object M() { return new System.Text.StringBuilder(); } }"),
            "T:System.Text.StringBuilder is not in the nanoFramework 1.x listings");

    [Fact]
    public void Math_is_not_in_mscorlib() =>
        AssertViolation(Check("class C { int M(int a, int b) { return System.Math.Max(a, b); } }"),
            "T:System.Math is not in the nanoFramework 1.x listings");

    [Fact]
    public void Math_passes_where_the_System_Math_listing_is_allowed() =>
        AssertClean(new SubsetGuard(ApiListing.Load(RepoPaths.Listings, "mscorlib", "System.Math"))
            .CheckText("class C { int M(int a, int b) { return System.Math.Max(a, b); } }"));

    // CoreLibrary 1.17 does list UInt32.ToString() and String.Trim(); overloads it lacks fail.
    [Fact]
    public void UInt32_ToString_is_listed_but_not_with_a_format_provider()
    {
        AssertClean(Check("class C { string M(uint x) { return x.ToString() + x.ToString(\"X8\"); } }"));
        AssertViolation(Check("class C { string M(uint x) { return x.ToString(System.Globalization.CultureInfo.InvariantCulture); } }"),
            "M:System.UInt32.ToString(System.IFormatProvider)~System.String is not in the nanoFramework 1.x listings");
    }

    [Fact]
    public void String_Trim_is_listed_but_Replace_is_not()
    {
        AssertClean(Check("class C { string M(string s) { return s.Trim(); } }"));
        AssertViolation(Check("class C { string M(string s) { return s.Replace(\"a\", \"b\"); } }"),
            "M:System.String.Replace(System.String,System.String)~System.String is not in the nanoFramework 1.x listings");
    }

    [Fact]
    public void Console_WriteLine_of_an_int_is_not_listed() =>
        AssertViolation(Check("class C { void M() { System.Console.WriteLine(42); } }"),
            "M:System.Console.WriteLine(System.Int32) is not in the nanoFramework 1.x listings");

    [Fact]
    public void String_plus_int_passes() =>
        AssertClean(Check("class C { string M(int n) { return \"a\" + 1 + n; } }"));

    [Fact]
    public void Array_Copy_passes() =>
        AssertClean(Check("class C { void M(byte[] a, byte[] b) { System.Array.Copy(a, b, a.Length); } }"));

    [Fact]
    public void Field_like_event_fails() =>
        AssertViolation(Check("public delegate void D(); class C { public event D Changed; void M() { Changed(); } }"),
            "declares a field-like event");

    [Theory]
    [InlineData("class C { int? M() { return null; } }", "System.Nullable<T>")]
    [InlineData("class C { int M(dynamic d) { return 1; } }", "uses dynamic")]
    [InlineData("class C { System.Collections.IEnumerable M() { yield return 1; } }", "uses an iterator (yield)")]
    [InlineData("class C { object M() { System.Func<int> f = () => 1; return f; } }", "(generic type)")]
    [InlineData("class C { object M() { return new { A = 1 }; } }", "uses an anonymous type")]
    [InlineData("class C { unsafe void M() { int x = 0; int* p = &x; } }", "uses unsafe code")]
    [InlineData("class C { volatile int _x; }", "volatile needs T:System.Runtime.CompilerServices.IsVolatile")]
    [InlineData("class C { int M() { return System.Environment.TickCount; } }", "T:System.Environment is not in")]
    [InlineData("class C { long M() { return System.DateTime.UtcNow.Ticks + System.DateTime.Now.Ticks; } }", "M:System.DateTime.get_Now~System.DateTime is not in")]
    [InlineData("class C { decimal M() { return 1m; } }", "T:System.Decimal is not in")]
    public void Other_unsupported_uses_fail(string code, string expected) =>
        AssertViolation(Check(code), expected);

    // Calls the compiler inserts are looked up too: remove one from the listing and the guard notices.
    [Theory]
    [InlineData("M:System.String.Concat(", "class C { string M(string s, int n) { return s + n; } }",
        "string concatenation needs M:System.String.Concat(System.String,System.String)")]
    [InlineData("M:System.Threading.Monitor.", "class C { void M(object o) { lock (o) { } } }",
        "lock needs M:System.Threading.Monitor.Enter(System.Object)")]
    [InlineData("M:System.Collections.IEnumerator.MoveNext", "class C { int M(System.Collections.ArrayList a) { int n = 0; foreach (object o in a) n++; return n; } }",
        "foreach needs M:System.Collections.IEnumerator.MoveNext")]
    [InlineData("M:System.String.op_Equality", "class C { int M(string s) { switch (s) { case \"a\": return 1; default: return 0; } } }",
        "switch on a string needs M:System.String.op_Equality(System.String,System.String)")]
    [InlineData("M:System.IDisposable.Dispose", "class D : System.IDisposable { public void Dispose() { } void M() { using (new D()) { } } }",
        "using needs M:System.IDisposable.Dispose")]
    [InlineData("M:System.Exception.#ctor", "class E : System.Exception { }",
        "the implicit base constructor call needs M:System.Exception.#ctor")]
    [InlineData("M:System.String.get_Length P:System.String.Length", "class C { int M(string s) { return s.Length; } }",
        "M:System.String.get_Length~System.Int32 is not in")]
    [InlineData("M:System.Delegate.Combine", "delegate void D(); class C { D _d; void M(D d) { _d += d; } }",
        "delegate += needs M:System.Delegate.Combine(System.Delegate,System.Delegate)")]
    [InlineData("M:System.Object.ToString", "class C { public override string ToString() { return \"c\"; } }",
        "override needs M:System.Object.ToString")]
    [InlineData("M:System.Type.GetTypeFromHandle", "class C { object M() { return typeof(C); } }",
        "typeof needs M:System.Type.GetTypeFromHandle(System.RuntimeTypeHandle)")]
    [InlineData("M:System.ParamArrayAttribute", "class C { void M(params int[] a) { } }",
        "params needs M:System.ParamArrayAttribute.#ctor")]
    public void Implied_calls_are_looked_up(string removedFromListing, string code, string expected) =>
        AssertViolation(CheckWithout(removedFromListing, code), expected);

    [Fact]
    public void Concatenation_of_five_parts_uses_the_array_overload() =>
        AssertViolation(CheckWithout("M:System.String.Concat(System.String[])",
                "class C { string M(string a, string b, string c, string d, string e) { return a + b + c + d + e; } }"),
            "string concatenation needs M:System.String.Concat(System.String[])");

    [Fact]
    public void Violation_lines_name_file_and_line() =>
        Assert.Contains("Snippet.cs:3: T:System.Text.StringBuilder is not in the nanoFramework 1.x listings (mscorlib)",
            Check("class C\n{\n    object M() { return new System.Text.StringBuilder(); }\n}"));

    [Fact]
    public void Listing_return_types_are_ignored_except_for_conversions()
    {
        Assert.Equal("M:System.String.Trim", ApiListing.Normalize("M:System.String.Trim~System.String"));
        Assert.Equal("M:System.String.Substring(System.Int32)", ApiListing.Normalize("M:System.String.Substring(System.Int32)~System.String"));
        Assert.Equal("M:System.SpanByte.op_Implicit(System.Byte[])~System.SpanByte",
            ApiListing.Normalize("M:System.SpanByte.op_Implicit(System.Byte[])~System.SpanByte"));
    }
}
