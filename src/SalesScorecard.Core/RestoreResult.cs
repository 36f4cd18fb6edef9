using System.Collections.Specialized;

namespace SalesScorecard;

/// <summary>What Restore-ScorecardBackup restored, and how its row counts compare with the backup's manifest.</summary>
public sealed class RestoreResult
{
    public required string Name { get; init; }

    public required string TargetDatabase { get; init; }

    public required string Host { get; init; }

    /// <summary><c>schema.table</c> to the rows found in the restored database.</summary>
    public required TableCounts Tables { get; init; }

    public required long TotalRows { get; init; }

    /// <summary>One line per table whose count differs from the manifest, e.g. "public.users: 156 in the backup, 155 restored".</summary>
    public required ReadableList<string> Mismatches { get; init; }

    public bool Passed => Mismatches.Count == 0;

    /// <summary>Seconds, to the millisecond: a number that ConvertTo-Json and Export-Csv keep as one.</summary>
    public required double DurationSeconds { get; init; }
}
