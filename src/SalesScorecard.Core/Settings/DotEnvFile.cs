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
/// quotes, an unquoted value ending at <c>#</c>, and the last duplicate winning.
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
            throw new ScorecardException("EnvFileUnreadable", ScorecardErrorCategory.ReadError,
                $"Cannot read the settings file '{path}': {e.Message}", path, e);
        }
    }

    public static DotEnvFile Parse(string text, string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<DotEnvWarning>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines.Length > 0 && lines[0].StartsWith('\uFEFF'))
        {
            lines[0] = lines[0][1..];
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].TrimStart();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var assignment = Assignment().Match(line);
            if (!assignment.Success)
            {
                warnings.Add(new DotEnvWarning(path, lineNumber, "not a KEY=VALUE line"));
                continue;
            }

            var key = assignment.Groups["key"].Value;
            var rest = line[assignment.Length..].TrimStart(' ', '\t');
            if (rest.Length > 0 && rest[0] is '"' or '\'' or '`')
            {
                var quote = rest[0];
                var quoted = new StringBuilder(rest);
                var close = FindClosingQuote(rest, quote);
                while (close < 0 && i + 1 < lines.Length)
                {
                    quoted.Append('\n').Append(lines[++i]);
                    close = FindClosingQuote(quoted.ToString(), quote);
                }

                if (close < 0)
                {
                    warnings.Add(new DotEnvWarning(path, lineNumber, $"the {quote} quote opened here is never closed"));
                    continue;
                }

                var all = quoted.ToString();
                var after = all[(close + 1)..].TrimStart(' ', '\t');
                if (after.Length > 0 && after[0] != '#')
                {
                    warnings.Add(new DotEnvWarning(path, lineNumber, "text follows the closing quote"));
                    continue;
                }

                var value = all[1..close];
                if (quote == '"')
                {
                    value = value.Replace("\\n", "\n").Replace("\\r", "\r");
                }

                values[key] = value;
            }
            else
            {
                var hash = rest.IndexOf('#');
                values[key] = (hash >= 0 ? rest[..hash] : rest).Trim();
            }
        }

        return new DotEnvFile(path, values, warnings);
    }

    /// <summary>Index of the quote that closes <paramref name="text"/>[0], skipping backslash-escaped quotes.</summary>
    private static int FindClosingQuote(string text, char quote)
    {
        for (var i = 1; i < text.Length; i++)
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

    [GeneratedRegex(@"^(?:export\s+)?(?<key>[A-Za-z0-9_.-]+)(?:\s*=|:\s)")]
    private static partial Regex Assignment();
}
