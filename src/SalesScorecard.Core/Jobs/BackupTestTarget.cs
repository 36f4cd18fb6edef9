namespace SalesScorecard.Jobs;

/// <summary>Which backup Test-ScorecardBackup tests: its parameter sets.</summary>
internal enum BackupTestTarget
{
    /// <summary>The folder or s3:// address <see cref="BackupTestRequest.Source"/> names.</summary>
    Path,

    /// <summary>The backup piped in (<see cref="BackupTestRequest.Piped"/>).</summary>
    Piped,

    /// <summary>The newest backup in the destination; the watchdog, which also watches the store.</summary>
    Latest,

    /// <summary>The newest copy on the store.</summary>
    Offsite,
}
