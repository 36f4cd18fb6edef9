using SalesScorecard.Backup;
using SalesScorecard.Offsite;

namespace SalesScorecard.Repository;

/// <summary>
/// Backups under a prefix of an S3-compatible store, <c>s3://bucket/prefix/&lt;backup name&gt;/</c>, each counted by its
/// manifest.json, the object written last. Every request is bounded by the store's time-out (<see cref="OffsiteStore"/>).
/// </summary>
internal sealed class StoreRepository(OffsiteStore store) : IBackupRepository
{
    public static StoreRepository Open(OffsiteOptions options) => new(OffsiteStore.Open(options));

    public OffsiteStore Store => store;

    public string Address => store.Location.Url();

    public string AddressOf(string backupName) => store.Location.Url(backupName);

    public bool OnLocalDisk => false;

    public BackupInfo ToBackupInfo(BackupManifest manifest) => store.ToBackupInfo(manifest);

    public TimeSpan CopyBudget(long bytes) => store.Options.Budget(bytes);

    /// <summary>
    /// One listing of the prefix, then each manifest. A backup whose copy never finished has no manifest and is not
    /// listed (it is among <see cref="RepositoryListing.Abandoned"/> once old enough); one with its manifest but without
    /// every object it names, with its size, is listed as Incomplete, saying what is missing.
    /// </summary>
    public async Task<RepositoryListing> ListAsync(CancellationToken cancellationToken)
    {
        var location = store.Location;
        var objects = await store.ListObjectsAsync(location.KeyPrefix, cancellationToken).ConfigureAwait(false);
        var backups = new List<BackupInfo>();
        var manifests = new Dictionary<string, BackupManifest>(StringComparer.Ordinal);
        foreach (var name in BackupNames(objects.Keys).Where(name => objects.ContainsKey(location.BackupPrefix(name) + BackupManifest.FileName)))
        {
            if (await store.TryReadManifestAsync(name, cancellationToken).ConfigureAwait(false) is { } manifest)
            {
                var missing = OffsiteStore.MissingObjects(location, manifest, objects);
                manifests[name] = manifest;
                var info = store.ToBackupInfo(manifest, missing.Count == 0 ? null : $"The copy on the store is not whole, so it does not count: {string.Join("; ", missing)}.");
                if (objects.ContainsKey(location.BackupPrefix(name) + History.BackupPin.FileName) && await ReadPinAsync(name, cancellationToken).ConfigureAwait(false) is { } pin)
                {
                    info.Pinned = true;
                    info.PinReason = pin.Reason;
                }

                if (objects.ContainsKey(location.BackupPrefix(name) + History.DrillRecord.FileName) &&
                    History.DrillRecord.TryParse(await ReadSmallAsync(name, History.DrillRecord.FileName, cancellationToken).ConfigureAwait(false) ?? []) is { } drill)
                {
                    info.DrillPassed = drill.Passed;
                    info.DrilledAt = drill.DrilledAt;
                }

                backups.Add(info);
            }
        }

        var cutoff = DateTime.UtcNow - OffsiteBackups.AbandonedAfter;
        var abandoned = BackupNames(objects.Keys)
            .Where(name => !objects.ContainsKey(location.BackupPrefix(name) + BackupManifest.FileName) && BackupCatalog.TimeFromName(name) is { } made && made < cutoff)
            .ToDictionary(name => name, name => objects.Keys.Count(key => key.StartsWith(location.BackupPrefix(name), StringComparison.Ordinal)), StringComparer.Ordinal);
        return new RepositoryListing(
            backups.OrderByDescending(b => b.StartedAt).ThenByDescending(b => b.Name, StringComparer.Ordinal).ToList(),
            backup => manifests.TryGetValue(backup.Name, out var manifest) && OffsiteStore.HasAllObjects(location, manifest, objects),
            abandoned);
    }

