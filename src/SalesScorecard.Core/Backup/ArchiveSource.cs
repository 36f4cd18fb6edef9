using SalesScorecard.Archive;
using SalesScorecard.Encryption;
using SalesScorecard.Processes;
using ZstdSharp;

namespace SalesScorecard.Backup;

/// <summary>
/// Where pg_restore reads an archive from: a file it opens itself (pg_dump's own format), or, for a backup this module
/// compressed and maybe encrypted, the raw archive fed to its standard input as the stored file is read: decrypted,
/// decompressed and hashed on the way, in one pass.
/// </summary>
internal sealed class ArchiveSource
{
    private readonly string? _file;
    private readonly Func<Stream, CancellationToken, Task>? _feed;

    private ArchiveSource(string label, string? file, Func<Stream, CancellationToken, Task>? feed)
    {
        Label = label;
        _file = file;
        _feed = feed;
    }

    /// <summary>The stored file, for messages.</summary>
    public string Label { get; }

    /// <summary>True when pg_restore reads a stream: it cannot seek in it, so it cannot restore with --jobs.</summary>
    public bool IsStream => _feed is not null;

    /// <summary>pg_restore's argument for the archive: the file, or nothing for standard input.</summary>
    public IReadOnlyList<string> Arguments => _file is null ? [] : [_file];

    /// <summary>What to pass as ExternalProcess.RunAsync's feedInput: null for a file pg_restore opens itself.</summary>
    public Func<Stream, CancellationToken, Task>? Feed => _feed;

    public static ArchiveSource FromFile(string path) => new(path, path, null);

    /// <summary>The archive as the pipeline writes <paramref name="label"/>, chunk by chunk.</summary>
    public static ArchiveSource FromFollower(ArchiveFollower follower, string label) => new(label, null, follower.FeedAsync);

