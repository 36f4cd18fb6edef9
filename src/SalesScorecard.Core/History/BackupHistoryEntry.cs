namespace SalesScorecard.History;

/// <summary>
/// One backup in the history, flat for Export-Csv and ConvertTo-Json: when, how long, how big, how many rows, what
/// changed since the previous verified backup of the same database, whether the store holds a complete copy, its pin,
/// and its anomalies. Read from manifests only.
/// </summary>
public sealed class BackupHistoryEntry
{
    public required string Name { get; init; }

    public DateTime? StartedAt { get; init; }

    public string? Database { get; init; }

    /// <summary>The server (host:port) the database was on.</summary>
    public string? Host { get; init; }

    /// <summary>Succeeded or Incomplete, as the listing says.</summary>
    public required string Status { get; init; }

    public bool Verified { get; init; }

    public double? DurationSeconds { get; init; }

    /// <summary>The archive as pg_dump wrote it, before compression; null for a backup pg_dump compressed itself.</summary>
    public long? RawBytes { get; init; }

    public long StoredBytes { get; init; }

    /// <summary><see cref="StoredBytes"/> as an admin reads it (1.2 MB).</summary>
    public string Size => Bytes.Format(StoredBytes);

    /// <summary>Raw bytes per stored byte (3.5 means the stored archive is 3.5 times smaller); null without the raw size.</summary>
    public double? CompressionRatio => RawBytes is { } raw && StoredBytes > 0 ? Math.Round((double)raw / StoredBytes, 2) : null;

    public long TotalRows { get; init; }

    /// <summary>Rows now minus rows in <see cref="PreviousBackup"/>; null for the first backup of a database.</summary>
    public long? TotalRowChange { get; init; }

    public TableCounts Tables { get; init; } = new();

    /// <summary>Each table's change since <see cref="PreviousBackup"/> (public.users=-3; ...); null for the first backup of a database.</summary>
    public TableCounts? TableChanges { get; init; }

    /// <summary>The previous verified backup of the same database, which the changes and anomalies are against.</summary>
    public string? PreviousBackup { get; init; }

    /// <summary>True when the store holds a complete copy, false when it does not, null without a store (or when it did not answer).</summary>
    public bool? OffsiteCopy { get; init; }

    public bool Pinned { get; init; }

    public string? PinReason { get; init; }

    public ReadableList<BackupAnomaly> Anomalies { get; init; } = new([]);

    /// <summary>Whether its last restore drill passed; null when none is recorded.</summary>
    public bool? DrillPassed { get; init; }

    /// <summary>When its last restore drill ran, UTC; null when none is recorded.</summary>
    public DateTime? DrilledAt { get; init; }

    /// <summary>The folder, or the s3:// address of a backup only the store holds.</summary>
    public required string Location { get; init; }
}
