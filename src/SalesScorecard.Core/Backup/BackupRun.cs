using System.Globalization;
using SalesScorecard.Archive;
using SalesScorecard.Backup.Phases;
using SalesScorecard.Offsite;
using SalesScorecard.Repository;

namespace SalesScorecard.Backup;

/// <summary>
/// One backup, in phases that hand on what they found: refuse what cannot be done, check pg_dump and the server, export
/// a snapshot (<see cref="IBackupDatabase"/>), begin the backup in the repository, dump and count in the snapshot (the archive read back as it is
/// written), verify, build the manifest, and commit. The repository is a local folder or a store prefix alike; on any
/// failure or cancellation its writer aborts, so nothing is left behind but a FAILED line.
/// </summary>
internal sealed class BackupRun(BackupSession session, BackupRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
{
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly IBackupRepository _repository = request.Repository;
    private readonly bool _streamed = ArchiveDump.Streams(request);

    private IBackupDatabase? _database;
    private IBackupWriter? _writer;
    // The offsite copy's archive, sent while pg_dump runs (see OffsiteTee); handed to the session once the backup is kept.
    private PendingArchive? _copy;
    private ArchiveDump? _dump;
    // The stored archive's file while it is open, when the archive passes through the module.
    private Stream? _archive;

    private BackupLog Log => session.Log;

    private IBackupDatabase Database => _database!;

    public async Task<BackupInfo> ExecuteAsync()
    {
        try
        {
            Log.Write("START", $"Backup of {request.DatabaseUrl.Describe()} into {_repository.Address}");
            RefuseWhatCannotBeStreamed();
            var tools = await PreflightAsync().ConfigureAwait(false);
            var snapshot = await Database.ExportSnapshotAsync(cancellationToken).ConfigureAwait(false);
            var target = BeginBackup();
            var (dumped, tee) = await DumpAsync(tools, snapshot, target).ConfigureAwait(false);
            // The snapshot had to live until pg_dump finished; now it can go.
            await Database.ReleaseSnapshotAsync(cancellationToken).ConfigureAwait(false);
            var verified = await VerifyAsync(tools, target, dumped).ConfigureAwait(false);
            var manifest = BuildManifest(tools, snapshot, target, dumped, verified);
            return await CommitAsync(manifest, tee).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (_dump?.StallReason() is { } stall && !cancellationToken.IsCancellationRequested)
        {
            throw Failed(new ScorecardException(ScorecardErrors.BackupStalled, stall, session.Destination, e));
        }
        catch (OperationCanceledException)
        {
            Log.TryWrite("FAILED", "BackupCancelled: the backup was stopped before it finished; nothing was kept.");
            throw;
        }
        catch (ScorecardException e)
        {
            throw Failed(e);
        }
        catch (Exception e)
        {
            // Whatever went wrong, the run ends the way every failure does: a FAILED line and an error id.
            throw Failed(new ScorecardException(ScorecardErrors.BackupFailed, $"The backup failed: {e.Message}", session.Destination, e));
        }
        finally
        {
            await CleanUpAsync().ConfigureAwait(false);
        }
    }

    private ScorecardException Failed(ScorecardException failure)
    {
        Log.TryWrite("FAILED", $"{failure.ErrorId}: {failure.Message}");
        return failure;
    }

    private void RefuseWhatCannotBeStreamed()
    {
        if (request.Recipients.Count > 0 && !_streamed)
        {
            throw new ScorecardException(ScorecardErrors.EncryptionUnsupported,
                $"Backups cannot be encrypted with {(request.Jobs is null ? "BACKUP_COMPRESSION=pg_dump" : "-Jobs")}: pg_dump would write that archive " +
                "to disk itself, in plain text. Use zstd compression without -Jobs, or remove the recipients; nothing was written.", session.Destination);
        }

        if (!_repository.OnLocalDisk && !_streamed)
        {
            throw new ScorecardException(ScorecardErrors.OffsiteNeedsStreamedArchive,
                $"A backup streamed straight to {_repository.Address} must be compressed by the module (BACKUP_COMPRESSION=zstd, without -Jobs): " +
                "pg_dump would write any other archive to local disk itself. Nothing was written.", _repository.Address);
        }
    }

    /// <summary>pg_dump, the server (and its version against pg_dump's), drills a killed run left, and the free space.</summary>
    private async Task<PgTools> PreflightAsync()
    {
        reporter.Progress("Preflight", "Locating pg_dump", 0);
        var tools = await PgTools.LocateAsync(request.PgDumpPath, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"pg_dump: {tools.PgDump} ({tools.VersionText})");

        reporter.Progress("Preflight", $"Connecting to {request.DatabaseUrl.Describe()}", 2);
        _database = await request.OpenDatabase(request.DatabaseUrl, cancellationToken).ConfigureAwait(false);
        tools.EnsureCanDump(Database.PostgreSqlVersion, Database.ServerVersion);
        await Database.DropAbandonedDrillsAsync(Log, cancellationToken).ConfigureAwait(false);
        var databaseBytes = await Database.SizeAsync(cancellationToken).ConfigureAwait(false);
        if (_repository.OnLocalDisk)
        {
            // Streamed to the store, the archive never lands here: that is the point of it.
            DiskSpace.Ensure(_repository.Address, Database.Database, databaseBytes);
        }

        return tools;
    }

    /// <summary>The backup's writer in the repository, and, with an offsite copy to make, the copy's writer on its store.</summary>
    private ArchiveTarget BeginBackup()
    {
        var name = UniqueName();
        _writer = _repository.BeginBackup(name, cancellationToken);
        var encrypted = request.Recipients.Count > 0;
        var dumpName = SafeFileName(Database.Database) + (_streamed ? encrypted ? ".dump.zst.age" : ".dump.zst" : ".dump");
        var target = new ArchiveTarget(name, dumpName, _writer.LocalFolder is { } folder ? Path.Combine(folder, dumpName) : $"{_repository.AddressOf(name)}/{dumpName}");
        if (request.CopyTarget is { } copy && _streamed)
        {
            var copyWriter = copy.BeginBackup(name, cancellationToken);
            _copy = new PendingArchive(copyWriter, copyWriter.CreateFile(dumpName, cancellationToken, OffsiteTee.SlowestWrite), dumpName);
        }

        if (request.Jobs is null && !_streamed)
        {
            // Owner-only before pg_dump writes a byte into it; pg_dump truncates, keeping the mode.
            using (SecureFiles.Create(target.DumpPath))
            {
            }
        }

        return target;
    }

    private async Task<(DumpedArchive Dumped, OffsiteTee? Tee)> DumpAsync(PgTools tools, string snapshot, ArchiveTarget target)
    {
        _dump = new ArchiveDump(request, tools, Database, snapshot, target, reporter, cancellationToken);
        _archive = _streamed ? _writer!.CreateFile(target.DumpName, cancellationToken) : null;
        var result = await _dump.RunAsync(_archive, _copy?.Archive, session.Destination, e => _repository.Translate(e, $"write {target.DumpName}")).ConfigureAwait(false);
        if (_archive is null)
        {
            // pg_dump made these files with its own umask.
            SecureFiles.Restrict(target.DumpPath);
        }

        return result;
    }

    /// <summary>
    /// The reads of a finished file archive are independent: list it, read it whole (unless that was done while it was
    /// written) and hash it, side by side. A streamed archive was listed, read and hashed as it passed, and is completed
    /// in the repository here (on a store: read back).
    /// </summary>
    private async Task<VerifiedArchive> VerifyAsync(PgTools tools, ArchiveTarget target, DumpedArchive dumped)
    {
        reporter.Progress("Verifying", request.SkipVerify ? "pg_restore --list" : "Reading the whole archive with pg_restore", 75);
        var tocTask = dumped.StreamedToc ?? ArchiveReader.ReadTocAsync(tools, ArchiveSource.FromFile(target.DumpPath), cancellationToken);
        var readTask = request.SkipVerify || request.Jobs is null ? dumped.Verification : ArchiveReader.ReadFullyAsync(tools, ArchiveSource.FromFile(target.DumpPath), cancellationToken);
        var hashTask = dumped.Stored is { } stored
            ? Task.FromResult<IReadOnlyDictionary<string, ManifestFile>>(new Dictionary<string, ManifestFile>(StringComparer.Ordinal) { [target.DumpName] = new(stored.StoredSha256, stored.StoredBytes) })
            : Task.Run(() => HashFiles(_writer!.LocalFolder!, target.DumpPath), cancellationToken);
        try
        {
            await Task.WhenAll(tocTask, readTask, hashTask).ConfigureAwait(false);
        }
        catch (ScorecardException e) when (e.Error == ScorecardErrors.ArchiveUnreadable || e.Error == ScorecardErrors.VerifierKilled)
        {
            var what = e.Error == ScorecardErrors.ArchiveUnreadable ? "its archive does not read back whole" : "its archive could not be verified";
            throw new ScorecardException(ScorecardErrors.BackupFailed,
                $"pg_dump reported success, but {what}; nothing was kept. {e.Message}", target.DumpPath, e);
        }

        if (_archive is not null)
        {
            reporter.Progress("Storing", $"Completing {target.DumpName} in {_repository.Address}", 85);
            var archive = _archive;
            _archive = null;
            await StoreAsync(() => _writer!.CompleteFileAsync(archive, target.DumpName, new ManifestFile(dumped.Stored!.StoredSha256, dumped.Stored.StoredBytes), cancellationToken),
                $"complete {target.DumpName}").ConfigureAwait(false);
        }

        return new VerifiedArchive((await tocTask.ConfigureAwait(false)).Entries, await hashTask.ConfigureAwait(false));
    }

    /// <summary>The manifest: every file with its SHA-256 (summary.txt's among them), the counts, the versions.</summary>
    private BackupManifest BuildManifest(PgTools tools, string snapshot, ArchiveTarget target, DumpedArchive dumped, VerifiedArchive verified)
    {
        var stored = dumped.Stored;
        var manifest = new BackupManifest
        {
            Name = target.Name,
            Status = BackupStatus.Succeeded,
            StartedAt = _started,
            Database = Database.Database,
            Host = request.DatabaseUrl.Host,
            Port = request.DatabaseUrl.Port,
            ServerVersion = Database.ServerVersion,
            PgDumpVersion = tools.VersionText,
            ModuleVersion = request.ModuleVersion,
            Format = _dump!.Format,
            DumpFile = target.DumpName,
            Snapshot = snapshot,
            SizeBytes = stored?.StoredBytes ?? ArchiveDump.SizeOnDisk(target.DumpPath),
            TotalRows = dumped.Counts.Values.Sum(),
            Tables = new Dictionary<string, long>(dumped.Counts, StringComparer.Ordinal),
            TocEntries = verified.TocEntries,
            Verified = !request.SkipVerify,
            ManifestVersion = _streamed ? 2 : 1,
            Compression = _streamed ? request.Compression.ToString() : ArchiveCompression.PgDump,
            Encryption = request.Recipients.Count > 0 ? new ManifestEncryption(ManifestEncryption.AgeV1, request.Recipients.Select(r => r.ToString()).ToList()) : null,
            RawSha256 = stored?.RawSha256,
            RawBytes = stored?.RawBytes,
        };
        foreach (var (relative, file) in verified.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            manifest.Files[relative] = file;
        }

        return manifest;
    }

    /// <summary>summary.txt, then manifest.json, the step that makes the backup count; only now is it kept.</summary>
    private async Task<BackupInfo> CommitAsync(BackupManifest manifest, OffsiteTee? tee)
    {
        var summary = System.Text.Encoding.UTF8.GetBytes(manifest.Summary());
        await StoreAsync(() => _writer!.WriteFileAsync(BackupManifest.SummaryFileName, summary, cancellationToken), $"write {BackupManifest.SummaryFileName}").ConfigureAwait(false);
        manifest.Files[BackupManifest.SummaryFileName] = ManifestFile.Of(summary);
        manifest.CompletedAt = DateTime.UtcNow;
        manifest.DurationSeconds = Math.Round((manifest.CompletedAt - _started).TotalSeconds, 3);
        await StoreAsync(() => _writer!.CommitAsync(System.Text.Encoding.UTF8.GetBytes(manifest.Serialize()), cancellationToken), $"write {BackupManifest.FileName}").ConfigureAwait(false);
        var info = _repository.ToBackupInfo(manifest);
        Log.Write("SUCCESS", $"{manifest.Name}: {info.Size}, {info.TotalRows} rows in {info.Tables.Count} tables, " +
                             $"{manifest.DurationSeconds.ToString(CultureInfo.InvariantCulture)} s, verified {info.Verified.ToString().ToLowerInvariant()}");
        if (!_repository.OnLocalDisk)
        {
            Log.Write("OFFSITE", $"{manifest.Name} streamed to {info.Offsite} with no local copy: {manifest.Files.Count + 1} objects, each read back with its size and SHA-256");
        }
        else if (tee is { UploadFailure: { } failure })
        {
            reporter.Verbose($"The store did not keep up while the archive was written ({failure.Message}); the offsite copy is made from the file.");
        }
        else if (_copy is not null)
        {
            session.PendingCopy = _copy;
            _copy = null;
        }

        return info;
    }

    /// <summary>A step of the repository's writer, its failure in the repository's words.</summary>
    private async Task StoreAsync(Func<Task> step, string doing)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ScorecardException && (e is not OperationCanceledException || OffsiteStore.IsTimeout(e)))
        {
            // A store's request that timed out is the store's failure, not a stopped run.
            throw _repository.Translate(e, doing);
        }
    }

    /// <summary>
    /// Whatever the outcome: nothing runs on, and nothing of a failed backup is left here or on the store. Each step is
    /// tried whatever the one before did: the snapshot first (an open one holds back vacuum), then the readers, then the
    /// writers, which abort unless committed (the .partial folder removed, uploads aborted, what reached the store removed).
    /// </summary>
    private async Task CleanUpAsync()
    {
        await TryAsync(_database).ConfigureAwait(false);
        await TryAsync(_dump).ConfigureAwait(false);
        await TryAsync(_archive).ConfigureAwait(false);
        await TryAsync(_copy).ConfigureAwait(false);
        await TryAsync(_writer).ConfigureAwait(false);
    }

    /// <summary>Disposes, and says (verbose) what went wrong: the run's own outcome is what gets reported.</summary>
    private async Task TryAsync(IAsyncDisposable? resource)
    {
        try
        {
            if (resource is not null)
            {
                await resource.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            reporter.Verbose($"Cleaning up after the backup: {e.Message}");
        }
    }

    private string UniqueName()
    {
        var stem = BackupCatalog.FolderPrefix + _started.ToString(BackupCatalog.NameFormat, CultureInfo.InvariantCulture);
        var name = stem;
        for (var n = 2; Directory.Exists(Path.Combine(session.Destination, name)) || Directory.Exists(Path.Combine(session.Destination, name + BackupCatalog.PartialSuffix)); n++)
        {
            name = $"{stem}-{n}";
        }

        return name;
    }

    private static string SafeFileName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(name.Select(c => invalid.Contains(c) ? '_' : c).ToArray());
    }

    /// <summary>SHA-256 and size of a file, or of every file below a folder, by path relative to <paramref name="root"/>.</summary>
    private static IReadOnlyDictionary<string, ManifestFile> HashFiles(string root, string path) =>
        (Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories) : [path])
            .ToDictionary(
                file => Path.GetRelativePath(root, file).Replace('\\', '/'),
                file => new ManifestFile(BackupCatalog.Sha256Of(file), new FileInfo(file).Length),
                StringComparer.Ordinal);
}
