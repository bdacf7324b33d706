using NanoTcp.Scripting;
using NanoTcp.Tests.SubsetGuard;

namespace NanoTcp.Tests.Scripting;

/// <summary>Every tests/scripts/*.pkt runs through the interpreter and passes. A new file is picked up as it is.</summary>
public class ScriptFilesTests
{
    const string ScriptsFolder = "tests/scripts";

    static List<string> ScriptPaths() =>
        Directory.Exists(RepoPaths.Full(ScriptsFolder))
            ? Directory.GetFiles(RepoPaths.Full(ScriptsFolder), "*.pkt")
                .Select(RepoPaths.Relative)
                .OrderBy(p => p, StringComparer.Ordinal)
                .ToList()
            : [];

    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (string path in ScriptPaths()) data.Add(path);
        return data;
    }

    [Fact]
    public void The_scripts_folder_holds_scripts()
    {
        Assert.True(ScriptPaths().Count > 0, $"no *.pkt under {RepoPaths.Full(ScriptsFolder)}");
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_passes(string script)
    {
        ScriptResult result = ScriptRunner.Run(File.ReadAllText(RepoPaths.Full(script)));
        Assert.True(result.Passed, Report(script, result));
    }

    /// <summary>The failure, the warnings and the engine log, as the assertion message.</summary>
    internal static string Report(string name, ScriptResult result)
    {
        var lines = new List<string> { $"{name}: {result.FailureText()}" };
        lines.AddRange(result.Warnings.Cast<string>().Select(w => "  warning: " + w));
        lines.Add("  engine log:");
        lines.AddRange(result.Log.Cast<string>().Select(l => "    " + l));
        return string.Join("\n", lines);
    }
}
