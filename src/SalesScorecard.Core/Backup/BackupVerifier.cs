using System.Globalization;
using SalesScorecard.Encryption;
using SalesScorecard.Offsite;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

public sealed class BackupTestOptions
{
    /// <summary>Restore into a scratch database on this server and compare every table's rows; null for no drill.</summary>
    public DatabaseUrl? RestoreDrillServer { get; init; }

    /// <summary>The drill restores every object owned by its user, without the backup's owners and grants (pg_restore --no-owner --no-privileges).</summary>
    public bool NoOwner { get; init; }

    public TimeSpan? MaxAge { get; init; }

    public string? PgDumpPath { get; init; }

    /// <summary>The age identities for an encrypted backup; without them only its header is checked.</summary>
    public IReadOnlyList<AgeIdentity>? Identities { get; init; }

    /// <summary>With <see cref="MaxAge"/>: the store whose newest copy must be as fresh (check OffsiteFreshness); null for none.</summary>
    internal Repository.StoreRepository? OffsiteToWatch { get; init; }
}

/// <summary>Proves a backup is whole: manifest, checksums, a full read of the archive, and optionally a restore drill.</summary>
public static class BackupVerifier
{
    /// <summary>Tests a backup where its repository keeps it; on a store it is streamed, and nothing of it is written to local disk.</summary>
    internal static async Task<BackupTestResult> TestAsync(
        Repository.IBackupRepository repository, string name, BackupTestOptions options, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var (manifest, problem) = await repository.TryReadManifestAsync(name, cancellationToken).ConfigureAwait(false);
        return await TestAsync(name, repository.AddressOf(name), manifest is null ? null : StoredBackup.In(repository, name, manifest), problem, options, reporter, cancellationToken)
            .ConfigureAwait(false);
    }

