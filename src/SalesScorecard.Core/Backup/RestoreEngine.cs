using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using SalesScorecard.Database;
using SalesScorecard.Processes;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

/// <summary>Restores a verified backup into a database and proves every table came back whole.</summary>
public static partial class RestoreEngine
{
    /// <summary>NAMEDATALEN - 1: the longest identifier PostgreSQL keeps whole.</summary>
    private const int MaxIdentifierBytes = 63;

    /// <summary>
    /// Restores into <paramref name="targetDatabase"/> on the server <paramref name="serverUrl"/> names. Before touching
    /// any database it proves the backup whole and consistent: checksums, and the archive's table of contents against
    /// the manifest. It creates the target when missing, refuses one that has tables unless <see cref="RestoreOptions.Clean"/>,
    /// runs pg_restore (any error is a failure, and a database it created is dropped again), then counts every table
    /// and compares with the manifest.
    /// </summary>
    public static async Task<RestoreResult> RestoreAsync(
        DatabaseUrl serverUrl,
        StoredBackup backup,
        string targetDatabase,
        RestoreOptions options,
        IOperationReporter reporter,
        CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        EnsureRestorableInto(targetDatabase, options.Clean, options.Jobs);
        var archive = ArchiveSource.ForBackup(backup, options.Identities);
        var tools = await ProveBackupAsync(backup, archive, options, reporter, cancellationToken).ConfigureAwait(false);
        reporter.Progress("Restoring", $"Preparing database {targetDatabase}", 10);
        // The user cmdlets' pooled connections to the target must not outlive what the restore replaces.
        DatabaseConnector.ClearPools();
        bool created;
        try
        {
            created = await EnsureTargetAsync(serverUrl, targetDatabase, options.Clean, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw DatabaseConnector.Failure(e, $"Preparing the database '{targetDatabase}' (the user needs the right to create databases)");
        }

        await RunPgRestoreAsync(serverUrl, targetDatabase, created, tools, archive, options, reporter, cancellationToken).ConfigureAwait(false);
        reporter.Progress("Restoring", "Counting the restored rows", 90);
        var restored = await CountRestoredAsync(serverUrl, targetDatabase, cancellationToken).ConfigureAwait(false);
        return new RestoreResult
        {
            Name = backup.Manifest.Name,
            TargetDatabase = targetDatabase,
            Host = $"{serverUrl.Host}:{serverUrl.Port}",
            Tables = TableCounts.From(restored),
            TotalRows = restored.Sum(t => t.Value),
            Mismatches = new(CompareCounts(backup.Manifest.Tables, restored.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal))),
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
        };
    }

    /// <summary>Before any database is touched: the archive can be read as asked, its files match, and its table of contents agrees with the manifest.</summary>
    private static async Task<PgTools> ProveBackupAsync(
        StoredBackup backup, ArchiveSource archive, RestoreOptions options, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var manifest = backup.Manifest;
        if (options.Jobs is not null && archive.IsStream)
        {
            throw new ScorecardException(ScorecardErrors.JobsNeedPlainArchive,
                $"-Jobs cannot be used with the backup '{manifest.Name}': it is stored compressed{(manifest.Encryption is null ? "" : " and encrypted")}, " +
                "so pg_restore reads it as a stream, in order, and cannot run parallel jobs on it. Restore without -Jobs; nothing was restored.", backup.Label);
        }

        reporter.Progress("Restoring", "Checking SHA-256 of every file", 5);
        await backup.EnsureChecksumsAsync(cancellationToken).ConfigureAwait(false);
        var tools = await PgTools.LocateAsync(options.PgDumpPath, cancellationToken).ConfigureAwait(false);
        reporter.Progress("Restoring", "Comparing the archive's table of contents with the manifest", 8);
        try
        {
            await ManifestAgreement.EnsureAsync(backup, tools, archive, cancellationToken).ConfigureAwait(false);
        }
        catch (ScorecardException e) when (archive.IsStream)
        {
            throw await archive.FindDamageAsync(cancellationToken).ConfigureAwait(false) ?? e;
        }

        return tools;
    }

