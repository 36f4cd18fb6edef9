using SalesScorecard.Backup;

namespace SalesScorecard.Repository;

/// <summary>
/// Where backups are kept, in the manner of pgBackRest's storage drivers: a local folder, or a prefix on an S3 store.
/// A backup is a set of files and the manifest.json that vouches for them, and it counts only once its manifest is in
/// place: a writer that is not committed leaves nothing that is ever listed, restored or counted by retention.
/// </summary>
internal interface IBackupRepository : IDisposable
{
    /// <summary>The folder, or the s3:// address of the prefix, for messages.</summary>
    string Address { get; }

    /// <summary>Where one backup is: its folder, or its s3:// address.</summary>
    string AddressOf(string backupName);

    /// <summary>True for a folder on this host's disks, where pg_dump can write an archive itself.</summary>
    bool OnLocalDisk { get; }

    /// <summary>The result object for a backup kept here (with its offsite address when that is where it is).</summary>
    BackupInfo ToBackupInfo(BackupManifest manifest);

    /// <summary>How long copying <paramref name="bytes"/> into this repository may take before the copy is given up.</summary>
    TimeSpan CopyBudget(long bytes);

    /// <summary>Every backup, newest first; one without a usable manifest is listed as Incomplete, never thrown on.</summary>
    Task<RepositoryListing> ListAsync(CancellationToken cancellationToken);

    /// <summary>A backup's manifest, or null and why it cannot be used.</summary>
    Task<(BackupManifest? Manifest, string? Problem)> TryReadManifestAsync(string backupName, CancellationToken cancellationToken);

    /// <summary>One file of a backup; ArchiveUnreadable or the store's error when it cannot be read.</summary>
    Task<Stream> OpenReadAsync(string backupName, string relative, CancellationToken cancellationToken);

    /// <summary>The file's path when it is on local disk, where pg_restore may open it itself; null on a store.</summary>
    string? LocalPath(string backupName, string relative);

    /// <summary>
    /// The files whose size or SHA-256 differ from the manifest's, or that are missing, one line each. When
    /// <paramref name="archiveReadAfter"/>, a repository that must download to hash may leave the archive's SHA-256 to
    /// the read that follows (so a test or a restore downloads it once).
    /// </summary>
    Task<IReadOnlyList<string>> FindChecksumMismatchesAsync(string backupName, BackupManifest manifest, bool archiveReadAfter, CancellationToken cancellationToken);

    /// <summary>Begins a backup: what is written into the writer counts only once it is committed, and is removed when it is not.</summary>
    IBackupWriter BeginBackup(string backupName, CancellationToken cancellationToken);

    /// <summary>Pins a backup: <see cref="History.BackupPin.FileName"/> beside its manifest, which retention honours.</summary>
    Task PinAsync(string backupName, History.BackupPin pin, CancellationToken cancellationToken);

    /// <summary>Records a backup's last restore drill: <see cref="History.DrillRecord.FileName"/> beside its manifest.</summary>
    Task RecordDrillAsync(string backupName, History.DrillRecord drill, CancellationToken cancellationToken);

    /// <summary>Releases a backup's pin; one that is not pinned is left as it is.</summary>
    Task UnpinAsync(string backupName, CancellationToken cancellationToken);

    /// <summary>Removes a backup, its manifest first, so that a removal cut short never leaves a backup that looks complete.</summary>
    Task RemoveAsync(string backupName, CancellationToken cancellationToken);

    /// <summary>What an exception thrown while working on this repository means, in words that say what to change.</summary>
    ScorecardException Translate(Exception e, string doing);
}
