using SalesScorecard.Backup;
using SalesScorecard.Offsite;

namespace SalesScorecard.Repository;

/// <summary>
/// A backup written under its prefix on the store: each file a multipart upload that is invisible until completed and
/// read back, manifest.json last. Disposed without a commit, the uploads still open are aborted and whatever of the
/// backup reached the store is removed, within one request's time-out.
/// </summary>
internal sealed class StoreBackupWriter(OffsiteStore store, string backupName, CancellationToken cancellationToken) : IBackupWriter
{
    private readonly List<OffsiteUploadStream> _open = [];
    private readonly List<CancellationTokenSource> _bounds = [];
    private bool _committed;
    private bool _touched;

    public string BackupName => backupName;

    public string? LocalFolder => null;

    public Stream CreateFile(string relative, CancellationToken fileCancellation, TimeSpan? slowestWrite = null)
    {
        // The writer may be begun by one phase (the run) and finished by another (the copy, within its budget): both stop it.
        var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, fileCancellation);
        _bounds.Add(bound);
        var upload = store.CreateObject(backupName, relative, slowestWrite, bound.Token);
        _open.Add(upload);
        _touched = true;
        return upload;
    }

    public async Task CompleteFileAsync(Stream file, string relative, ManifestFile expected, CancellationToken cancellationToken)
    {
        var upload = (OffsiteUploadStream)file;
        try
        {
            await upload.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ScorecardException && (e is not OperationCanceledException || OffsiteStore.IsTimeout(e)))
        {
            throw store.Translate(e, $"complete the upload of {upload.Key}");
        }
        finally
        {
            _open.Remove(upload);
            await upload.DisposeAsync().ConfigureAwait(false);
        }

        await store.EnsureStoredAsync(upload.Key, expected, cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteFileAsync(string relative, byte[] content, CancellationToken cancellationToken)
    {
        var file = CreateFile(relative, cancellationToken);
        await file.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await CompleteFileAsync(file, relative, ManifestFile.Of(content), cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> CommitAsync(byte[] manifest, CancellationToken cancellationToken)
    {
        _touched = true;
        try
        {
            await store.PutManifestAsync(backupName, manifest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ScorecardException && (e is not OperationCanceledException || OffsiteStore.IsTimeout(e)))
        {
            throw store.Translate(e, $"put {BackupManifest.FileName} of {backupName}");
        }

        _committed = true;
        return store.Location.Url(backupName);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var upload in _open)
        {
            await upload.DisposeAsync().ConfigureAwait(false);
        }

        _open.Clear();
        if (!_committed && _touched)
        {
            // Without its manifest nothing of it would ever count, but the store would keep (and bill) it.
            await store.TryRemoveAsync(store.Location.BackupPrefix(backupName)).ConfigureAwait(false);
        }

        _bounds.ForEach(bound => bound.Dispose());
        _bounds.Clear();
        _committed = true;
    }
}
