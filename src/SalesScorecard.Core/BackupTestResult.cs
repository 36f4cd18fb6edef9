namespace SalesScorecard;

/// <summary>One check of Test-ScorecardBackup: Manifest, Checksum, ArchiveReadable, TableOfContents, RestoreDrill, RowCounts or Freshness.</summary>
public sealed record BackupCheck(string Check, bool Passed, string Detail)
{
    public override string ToString() => $"{Check} {(Passed ? "passed" : "FAILED")}: {Detail}";
}

public sealed class BackupTestResult
{
    public required string Name { get; init; }

    public required string Path { get; init; }

    public required ReadableList<BackupCheck> Checks { get; init; }

    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);
}
