using System.Collections;
using SalesScorecard.Backup;

namespace SalesScorecard.History;

/// <summary>
/// Compares a backup with the previous verified backup of the same database, before retention runs: a table that lost
/// more than the set share of its rows (and at least the floor), went to zero (from at least the floor) or vanished, or a stored size that fell
/// by more than half, is an anomaly. Pure: the nightly job logs, mails and pins.
/// </summary>
internal static class AnomalyGuard
{
    /// <summary>
    /// The newest verified, successful backup of the same database on the same server that started before
    /// <paramref name="backup"/>, or null: production and staging databases of one name in one folder are never compared.
    /// </summary>
    public static BackupInfo? Previous(IEnumerable<BackupInfo> backups, BackupInfo backup, DateTime nowUtc) =>
        backups
            .Where(b => b.Name != backup.Name && b.Status == BackupStatus.Succeeded && b.Verified && b.Database == backup.Database && b.Host == backup.Host &&
                        b.StartedAt < backup.StartedAt && !BackupCatalog.IsFutureDated(b, nowUtc))
            .MaxBy(b => b.StartedAt);

    public static IReadOnlyList<BackupAnomaly> Compare(BackupInfo previous, BackupInfo current, AnomalyRules rules)
    {
        var since = previous.StartedAt ?? DateTime.MinValue;
        var before = Counts(previous);
        var after = Counts(current);
        var anomalies = new List<BackupAnomaly>();
        foreach (var (table, rows) in before.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!after.TryGetValue(table, out var now))
            {
                anomalies.Add(new BackupAnomaly(AnomalyKind.TableVanished, table, rows, 0, previous.Name, since));
            }
            else if (now == 0 && rows >= rules.MinRowsLost)
            {
                anomalies.Add(new BackupAnomaly(AnomalyKind.TableEmptied, table, rows, 0, previous.Name, since));
            }
            else if (rules.IsDrop(rows, now))
            {
                anomalies.Add(new BackupAnomaly(AnomalyKind.RowsDropped, table, rows, now, previous.Name, since));
            }
        }

        if (previous.Compression == current.Compression && previous.SizeBytes > 0 &&
            current.SizeBytes * 100 < previous.SizeBytes * (100 - AnomalyRules.SizeDropPercent))
        {
            anomalies.Add(new BackupAnomaly(AnomalyKind.SizeDropped, null, previous.SizeBytes, current.SizeBytes, previous.Name, since));
        }

        return anomalies;
    }

    /// <summary>The change of every table since the previous backup (a table new since then counts from zero).</summary>
    public static IReadOnlyDictionary<string, long> Changes(BackupInfo previous, BackupInfo current)
    {
        var before = Counts(previous);
        var after = Counts(current);
        return before.Keys.Union(after.Keys, StringComparer.Ordinal)
            .ToDictionary(t => t, t => after.GetValueOrDefault(t) - before.GetValueOrDefault(t), StringComparer.Ordinal);
    }

    /// <summary>A backup's rows per table, by table.</summary>
    public static Dictionary<string, long> Counts(BackupInfo backup) =>
        backup.Tables.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => Convert.ToInt64(e.Value, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
}
