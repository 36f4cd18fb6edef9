using SalesScorecard.Backup;

namespace SalesScorecard.Repository;

/// <summary>Backups as folders below one local folder (BACKUP_DIR): <c>backup-*</c>, each with its manifest.json.</summary>
internal sealed class LocalFolderRepository(string folder) : IBackupRepository
{
    public string Address => folder;

    public string AddressOf(string backupName) => Path.Combine(folder, backupName);

    public bool OnLocalDisk => true;

    public BackupInfo ToBackupInfo(BackupManifest manifest) => manifest.ToBackupInfo(AddressOf(manifest.Name));

    /// <summary>Local disk is never waited on for a bound: a full disk fails the write itself.</summary>
    public TimeSpan CopyBudget(long bytes) => Timeout.InfiniteTimeSpan;

    public Task<RepositoryListing> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new RepositoryListing(BackupCatalog.List(folder), BackupCatalog.MatchesChecksums, new Dictionary<string, int>()));

    public Task<(BackupManifest? Manifest, string? Problem)> TryReadManifestAsync(string backupName, CancellationToken cancellationToken)
    {
        var manifest = BackupCatalog.TryReadManifest(AddressOf(backupName), out var problem);
        return Task.FromResult((manifest, problem));
    }

    public Task<Stream> OpenReadAsync(string backupName, string relative, CancellationToken cancellationToken)
    {
        var path = Path.Combine(AddressOf(backupName), relative);
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StoredBackup.Unreadable(path, e);
        }
    }

    public string? LocalPath(string backupName, string relative) => Path.Combine(AddressOf(backupName), relative);

    /// <summary>Every file is read whole: on local disk that is cheap enough, and the archive's read that follows may not read every byte.</summary>
    public Task<IReadOnlyList<string>> FindChecksumMismatchesAsync(string backupName, BackupManifest manifest, bool archiveReadAfter, CancellationToken cancellationToken) =>
        Task.FromResult(FindChecksumMismatches(AddressOf(backupName), manifest));

    public static IReadOnlyList<string> FindChecksumMismatches(string backupFolder, BackupManifest manifest)
    {
        var problems = new List<string>();
        foreach (var (relative, expected) in manifest.Files)
        {
            var path = Path.Combine(backupFolder, relative);
            if (!File.Exists(path))
            {
                problems.Add($"{relative}: missing");
                continue;
            }

            var actual = BackupCatalog.Sha256Of(path);
            if (actual != expected.Sha256)
            {
                problems.Add($"{relative}: SHA-256 {actual[..12]}…, the manifest says {expected.Sha256[..12]}… ({new FileInfo(path).Length} of {expected.Bytes} bytes)");
            }
        }

        return problems;
    }

    public IBackupWriter BeginBackup(string backupName, CancellationToken cancellationToken) => new LocalBackupWriter(folder, backupName);

    public Task PinAsync(string backupName, History.BackupPin pin, CancellationToken cancellationToken) =>
        OnDisk(() => SecureFiles.WriteAllBytesAtomic(Path.Combine(AddressOf(backupName), History.BackupPin.FileName), pin.Serialize()), $"pin {backupName}");

    public Task RecordDrillAsync(string backupName, History.DrillRecord drill, CancellationToken cancellationToken) =>
        OnDisk(() => SecureFiles.WriteAllBytesAtomic(Path.Combine(AddressOf(backupName), History.DrillRecord.FileName), drill.Serialize()), $"record the drill of {backupName}");

    public Task UnpinAsync(string backupName, CancellationToken cancellationToken) =>
        OnDisk(() => File.Delete(Path.Combine(AddressOf(backupName), History.BackupPin.FileName)), $"release the pin of {backupName}");

    private Task OnDisk(Action action, string doing)
    {
        try
        {
            action();
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScorecardException(ScorecardErrors.BackupPinFailed, $"Could not {doing} in '{folder}': {e.Message}", folder, e);
        }
    }

    public Task RemoveAsync(string backupName, CancellationToken cancellationToken)
    {
        var backup = AddressOf(backupName);
        if (File.Exists(Path.Combine(backup, History.BackupPin.FileName)))
        {
            // Pinned since it was listed (Lock-ScorecardBackup while the night ran): the pin wins.
            throw new ScorecardException(ScorecardErrors.BackupPinFailed, $"{backupName} is pinned ({History.BackupPin.FileName}), so it is not removed.", backup);
        }

        try
        {
            File.Delete(Path.Combine(backup, BackupManifest.FileName));
            Directory.Delete(backup, recursive: true);
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, $"remove {backupName}");
        }
    }

    /// <summary>On local disk the exception's own message says it (No space left on device): the backup failed.</summary>
    public ScorecardException Translate(Exception e, string doing) =>
        e as ScorecardException ?? new ScorecardException(ScorecardErrors.BackupFailed, $"The backup failed: {e.Message}", folder, e);

    public void Dispose()
    {
    }
}
