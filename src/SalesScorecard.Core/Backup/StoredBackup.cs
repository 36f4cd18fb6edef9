using SalesScorecard.Repository;

namespace SalesScorecard.Backup;

/// <summary>
/// A backup's files in the repository that keeps them, with the manifest that vouches for them: a local folder, or a
/// backup's prefix on a store, whose objects are read as streams and never copied to disk first.
/// </summary>
public sealed class StoredBackup
{
    private readonly IBackupRepository _repository;
    private readonly string _name;

    private StoredBackup(IBackupRepository repository, string name, BackupManifest manifest)
    {
        _repository = repository;
        _name = name;
        Manifest = manifest;
    }

    /// <summary>The folder, or the s3:// address of the backup.</summary>
    public string Label => _repository.AddressOf(_name);

    public BackupManifest Manifest { get; }

    /// <summary>True when its files are not on local disk (each is then read as a stream from the store).</summary>
    public bool IsOffsite => _repository.LocalPath(_name, Manifest.DumpFile) is null;

    internal static StoredBackup In(IBackupRepository repository, string name, BackupManifest manifest) => new(repository, name, manifest);

    /// <summary>A backup folder as the folder it sits in and its name there.</summary>
    internal static (string Parent, string Name) SplitFolder(string folder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return (Path.GetDirectoryName(full) ?? full, Path.GetFileName(full));
    }

    /// <summary>A backup in a repository with its manifest, or <paramref name="notFound"/>'s error.</summary>
    internal static async Task<StoredBackup> OpenAsync(IBackupRepository repository, string name, Func<string?, ScorecardException> notFound, CancellationToken cancellationToken)
    {
        var (manifest, problem) = await repository.TryReadManifestAsync(name, cancellationToken).ConfigureAwait(false);
        return manifest is null ? throw notFound(problem) : new StoredBackup(repository, name, manifest);
    }

    /// <summary>A file of the backup, for messages.</summary>
    public string Describe(string relative) => LocalPath(relative) ?? $"{Label}/{relative}";

    /// <summary>The file's path when it is on local disk, where pg_restore may open it itself; null offsite.</summary>
    public string? LocalPath(string relative) => _repository.LocalPath(_name, relative);

    public Task<Stream> OpenAsync(string relative, CancellationToken cancellationToken) => _repository.OpenReadAsync(_name, relative, cancellationToken);

    /// <summary>A file of a backup that the disk or the store would not give back.</summary>
    internal static ScorecardException Unreadable(string path, Exception e) =>
        new(ScorecardErrors.ArchiveUnreadable, $"The stored file '{path}' cannot be read: {e.Message}", path, e);

    public async Task<string> ReadTextAsync(string relative, CancellationToken cancellationToken)
    {
        await using var stream = await OpenAsync(relative, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Files whose size or SHA-256 differ from the manifest's, or that are missing, one line each (see
    /// <see cref="IBackupRepository.FindChecksumMismatchesAsync"/>). Without an identity an encrypted archive is not read
    /// after, so its SHA-256 is compared here.
    /// </summary>
    public Task<IReadOnlyList<string>> FindChecksumMismatchesAsync(CancellationToken cancellationToken, bool archiveReadAfter = true) =>
        _repository.FindChecksumMismatchesAsync(_name, Manifest, archiveReadAfter, cancellationToken);

    /// <summary>Fails with BackupChecksumMismatch, naming each damaged or missing file, unless the backup is whole.</summary>
    internal async Task EnsureChecksumsAsync(CancellationToken cancellationToken)
    {
        var problems = await FindChecksumMismatchesAsync(cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            throw new ScorecardException(ScorecardErrors.BackupChecksumMismatch,
                $"The backup '{Manifest.Name}' is damaged; nothing was restored. {string.Join("; ", problems)}", Label);
        }
    }
}
