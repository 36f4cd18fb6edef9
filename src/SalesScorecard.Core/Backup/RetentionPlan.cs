namespace SalesScorecard.Backup;

/// <summary>
/// What retention found: the backups it removes, and the ones an admin must look at because they could not count
/// toward the keep-floor (dated in the future, or no longer matching their checksums).
/// </summary>
public sealed record RetentionPlan(IReadOnlyList<BackupInfo> Expired, IReadOnlyList<BackupInfo> FutureDated, IReadOnlyList<BackupInfo> Damaged);