    /// <summary>
    /// After pg_restore failed on a stream: reads the stored archive whole once more, to tell a changed or cut file
    /// (ArchiveTampered, returned) from an archive that is whole but that pg_restore could not use (null). pg_restore may
    /// stop on garbage before the decompressor reaches the checksum that proves it is garbage.
    /// </summary>
    public async Task<ScorecardException?> FindDamageAsync(CancellationToken cancellationToken)
    {
        if (_feed is null)
        {
            return null;
        }

        try
        {
            await _feed(Stream.Null, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (ScorecardException e)
        {
            return e;
        }
    }

    /// <summary>
    /// The archive of a backup, on disk or on the store. An encrypted one needs <paramref name="identities"/>: without
    /// them this fails with IdentityRequired. Read whole, the stored file's and the raw archive's SHA-256 are compared
    /// with the manifest's. A file pg_dump compressed itself is opened by pg_restore when it is on disk, and streamed to
    /// it from the store.
    /// </summary>
    public static ArchiveSource ForBackup(StoredBackup backup, IReadOnlyList<AgeIdentity>? identities)
    {
        var manifest = backup.Manifest;
        var label = backup.Describe(manifest.DumpFile);
        if (!manifest.IsStreamed && backup.LocalPath(manifest.DumpFile) is { } path)
        {
            return FromFile(path);
        }

        if (manifest.Format == "directory")
        {
            throw new ScorecardException(ScorecardErrors.OffsiteArchiveNotStreamable,
                $"The backup '{manifest.Name}' is a directory-format archive (made with -Jobs): pg_restore cannot read it as a stream. Copy its " +
                $"folder from {backup.Label} to local disk (aws s3 cp --recursive, rclone copy), then restore or test that folder.", label);
        }

        if (manifest.Encryption is { } encryption && identities is not { Count: > 0 })
        {
            throw IdentityRequired(label, encryption);
        }

        return new ArchiveSource(label, null, (input, cancellationToken) => CopyRawAsync(backup, identities, input, cancellationToken));
    }

    public static ScorecardException IdentityRequired(string path, ManifestEncryption encryption) =>
        new(ScorecardErrors.IdentityRequired,
            $"The backup's archive is encrypted ({encryption.Format}, to {string.Join(", ", encryption.Recipients)}): reading it needs the " +
            "identity (private key) of one of those recipients. Give -IdentityFile, or set BACKUP_IDENTITY_FILE, to the key file.", path);

    /// <summary>
    /// Copies the raw archive to <paramref name="output"/>, holding back its last block until the stored file has been read
    /// to its end and both SHA-256 match: whatever reads the output cannot finish (and a restore cannot commit) on an
    /// archive that turns out to be damaged. Only a failed write means the reader stopped (an IOException it can ignore);
    /// a failed read of the stored file is ArchiveUnreadable or ArchiveTampered.
    /// </summary>
    private static async Task CopyRawAsync(StoredBackup backup, IReadOnlyList<AgeIdentity>? identities, Stream output, CancellationToken cancellationToken)
    {
        var manifest = backup.Manifest;
        var path = backup.Describe(manifest.DumpFile);
        await using var stored = new HashingStream(await backup.OpenAsync(manifest.DumpFile, cancellationToken).ConfigureAwait(false));
        Func<Stream, Stream>? decrypt = manifest.Encryption is { } encryption
            ? inner => OpenDecryptor(inner, identities!, encryption)
            : null;
        // pg_dump's own compression: the stored file is the archive pg_restore reads.
        await using var raw = new HashingStream(manifest.IsStreamed ? ArchivePipeline.OpenRaw(stored, decrypt) : stored, leaveOpen: !manifest.IsStreamed);
        var pending = new byte[BlockSize];
        var next = new byte[BlockSize];
        var pendingLength = await ReadBlockAsync(raw, pending, path, cancellationToken).ConfigureAwait(false);
        while (pendingLength > 0)
        {
            var nextLength = await ReadBlockAsync(raw, next, path, cancellationToken).ConfigureAwait(false);
            if (nextLength == 0)
            {
                // The stored file's hash covers all of it, also what may follow the compressed data.
                await stored.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                if (stored.Sha256 != manifest.Files[manifest.DumpFile].Sha256 || (manifest.IsStreamed && raw.Sha256 != manifest.RawSha256))
                {
                    throw Tampered(path, "its SHA-256 differs from the manifest's");
                }
            }

            await output.WriteAsync(pending.AsMemory(0, pendingLength), cancellationToken).ConfigureAwait(false);
            (pending, next, pendingLength) = (next, pending, nextLength);
        }
    }

    private const int BlockSize = 1 << 20;

    private static async Task<int> ReadBlockAsync(Stream raw, byte[] block, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await raw.ReadAtLeastAsync(block, block.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (ZstdException e)
        {
            throw Tampered(path, $"zstd cannot decompress it: {e.Message}");
        }
        catch (EndOfStreamException)
        {
            throw Tampered(path, "it ends in the middle of its compressed data");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            throw StoredBackup.Unreadable(path, e);
        }
    }

    private static AgeDecryptor OpenDecryptor(Stream stored, IReadOnlyList<AgeIdentity> identities, ManifestEncryption encryption)
    {
        try
        {
            return AgeDecryptor.Open(stored, identities, leaveOpen: false, encryption.Recipients.Select(AgeRecipient.Parse).ToList());
        }
        catch (ScorecardException e) when (e.Error == ScorecardErrors.NotAgeEncrypted)
        {
            // The manifest says it is encrypted: a file that is not age any more was changed.
            throw new ScorecardException(ScorecardErrors.ArchiveTampered, e.Message, null, e);
        }
    }

    private static ScorecardException Tampered(string path, string detail) =>
        new(ScorecardErrors.ArchiveTampered,
            $"The stored archive '{path}' was changed or cut short after it was written ({detail}), so none of it can be trusted. Use another backup.", path);
}