    /// <summary>pg_restore into the target; any error fails the restore, saying what state the target is left in.</summary>
    private static async Task RunPgRestoreAsync(
        DatabaseUrl serverUrl, string targetDatabase, bool created, PgTools tools, ArchiveSource archive, RestoreOptions options,
        IOperationReporter reporter, CancellationToken cancellationToken)
    {
        reporter.Progress("Restoring", $"pg_restore into {targetDatabase}", 20);
        ProcessResult restore;
        try
        {
            using var environment = PgConnectionEnvironment.Create(serverUrl, targetDatabase);
            restore = await ExternalProcess.RunAsync(tools.PgRestore, PgRestoreArguments(targetDatabase, archive, options), environment.Variables, cancellationToken, archive.Feed)
                .ConfigureAwait(false);
        }
        catch (Exception) when (created)
        {
            // Stopped (Ctrl+C) or pg_restore would not start: a half-restored database of ours must not stay behind.
            reporter.Warning($"The restore did not finish: {await DropCreatedAsync(serverUrl, targetDatabase).ConfigureAwait(false)}");
            throw;
        }

        if (restore.ExitCode == 0)
        {
            return;
        }

        var hint = !options.NoOwner && MissingRolePattern().IsMatch(restore.StandardError)
            ? " The server lacks a role that owns, or is granted, objects of the backup: create that role, or add -NoOwner to " +
              "restore every object owned by you and without the backup's grants."
            : "";
        var state = created
            ? await DropCreatedAsync(serverUrl, targetDatabase).ConfigureAwait(false)
            : options.Jobs is null
                ? $"pg_restore ran in one transaction, which was rolled back: '{targetDatabase}' is as it was."
                : $"'{targetDatabase}' holds part of the backup: pg_restore --jobs does not run in one transaction. Drop and " +
                  "recreate it before restoring again.";
        if (await archive.FindDamageAsync(cancellationToken).ConfigureAwait(false) is { } damage)
        {
            throw new ScorecardException(damage.Error, $"{damage.Message} {state}", targetDatabase, damage);
        }

        throw new ScorecardException(ScorecardErrors.RestoreFailed,
            $"pg_restore into '{targetDatabase}' failed (exit code {restore.ExitCode}): {restore.StandardError.TrimEnd()}{hint} {state}", targetDatabase);
    }

    private static List<string> PgRestoreArguments(string targetDatabase, ArchiveSource archive, RestoreOptions options)
    {
        var arguments = new List<string> { "--no-password", "--exit-on-error", PgConnectionEnvironment.DbNameArgument(targetDatabase) };
        arguments.AddRange(options.Jobs is { } n ? [$"--jobs={n}"] : ["--single-transaction"]);
        if (options.Clean)
        {
            arguments.AddRange(["--clean", "--if-exists"]);
        }

        if (options.NoOwner)
        {
            arguments.AddRange(["--no-owner", "--no-privileges"]);
        }

        arguments.AddRange(archive.Arguments);
        return arguments;
    }

    private static async Task<IReadOnlyList<KeyValuePair<string, long>>> CountRestoredAsync(DatabaseUrl serverUrl, string targetDatabase, CancellationToken cancellationToken)
    {
        await using var connection = await DatabaseConnector.OpenAsync(serverUrl.WithDatabase(targetDatabase), cancellationToken).ConfigureAwait(false);
        try
        {
            return await TableCounter.CountAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw DatabaseConnector.Failure(e, $"pg_restore finished, but counting the rows restored into '{targetDatabase}'");
        }
    }