    private static async Task<BackupTestResult> TestAsync(
        string name, string location, StoredBackup? backup, string? problem, BackupTestOptions options, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var checks = new List<BackupCheck>();
        var manifest = backup?.Manifest;
        checks.Add(manifest is null
            ? new BackupCheck("Manifest", false, problem!)
            : new BackupCheck("Manifest", manifest.Status == BackupStatus.Succeeded,
                $"{manifest.Status}: {manifest.Tables.Count} tables, {manifest.TotalRows} rows, pg_dump --format={manifest.Format}"));

        if (backup is not null && manifest is not null)
        {
            reporter.Progress("Testing", $"{name}: checksums", 10);
            var archiveReadAfter = manifest.Encryption is null || options.Identities is { Count: > 0 };
            checks.Add(await CheckChecksumsAsync(backup, archiveReadAfter, cancellationToken).ConfigureAwait(false));

            reporter.Progress("Testing", $"{name}: reading the archive", 30);
            if (manifest.Encryption is { } encryption && options.Identities is not { Count: > 0 })
            {
                checks.Add(await CheckEncryptedHeaderAsync(backup, encryption, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                var (readable, toc) = await CheckArchiveAsync(backup, options, cancellationToken).ConfigureAwait(false);
                checks.Add(readable);
                checks.Add(await CheckTableOfContentsAsync(backup, toc, cancellationToken).ConfigureAwait(false));
            }

            if (options.RestoreDrillServer is { } server)
            {
                checks.AddRange(await RestoreDrillAsync(server, backup, options, reporter, cancellationToken).ConfigureAwait(false));
            }
        }

        if (options.MaxAge is { } maxAge)
        {
            checks.Add(CheckFreshness(manifest, maxAge, DateTime.UtcNow));
            if (options.OffsiteToWatch is { } store)
            {
                checks.Add(await OffsiteBackups.CheckFreshnessAsync(store, maxAge, cancellationToken).ConfigureAwait(false));
            }
        }

        return new BackupTestResult { Name = name, Path = location, Checks = new(checks) };
    }

    private static async Task<BackupCheck> CheckChecksumsAsync(StoredBackup backup, bool archiveReadAfter, CancellationToken cancellationToken)
    {
        try
        {
            var mismatches = await backup.FindChecksumMismatchesAsync(cancellationToken, archiveReadAfter).ConfigureAwait(false);
            return new BackupCheck("Checksum", mismatches.Count == 0, mismatches.Count > 0
                ? string.Join("; ", mismatches)
                : backup.IsOffsite && archiveReadAfter
                    ? $"{backup.Manifest.Files.Count} objects have their sizes, and all but the archive their SHA-256 (the archive's is compared as it is read)"
                    : $"{backup.Manifest.Files.Count} files match their SHA-256");
        }
        catch (ScorecardException e)
        {
            return new BackupCheck("Checksum", false, $"{e.ErrorId}: {e.Message}");
        }
    }

    public static BackupCheck CheckFreshness(BackupManifest? manifest, TimeSpan maxAge, DateTime now) =>
        manifest is null
            ? new BackupCheck("Freshness", false, "No completed backup to judge.")
            : CheckFreshness(manifest.StartedAt, manifest.CompletedAt, maxAge, now);

    /// <summary>The watchdog's one rule of freshness, for a manifest or a listed backup: younger than <paramref name="maxAge"/>, and not dated in the future.</summary>
    public static BackupCheck CheckFreshness(DateTime startedAt, DateTime completedAt, TimeSpan maxAge, DateTime now)
    {
        var age = now - completedAt;
        if (startedAt > now + BackupCatalog.ClockTolerance || completedAt > now + BackupCatalog.ClockTolerance)
        {
            return new BackupCheck("Freshness", false,
                $"Completed {completedAt:yyyy-MM-dd HH:mm} UTC, {FormatAge(-age)} in the future: the clock was wrong when it was made, " +
                "or is wrong now, so its age is unknown and it is not taken as fresh. Check the clock, then make a new backup.");
        }

        return new BackupCheck("Freshness", age <= maxAge,
            $"Completed {completedAt:yyyy-MM-dd HH:mm} UTC, {FormatAge(age)} ago (at most {FormatAge(maxAge)} allowed)");
    }

    /// <summary>Reads the archive whole; returns its table of contents too when pg_restore could list it.</summary>
    private static async Task<(BackupCheck Check, ArchiveToc? Toc)> CheckArchiveAsync(StoredBackup backup, BackupTestOptions options, CancellationToken cancellationToken)
    {
        ArchiveToc? toc = null;
        try
        {
            var tools = await PgTools.LocateAsync(options.PgDumpPath, cancellationToken).ConfigureAwait(false);
            var archive = ArchiveSource.ForBackup(backup, options.Identities);
            try
            {
                toc = await ArchiveReader.ReadTocAsync(tools, archive, cancellationToken).ConfigureAwait(false);
                await ArchiveReader.ReadFullyAsync(tools, archive, cancellationToken).ConfigureAwait(false);
            }
            catch (ScorecardException e) when (archive.IsStream)
            {
                throw await archive.FindDamageAsync(cancellationToken).ConfigureAwait(false) ?? e;
            }

            return (new BackupCheck("ArchiveReadable", true, $"pg_restore read all {toc.Entries} TOC entries and every data block"), toc);
        }
        catch (ScorecardException e)
        {
            return (new BackupCheck("ArchiveReadable", false, e.Message), toc);
        }
    }

    /// <summary>
    /// What can be checked of an encrypted archive without its identity, which the machine that makes backups should not
    /// hold: the age header's shape and that it has a stanza for each recipient the manifest names.
    /// </summary>
    private static async Task<BackupCheck> CheckEncryptedHeaderAsync(StoredBackup backup, ManifestEncryption encryption, CancellationToken cancellationToken)
    {
        const string needsIdentity = "reading it whole and comparing its table of contents need the identity (-IdentityFile or BACKUP_IDENTITY_FILE)";
        try
        {
            await using var file = await backup.OpenAsync(backup.Manifest.DumpFile, cancellationToken).ConfigureAwait(false);
            var header = AgeHeader.Inspect(file);
            var stanzas = header.Stanzas.Count(s => s.Type == "X25519");
            return new BackupCheck("EncryptedHeader", stanzas == encryption.Recipients.Count, stanzas == encryption.Recipients.Count
                ? $"An {encryption.Format} header for {stanzas} recipient(s), as manifest.json says; {needsIdentity}"
                : $"The age header has {stanzas} X25519 stanza(s), manifest.json names {encryption.Recipients.Count} recipient(s); {needsIdentity}");
        }
        catch (Exception e) when (e is ScorecardException or IOException or UnauthorizedAccessException)
        {
            return new BackupCheck("EncryptedHeader", false, e.Message);
        }
    }

    /// <summary>The archive's own table of contents, and summary.txt, against the manifest: catches what a matching SHA-256 cannot.</summary>
    private static async Task<BackupCheck> CheckTableOfContentsAsync(StoredBackup backup, ArchiveToc? toc, CancellationToken cancellationToken)
    {
        if (toc is null)
        {
            return new BackupCheck("TableOfContents", false, "Not compared: pg_restore cannot list the archive.");
        }

        var mismatches = await ManifestAgreement.FindMismatchesAsync(backup, toc, cancellationToken).ConfigureAwait(false);
        return new BackupCheck("TableOfContents", mismatches.Count == 0, mismatches.Count == 0
            ? $"The archive dumps {toc.Database} in {toc.Entries} TOC entries with the data of {toc.TableData.Count} tables, as manifest.json and {BackupManifest.SummaryFileName} say"
            : string.Join("; ", mismatches));
    }

    private static async Task<IReadOnlyList<BackupCheck>> RestoreDrillAsync(
        DatabaseUrl server, StoredBackup backup, BackupTestOptions options, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        DrillDatabase? drill = null;
        var scratch = "(not created)";
        try
        {
            drill = await DrillDatabase.CreateAsync(server, reporter, cancellationToken).ConfigureAwait(false);
            scratch = drill.Name;
            reporter.Progress("Testing", $"Restore drill into {scratch}", 50);
            var restore = new RestoreOptions { PgDumpPath = options.PgDumpPath, Identities = options.Identities, NoOwner = options.NoOwner };
            var result = await RestoreEngine.RestoreAsync(server, backup, scratch, restore, reporter, cancellationToken).ConfigureAwait(false);
            return
            [
                new BackupCheck("RestoreDrill", true, $"Restored into {scratch} on {result.Host} in {result.DurationSeconds:0.0} s"),
                new BackupCheck("RowCounts", result.Passed,
                    result.Passed ? $"All {result.Tables.Count} tables hold the manifest's {result.TotalRows} rows" : string.Join("; ", result.Mismatches)),
            ];
        }
        catch (ScorecardException e)
        {
            return [new BackupCheck("RestoreDrill", false, $"{e.ErrorId}: {e.Message}"), new BackupCheck("RowCounts", false, "Not compared: the restore failed.")];
        }
        finally
        {
            // Always, even on Ctrl+C: a drill must leave no database behind.
            try
            {
                if (drill is not null)
                {
                    await drill.DisposeAsync().ConfigureAwait(false);
                    await RestoreEngine.DropDatabaseAsync(server, scratch, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is ScorecardException or Npgsql.NpgsqlException)
            {
                reporter.Warning($"The drill database {scratch} could not be dropped ({e.Message}); drop it by hand.");
            }
        }
    }

    private static string FormatAge(TimeSpan age) =>
        age.TotalHours >= 48
            ? $"{age.TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days"
            : $"{age.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h";
}
