namespace SalesScorecard;

/// <summary>A finished backup, or a folder without a usable manifest (a failed run leaves no folder at all). Names, not an enum: ConvertTo-Json and Export-Csv write them as they read.</summary>
public static class BackupStatus
{
    public const string Succeeded = nameof(Succeeded);

    public const string Incomplete = nameof(Incomplete);
}

/// <summary>One backup: what Invoke-ScorecardBackup made, or what Get-ScorecardBackup read from a manifest.</summary>
public sealed class BackupInfo
{
    public required string Name { get; init; }

    /// <summary>The backup's folder.</summary>
    public required string Path { get; init; }

    /// <summary>The pg_dump archive: a file (custom format) or a folder (directory format).</summary>
    public string? DumpFile { get; init; }

    public required string Status { get; init; }

    public DateTime? StartedAt { get; init; }

    public DateTime? CompletedAt { get; init; }

    /// <summary>Seconds from start to end, to the millisecond: a number that ConvertTo-Json and Export-Csv keep as one.</summary>
    public double? DurationSeconds => CompletedAt - StartedAt is { } duration ? Math.Round(duration.TotalSeconds, 3) : null;

    public string? Database { get; init; }

    public string? Host { get; init; }

    public string? ServerVersion { get; init; }

    public string? PgDumpVersion { get; init; }

    public long SizeBytes { get; init; }

    public string Size => Bytes.Format(SizeBytes);

    /// <summary>The archive as pg_dump wrote it, before compression and encryption; null for one pg_dump compressed itself.</summary>
    public long? RawBytes { get; init; }

    public long TotalRows { get; init; }

    /// <summary><c>schema.table</c> to the exact row count in the backup's snapshot.</summary>
    /// <remarks>Typed as the OrderedDictionary it is, so that a script's own [ordered]@{...} binds to it.</remarks>
    public System.Collections.Specialized.OrderedDictionary Tables { get; init; } = new TableCounts();

    /// <summary>SHA-256 of the dump file (of toc.dat for the directory format), lower-case hex.</summary>
    public string? Sha256 { get; init; }

    public bool Verified { get; init; }

    /// <summary><c>zstd:N</c> (compressed by the module) or <c>pg_dump</c> (pg_dump's own compression).</summary>
    public string? Compression { get; init; }

    /// <summary>True when the stored archive is encrypted (age): restoring it needs an identity.</summary>
    public bool Encrypted { get; init; }

    public string? Error { get; init; }

    /// <summary>Where the offsite copy is (s3://bucket/prefix/name), or null when none was made.</summary>
    public string? Offsite { get; set; }

    /// <summary>True when every object of the offsite copy read back with its size and SHA-256; false when the copy failed.</summary>
    public bool? OffsiteVerified { get; set; }

    /// <summary>
    /// How old, in hours, the newest complete offsite copy is after this run: about the run's own length when its copy
    /// was made, a day or more per night the store missed. Null without a store, or with none on record.
    /// </summary>
    public double? OffsiteLagHours { get; set; }

    /// <summary>How many earlier backups this run copied to the store because their own night's copy was missing; null without a copy.</summary>
    public int? OffsiteCaughtUp { get; set; }

    /// <summary>What -Notify did: Sent, "Failed: ..." or "Skipped: not configured ..."; null without -Notify.</summary>
    public string? Notification { get; set; }

    /// <summary>True when the backup is pinned (<see cref="History.BackupPin"/>): retention, here and on the store, never removes it.</summary>
    public bool Pinned { get; set; }

    /// <summary>Why it is pinned (an anomaly found after it, or an admin's reason), or null.</summary>
    public string? PinReason { get; set; }

    /// <summary>Whether its last restore drill (Test-ScorecardBackup -RestoreDrill) passed; null when none is recorded.</summary>
    public bool? DrillPassed { get; set; }

    /// <summary>When its last restore drill ran, UTC; null when none is recorded.</summary>
    public DateTime? DrilledAt { get; set; }

    /// <summary>
    /// What alarmingly changed since the previous verified backup of the same database (tables that lost rows, went to
    /// zero or vanished, an archive that shrank by half); empty when nothing did, null when this run did not compare.
    /// </summary>
    public ReadableList<History.BackupAnomaly>? Anomalies { get; set; }
}