    public static async Task DropDatabaseAsync(DatabaseUrl serverUrl, string database, CancellationToken cancellationToken)
    {
        DatabaseConnector.ClearPools();
        await using var connection = await DatabaseConnector.OpenAsync(serverUrl, cancellationToken).ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {SqlIdentifier.Quote(database)} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses, before anything is read or touched, a restore that could not be undone or would land elsewhere.</summary>
    private static void EnsureRestorableInto(string targetDatabase, bool clean, int? jobs)
    {
        // PostgreSQL cuts a longer name to this many bytes without an error: the restore would land in another database.
        var bytes = Encoding.UTF8.GetByteCount(targetDatabase);
        if (bytes > MaxIdentifierBytes)
        {
            throw new ScorecardException(ScorecardErrors.TargetDatabaseNameTooLong,
                $"The database name '{targetDatabase}' is {bytes} bytes long in UTF-8; PostgreSQL allows {MaxIdentifierBytes} and would " +
                "silently cut it to another name. Choose a shorter -TargetDatabase; nothing was restored.", targetDatabase);
        }

        // --clean drops the target's objects one by one; only --single-transaction can undo that when a drop or a
        // create fails part way, and pg_restore cannot combine it with --jobs.
        if (clean && jobs is not null)
        {
            throw new ScorecardException(ScorecardErrors.CleanRequiresSingleTransaction,
                $"-Clean cannot be combined with -Jobs: pg_restore --jobs does not run in one transaction, so a failure part way " +
                $"would leave '{targetDatabase}' with some of its objects dropped. '{targetDatabase}' was not touched. Restore over it " +
                "without -Jobs (one transaction, rolled back whole on any error), or with -Jobs into a new database.", targetDatabase);
        }
    }

    /// <summary>Drops a database this restore created; returns the sentence that says whether it is gone.</summary>
    private static async Task<string> DropCreatedAsync(DatabaseUrl serverUrl, string database)
    {
        try
        {
            // Not the caller's token: the drop must happen also when the restore was cancelled.
            await DropDatabaseAsync(serverUrl, database, CancellationToken.None).ConfigureAwait(false);
            return $"'{database}', which this restore created, was dropped.";
        }
        catch (Exception e) when (e is ScorecardException or NpgsqlException)
        {
            return $"'{database}', which this restore created, could not be dropped ({e.Message}); drop it by hand.";
        }
    }

    private static List<string> CompareCounts(IReadOnlyDictionary<string, long> expected, IReadOnlyDictionary<string, long> actual) =>
        expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
            .Select(table => (table, inBackup: expected.GetValueOrDefault(table, -1), restored: actual.GetValueOrDefault(table, -1)))
            .Where(t => t.inBackup != t.restored)
            .Select(t => $"{t.table}: {(t.inBackup < 0 ? "not in the backup" : $"{t.inBackup} in the backup")}, {(t.restored < 0 ? "missing after restore" : $"{t.restored} restored")}")
            .ToList();

    /// <summary>Creates the target when missing (returns true), or proves it may be restored into.</summary>
    private static async Task<bool> EnsureTargetAsync(DatabaseUrl serverUrl, string targetDatabase, bool clean, CancellationToken cancellationToken)
    {
        await using (var server = await DatabaseConnector.OpenAsync(serverUrl, cancellationToken).ConfigureAwait(false))
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", server) { Parameters = { new() { Value = targetDatabase } } };
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                // template0: nothing a site added to template1 may collide with the restored objects.
                await using var create = new NpgsqlCommand($"CREATE DATABASE {SqlIdentifier.Quote(targetDatabase)} TEMPLATE template0 ENCODING 'UTF8'", server);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }

        if (clean)
        {
            return false;
        }

        await using var target = await DatabaseConnector.OpenAsync(serverUrl.WithDatabase(targetDatabase), cancellationToken).ConfigureAwait(false);
        var tables = await TableCounter.ListAsync(target, cancellationToken).ConfigureAwait(false);
        if (tables.Count > 0)
        {
            throw new ScorecardException(ScorecardErrors.TargetDatabaseNotEmpty,
                $"The database '{targetDatabase}' already has {tables.Count} tables ({string.Join(", ", tables.Take(5))}" +
                $"{(tables.Count > 5 ? ", ..." : "")}). Restore into a new database, or add -Clean to drop and replace what the backup holds.",
                targetDatabase);
        }

        return false;
    }

    [GeneratedRegex("""role ".*" does not exist""")]
    private static partial Regex MissingRolePattern();
}
