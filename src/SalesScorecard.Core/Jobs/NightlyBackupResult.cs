namespace SalesScorecard.Jobs;

/// <summary>
/// A night's outcome: the backup (null under -WhatIf or when declined) and, when the night failed after it was made,
/// why, in order: its offsite copy failed, the last good backup could not be pinned after an anomaly, or an anomaly was
/// found with BACKUP_ANOMALY_FAILS. The backup is still the run's result; the caller reports the failures after it.
/// </summary>
internal sealed record NightlyBackupResult(BackupInfo? Backup, IReadOnlyList<ScorecardException> Failures)
{
    public static readonly NightlyBackupResult NothingDone = new(null, []);
}
