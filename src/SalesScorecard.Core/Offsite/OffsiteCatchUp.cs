using SalesScorecard.Backup;

namespace SalesScorecard.Offsite;

/// <summary>
/// Which local backups a night's catch-up copies: every verified one inside the store's retention window (its days, or
/// among its keep-floor of newest backups) that has no complete copy on the store, newest first. A copy missed on a
/// night the store was down is made on the next night it answers.
/// </summary>
internal static class OffsiteCatchUp
{
    public static IReadOnlyList<BackupInfo> Missing(
        IEnumerable<BackupInfo> local, IReadOnlySet<string> completeOnStore, OffsiteOptions store, DateTime nowUtc, string justCopied)
    {
        var cutoff = nowUtc.AddDays(-store.RetentionDays);
        return local
            .Where(b => b.Status == BackupStatus.Succeeded && b.Verified && b.StartedAt is not null && !BackupCatalog.IsFutureDated(b, nowUtc))
            .OrderByDescending(b => b.StartedAt)
            // A pinned backup is kept on the store as here, however old: its copy is caught up too.
            .Where((backup, newest) => newest < store.KeepMin || backup.StartedAt >= cutoff || backup.Pinned)
            .Where(b => b.Name != justCopied && !completeOnStore.Contains(b.Name))
            .ToList();
    }
}
