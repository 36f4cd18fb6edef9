using SalesScorecard.Backup;

namespace SalesScorecard.History;

/// <summary>
/// The history of backups, newest first, from listings (manifests only): each backup with its change since the
/// previous verified backup of the same database and the anomalies the guard would find in it.
/// </summary>
internal static class BackupHistory
{
    /// <param name="onStore">The store's listing, or null without a store: it marks which backups have a complete copy, and adds those only the store holds.</param>
    public static IReadOnlyList<BackupHistoryEntry> Build(IReadOnlyList<BackupInfo> primary, IReadOnlyList<BackupInfo>? onStore, AnomalyRules rules, DateTime nowUtc)
    {
        var complete = onStore?.Where(b => b.Status == BackupStatus.Succeeded).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var storeOnly = onStore?.Where(b => primary.All(p => p.Name != b.Name)) ?? [];
        var all = primary.Concat(storeOnly).OrderByDescending(b => b.StartedAt).ThenByDescending(b => b.Name, StringComparer.Ordinal).ToList();
        return all.Select(backup => Entry(backup, AnomalyGuard.Previous(all, backup, nowUtc), complete, rules)).ToList();
    }

    private static BackupHistoryEntry Entry(BackupInfo backup, BackupInfo? previous, IReadOnlySet<string>? complete, AnomalyRules rules)
    {
        var compared = previous is not null && backup.Status == BackupStatus.Succeeded;
        return new BackupHistoryEntry
        {
            Name = backup.Name,
            StartedAt = backup.StartedAt,
            Database = backup.Database,
            Host = backup.Host,
            Status = backup.Status,
            Verified = backup.Verified,
            DurationSeconds = backup.DurationSeconds,
            RawBytes = backup.RawBytes,
            StoredBytes = backup.SizeBytes,
            TotalRows = backup.TotalRows,
            TotalRowChange = compared ? backup.TotalRows - previous!.TotalRows : null,
            Tables = TableCounts.From(AnomalyGuard.Counts(backup)),
            TableChanges = compared ? TableCounts.From(AnomalyGuard.Changes(previous!, backup)) : null,
            PreviousBackup = compared ? previous!.Name : null,
            OffsiteCopy = complete is null ? null : complete.Contains(backup.Name),
            Pinned = backup.Pinned,
            PinReason = backup.PinReason,
            Anomalies = new ReadableList<BackupAnomaly>(compared ? AnomalyGuard.Compare(previous!, backup, rules).ToList() : []),
            DrillPassed = backup.DrillPassed,
            DrilledAt = backup.DrilledAt,
            Location = backup.Path,
        };
    }
}
