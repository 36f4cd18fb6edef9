using SalesScorecard.Archive;
using SalesScorecard.Backup;
using SalesScorecard.Offsite;

namespace SalesScorecard.Repository;

/// <summary>
/// Copies one backup from a repository into another, in the manner of pgBackRest's repository-to-repository copy: each
/// file streamed from the source into the target's writer, hashed on the way and compared with the manifest (a source
/// file that no longer matches is BackupChecksumMismatch, and nothing of it counts), proved stored by the target, then
/// the manifest, which makes the copy count. On any failure the writer aborts: nothing of the copy is left.
/// </summary>
internal static class RepositoryCopy
{
    public static async Task<OffsiteCopy> CopyAsync(
        IBackupRepository source, string backupName, IBackupRepository target, PendingArchive? pending, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var (manifest, problem) = await source.TryReadManifestAsync(backupName, cancellationToken).ConfigureAwait(false);
        if (manifest is null)
        {
            throw BackupCatalog.NotABackup(source.AddressOf(backupName), problem);
        }

        await using var writer = pending?.Writer ?? target.BeginBackup(backupName, cancellationToken);
        var total = manifest.Files.Values.Sum(f => f.Bytes);
        long sent = 0;
        foreach (var (relative, expected) in manifest.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            reporter.Progress("Offsite copy", $"{relative} to {target.AddressOf(backupName)} ({Bytes.Format(sent)} of {Bytes.Format(total)})",
                total == 0 ? -1 : (int)(sent * 95 / total));
            if (pending is null || pending.Relative != relative || !await TryCompletePendingAsync(pending, expected, reporter, cancellationToken).ConfigureAwait(false))
            {
                await CopyFileAsync(source, backupName, writer, relative, expected, cancellationToken).ConfigureAwait(false);
            }

            sent += expected.Bytes;
        }

        byte[] manifestBytes;
        await using (var stream = await source.OpenReadAsync(backupName, BackupManifest.FileName, cancellationToken).ConfigureAwait(false))
        using (var buffer = new MemoryStream())
        {
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            manifestBytes = buffer.ToArray();
        }

        var where = await writer.CommitAsync(manifestBytes, cancellationToken).ConfigureAwait(false);
        return new OffsiteCopy(where, manifest.Files.Count + 1, total + manifestBytes.Length);
    }

    /// <summary>
    /// One file, hashed as it is read from the source; a file that no longer matches the manifest is never completed. A
    /// failed read is the source's (ArchiveUnreadable), a failed write the target's.
    /// </summary>
    private static async Task CopyFileAsync(
        IBackupRepository source, string backupName, IBackupWriter writer, string relative, ManifestFile expected, CancellationToken cancellationToken)
    {
        var file = writer.CreateFile(relative, cancellationToken);
        await using (var read = new HashingStream(await source.OpenReadAsync(backupName, relative, cancellationToken).ConfigureAwait(false)))
        {
            var buffer = new byte[1 << 20];
            int count;
            while ((count = await ReadSourceAsync(read, buffer, source.AddressOf(backupName) + "/" + relative, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }

            if (read.Sha256 != expected.Sha256 || read.BytesPassed != expected.Bytes)
            {
                throw new ScorecardException(ScorecardErrors.BackupChecksumMismatch,
                    $"{source.AddressOf(backupName)} no longer matches its checksums ({relative}: {read.BytesPassed} bytes with SHA-256 {read.Sha256[..12]}…, the manifest " +
                    $"says {expected.Bytes} with {expected.Sha256[..12]}…), so it was not copied. Run Test-ScorecardBackup on it.", source.AddressOf(backupName));
            }
        }

        await writer.CompleteFileAsync(file, relative, expected, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> ReadSourceAsync(Stream read, byte[] buffer, string label, CancellationToken cancellationToken)
    {
        try
        {
            return await read.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw StoredBackup.Unreadable(label, e);
        }
    }

    /// <summary>
    /// Completes the archive sent while it was written; false when the target refused it (the file is sent again). A
    /// target that stopped answering is not asked again: that failure is the copy's.
    /// </summary>
    private static async Task<bool> TryCompletePendingAsync(PendingArchive pending, ManifestFile expected, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        reporter.Verbose($"{pending.Relative} was sent while it was written ({Bytes.Format(expected.Bytes)}): completing that upload.");
        try
        {
            await pending.Writer.CompleteFileAsync(pending.Archive, pending.Relative, expected, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ScorecardException e) when (!cancellationToken.IsCancellationRequested && !OffsiteStore.IsTimeout(e) &&
                                           (e.Error == ScorecardErrors.OffsiteRequestFailed || e.Error == ScorecardErrors.OffsiteNotReachable))
        {
            reporter.Verbose($"Completing it failed ({e.Message}); sending {pending.Relative} from the file instead.");
            return false;
        }
    }
}
