namespace SalesScorecard.Encryption;

/// <summary>
/// Reads a file of keys as age reads identity and recipients files: one key a line, blank lines and '#' comments
/// allowed. A bad line is named by its number, never quoted whole.
/// </summary>
internal static class AgeKeyFile
{
    /// <param name="kind">What the file is, for messages: "identity file" or "recipients file".</param>
    /// <param name="missing">The error when the file does not exist.</param>
    /// <param name="empty">The error when it holds no key.</param>
    public static IReadOnlyList<T> Read<T>(string path, string kind, Func<ScorecardException> missing, Func<ScorecardException> empty, Func<string, T> parse)
    {
        // A secret key pasted where the file's path belongs must not come back in a "file not found" message.
        if (Path.GetFileName(path).StartsWith("AGE-SECRET-KEY-", StringComparison.OrdinalIgnoreCase))
        {
            throw new ScorecardException(ScorecardErrors.InvalidKeyFilePath,
                $"An age secret key was given where the path of the {kind} belongs; it is not repeated here. Give the path of the file " +
                "that holds the key, and treat the key as exposed: it may now be in your shell's history.");
        }

        if (!File.Exists(path))
        {
            throw missing();
        }

        var keys = new List<T>();
        var lineNumber = 0;
        foreach (var line in ReadLines(path, kind))
        {
            lineNumber++;
            var entry = line.Trim();
            if (entry.Length == 0 || entry.StartsWith('#'))
            {
                continue;
            }

            try
            {
                keys.Add(parse(entry));
            }
            catch (ScorecardException e)
            {
                throw new ScorecardException(e.Error, $"Line {lineNumber} of the {kind} '{path}': {e.Message}", path);
            }
        }

        return keys.Count > 0 ? keys.Distinct().ToList() : throw empty();
    }

    private static List<string> ReadLines(string path, string kind)
    {
        try
        {
            return File.ReadLines(path).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScorecardException(ScorecardErrors.KeyFileUnreadable,
                $"The {kind} '{path}' cannot be read: {e.Message}", path, e);
        }
    }
}
