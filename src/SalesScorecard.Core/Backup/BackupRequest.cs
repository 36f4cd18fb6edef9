using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

public sealed class BackupRequest
{
    public required DatabaseUrl DatabaseUrl { get; init; }

    /// <summary>The folder that holds the backup folders, as a full path.</summary>
    public required string Destination { get; init; }

    public string? PgDumpPath { get; init; }

    /// <summary>Null for one custom-format archive; a number for a directory-format dump with that many jobs.</summary>
    public int? Jobs { get; init; }

    public bool SkipVerify { get; init; }

    public required string ModuleVersion { get; init; }
}
