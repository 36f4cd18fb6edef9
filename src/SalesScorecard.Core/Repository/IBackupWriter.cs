using SalesScorecard.Backup;

namespace SalesScorecard.Repository;

/// <summary>
/// One backup being written into a repository. Files are created, written and completed one by one; the backup
/// counts once <see cref="CommitAsync"/> has put its manifest in place. Disposed without a commit, the writer aborts:
/// every file it made is removed (an unfinished upload aborted), and no manifest is ever written.
/// </summary>
internal interface IBackupWriter : IAsyncDisposable
{
    string BackupName { get; }

    /// <summary>The folder the backup is made in, when it is on local disk (pg_dump may write there itself); null on a store.</summary>
    string? LocalFolder { get; }

    /// <summary>
    /// A new file of the backup, written as it is produced; its work stops when <paramref name="cancellationToken"/> (a
    /// copy's budget) or the writer's own token is cancelled. A write that the repository holds up longer than
    /// <paramref name="slowestWrite"/> (when given) fails, and the file is dead. Disposing the writer closes it.
    /// </summary>
    Stream CreateFile(string relative, CancellationToken cancellationToken, TimeSpan? slowestWrite = null);

    /// <summary>
    /// Finishes a file from <see cref="CreateFile"/> and proves it stored as <paramref name="expected"/> says (on a store,
    /// by reading it back); OffsiteVerifyFailed or the repository's error otherwise.
    /// </summary>
    Task CompleteFileAsync(Stream file, string relative, ManifestFile expected, CancellationToken cancellationToken);

    /// <summary>Writes a small file whole and completes it.</summary>
    Task WriteFileAsync(string relative, byte[] content, CancellationToken cancellationToken);

    /// <summary>Puts the manifest in place, the step that makes the backup count; returns where the backup is.</summary>
    Task<string> CommitAsync(byte[] manifest, CancellationToken cancellationToken);
}
