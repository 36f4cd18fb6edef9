namespace SalesScorecard.Jobs;

/// <summary>
/// A night's outcome: the backup (null under -WhatIf or when declined) and, when the night failed after it was made,
/// why: its offsite copy failed, or an anomaly was found with BACKUP_ANOMALY_FAILS. The backup is still the run's result;
/// the caller reports the failure after it.
/// </summary>
internal sealed record NightlyBackupResult(BackupInfo? Backup, ScorecardException? Failure)
{
    public static readonly NightlyBackupResult NothingDone = new(null, null);
}
