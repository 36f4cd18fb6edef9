using System.Globalization;

namespace SalesScorecard.History;

/// <summary>
/// One alarming difference between a backup and the previous verified backup of the same database: its text (an
/// Export-Csv cell, a mail's subject) says it in words, e.g. <c>public.evaluations: 62 -> 4 rows since 2026-12-01</c>.
/// </summary>
/// <param name="Table">The table, or null for <see cref="AnomalyKind.SizeDropped"/>.</param>
/// <param name="Before">Rows (bytes for a size) in the previous backup.</param>
/// <param name="After">Rows (bytes for a size) in this one.</param>
/// <param name="PreviousBackup">The backup this one is compared with: the previous verified backup of the same database.</param>
/// <param name="PreviousStartedAt">When that backup started.</param>
public sealed record BackupAnomaly(string Kind, string? Table, long Before, long After, string PreviousBackup, DateTime PreviousStartedAt)
{
    public override string ToString()
    {
        var since = PreviousStartedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return Kind switch
        {
            AnomalyKind.TableVanished => $"{Table}: gone (had {Before} rows) since {since}",
            AnomalyKind.SizeDropped => $"stored size {Bytes.Format(Before)} -> {Bytes.Format(After)} since {since}",
            _ => $"{Table}: {Before} -> {After} rows since {since}",
        };
    }
}
