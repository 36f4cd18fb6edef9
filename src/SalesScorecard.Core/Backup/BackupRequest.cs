using SalesScorecard.Archive;
using SalesScorecard.Encryption;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

internal sealed class BackupRequest
{
    public required DatabaseUrl DatabaseUrl { get; init; }

    /// <summary>The folder that holds the backup folders, as a full path.</summary>
    public required string Destination { get; init; }

    public string? PgDumpPath { get; init; }

    /// <summary>Null for one custom-format archive; a number for a directory-format dump with that many jobs.</summary>
    public int? Jobs { get; init; }

    public bool SkipVerify { get; init; }

    public ArchiveCompression Compression { get; init; } = ArchiveCompression.Default;

    /// <summary>The age recipients to encrypt the archive to; empty for none.</summary>
    public IReadOnlyList<AgeRecipient> Recipients { get; init; } = [];

    /// <summary>pg_dump is stopped, and the backup fails, when its archive has not grown for this long (BACKUP_STALL_SECONDS).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public required string ModuleVersion { get; init; }

    /// <summary>
    /// Where the backup is kept: the local folder (<see cref="Destination"/>), or a store prefix, where it streams with
    /// no local copy (<see cref="Destination"/> then holds only the lock and backup.log).
    /// </summary>
    public required Repository.IBackupRepository Repository { get; init; }

    /// <summary>
    /// The repository the backup will be copied to once kept: its compressed archive is sent there as it is written, and
    /// the session holds that (<see cref="BackupSession.PendingCopy"/>) for the copy to complete. Null for none.
    /// </summary>
    public Repository.IBackupRepository? CopyTarget { get; init; }

    /// <summary>Connects to the database to back up: PostgreSQL through Npgsql, or a stand-in in the engine's tests.</summary>
    public Func<DatabaseUrl, CancellationToken, Task<IBackupDatabase>> OpenDatabase { get; init; } = PostgresBackupDatabase.OpenAsync;
}
