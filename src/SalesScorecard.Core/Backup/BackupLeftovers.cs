using Npgsql;

namespace SalesScorecard.Backup;

/// <summary>
/// What runs killed outright (SIGKILL, a cron time limit, a power cut) leave behind, removed by the next run with a
/// CLEANUP line each in backup.log. Removing a leftover never fails the run that finds it.
/// </summary>
internal static class BackupLeftovers
{
    /// <summary>
    /// Removes stale .partial folders and password files. Call it holding the destination's lock: then no other run
    /// is here, so every .partial folder is stale, and so is every password file of a dead process.
    /// </summary>
    public static void RemoveFromDestination(string destination, BackupLog log)
    {
        foreach (var partial in Directory.EnumerateDirectories(destination, BackupCatalog.FolderPrefix + "*" + BackupCatalog.PartialSuffix))
        {
            if (new DirectoryInfo(partial).LinkTarget is not null)
            {
                continue; // Not a folder a run of ours made.
            }

            try
            {
                Directory.Delete(partial, recursive: true);
                log.TryWrite("CLEANUP", $"Removed {Path.GetFileName(partial)}, left by a run that was killed before it finished.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.TryWrite("CLEANUP", $"Could not remove {Path.GetFileName(partial)}, left by a run that was killed: {e.Message}");
            }
        }

        foreach (var passFile in PgConnectionEnvironment.RemoveStale(destination))
        {
            log.TryWrite("CLEANUP", $"Removed the password file {passFile}, left by a run that was killed before it could delete it.");
        }
    }

    /// <summary>
    /// Drops the scratch databases of restore drills that were killed outright: the nightly backup runs where drills
    /// rarely do. One it may not drop is logged and left.
    /// </summary>
    public static async Task DropAbandonedDrillsAsync(NpgsqlConnection connection, BackupLog log, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var dropped in await DrillDatabase.DropAbandonedAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                log.TryWrite("CLEANUP", DrillDatabase.DescribeDropped(dropped));
            }
        }
        catch (NpgsqlException e)
        {
            // A leftover that cannot go now goes another night: it never fails the backup.
            log.TryWrite("CLEANUP", $"Could not drop the scratch database of a killed restore drill: {(e as PostgresException)?.MessageText ?? e.Message}");
        }
    }
}
