namespace SalesScorecard.Jobs;

/// <summary>
/// A night's outcome: the backup (null under -WhatIf or when declined) and, when its offsite copy failed, why. A failed
/// copy leaves the local backup the run's result; the caller reports the failure after it.
/// </summary>
internal sealed record NightlyBackupResult(BackupInfo? Backup, ScorecardException? OffsiteFailure)
{
    public static readonly NightlyBackupResult NothingDone = new(null, null);
}
