using System.Diagnostics;
using Npgsql;
using SalesScorecard.Database;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

/// <summary>Restores a verified backup into a database and proves every table came back whole.</summary>
public static class RestoreEngine
{
    /// <summary>Reads a backup folder's manifest, or fails with BackupManifestInvalid.</summary>
    public static BackupManifest ReadManifest(string folder) =>
        BackupCatalog.TryReadManifest(folder, out var problem) ?? throw new ScorecardException("BackupManifestInvalid",
            ScorecardErrorCategory.InvalidData, $"'{folder}' is not a usable backup: {problem}", folder);

    /// <summary>Files whose SHA-256 differs from the manifest, or that are missing, one line each.</summary>
    public static IReadOnlyList<string> FindChecksumMismatches(string folder, BackupManifest manifest)
    {
        var problems = new List<string>();
        foreach (var (relative, expected) in manifest.Files)
        {
            var path = Path.Combine(folder, relative);
            if (!File.Exists(path))
            {
                problems.Add($"{relative}: missing");
                continue;
            }

            var actual = BackupCatalog.Sha256Of(path);
            if (actual != expected.Sha256)
            {
                problems.Add($"{relative}: SHA-256 {actual[..12]}…, the manifest says {expected.Sha256[..12]}… ({new FileInfo(path).Length} of {expected.Bytes} bytes)");
            }
        }

        return problems;
    }

    public static void EnsureChecksums(string folder, BackupManifest manifest)
    {
        var problems = FindChecksumMismatches(folder, manifest);
        if (problems.Count > 0)
        {
            throw new ScorecardException("BackupChecksumMismatch", ScorecardErrorCategory.InvalidData,
                $"The backup '{manifest.Name}' is damaged; nothing was restored. {string.Join("; ", problems)}", folder);
        }
    }

    /// <summary>
    /// Restores into <paramref name="targetDatabase"/> on the server <paramref name="serverUrl"/> names: creates it when
    /// missing, refuses one that has tables unless <paramref name="clean"/>, runs pg_restore (any error is a failure),
    /// then counts every table and compares with the manifest.
    /// </summary>
    public static async Task<RestoreResult> RestoreAsync(
        DatabaseUrl serverUrl,
        string folder,
        string targetDatabase,
        bool clean,
        int? jobs,
        string? pgDumpPath,
        IOperationReporter reporter,
        CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var manifest = ReadManifest(folder);
        reporter.Progress("Restoring", "Checking SHA-256 of every file", 5);
        EnsureChecksums(folder, manifest);
        var tools = await PgTools.LocateAsync(pgDumpPath, cancellationToken).ConfigureAwait(false);

        reporter.Progress("Restoring", $"Preparing database {targetDatabase}", 10);
        try
        {
            await EnsureTargetAsync(serverUrl, targetDatabase, clean, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw DatabaseConnector.Failure(e, $"Preparing the database '{targetDatabase}' (the user needs the right to create databases)");
        }

        var arguments = new List<string> { "--no-password", "--exit-on-error", PgConnectionEnvironment.DbNameArgument(targetDatabase) };
        arguments.AddRange(jobs is { } n ? [$"--jobs={n}"] : ["--single-transaction"]);
        if (clean)
        {
            arguments.AddRange(["--clean", "--if-exists"]);
        }

        arguments.Add(Path.Combine(folder, manifest.DumpFile));
        reporter.Progress("Restoring", $"pg_restore into {targetDatabase}", 20);
        ProcessResult restore;
        using (var environment = PgConnectionEnvironment.Create(serverUrl, targetDatabase))
        {
            restore = await ExternalProcess.RunAsync(tools.PgRestore, arguments, environment.Variables, cancellationToken).ConfigureAwait(false);
        }

        if (restore.ExitCode != 0)
        {
            throw new ScorecardException("RestoreFailed", ScorecardErrorCategory.InvalidOperation,
                $"pg_restore into '{targetDatabase}' failed (exit code {restore.ExitCode}): {restore.StandardError}", targetDatabase);
        }

        reporter.Progress("Restoring", "Counting the restored rows", 90);
        var targetUrl = serverUrl.WithDatabase(targetDatabase);
        IReadOnlyList<KeyValuePair<string, long>> restored;
        await using (var connection = await DatabaseConnector.OpenAsync(targetUrl, cancellationToken).ConfigureAwait(false))
        {
            restored = await TableCounter.CountAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        return new RestoreResult
        {
            Name = manifest.Name,
            TargetDatabase = targetDatabase,
            Host = $"{serverUrl.Host}:{serverUrl.Port}",
            Tables = TableCounter.ToOrderedDictionary(restored),
            TotalRows = restored.Sum(t => t.Value),
            Mismatches = CompareCounts(manifest.Tables, restored.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal)),
            Duration = watch.Elapsed,
        };
    }

    public static async Task DropDatabaseAsync(DatabaseUrl serverUrl, string database, CancellationToken cancellationToken)
    {
        await using var connection = await DatabaseConnector.OpenAsync(serverUrl, cancellationToken).ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {SqlIdentifier.Quote(database)} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static List<string> CompareCounts(IReadOnlyDictionary<string, long> expected, IReadOnlyDictionary<string, long> actual) =>
        expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
            .Select(table => (table, inBackup: expected.GetValueOrDefault(table, -1), restored: actual.GetValueOrDefault(table, -1)))
            .Where(t => t.inBackup != t.restored)
            .Select(t => $"{t.table}: {(t.inBackup < 0 ? "not in the backup" : $"{t.inBackup} in the backup")}, {(t.restored < 0 ? "missing after restore" : $"{t.restored} restored")}")
            .ToList();

    private static async Task EnsureTargetAsync(DatabaseUrl serverUrl, string targetDatabase, bool clean, CancellationToken cancellationToken)
    {
        await using (var server = await DatabaseConnector.OpenAsync(serverUrl, cancellationToken).ConfigureAwait(false))
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", server) { Parameters = { new() { Value = targetDatabase } } };
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                // template0: nothing a site added to template1 may collide with the restored objects.
                await using var create = new NpgsqlCommand($"CREATE DATABASE {SqlIdentifier.Quote(targetDatabase)} TEMPLATE template0 ENCODING 'UTF8'", server);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        if (clean)
        {
            return;
        }

        await using var target = await DatabaseConnector.OpenAsync(serverUrl.WithDatabase(targetDatabase), cancellationToken).ConfigureAwait(false);
        var tables = await TableCounter.ListAsync(target, cancellationToken).ConfigureAwait(false);
        if (tables.Count > 0)
        {
            throw new ScorecardException("TargetDatabaseNotEmpty", ScorecardErrorCategory.ResourceExists,
                $"The database '{targetDatabase}' already has {tables.Count} tables ({string.Join(", ", tables.Take(5))}" +
                $"{(tables.Count > 5 ? ", ..." : "")}). Restore into a new database, or add -Clean to drop and replace what the backup holds.",
                targetDatabase);
        }
    }
}
