namespace SalesScorecard.Backup;

/// <summary>
/// Proves a backup's archive is the one its manifest describes, beyond the SHA-256 (which whoever swaps the archive can
/// update too): the archive's own table of contents, and summary.txt's row counts, must agree with the manifest.
/// </summary>
internal static class ManifestAgreement
{
    private const int MaxNamesShown = 5;

    /// <summary>Reads the archive's table of contents and fails with BackupManifestMismatch where the backup disagrees with itself.</summary>
    public static async Task EnsureAsync(StoredBackup backup, PgTools tools, ArchiveSource archive, CancellationToken cancellationToken)
    {
        var toc = await ArchiveReader.ReadTocAsync(tools, archive, cancellationToken).ConfigureAwait(false);
        var problems = await FindMismatchesAsync(backup, toc, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            throw new ScorecardException(ScorecardErrors.BackupManifestMismatch,
                $"The backup '{backup.Manifest.Name}' does not hold what its manifest says; nothing was restored. {string.Join("; ", problems)}", backup.Label);
        }
    }

    /// <summary>Every disagreement between the manifest, the archive's table of contents and summary.txt, one line each.</summary>
    public static async Task<IReadOnlyList<string>> FindMismatchesAsync(StoredBackup backup, ArchiveToc toc, CancellationToken cancellationToken)
    {
        var manifest = backup.Manifest;
        var problems = new List<string>();
        if (toc.Database != manifest.Database)
        {
            problems.Add($"the archive is a dump of the database '{toc.Database}' (its dbname), manifest.json says '{manifest.Database}'");
        }

        if (!string.Equals(toc.Format, manifest.Format, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"the archive's format is {toc.Format}, manifest.json says {manifest.Format}");
        }

        if (toc.Entries != manifest.TocEntries)
        {
            problems.Add($"pg_restore lists {toc.Entries} TOC entries; manifest.json recorded {manifest.TocEntries}");
        }

        var sum = manifest.Tables.Values.Sum();
        if (sum != manifest.TotalRows)
        {
            problems.Add($"manifest.json's totalRows is {manifest.TotalRows}, but its tables add up to {sum}");
        }

        // A partition's rows are counted in its partitioned parent, which has no TABLE DATA of its own.
        var unlisted = toc.TableData
            .Where(entry => !manifest.Tables.Keys.Any(table => ArchiveToc.Names(entry, table)) && !toc.Partitions.Contains(entry))
            .Select(Display).ToList();
        if (unlisted.Count > 0)
        {
            problems.Add($"the archive holds TABLE DATA of tables not in manifest.json: {Join(unlisted)}");
        }

        var missing = manifest.Tables.Keys
            .Where(table => !toc.TableData.Any(entry => ArchiveToc.Names(entry, table)) &&
                            !(toc.Partitions.Count > 0 && toc.Tables.Any(entry => ArchiveToc.Names(entry, table))))
            .Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"manifest.json lists tables that have no TABLE DATA in the archive: {Join(missing)}");
        }

        problems.AddRange(await FindSummaryMismatchesAsync(backup, cancellationToken).ConfigureAwait(false));
        return problems;
    }

    private static async Task<List<string>> FindSummaryMismatchesAsync(StoredBackup backup, CancellationToken cancellationToken)
    {
        var manifest = backup.Manifest;
        if (!manifest.Files.ContainsKey(BackupManifest.SummaryFileName))
        {
            return [$"manifest.json does not list {BackupManifest.SummaryFileName}, whose hashed row counts vouch for its own"];
        }

        IReadOnlyList<string> recorded;
        try
        {
            recorded = BackupManifest.SummaryCountLines(await backup.ReadTextAsync(BackupManifest.SummaryFileName, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ScorecardException)
        {
            return [$"{BackupManifest.SummaryFileName} cannot be read: {e.Message}"];
        }

        var claimed = BackupManifest.SummaryCountLines(manifest.Summary());
        if (claimed.SequenceEqual(recorded, StringComparer.Ordinal))
        {
            return [];
        }

        var onlyInManifest = claimed.Except(recorded, StringComparer.Ordinal).Select(line => line.Trim()).ToList();
        var onlyInSummary = recorded.Except(claimed, StringComparer.Ordinal).Select(line => line.Trim()).ToList();
        return [$"manifest.json's row counts differ from {BackupManifest.SummaryFileName}'s: manifest.json says {Join(onlyInManifest)}; " +
                $"{BackupManifest.SummaryFileName} says {Join(onlyInSummary)}"];
    }

    /// <summary>"schema name owner" as schema.name, for messages.</summary>
    private static string Display(string entry)
    {
        var withoutOwner = entry[..Math.Max(entry.LastIndexOf(' '), 0)];
        var space = withoutOwner.IndexOf(' ');
        return space < 0 ? withoutOwner : $"{withoutOwner[..space]}.{withoutOwner[(space + 1)..]}";
    }

    private static string Join(IReadOnlyList<string> names) =>
        names.Count == 0 ? "nothing" : string.Join(", ", names.Take(MaxNamesShown)) + (names.Count > MaxNamesShown ? $", and {names.Count - MaxNamesShown} more" : "");
}
