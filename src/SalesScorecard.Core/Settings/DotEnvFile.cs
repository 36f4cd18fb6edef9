using System.Text;
using System.Text.RegularExpressions;

namespace SalesScorecard.Settings;

/// <summary>A line of a .env file that was ignored. Never carries the line's value: it may be a secret.</summary>
public sealed record DotEnvWarning(string File, int Line, string Problem)
{
    public override string ToString() => $"{File}:{Line}: {Problem}; the line is ignored.";
}

/// <summary>
/// A .env file read the way the Node app's dotenv reads it, so both see the same values: comments, blank lines,
/// <c>export </c>, single, double and backtick quotes (which may span lines), <c>\n</c> expanded only inside double
/// quotes, an unquoted value ending at <c>#</c>, CR, LF and CRLF line ends, and the last duplicate winning. Unlike
/// dotenv, a quote that is never closed is a warning for its own line only, never a value that swallows later lines.
/// </summary>
public sealed partial class DotEnvFile
{
    private DotEnvFile(string path, IReadOnlyDictionary<string, string> values, IReadOnlyList<DotEnvWarning> warnings)
    {
        Path = path;
        Values = values;
        Warnings = warnings;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Values { get; }

    public IReadOnlyList<DotEnvWarning> Warnings { get; }

    public static DotEnvFile Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScorecardException(ScorecardErrors.EnvFileUnreadable,
                $"Cannot read the settings file '{path}': {e.Message}", path, e);
        }
    }

    public static DotEnvFile Parse(string text, string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<DotEnvWarning>();
        var lines = SplitLines(text);
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].TrimStart();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var assignment = Assignment().Match(line);
            var (value, problem) = assignment.Success
                ? ReadValue(lines, ref i, line[assignment.Length..].TrimStart(' ', '\t'))
                : (null, "not a KEY=VALUE line");
            if (problem is null)
            {
                values[assignment.Groups["key"].Value] = value!;
            }
            else
            {
                warnings.Add(new DotEnvWarning(path, lineNumber, problem));
            }
        }

        return new DotEnvFile(path, values, warnings);
    }

    private static string[] SplitLines(string text)
    {
        // As dotenv does: CRLF and a lone CR (old Mac files) both end a line.
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        if (lines.Length > 0 && lines[0].StartsWith('\uFEFF'))
        {
            lines[0] = lines[0][1..];
        }

        return lines;
    }

    /// <summary>The value after KEY=, or the problem that makes its line ignored; a quoted value may move <paramref name="index"/> on.</summary>
    private static (string? Value, string? Problem) ReadValue(string[] lines, ref int index, string rest)
    {
        if (rest.Length == 0 || rest[0] is not ('"' or '\'' or '`'))
        {
            var hash = rest.IndexOf('#');
            return ((hash >= 0 ? rest[..hash] : rest).Trim(), null);
        }

        var quote = rest[0];
        var close = FindClosingQuote(rest, quote, 1);
        if (close >= 0 && !IsEndOfValue(rest, close))
        {
            return (null, "text follows the closing quote");
        }

        var quoted = new StringBuilder(rest);
        var last = index;
        while (close < 0 && last + 1 < lines.Length)
        {
            // A value spanning lines ends at a quote that ends its line; a quote with more text after it
            // belongs to a later KEY="..." line, so the quote opened here is never closed.
            var from = quoted.Append('\n').Length;
            quoted.Append(lines[++last]);
            close = FindClosingQuote(quoted.ToString(), quote, from);
            if (close >= 0 && !IsEndOfValue(quoted.ToString(), close))
            {
                close = -1;
                break;
            }
        }

        if (close < 0)
        {
            // Only this line is ignored: the lines after it are read as lines of their own.
            return (null, $"the {quote} quote opened here is never closed");
        }

        index = last;
        var value = quoted.ToString()[1..close];
        return (quote == '"' ? value.Replace("\\n", "\n").Replace("\\r", "\r") : value, null);
    }

    /// <summary>
    /// Index of the first <paramref name="quote"/> at or after <paramref name="start"/>, skipping backslash-escaped
    /// quotes; -1 when there is none.
    /// </summary>
    private static int FindClosingQuote(string text, char quote, int start)
    {
        for (var i = start; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == quote)
            {
                i++;
            }
            else if (text[i] == quote)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whether only blanks or a comment follow the closing quote at <paramref name="close"/>.</summary>
    private static bool IsEndOfValue(string text, int close)
    {
        var after = text[(close + 1)..].TrimStart(' ', '\t');
        return after.Length == 0 || after[0] == '#';
    }

    [GeneratedRegex(@"^(?:export\s+)?(?<key>[A-Za-z0-9_.-]+)(?:\s*=|:\s)")]
    private static partial Regex Assignment();
}
