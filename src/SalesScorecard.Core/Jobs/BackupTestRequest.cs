namespace SalesScorecard.Jobs;

/// <summary>What Test-ScorecardBackup's parameters ask for, beside the settings.</summary>
/// <param name="Source">The backup's folder or s3:// address, for <see cref="BackupTestTarget.Path"/> and <see cref="BackupTestTarget.Piped"/>.</param>
/// <param name="MaxAge">The freshness the backup must have; null for no freshness check.</param>
/// <param name="Notify">Mail an alert when the backup is stale or missing, a failure when a check fails; nothing when all is well.</param>
internal sealed record BackupTestRequest(
    BackupTestTarget Target, string? Source, BackupInfo? Piped, bool RestoreDrill, bool NoOwner, TimeSpan? MaxAge, bool Notify, string CurrentDirectory);
