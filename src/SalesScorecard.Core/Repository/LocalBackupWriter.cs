using SalesScorecard.Backup;

namespace SalesScorecard.Repository;

/// <summary>
/// A backup made in a <c>.partial</c> folder beside the others, which becomes the backup by one rename once its
/// manifest is written; disposed without that, the folder is removed.
/// </summary>
internal sealed class LocalBackupWriter : IBackupWriter
{
    private readonly string _folder;
    private readonly List<Stream> _open = [];
    private string? _partial;

    public LocalBackupWriter(string folder, string backupName)
    {
        _folder = folder;
        BackupName = backupName;
        _partial = Path.Combine(folder, backupName + BackupCatalog.PartialSuffix);
        SecureFiles.CreateFolder(_partial);
    }

    public string BackupName { get; }

    public string? LocalFolder => _partial;

    private string Partial => _partial ?? throw new InvalidOperationException($"{BackupName} is already committed.");

    /// <summary>Owner-only before the first byte; a local disk holds no write up for long, so there is no limit to apply.</summary>
    public Stream CreateFile(string relative, CancellationToken cancellationToken, TimeSpan? slowestWrite = null)
    {
        var file = SecureFiles.Create(Path.Combine(Partial, relative), FileMode.CreateNew);
        _open.Add(file);
        return file;
    }

    public async Task CompleteFileAsync(Stream file, string relative, ManifestFile expected, CancellationToken cancellationToken)
    {
        try
        {
            // Durable before the commit: the manifest must never vouch for bytes a power cut can still take.
            (file as FileStream)?.Flush(flushToDisk: true);
        }
        finally
        {
            _open.Remove(file);
            await file.DisposeAsync().ConfigureAwait(false);
        }

        var length = new FileInfo(Path.Combine(Partial, relative)).Length;
        if (length != expected.Bytes)
        {
            throw new ScorecardException(ScorecardErrors.BackupFailed,
                $"{relative} holds {length} bytes on disk, not the {expected.Bytes} written: the disk lost what it was sent.", Path.Combine(Partial, relative));
        }
    }

    public Task WriteFileAsync(string relative, byte[] content, CancellationToken cancellationToken)
    {
        SecureFiles.WriteAllBytesAtomic(Path.Combine(Partial, relative), content);
        return Task.CompletedTask;
    }

    public Task<string> CommitAsync(byte[] manifest, CancellationToken cancellationToken)
    {
        SecureFiles.WriteAllBytesAtomic(Path.Combine(Partial, BackupManifest.FileName), manifest);
        var final = Path.Combine(_folder, BackupName);
        Directory.Move(Partial, final);
        _partial = null;
        return Task.FromResult(final);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var file in _open)
        {
            try
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // A full disk refuses the buffered bytes again; the file goes with the folder anyway.
            }
        }

        _open.Clear();
        if (_partial is not null && Directory.Exists(_partial))
        {
            Directory.Delete(_partial, recursive: true);
        }

        _partial = null;
    }
}
