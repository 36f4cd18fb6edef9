using SalesScorecard.Settings;

namespace SalesScorecard.History;

/// <summary>
/// When a change between two backups is an anomaly (BACKUP_ANOMALY_DROP_PERCENT, BACKUP_ANOMALY_MIN_ROWS), and whether
/// one fails the run (BACKUP_ANOMALY_FAILS).
/// </summary>
internal sealed record AnomalyRules(int DropPercent, int MinRowsLost, bool Fails)
{
    /// <summary>A stored archive under half the previous one's size, compressed the same way, is no compression noise.</summary>
    public const int SizeDropPercent = 50;

    public static AnomalyRules FromSettings(ScorecardSettings settings) =>
        new(settings.GetInt(SettingNames.BackupAnomalyDropPercent), settings.GetInt(SettingNames.BackupAnomalyMinRows), settings.GetBool(SettingNames.BackupAnomalyFails) ?? false);

    /// <summary>True when losing <paramref name="before"/> - <paramref name="after"/> rows is more than the share and at least the floor.</summary>
    public bool IsDrop(long before, long after) =>
        before > after && before - after >= MinRowsLost && (before - after) * 100 > before * DropPercent;
}
