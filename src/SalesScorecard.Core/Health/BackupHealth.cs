using SalesScorecard.Backup;
using SalesScorecard.History;

namespace SalesScorecard.Health;

/// <summary>The checks of the backups themselves: the folder and its room, the newest backup, its drill, anomalies and pins.</summary>
internal static class BackupHealth
{
    /// <summary>How many more nights the folder must have room for: a week is the margin an admin needs to notice and act.</summary>
    private const int NightsOfRoom = 7;

    private static readonly TimeSpan DrillRecent = TimeSpan.FromDays(31);

    public static HealthCheck Folder(string folder, IReadOnlyList<BackupInfo> backups)
    {
        try
        {
            BackupCatalog.RequireFolder(folder);
            DestinationSecurity.EnsureOnlyOwnerCanWrite(folder);
        }
        catch (ScorecardException e)
        {
            return HealthCheck.Fail("BackupFolder", $"{e.ErrorId}: {e.Message}", "Create the folder, or make it writable by its owner only (chmod 700).");
        }

        var recent = backups.Where(b => b.Status == BackupStatus.Succeeded).Take(NightsOfRoom).Select(b => b.SizeBytes).DefaultIfEmpty(0).Max();
        long free;
        try
        {
            free = new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            // A share the OS cannot measure (a UNC path), as the night's own check allows.
            return HealthCheck.Warn("BackupFolder", $"{folder}: its free space cannot be measured ({e.Message}).", "Watch the share's free space another way.");
        }

        if (recent == 0)
        {
            return HealthCheck.Warn("BackupFolder", $"{folder}: not writable by others, {Bytes.Format(free)} free; no backup yet to estimate the next ones from.",
                "Run Invoke-ScorecardBackup once, then check again.");
        }

        var needed = (long)(recent * 1.5 * NightsOfRoom);
        return free >= needed
            ? HealthCheck.Pass("BackupFolder", $"{folder}: not writable by others, {Bytes.Format(free)} free (the next {NightsOfRoom} backups need about {Bytes.Format(needed)})")
            : free >= recent * 3 / 2
                ? HealthCheck.Warn("BackupFolder", $"{folder}: {Bytes.Format(free)} free, less than the {Bytes.Format(needed)} the next {NightsOfRoom} backups need",
                    "Free space, or lower BACKUP_RETENTION_DAYS.")
                : HealthCheck.Fail("BackupFolder", $"{folder}: {Bytes.Format(free)} free, not enough for the next backup ({Bytes.Format(recent)} and growth)",
                    "Free space now: tonight's backup fails with InsufficientDiskSpace.");
    }

    public static HealthCheck Newest(IReadOnlyList<BackupInfo> backups, TimeSpan maxAge, DateTime nowUtc)
    {
        if (BackupCatalog.Newest(backups, nowUtc) is not { } newest)
        {
            return HealthCheck.Fail("NewestBackup", "There is no successful backup.", "Run Invoke-ScorecardBackup, and register the schedule.");
        }

        // The watchdog's own rule, so that the two never disagree on what is fresh.
        var started = newest.StartedAt ?? DateTime.MinValue;
        var freshness = BackupVerifier.CheckFreshness(started, newest.CompletedAt ?? started, maxAge, nowUtc);
        var found = $"{newest.Name}, {(newest.Verified ? "verified" : "NOT verified")}: {freshness.Detail}";
        return !freshness.Passed
            ? HealthCheck.Fail("NewestBackup", found, "Find out why the nightly backup stopped (backup.log, cron.log), or check the clock.")
            : newest.Verified ? HealthCheck.Pass("NewestBackup", found) : HealthCheck.Warn("NewestBackup", found, "Run the nightly backup without -SkipVerify.");
    }

    public static HealthCheck Drill(IReadOnlyList<BackupInfo> backups, DateTime nowUtc)
    {
        var drilled = backups.Where(b => b.DrilledAt is not null).MaxBy(b => b.DrilledAt);
        return drilled switch
        {
            null => HealthCheck.Warn("RestoreDrill", "No restore drill is recorded for any backup here.", "Run Test-ScorecardBackup -Latest -RestoreDrill (and schedule it monthly)."),
            { DrillPassed: false } => HealthCheck.Fail("RestoreDrill", $"The last restore drill, of {drilled.Name} on {drilled.DrilledAt:yyyy-MM-dd}, FAILED.",
                "Run Test-ScorecardBackup -RestoreDrill on it and on the newest backup, and read the RowCounts check."),
            _ when nowUtc - drilled.DrilledAt > DrillRecent => HealthCheck.Warn("RestoreDrill", $"The last restore drill passed on {drilled.DrilledAt:yyyy-MM-dd}, over a month ago.",
                "Run Test-ScorecardBackup -Latest -RestoreDrill."),
            _ => HealthCheck.Pass("RestoreDrill", $"The last restore drill, of {drilled.Name} on {drilled.DrilledAt:yyyy-MM-dd}, passed."),
        };
    }

    public static IEnumerable<HealthCheck> History(IReadOnlyList<BackupHistoryEntry> history)
    {
        var newest = history.FirstOrDefault(e => e.Status == BackupStatus.Succeeded);
        yield return newest is { Anomalies.Count: > 0 }
            ? HealthCheck.Warn("Anomalies", $"{newest.Name}: {newest.Anomalies}", $"Find out what removed the data; {newest.PreviousBackup} holds it (see Pins).")
            : HealthCheck.Pass("Anomalies", newest is null ? "No backup to compare." : $"{newest.Name} shows no anomaly against the backup before it.");
        var pinned = history.Where(e => e.Pinned).ToList();
        yield return pinned.Count == 0
            ? HealthCheck.Pass("Pins", "No backup is pinned.")
            : HealthCheck.Warn("Pins", $"{pinned.Count} pinned (never removed by retention): {string.Join("; ", pinned.Select(p => $"{p.Name}: {p.PinReason}"))}",
                "Release the pins no longer needed: Unlock-ScorecardBackup.");
    }
}
