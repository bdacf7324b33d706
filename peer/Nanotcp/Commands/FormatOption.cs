using System.CommandLine;

namespace Nanotcp.Commands;

/// <summary>The <c>--format text|json</c> option that commands with table or result output share.</summary>
public static class FormatOption
{
    public static Option<string> Create(string description)
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = description,
            HelpName = "text|json",
            DefaultValueFactory = _ => "text",
        };
        format.CompletionSources.Add("text", "json");
        // A one-line error rather than the parser's multi-line list of choices.
        format.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not ("text" or "json")) result.AddError($"--format: '{value}' is neither text nor json");
        });
        return format;
    }
}