    /// <summary>The pin, or null when it was released since the listing; one that cannot be read still pins.</summary>
    private async Task<History.BackupPin?> ReadPinAsync(string backupName, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadSmallAsync(backupName, History.BackupPin.FileName, cancellationToken).ConfigureAwait(false) is { } content ? History.BackupPin.Parse(content) : null;
        }
        catch (Exception e) when (e is ScorecardException or IOException or HttpRequestException)
        {
            return History.BackupPin.Unreadable();
        }
    }

    /// <summary>A small object of a backup (its pin, its drill record), or null when it is gone since the listing.</summary>
    private async Task<byte[]?> ReadSmallAsync(string backupName, string relative, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await store.OpenBackupFileAsync(backupName, relative, cancellationToken).ConfigureAwait(false);
            using var content = new MemoryStream();
            await stream.CopyToAsync(content, cancellationToken).ConfigureAwait(false);
            return content.ToArray();
        }
        catch (ScorecardException e) when (e.Error == ScorecardErrors.OffsiteObjectNotFound)
        {
            return null;
        }
    }

    /// <summary>The backup names (the first path segment below the prefix, backup-*) the keys belong to.</summary>
    private IEnumerable<string> BackupNames(IEnumerable<string> keys)
    {
        var prefix = store.Location.KeyPrefix;
        return keys
            .Where(key => key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal) && key.IndexOf('/', prefix.Length) > 0)
            .Select(key => key[prefix.Length..key.IndexOf('/', prefix.Length)])
            .Where(name => name.StartsWith(BackupCatalog.FolderPrefix, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
    }

    public async Task<(BackupManifest? Manifest, string? Problem)> TryReadManifestAsync(string backupName, CancellationToken cancellationToken) =>
        await store.TryReadManifestAsync(backupName, cancellationToken).ConfigureAwait(false) is { } manifest
            ? (manifest, null)
            : (null, $"{AddressOf(backupName)} has no usable manifest.json: the copy never finished, or was removed or changed.");

    public Task<Stream> OpenReadAsync(string backupName, string relative, CancellationToken cancellationToken) =>
        store.OpenBackupFileAsync(backupName, relative, cancellationToken);

    public string? LocalPath(string backupName, string relative) => null;

    /// <summary>Every object's size from one listing, and every SHA-256 (but the archive's, when it is read after) by reading the object.</summary>
    public async Task<IReadOnlyList<string>> FindChecksumMismatchesAsync(
        string backupName, BackupManifest manifest, bool archiveReadAfter, CancellationToken cancellationToken)
    {
        var prefix = store.Location.BackupPrefix(backupName);
        var objects = await store.ListObjectsAsync(prefix, cancellationToken).ConfigureAwait(false);
        var problems = OffsiteStore.MissingObjects(store.Location, manifest, objects).ToList();
        if (problems.Count > 0)
        {
            return problems;
        }

        foreach (var (relative, expected) in manifest.Files.Where(f => f.Key != manifest.DumpFile || !archiveReadAfter))
        {
            var (_, sha256) = await store.HashObjectAsync(prefix + relative, cancellationToken).ConfigureAwait(false);
            if (sha256 != expected.Sha256)
            {
                problems.Add($"{relative}: SHA-256 {sha256[..12]}…, the manifest says {expected.Sha256[..12]}…");
            }
        }

        return problems;
    }

    public IBackupWriter BeginBackup(string backupName, CancellationToken cancellationToken) => new StoreBackupWriter(store, backupName, cancellationToken);

    public async Task RemoveAsync(string backupName, CancellationToken cancellationToken)
    {
        var objects = await store.ListObjectsAsync(store.Location.BackupPrefix(backupName), cancellationToken).ConfigureAwait(false);
        if (objects.ContainsKey(store.Location.BackupPrefix(backupName) + History.BackupPin.FileName))
        {
            // Pinned since it was listed (Lock-ScorecardBackup while the night ran): the pin wins.
            throw new ScorecardException(ScorecardErrors.BackupPinFailed, $"{AddressOf(backupName)} is pinned ({History.BackupPin.FileName}), so it is not removed.", AddressOf(backupName));
        }

        await store.RemoveBackupAsync(backupName, cancellationToken).ConfigureAwait(false);
    }

    public async Task PinAsync(string backupName, History.BackupPin pin, CancellationToken cancellationToken)
    {
        try
        {
            await store.PutJsonAsync(backupName, History.BackupPin.FileName, pin.Serialize(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ScorecardException && (e is not OperationCanceledException || OffsiteStore.IsTimeout(e)))
        {
            throw store.Translate(e, $"pin {backupName}");
        }
    }

    public async Task RecordDrillAsync(string backupName, History.DrillRecord drill, CancellationToken cancellationToken)
    {
        try
        {
            await store.PutJsonAsync(backupName, History.DrillRecord.FileName, drill.Serialize(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ScorecardException && (e is not OperationCanceledException || OffsiteStore.IsTimeout(e)))
        {
            throw store.Translate(e, $"record the drill of {backupName}");
        }
    }

    public Task UnpinAsync(string backupName, CancellationToken cancellationToken) => store.DeleteObjectAsync(backupName, History.BackupPin.FileName, cancellationToken);

    public ScorecardException Translate(Exception e, string doing) => store.Translate(e, doing);

    public void Dispose() => store.Dispose();
}
