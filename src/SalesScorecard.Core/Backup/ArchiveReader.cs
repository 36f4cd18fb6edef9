namespace SalesScorecard.Backup;

/// <summary>Proves a pg_dump archive is readable with pg_restore, without a database.</summary>
public static class ArchiveReader
{
    private static readonly IReadOnlyDictionary<string, string?> NoConnection = new Dictionary<string, string?>();

    /// <summary>Runs <c>pg_restore --list</c> and returns the number of TOC entries.</summary>
    public static async Task<int> CountTocEntriesAsync(PgTools tools, string archive, CancellationToken cancellationToken)
    {
        var list = await ExternalProcess.RunAsync(tools.PgRestore, ["--list", archive], NoConnection, cancellationToken).ConfigureAwait(false);
        if (list.ExitCode != 0)
        {
            throw new ScorecardException("ArchiveUnreadable", ScorecardErrorCategory.InvalidData,
                $"pg_restore --list cannot read '{archive}': {list.StandardError}", archive);
        }

        return list.StandardOutput.Split('\n').Count(line => line.Length > 0 && line[0] != ';' && !string.IsNullOrWhiteSpace(line));
    }

    /// <summary>
    /// Reads the whole archive with <c>pg_restore --file</c> to the null device: a truncated or corrupted data
    /// block passes --list but fails here.
    /// </summary>
    public static async Task ReadFullyAsync(PgTools tools, string archive, CancellationToken cancellationToken)
    {
        var nullDevice = OperatingSystem.IsWindows() ? "NUL" : "/dev/null";
        var read = await ExternalProcess.RunAsync(tools.PgRestore, ["--file", nullDevice, archive], NoConnection, cancellationToken).ConfigureAwait(false);
        if (read.ExitCode != 0 || read.StandardError.Length > 0)
        {
            throw new ScorecardException("ArchiveUnreadable", ScorecardErrorCategory.InvalidData,
                $"pg_restore cannot read all of '{archive}' (exit code {read.ExitCode}): {read.StandardError}", archive);
        }
    }
}
