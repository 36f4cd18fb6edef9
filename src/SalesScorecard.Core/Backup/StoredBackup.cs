using SalesScorecard.Offsite;

namespace SalesScorecard.Backup;

/// <summary>
/// A backup's files where they are kept, with the manifest that vouches for them: a local folder, or a backup's prefix
/// on an offsite store, whose objects are read as streams and never copied to disk first.
/// </summary>
public sealed class StoredBackup
{
    private readonly OffsiteStore? _store;

    private StoredBackup(string label, BackupManifest manifest, OffsiteStore? store)
    {
        Label = label;
        Manifest = manifest;
        _store = store;
    }

    /// <summary>The folder, or the s3:// address of the backup.</summary>
    public string Label { get; }

    public BackupManifest Manifest { get; }

    public bool IsOffsite => _store is not null;

    public static StoredBackup Local(string folder, BackupManifest manifest) => new(folder, manifest, null);

    /// <summary>A local backup folder, or BackupManifestInvalid.</summary>
    public static StoredBackup Local(string folder) => new(folder, BackupCatalog.ReadManifest(folder), null);

    public static StoredBackup Offsite(OffsiteStore store, BackupManifest manifest) => new(store.Location.Url(manifest.Name), manifest, store);

    /// <summary>A stored backup with its manifest, or OffsiteBackupNotFound.</summary>
    public static async Task<StoredBackup> OffsiteAsync(OffsiteStore store, string name, CancellationToken cancellationToken) =>
        Offsite(store, await store.ReadManifestAsync(name, cancellationToken).ConfigureAwait(false));

    /// <summary>A file of the backup, for messages.</summary>
    public string Describe(string relative) => IsOffsite ? $"{Label}/{relative}" : Path.Combine(Label, relative);

    /// <summary>The file's path when it is on local disk, where pg_restore may open it itself; null offsite.</summary>
    public string? LocalPath(string relative) => IsOffsite ? null : Path.Combine(Label, relative);

    public async Task<Stream> OpenAsync(string relative, CancellationToken cancellationToken)
    {
        if (_store is not null)
        {
            return await _store.OpenBackupFileAsync(Manifest.Name, relative, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return new FileStream(Path.Combine(Label, relative), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(Describe(relative), e);
        }
    }

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
    /// Files whose size or SHA-256 differ from the manifest's, or that are missing, one line each. On the store every
    /// object's size is compared, and every file's SHA-256 but the archive's when <paramref name="archiveReadAfter"/>: it
    /// is then compared as the archive is read (so a test or restore downloads it once). Without an identity an
    /// encrypted archive is not read after, so its SHA-256 is compared here.
    /// </summary>
    public async Task<IReadOnlyList<string>> FindChecksumMismatchesAsync(CancellationToken cancellationToken, bool archiveReadAfter = true)
    {
        if (_store is null)
        {
            return FindLocalChecksumMismatches();
        }

        var prefix = _store.Location.BackupPrefix(Manifest.Name);
        var objects = await _store.ListObjectsAsync(prefix, cancellationToken).ConfigureAwait(false);
        var problems = OffsiteStore.MissingObjects(_store.Location, Manifest, objects).ToList();
        if (problems.Count > 0)
        {
            return problems;
        }

        foreach (var (relative, expected) in Manifest.Files.Where(f => f.Key != Manifest.DumpFile || !archiveReadAfter))
        {
            var (_, sha256) = await _store.HashObjectAsync(prefix + relative, cancellationToken).ConfigureAwait(false);
            if (sha256 != expected.Sha256)
            {
                problems.Add($"{relative}: SHA-256 {sha256[..12]}…, the manifest says {expected.Sha256[..12]}…");
            }
        }

        return problems;
    }

    /// <summary>The local folder's files checked as <see cref="FindChecksumMismatchesAsync"/> says, each read whole.</summary>
    internal IReadOnlyList<string> FindLocalChecksumMismatches()
    {
        var problems = new List<string>();
        foreach (var (relative, expected) in Manifest.Files)
        {
            var path = Path.Combine(Label, relative);
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
