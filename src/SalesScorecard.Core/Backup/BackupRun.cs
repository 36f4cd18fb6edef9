using System.Data;
using System.Globalization;
using Npgsql;
using SalesScorecard.Archive;
using SalesScorecard.Database;
using SalesScorecard.Encryption;
using SalesScorecard.Offsite;
using SalesScorecard.Processes;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

/// <summary>
/// One backup, step by step: refuse what cannot be done, check pg_dump and the server, export a snapshot, dump and
/// count in it (the archive read back as it is written), verify, write the manifest, and keep the backup in the
/// destination or on the store. On any failure or cancellation nothing is left behind but a FAILED line.
/// </summary>
internal sealed class BackupRun(BackupSession session, BackupRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
{
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly OffsiteStore? _direct = request.DirectStore;
    // pg_dump writes a directory archive, or its own compressed one, itself: no byte of it passes through here.
    private readonly bool _streamed = request.Jobs is null && request.Compression.IsZstd;
    private readonly string _format = request.Jobs is null ? "custom" : "directory";
    private DatabaseUrl Url => request.DatabaseUrl;

    private PgTools _tools = null!;
    private NpgsqlConnection? _connection;
    private NpgsqlTransaction? _transaction;
    private string _snapshot = "";
    private string _name = "";
    private string? _partial;
    private string _dumpName = "";
    private string _dumpPath = "";
    private OffsiteUploadStream? _upload;
    // The offsite copy's archive, uploaded while pg_dump runs (see OffsiteTee); handed to the session once kept.
    private OffsiteUploadStream? _copyUpload;
    private OffsiteTee? _tee;
    private string? _uploadedPrefix;
    private StallWatchdog? _watchdog;
    private CancellationTokenSource? _dumpCancellation;
    private bool _countingOutlastedDump;
    private long _rawBytesRead;
    private StoredArchive? _stored;
    private Dictionary<string, long> _counts = [];
    private Task _verifyTask = Task.CompletedTask;
    private Task<ArchiveToc>? _streamedTocTask;

    private BackupLog Log => session.Log;

    private NpgsqlConnection Connection => _connection!;

    public async Task<BackupInfo> ExecuteAsync()
    {
        try
        {
            Log.Write("START", $"Backup of {Url.Describe()} into {(_direct is null ? session.Destination : _direct.Location.ToString())}");
            RefuseWhatCannotBeStreamed();
            await PreflightAsync().ConfigureAwait(false);
            await ExportSnapshotAsync().ConfigureAwait(false);
            PrepareFolder();
            await DumpAndCountAsync().ConfigureAwait(false);
            // The snapshot had to live until pg_dump finished; now it can go.
            await _transaction!.CommitAsync(cancellationToken).ConfigureAwait(false);
            var (tocEntries, files) = await VerifyAsync().ConfigureAwait(false);
            var manifest = WriteManifest(tocEntries, files);
            return _direct is null ? KeepLocally(manifest) : await KeepOnStoreAsync(_direct, manifest).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (_watchdog is { Stalled: true } && !cancellationToken.IsCancellationRequested)
        {
            var what = _countingOutlastedDump
                ? $"Counting the rows made no progress for {_watchdog.DescribeLimit()} after pg_dump had finished ({SettingNames.BackupStallSeconds}), " +
                  "so it was stopped and nothing was kept. A lock held that long on a table, or a server that stopped answering, does this."
                : $"pg_dump wrote nothing to the archive for {_watchdog.DescribeLimit()} ({SettingNames.BackupStallSeconds}), so it was stopped and " +
                  "nothing was kept. A stopped pg_dump, a server that stopped answering, or a lock held that long does this.";
            throw Failed(new ScorecardException(ScorecardErrors.BackupStalled, what, session.Destination, e));
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

        if (_direct is not null && !_streamed)
        {
            throw new ScorecardException(ScorecardErrors.OffsiteNeedsStreamedArchive,
                $"A backup streamed straight to {_direct.Location} must be compressed by the module (BACKUP_COMPRESSION=zstd, without -Jobs): " +
                "pg_dump would write any other archive to local disk itself. Nothing was written.", _direct.Location.Url());
        }
    }

    /// <summary>pg_dump, the server (and its version against pg_dump's), drills a killed run left, and the free space.</summary>
    private async Task PreflightAsync()
    {
        reporter.Progress("Preflight", "Locating pg_dump", 0);
        _tools = await PgTools.LocateAsync(request.PgDumpPath, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"pg_dump: {_tools.PgDump} ({_tools.VersionText})");

        reporter.Progress("Preflight", $"Connecting to {Url.Describe()}", 2);
        _connection = await DatabaseConnector.OpenAsync(Url, cancellationToken).ConfigureAwait(false);
        _tools.EnsureCanDump(Connection.PostgreSqlVersion, Connection.ServerVersion);
        await BackupLeftovers.DropAbandonedDrillsAsync(Connection, Log, cancellationToken).ConfigureAwait(false);
        var databaseBytes = await ScalarAsync<long>(null, "SELECT pg_database_size(current_database())").ConfigureAwait(false);
        if (_direct is null)
        {
            // Streamed to the store, the archive never lands here: that is the point of it.
            EnsureDiskSpace(Connection.Database, databaseBytes);
        }
    }

    /// <summary>One point in time: pg_dump imports this transaction's snapshot, and the counts are taken in it.</summary>
    private async Task ExportSnapshotAsync()
    {
        _transaction = await Connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await ScalarAsync<object>(_transaction, "SET TRANSACTION READ ONLY").ConfigureAwait(false);
        _snapshot = await ScalarAsync<string>(_transaction, "SELECT pg_export_snapshot()").ConfigureAwait(false);
    }

    /// <summary>The .partial folder the backup is made in, and, streamed to the store, the upload its archive goes into.</summary>
    private void PrepareFolder()
    {
        _name = UniqueName();
        _partial = Path.Combine(session.Destination, _name + BackupCatalog.PartialSuffix);
        SecureFiles.CreateFolder(_partial);
        var encrypted = request.Recipients.Count > 0;
        _dumpName = SafeFileName(Connection.Database) + (_streamed ? encrypted ? ".dump.zst.age" : ".dump.zst" : ".dump");
        _dumpPath = Path.Combine(_partial, _dumpName);
        if (_direct is not null)
        {
            _uploadedPrefix = _direct.Location.BackupPrefix(_name);
            _upload = _direct.CreateObject(_name, _dumpName, cancellationToken);
        }
        else if (request.CopyStore is { } copy && _streamed)
        {
            _copyUpload = copy.CreateObject(_name, _dumpName, cancellationToken);
        }

        if (request.Jobs is null && !_streamed)
        {
            // Owner-only before pg_dump writes a byte into it; pg_dump truncates, keeping the mode.
            using (SecureFiles.Create(_dumpPath))
            {
            }
        }
    }

    /// <summary>
    /// Runs pg_dump in the snapshot and counts every table in it meanwhile; a custom archive is read back whole (and
    /// listed, when streamed) while it is written. A stall stops all of it.
    /// </summary>
    private async Task DumpAndCountAsync()
    {
        // Streamed, pg_restore reads the archive twice as it passes: once whole (the verification), once for its
        // table of contents, which pg_dump writes first.
        var verifier = _streamed && !request.SkipVerify ? new ArchiveFollower() : null;
        var lister = _streamed ? new ArchiveFollower() : null;
        ProcessResult dump;
        using (var pgEnvironment = PgConnectionEnvironment.Create(Url, Connection.Database, session.Destination))
        {
            var arguments = _streamed
                ? new List<string> { "--format=custom", "--compress=0", "--no-password", $"--snapshot={_snapshot}" }
                : new List<string> { $"--format={_format}", "--file", _dumpPath, "--no-password", $"--snapshot={_snapshot}" };
            if (request.Jobs is { } jobs)
            {
                arguments.Add($"--jobs={jobs}");
            }

            reporter.Progress("Dumping", $"pg_dump --format={_format} of {Connection.Database}", 5);
            Func<long> written = _streamed ? () => Interlocked.Read(ref _rawBytesRead) : () => SizeOnDisk(_dumpPath);
            // From here on the run waits for pg_dump and the counting; if the archive stops growing, both are stopped.
            _watchdog = new StallWatchdog(written, request.StallTimeout, cancellationToken);
            // Linked to the caller's token too: the readers outlive the watchdog, and Ctrl+C must still reach them.
            _dumpCancellation = CancellationTokenSource.CreateLinkedTokenSource(_watchdog.Token, cancellationToken);
            Func<Stream, CancellationToken, Task>? readArchive = _streamed
                ? (output, ct) => StoreArchiveAsync(output, [.. new[] { verifier, lister }.OfType<ArchiveFollower>()], ct)
                : null;
            var dumpTask = ExternalProcess.RunAsync(_tools.PgDump, arguments, pgEnvironment.Variables, _dumpCancellation.Token, readOutput: readArchive);

            // A custom archive is read back whole while it is written; a directory one once it is complete.
            _verifyTask = request.SkipVerify || request.Jobs is not null
                ? Task.CompletedTask
                : verifier is not null
                    ? ArchiveReader.ReadFullyAsync(_tools, ArchiveSource.FromFollower(verifier, _dumpPath), _dumpCancellation.Token)
                    : ArchiveReader.ReadWhileWrittenAsync(_tools, _dumpPath, dumpTask, _dumpCancellation.Token);
            verifier?.Attach(_verifyTask);
            if (lister is not null)
            {
                _streamedTocTask = ArchiveReader.ReadTocAsync(_tools, ArchiveSource.FromFollower(lister, _dumpPath), _dumpCancellation.Token);
                lister.Attach(_streamedTocTask);
            }

            await CountWhileDumpingAsync(dumpTask, written).ConfigureAwait(false);
            dump = await dumpTask.ConfigureAwait(false);
        }

        _watchdog.Dispose(); // pg_dump is done: what follows reads a finished archive.
        if (dump.ExitCode != 0)
        {
            throw new ScorecardException(ScorecardErrors.BackupFailed, dump.DescribeFailure("pg_dump"), Connection.Database);
        }

        if (_direct is null)
        {
            SecureFiles.Restrict(_dumpPath);
        }
    }

    /// <summary>pg_dump's output through the pipeline into the stored file, or into the upload to the store.</summary>
    private async Task StoreArchiveAsync(Stream output, ArchiveFollower[] followers, CancellationToken ct)
    {
        var encrypt = request.Recipients.Count == 0 ? null : (Func<Stream, AgeEncryptor>)(stored => AgeEncryptor.Create(stored, request.Recipients, leaveOpen: true));
        void Progress(long bytes) => Interlocked.Exchange(ref _rawBytesRead, bytes);
        if (_upload is null)
        {
            await using var file = SecureFiles.Create(_dumpPath, FileMode.CreateNew);
            _tee = _copyUpload is null ? null : new OffsiteTee(file, _copyUpload);
            _stored = await ArchivePipeline.WriteAsync(output, (Stream?)_tee ?? file, request.Compression, encrypt, followers, Progress, ct).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
            return;
        }

        try
        {
            _stored = await ArchivePipeline.WriteAsync(output, _upload, request.Compression, encrypt, followers, Progress, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ScorecardException)
        {
            throw _direct!.Translate(e, $"upload {_dumpName}");
        }
    }

    private async Task CountWhileDumpingAsync(Task<ProcessResult> dumpTask, Func<long> written)
    {
        var dumped = false;
        try
        {
            _counts = new Dictionary<string, long>(await TableCounter.CountAsync(Connection, _watchdog!.Token).ConfigureAwait(false), StringComparer.Ordinal);
            reporter.Verbose($"Counted {_counts.Values.Sum()} rows in {_counts.Count} tables in snapshot {_snapshot}.");
            while (!dumpTask.IsCompleted)
            {
                reporter.Progress("Dumping", $"{Bytes.Format(written())} {(_streamed ? "dumped" : "written")}", -1);
                await Task.WhenAny(dumpTask, Task.Delay(500, _watchdog.Token)).ConfigureAwait(false);
                _watchdog.Token.ThrowIfCancellationRequested();
            }

            dumped = dumpTask.IsCompletedSuccessfully && dumpTask.Result.ExitCode == 0;
        }
        finally
        {
            // Never leave pg_dump or its readers running: unless counting and dump went well, stop them all, and
            // wait until they are gone.
            if (!dumped)
            {
                _countingOutlastedDump = dumpTask.IsCompleted;
                await _dumpCancellation!.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(Task.WhenAny(dumpTask), Task.WhenAny(_verifyTask), Task.WhenAny(_streamedTocTask ?? Task.CompletedTask)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The reads of a finished file archive are independent: list it, read it whole (unless that was done while it was
    /// written) and hash it, side by side. A streamed archive was listed, read and hashed as it passed; one streamed to
    /// the store is completed there and read back. Returns the TOC entry count and the archive's files.
    /// </summary>
    private async Task<(int TocEntries, Dictionary<string, ManifestFile> Files)> VerifyAsync()
    {
        reporter.Progress("Verifying", request.SkipVerify ? "pg_restore --list" : "Reading the whole archive with pg_restore", 75);
        var tocTask = _streamedTocTask ?? ArchiveReader.ReadTocAsync(_tools, ArchiveSource.FromFile(_dumpPath), cancellationToken);
        var readTask = request.SkipVerify || request.Jobs is null ? _verifyTask : ArchiveReader.ReadFullyAsync(_tools, ArchiveSource.FromFile(_dumpPath), cancellationToken);
        var hashTask = _stored is null
            ? Task.Run(() => HashFiles(_partial!, _dumpPath), cancellationToken)
            : Task.FromResult(new Dictionary<string, ManifestFile>(StringComparer.Ordinal) { [_dumpName] = new(_stored.StoredSha256, _stored.StoredBytes) });
        try
        {
            await Task.WhenAll(tocTask, readTask, hashTask).ConfigureAwait(false);
        }
        catch (ScorecardException e) when (e.Error == ScorecardErrors.ArchiveUnreadable || e.Error == ScorecardErrors.VerifierKilled)
        {
            var what = e.Error == ScorecardErrors.ArchiveUnreadable ? "its archive does not read back whole" : "its archive could not be verified";
            throw new ScorecardException(ScorecardErrors.BackupFailed,
                $"pg_dump reported success, but {what}; nothing was kept. {e.Message}", _dumpPath, e);
        }

        if (_upload is not null)
        {
            reporter.Progress("Uploading", $"Completing {_dumpName} on {_direct!.Location} and reading it back", 85);
            await CompleteUploadAsync(_direct, _upload, new ManifestFile(_stored!.StoredSha256, _stored.StoredBytes)).ConfigureAwait(false);
        }

        return ((await tocTask.ConfigureAwait(false)).Entries, await hashTask.ConfigureAwait(false));
    }

    /// <summary>summary.txt, then manifest.json, which lists every file with its SHA-256, into the .partial folder.</summary>
    private BackupManifest WriteManifest(int tocEntries, Dictionary<string, ManifestFile> archiveFiles)
    {
        var manifest = new BackupManifest
        {
            Name = _name,
            Status = BackupStatus.Succeeded,
            StartedAt = _started,
            Database = Connection.Database,
            Host = Url.Host,
            Port = Url.Port,
            ServerVersion = Connection.ServerVersion,
            PgDumpVersion = _tools.VersionText,
            ModuleVersion = request.ModuleVersion,
            Format = _format,
            DumpFile = _dumpName,
            Snapshot = _snapshot,
            SizeBytes = _stored?.StoredBytes ?? SizeOnDisk(_dumpPath),
            TotalRows = _counts.Values.Sum(),
            Tables = _counts,
            TocEntries = tocEntries,
            Verified = !request.SkipVerify,
            ManifestVersion = _streamed ? 2 : 1,
            Compression = _streamed ? request.Compression.ToString() : ArchiveCompression.PgDump,
            Encryption = request.Recipients.Count > 0 ? new ManifestEncryption(ManifestEncryption.AgeV1, request.Recipients.Select(r => r.ToString()).ToList()) : null,
            RawSha256 = _stored?.RawSha256,
            RawBytes = _stored?.RawBytes,
        };
        var summaryPath = Path.Combine(_partial!, BackupManifest.SummaryFileName);
        SecureFiles.WriteAllTextAtomic(summaryPath, manifest.Summary());
        foreach (var (relative, file) in archiveFiles.Concat(HashFiles(_partial!, summaryPath)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            manifest.Files[relative] = file;
        }

        manifest.CompletedAt = DateTime.UtcNow;
        manifest.DurationSeconds = Math.Round((manifest.CompletedAt - _started).TotalSeconds, 3);
        SecureFiles.WriteAllTextAtomic(Path.Combine(_partial!, BackupManifest.FileName), manifest.Serialize());
        return manifest;
    }

    /// <summary>The .partial folder becomes the backup: only now does it count.</summary>
    private BackupInfo KeepLocally(BackupManifest manifest)
    {
        var final = Path.Combine(session.Destination, _name);
        Directory.Move(_partial!, final);
        _partial = null;
        var info = manifest.ToBackupInfo(final);
        LogSuccess(manifest, info);
        if (_tee is { UploadFailure: { } failure })
        {
            reporter.Verbose($"The store did not keep up while the archive was written ({failure.Message}); the offsite copy is made from the file.");
        }
        else if (_copyUpload is not null)
        {
            session.PendingCopy = _copyUpload;
            _copyUpload = null;
        }

        return info;
    }

    /// <summary>A backup streamed to the store: summary.txt, then manifest.json, each read back; the local folder held only those two.</summary>
    private async Task<BackupInfo> KeepOnStoreAsync(OffsiteStore store, BackupManifest manifest)
    {
        await using (var summary = store.CreateObject(manifest.Name, BackupManifest.SummaryFileName, cancellationToken))
        {
            await summary.WriteAsync(await File.ReadAllBytesAsync(Path.Combine(_partial!, BackupManifest.SummaryFileName), cancellationToken).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            await CompleteUploadAsync(store, summary, manifest.Files[BackupManifest.SummaryFileName]).ConfigureAwait(false);
        }

        await store.PutManifestAsync(manifest.Name, await File.ReadAllBytesAsync(Path.Combine(_partial!, BackupManifest.FileName), cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        _uploadedPrefix = null;
        var info = store.ToBackupInfo(manifest);
        LogSuccess(manifest, info);
        Log.Write("OFFSITE", $"{manifest.Name} streamed to {info.Offsite} with no local copy: {manifest.Files.Count + 1} objects, each read back with its size and SHA-256");
        return info;
    }

    private void LogSuccess(BackupManifest manifest, BackupInfo info) =>
        Log.Write("SUCCESS", $"{manifest.Name}: {info.Size}, {info.TotalRows} rows in {info.Tables.Count} tables, " +
                             $"{manifest.DurationSeconds.ToString(CultureInfo.InvariantCulture)} s, verified {info.Verified.ToString().ToLowerInvariant()}");

    private async Task CompleteUploadAsync(OffsiteStore store, OffsiteUploadStream upload, ManifestFile expected)
    {
        try
        {
            await upload.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ScorecardException)
        {
            throw store.Translate(e, $"complete the upload of {upload.Key}");
        }

        await store.EnsureStoredAsync(upload.Key, expected, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whatever the outcome: nothing runs on, and nothing of a failed backup is left here or on the store.</summary>
    private async Task CleanUpAsync()
    {
        _watchdog?.Dispose();
        _dumpCancellation?.Dispose();
        // Abort the multipart uploads unless completed (or, for the copy's, handed to the session).
        if (_upload is not null)
        {
            await _upload.DisposeAsync().ConfigureAwait(false);
        }

        if (_copyUpload is not null)
        {
            await _copyUpload.DisposeAsync().ConfigureAwait(false);
        }

        if (_uploadedPrefix is not null)
        {
            // Whatever of this backup reached the store without its manifest is removed; it would never count anyway.
            await _direct!.TryRemoveAsync(_uploadedPrefix).ConfigureAwait(false);
        }

        if (_transaction is not null)
        {
            await _transaction.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_partial is not null && Directory.Exists(_partial))
        {
            Directory.Delete(_partial, recursive: true);
        }
    }

    /// <summary>
    /// Fails early when the next backup cannot fit: it will be about the size of the last backup of the same database
    /// here (with half again for growth), or, with none to go by, at most the database's own size, which a compressed
    /// archive is a small fraction of.
    /// </summary>
    private void EnsureDiskSpace(string database, long databaseBytes)
    {
        var destination = session.Destination;
        var last = BackupCatalog.List(destination).FirstOrDefault(b => b.Status == BackupStatus.Succeeded && b.Database == database && b.SizeBytes > 0);
        var needed = last is null ? databaseBytes : last.SizeBytes + last.SizeBytes / 2;
        var basis = last is null
            ? $"the database's {Bytes.Format(databaseBytes)} (there is no earlier backup of it here to estimate from)"
            : $"the {Bytes.Format(needed)} the next backup needs (the last one, {last.Name}, took {Bytes.Format(last.SizeBytes)}; half again is left for growth)";

        long free;
        try
        {
            free = new DriveInfo(destination).AvailableFreeSpace;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            // A share the OS cannot measure (a UNC path): pg_dump itself will still fail loudly if it fills up.
            return;
        }

        if (free < needed)
        {
            throw new ScorecardException(ScorecardErrors.InsufficientDiskSpace,
                $"'{destination}' has {Bytes.Format(free)} free, less than {basis}. Free space there or choose another -Destination.", destination);
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
    private static Dictionary<string, ManifestFile> HashFiles(string root, string path) =>
        (Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories) : [path])
            .ToDictionary(
                file => Path.GetRelativePath(root, file).Replace('\\', '/'),
                file => new ManifestFile(BackupCatalog.Sha256Of(file), new FileInfo(file).Length),
                StringComparer.Ordinal);

    private static long SizeOnDisk(string path) =>
        Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : File.Exists(path) ? new FileInfo(path).Length : 0;

    private async Task<T> ScalarAsync<T>(NpgsqlTransaction? transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, Connection, transaction);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
