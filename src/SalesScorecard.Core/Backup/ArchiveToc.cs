using System.Text.RegularExpressions;

namespace SalesScorecard.Backup;

/// <summary>
/// An archive's own table of contents as <c>pg_restore --list</c> prints it: the header's database name and format, and
/// the entries pg_restore would restore. Entries are kept as pg_restore prints their "schema name owner", with line
/// breaks in names turned into spaces.
/// </summary>
internal sealed partial class ArchiveToc
{
    private ArchiveToc(string? database, string? format, int entries, IReadOnlyList<string> tableData, IReadOnlyList<string> tables, IReadOnlyList<string> partitions)
    {
        Database = database;
        Format = format;
        Entries = entries;
        TableData = tableData;
        Tables = tables;
        Partitions = partitions;
    }

    /// <summary>The header's <c>dbname</c>: the database pg_dump dumped.</summary>
    public string? Database { get; }

    /// <summary>The header's <c>Format</c>: CUSTOM, DIRECTORY or TAR.</summary>
    public string? Format { get; }

    /// <summary>The entries listed, as the manifest's <c>tocEntries</c> counts them.</summary>
    public int Entries { get; }

    /// <summary>"schema name owner" of every TABLE DATA entry: the tables whose rows the archive holds.</summary>
    public IReadOnlyList<string> TableData { get; }

    /// <summary>"schema name owner" of every TABLE entry: the tables the archive creates.</summary>
    public IReadOnlyList<string> Tables { get; }

    /// <summary>"schema name owner" of every TABLE ATTACH entry: partitions, whose rows the manifest counts in their parent.</summary>
    public IReadOnlyList<string> Partitions { get; }

    public static ArchiveToc Parse(string listing)
    {
        string? database = null, format = null;
        var entries = 0;
        var byKind = new Dictionary<string, List<string>>(StringComparer.Ordinal) { ["TABLE DATA"] = [], ["TABLE"] = [], ["TABLE ATTACH"] = [] };
        foreach (var line in listing.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (HeaderPattern().Match(line) is { Success: true } header)
            {
                if (header.Groups[1].Value == "dbname")
                {
                    database = header.Groups[2].Value;
                }
                else if (header.Groups[1].Value == "Format")
                {
                    format = header.Groups[2].Value;
                }
            }
            else if (line.Length > 0 && line[0] != ';' && !string.IsNullOrWhiteSpace(line))
            {
                entries++;
                // "<dump id>; <table oid> <oid> <kind> <schema> <name> <owner>"; a kind may have two words.
                if (EntryPattern().Match(line) is { Success: true } entry)
                {
                    var rest = entry.Groups[1].Value;
                    var kind = byKind.Keys.Where(k => rest.StartsWith(k + " ", StringComparison.Ordinal)).MaxBy(k => k.Length);
                    if (kind is not null)
                    {
                        byKind[kind].Add(rest[(kind.Length + 1)..]);
                    }
                }
            }
        }

        return new ArchiveToc(database, format, entries, byKind["TABLE DATA"], byKind["TABLE"], byKind["TABLE ATTACH"]);
    }

    /// <summary>
    /// Whether an entry's "schema name owner" is the manifest's table <c>schema.table</c> (see
    /// <see cref="Database.TableCounter.QualifiedName"/>: a part with a dot is quoted). Older manifests did not quote,
    /// and either name may hold dots, spaces or quotes, so every dot is tried as the one between schema and table.
    /// </summary>
    public static bool Names(string entry, string table)
    {
        // pg_restore prints a line break in a name as a space.
        var printed = table.Replace('\n', ' ').Replace('\r', ' ');
        for (var dot = printed.IndexOf('.'); dot >= 0; dot = printed.IndexOf('.', dot + 1))
        {
            if (entry.StartsWith($"{Unquote(printed[..dot])} {Unquote(printed[(dot + 1)..])} ", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Unquote(string part) =>
        part.Length >= 2 && part[0] == '"' && part[^1] == '"' && !part[1..^1].Replace("\"\"", string.Empty, StringComparison.Ordinal).Contains('"')
            ? part[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal)
            : part;

    [GeneratedRegex(@"^;\s+(dbname|Format):\s?(.*)$")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^\d+;\s+\d+\s+\d+\s+(.*)$")]
    private static partial Regex EntryPattern();
}
