using System.Data;
using System.Globalization;
using Npgsql;
using SalesScorecard.Archive;
using SalesScorecard.Database;
using SalesScorecard.Encryption;
using SalesScorecard.Offsite;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup;

/// <summary>
/// One run in a destination folder: holds an OS lock there so two runs never overlap, writes backup.log, makes the
/// backup, and removes expired ones. Dispose releases the lock.
/// </summary>
public sealed class BackupSession : IDisposable
{
    public const string LockFileName = BackupLock.FileName;

    private readonly BackupLock _lock;

    private BackupSession(string destination, BackupLock held)
    {
        Destination = destination;
        _lock = held;
        Log = new BackupLog(destination);
    }

    public string Destination { get; }

    public BackupLog Log { get; }

    /// <summary>
    /// Creates the destination (owner-only) when missing, refuses one others may write, proves it writable, and takes
    /// the lock.
    /// </summary>
    public static BackupSession Open(string destination)
    {
        if (FileInTheWay(destination) is { } file)
        {
            throw new ScorecardException("DestinationNotWritable", ScorecardErrorCategory.PermissionDenied,
                file == destination
                    ? $"'{destination}' is a file, not a folder. Point -Destination or BACKUP_DIR at a folder."
                    : $"'{file}' is a file, so there can be no backup folder '{destination}' below it. Point -Destination or BACKUP_DIR at a folder.",
                destination);
        }

        try
        {
            SecureFiles.CreateFolder(destination);
            DestinationSecurity.EnsureOnlyOwnerCanWrite(destination);
            var probe = Path.Combine(destination, $".write-test-{Guid.NewGuid():N}");
            using (SecureFiles.Create(probe, FileMode.CreateNew))
            {
            }

            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScorecardException("DestinationNotWritable", ScorecardErrorCategory.PermissionDenied,
                $"Cannot write backups to '{destination}': {e.Message} Choose another -Destination or BACKUP_DIR, or fix the folder's permissions.",
                destination, e);
        }

        BackupLock? held;
        try
        {
            held = BackupLock.TryAcquire(destination);
        }
        catch (SymbolicLinkException e)
        {
            throw DestinationSecurity.Refuse(destination, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScorecardException("DestinationNotWritable", ScorecardErrorCategory.PermissionDenied,
                $"Cannot open {LockFileName} in '{destination}': {e.Message}", destination, e);
        }

        if (held is null)
        {
            var refusal = new ScorecardException("BackupAlreadyRunning", ScorecardErrorCategory.ResourceBusy,
                $"Another backup is running in '{destination}': {BackupLock.DescribeHolder(destination)}. This run made no changes.", destination);
            new BackupLog(destination).TryWrite("REFUSED", $"{refusal.ErrorId}: {refusal.Message}");
            throw refusal;
        }

        var session = new BackupSession(destination, held);
        try
        {
            // The app's own scripts left a world-readable backup.log in this very folder; ours is owner-only.
            using (var log = SecureFiles.OpenNoFollow(session.Log.Path, FileAccess.Write, append: true))
            {
                SecureFiles.Restrict(log);
            }

            BackupLeftovers.RemoveFromDestination(destination, session.Log);
            return session;
        }
        catch (SymbolicLinkException e)
        {
            session.Dispose();
            throw DestinationSecurity.Refuse(destination, e);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>Makes one verified backup; on any failure or cancellation nothing is left behind but a log line.</summary>
    public async Task<BackupInfo> RunAsync(BackupRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var url = request.DatabaseUrl;
        var started = DateTime.UtcNow;
        string? partial = null;
        StallWatchdog? watchdog = null;
        CancellationTokenSource? dumpCancellation = null;
        var countingOutlastedDump = false;
        var direct = request.DirectStore;
        OffsiteUploadStream? upload = null;
        string? uploadedPrefix = null;
        try
        {
            Log.Write("START", $"Backup of {url.Describe()} into {Destination}");
            // pg_dump writes a directory archive, or its own compressed one, itself: no byte of it passes through here.
            var streamed = request.Jobs is null && request.Compression.IsZstd;
            if (request.Recipients.Count > 0 && !streamed)
            {
                throw new ScorecardException("EncryptionUnsupported", ScorecardErrorCategory.InvalidArgument,
                    $"Backups cannot be encrypted with {(request.Jobs is null ? "BACKUP_COMPRESSION=pg_dump" : "-Jobs")}: pg_dump would write that archive " +
                    "to disk itself, in plain text. Use zstd compression without -Jobs, or remove the recipients; nothing was written.", Destination);
            }

            if (direct is not null && !streamed)
            {
                throw new ScorecardException("OffsiteNeedsStreamedArchive", ScorecardErrorCategory.InvalidArgument,
                    $"A backup streamed straight to {direct.Location} must be compressed by the module (BACKUP_COMPRESSION=zstd, without -Jobs): " +
                    "pg_dump would write any other archive to local disk itself. Nothing was written.", direct.Location.Url());
            }

            reporter.Progress("Preflight", "Locating pg_dump", 0);
            var tools = await PgTools.LocateAsync(request.PgDumpPath, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"pg_dump: {tools.PgDump} ({tools.VersionText})");

            reporter.Progress("Preflight", $"Connecting to {url.Describe()}", 2);
            await using var connection = await DatabaseConnector.OpenAsync(url, cancellationToken).ConfigureAwait(false);
            tools.EnsureCanDump(connection.PostgreSqlVersion, connection.ServerVersion);
            await BackupLeftovers.DropAbandonedDrillsAsync(connection, Log, cancellationToken).ConfigureAwait(false);
            var databaseBytes = await ScalarAsync<long>(connection, null, "SELECT pg_database_size(current_database())", cancellationToken).ConfigureAwait(false);
            if (direct is null)
            {
                // Streamed to the store, the archive never lands here: that is the point of it.
                EnsureDiskSpace(connection.Database, databaseBytes);
            }

            // One point in time: pg_dump imports this transaction's snapshot, and the counts are taken in it.
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await ScalarAsync<object>(connection, transaction, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
            var snapshot = await ScalarAsync<string>(connection, transaction, "SELECT pg_export_snapshot()", cancellationToken).ConfigureAwait(false);

            var name = UniqueName(started);
            partial = Path.Combine(Destination, name + BackupCatalog.PartialSuffix);
            SecureFiles.CreateFolder(partial);
            var format = request.Jobs is null ? "custom" : "directory";
            var encrypted = request.Recipients.Count > 0;
            var dumpName = SafeFileName(connection.Database) + (streamed ? encrypted ? ".dump.zst.age" : ".dump.zst" : ".dump");
            var dumpPath = Path.Combine(partial, dumpName);
            if (direct is not null)
            {
                uploadedPrefix = direct.Location.BackupPrefix(name);
                upload = direct.CreateObject(name, dumpName, cancellationToken);
            }
            if (request.Jobs is null && !streamed)
            {
                // Owner-only before pg_dump writes a byte into it; pg_dump truncates, keeping the mode.
                using (SecureFiles.Create(dumpPath))
                {
                }
            }

            // Streamed, pg_restore reads the archive twice as it passes: once whole (the verification), once for its
            // table of contents, which pg_dump writes first.
            var verifier = streamed && !request.SkipVerify ? new ArchiveFollower() : null;
            var lister = streamed ? new ArchiveFollower() : null;
            StoredArchive? stored = null;
            long rawBytesRead = 0;

            ProcessResult dump;
            Dictionary<string, long> counts;
            Task verifyTask;
            Task<ArchiveToc>? streamedTocTask = null;
            using (var pgEnvironment = PgConnectionEnvironment.Create(url, connection.Database, Destination))
            {
                var arguments = streamed
                    ? new List<string> { "--format=custom", "--compress=0", "--no-password", $"--snapshot={snapshot}" }
                    : new List<string> { $"--format={format}", "--file", dumpPath, "--no-password", $"--snapshot={snapshot}" };
                if (request.Jobs is { } jobs)
                {
                    arguments.Add($"--jobs={jobs}");
                }

                reporter.Progress("Dumping", $"pg_dump --format={format} of {connection.Database}", 5);
                Func<long> written = streamed ? () => Interlocked.Read(ref rawBytesRead) : () => SizeOnDisk(dumpPath);
                // From here on the run waits for pg_dump and the counting; if the archive stops growing, both are stopped.
                watchdog = new StallWatchdog(written, request.StallTimeout, cancellationToken);
                // Linked to the caller's token too: the readers outlive the watchdog, and Ctrl+C must still reach them.
                dumpCancellation = CancellationTokenSource.CreateLinkedTokenSource(watchdog.Token, cancellationToken);
                Func<Stream, CancellationToken, Task>? readArchive = streamed
                    ? async (output, ct) =>
                    {
                        ArchiveFollower[] followers = [.. new[] { verifier, lister }.OfType<ArchiveFollower>()];
                        if (upload is null)
                        {
                            await using var file = SecureFiles.Create(dumpPath, FileMode.CreateNew);
                            stored = await ArchivePipeline.WriteAsync(output, file, request.Compression, Encryptor(request.Recipients), followers,
                                bytes => Interlocked.Exchange(ref rawBytesRead, bytes), ct).ConfigureAwait(false);
                            return;
                        }

                        try
                        {
                            stored = await ArchivePipeline.WriteAsync(output, upload, request.Compression, Encryptor(request.Recipients), followers,
                                bytes => Interlocked.Exchange(ref rawBytesRead, bytes), ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is not OperationCanceledException and not ScorecardException)
                        {
                            throw direct!.Translate(e, $"upload {dumpName}");
                        }
                    }
                    : null;
                var dumpTask = ExternalProcess.RunAsync(tools.PgDump, arguments, pgEnvironment.Variables, dumpCancellation.Token, readOutput: readArchive);

                // A custom archive is read back whole while it is written; a directory one once it is complete.
                verifyTask = request.SkipVerify || request.Jobs is not null
                    ? Task.CompletedTask
                    : verifier is not null
                        ? ArchiveReader.ReadFullyAsync(tools, ArchiveSource.FromFollower(verifier, dumpPath), dumpCancellation.Token)
                        : ArchiveReader.ReadWhileWrittenAsync(tools, dumpPath, dumpTask, dumpCancellation.Token);
                verifier?.Attach(verifyTask);
                if (lister is not null)
                {
                    streamedTocTask = ArchiveReader.ReadTocAsync(tools, ArchiveSource.FromFollower(lister, dumpPath), dumpCancellation.Token);
                    lister.Attach(streamedTocTask);
                }

                var dumped = false;
                try
                {
                    counts = new Dictionary<string, long>(await TableCounter.CountAsync(connection, watchdog.Token).ConfigureAwait(false), StringComparer.Ordinal);
                    reporter.Verbose($"Counted {counts.Values.Sum()} rows in {counts.Count} tables in snapshot {snapshot}.");
                    while (!dumpTask.IsCompleted)
                    {
                        reporter.Progress("Dumping", $"{Bytes.Format(written())} {(streamed ? "dumped" : "written")}", -1);
                        await Task.WhenAny(dumpTask, Task.Delay(500, watchdog.Token)).ConfigureAwait(false);
                        watchdog.Token.ThrowIfCancellationRequested();
                    }

                    dumped = dumpTask.IsCompletedSuccessfully && dumpTask.Result.ExitCode == 0;
                }
                finally
                {
                    // Never leave pg_dump or its readers running: unless counting and dump went well, stop them all, and
                    // wait until they are gone.
                    if (!dumped)
                    {
                        countingOutlastedDump = dumpTask.IsCompleted;
                        await dumpCancellation.CancelAsync().ConfigureAwait(false);
                        await Task.WhenAll(Task.WhenAny(dumpTask), Task.WhenAny(verifyTask), Task.WhenAny(streamedTocTask ?? Task.CompletedTask)).ConfigureAwait(false);
                    }
                }

                dump = await dumpTask.ConfigureAwait(false);
            }

            watchdog.Dispose(); // pg_dump is done: what follows reads a finished archive.

            if (dump.ExitCode != 0)
            {
                throw new ScorecardException("BackupFailed", ScorecardErrorCategory.InvalidOperation, dump.DescribeFailure("pg_dump"), connection.Database);
            }

            // The snapshot had to live until pg_dump finished; now it can go.
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (direct is null)
            {
                SecureFiles.Restrict(dumpPath);
            }

            // The reads of a finished file archive are independent: list it, read it whole (unless that was done while
            // it was written) and hash it, side by side. A streamed archive was listed, read and hashed as it passed.
            reporter.Progress("Verifying", request.SkipVerify ? "pg_restore --list" : "Reading the whole archive with pg_restore", 75);
            var tocTask = streamedTocTask ?? ArchiveReader.ReadTocAsync(tools, ArchiveSource.FromFile(dumpPath), cancellationToken);
            var readTask = request.SkipVerify || request.Jobs is null ? verifyTask : ArchiveReader.ReadFullyAsync(tools, ArchiveSource.FromFile(dumpPath), cancellationToken);
            var hashTask = stored is null
                ? Task.Run(() => HashFiles(partial, dumpPath), cancellationToken)
                : Task.FromResult(new Dictionary<string, ManifestFile>(StringComparer.Ordinal) { [dumpName] = new(stored.StoredSha256, stored.StoredBytes) });
            try
            {
                await Task.WhenAll(tocTask, readTask, hashTask).ConfigureAwait(false);
            }
            catch (ScorecardException e) when (e.ErrorId is "ArchiveUnreadable" or "VerifierKilled")
            {
                var what = e.ErrorId == "ArchiveUnreadable" ? "its archive does not read back whole" : "its archive could not be verified";
                throw new ScorecardException("BackupFailed", ScorecardErrorCategory.InvalidData,
                    $"pg_dump reported success, but {what}; nothing was kept. {e.Message}", dumpPath, e);
            }

            var tocEntries = (await tocTask.ConfigureAwait(false)).Entries;
            if (upload is not null)
            {
                reporter.Progress("Uploading", $"Completing {dumpName} on {direct!.Location} and reading it back", 85);
                await CompleteUploadAsync(direct, upload, new ManifestFile(stored!.StoredSha256, stored.StoredBytes), cancellationToken).ConfigureAwait(false);
            }

            var manifest = new BackupManifest
            {
                Name = name,
                Status = BackupStatus.Succeeded,
                StartedAt = started,
                Database = connection.Database,
                Host = url.Host,
                Port = url.Port,
                ServerVersion = connection.ServerVersion,
                PgDumpVersion = tools.VersionText,
                ModuleVersion = request.ModuleVersion,
                Format = format,
                DumpFile = dumpName,
                Snapshot = snapshot,
                SizeBytes = stored?.StoredBytes ?? SizeOnDisk(dumpPath),
                TotalRows = counts.Values.Sum(),
                Tables = counts,
                TocEntries = tocEntries,
                Verified = !request.SkipVerify,
                ManifestVersion = streamed ? 2 : 1,
                Compression = streamed ? request.Compression.ToString() : ArchiveCompression.PgDump,
                Encryption = encrypted ? new ManifestEncryption(ManifestEncryption.AgeV1, request.Recipients.Select(r => r.ToString()).ToList()) : null,
                RawSha256 = stored?.RawSha256,
                RawBytes = stored?.RawBytes,
            };
            var summaryPath = Path.Combine(partial, BackupManifest.SummaryFileName);
            SecureFiles.WriteAllTextAtomic(summaryPath, manifest.Summary());
            foreach (var (relative, file) in (await hashTask.ConfigureAwait(false)).Concat(HashFiles(partial, summaryPath)).OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                manifest.Files[relative] = file;
            }

            manifest.CompletedAt = DateTime.UtcNow;
            manifest.DurationSeconds = Math.Round((manifest.CompletedAt - started).TotalSeconds, 3);
            SecureFiles.WriteAllTextAtomic(Path.Combine(partial, BackupManifest.FileName), manifest.Serialize());
            if (direct is not null)
            {
                var streamedInfo = await FinishOffsiteAsync(direct, manifest, partial, summaryPath, cancellationToken).ConfigureAwait(false);
                uploadedPrefix = null;
                return streamedInfo;
            }

            var final = Path.Combine(Destination, name);
            Directory.Move(partial, final);
            partial = null;
            var info = manifest.ToBackupInfo(final);
            Log.Write("SUCCESS", $"{name}: {info.Size}, {info.TotalRows} rows in {info.Tables.Count} tables, " +
                                 $"{manifest.DurationSeconds.ToString(CultureInfo.InvariantCulture)} s, verified {info.Verified.ToString().ToLowerInvariant()}");
            return info;
        }
        catch (OperationCanceledException e) when (watchdog is { Stalled: true } && !cancellationToken.IsCancellationRequested)
        {
            var what = countingOutlastedDump
                ? $"Counting the rows made no progress for {watchdog.DescribeLimit()} after pg_dump had finished ({SettingNames.BackupStallSeconds}), " +
                  "so it was stopped and nothing was kept. A lock held that long on a table, or a server that stopped answering, does this."
                : $"pg_dump wrote nothing to the archive for {watchdog.DescribeLimit()} ({SettingNames.BackupStallSeconds}), so it was stopped and " +
                  "nothing was kept. A stopped pg_dump, a server that stopped answering, or a lock held that long does this.";
            var failure = new ScorecardException("BackupStalled", ScorecardErrorCategory.OperationTimeout, what, Destination, e);
            Log.TryWrite("FAILED", $"{failure.ErrorId}: {failure.Message}");
            throw failure;
        }
        catch (OperationCanceledException)
        {
            Log.TryWrite("FAILED", "BackupCancelled: the backup was stopped before it finished; nothing was kept.");
            throw;
        }
        catch (ScorecardException e)
        {
            Log.TryWrite("FAILED", $"{e.ErrorId}: {e.Message}");
            throw;
        }
        catch (Exception e)
        {
            // Whatever went wrong, the run ends the way every failure does: a FAILED line and an error id.
            var failure = new ScorecardException("BackupFailed", ScorecardErrorCategory.InvalidOperation, $"The backup failed: {e.Message}", Destination, e);
            Log.TryWrite("FAILED", $"{failure.ErrorId}: {failure.Message}");
            throw failure;
        }
        finally
        {
            watchdog?.Dispose();
            dumpCancellation?.Dispose();
            if (upload is not null)
            {
                // Aborts the multipart upload unless it was completed.
                await upload.DisposeAsync().ConfigureAwait(false);
            }

            if (uploadedPrefix is not null)
            {
                // Whatever of this backup reached the store without its manifest is removed; it would never count anyway.
                await direct!.TryRemoveAsync(uploadedPrefix).ConfigureAwait(false);
            }

            if (partial is not null && Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
        }
    }

    private static async Task CompleteUploadAsync(OffsiteStore store, OffsiteUploadStream upload, ManifestFile expected, CancellationToken cancellationToken)
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

    /// <summary>A backup streamed to the store: summary.txt, then manifest.json, each read back; the local folder held only those two.</summary>
    private async Task<BackupInfo> FinishOffsiteAsync(OffsiteStore store, BackupManifest manifest, string partial, string summaryPath, CancellationToken cancellationToken)
    {
        await using (var summary = store.CreateObject(manifest.Name, BackupManifest.SummaryFileName, cancellationToken))
        {
            await summary.WriteAsync(await File.ReadAllBytesAsync(summaryPath, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            await CompleteUploadAsync(store, summary, manifest.Files[BackupManifest.SummaryFileName], cancellationToken).ConfigureAwait(false);
        }

        await store.PutManifestAsync(manifest.Name, await File.ReadAllBytesAsync(Path.Combine(partial, BackupManifest.FileName), cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        var info = store.ToBackupInfo(manifest);
        Log.Write("SUCCESS", $"{manifest.Name}: {info.Size}, {info.TotalRows} rows in {info.Tables.Count} tables, " +
                             $"{manifest.DurationSeconds.ToString(CultureInfo.InvariantCulture)} s, verified {info.Verified.ToString().ToLowerInvariant()}");
        Log.Write("OFFSITE", $"{manifest.Name} streamed to {info.Offsite} with no local copy: {manifest.Files.Count + 1} objects, each read back with its size and SHA-256");
        return info;
    }

    /// <summary>
    /// Plans retention after <paramref name="justMade"/> (see <see cref="BackupCatalog.PlanRetention"/>) and logs every
    /// backup that could not count toward the keep-floor, so that an admin hears of it.
    /// </summary>
    public RetentionPlan PlanRetention(int retentionDays, int keepLast, BackupInfo justMade)
    {
        var plan = BackupCatalog.PlanRetention(BackupCatalog.List(Destination), retentionDays, keepLast, DateTime.UtcNow, justMade.Name, BackupCatalog.MatchesChecksums);
        foreach (var backup in plan.FutureDated)
        {
            Log.TryWrite("CLOCK", FutureDatedWarning(backup));
        }

        foreach (var backup in plan.Damaged)
        {
            Log.TryWrite("RETAIN", DamagedWarning(backup));
        }

        return plan;
    }

    public static string FutureDatedWarning(BackupInfo backup) =>
        $"{backup.Name} says it started at {backup.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, later than this machine's clock: the clock was wrong when it was made, " +
        "or is wrong now. Retention neither removes it nor counts it among the backups it keeps; check the clock and the backup.";

    public static string DamagedWarning(BackupInfo backup) =>
        $"{backup.Name} no longer matches its checksums: it does not count among the backups retention keeps. Run Test-ScorecardBackup on it.";

    /// <summary>Removes an expired backup; returns why it could not, or null.</summary>
    public string? Remove(BackupInfo backup)
    {
        try
        {
            Directory.Delete(backup.Path, recursive: true);
            Log.TryWrite("RETAIN", $"Removed {backup.Name} (from {backup.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {backup.Size}).");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.TryWrite("RETAIN", $"Could not remove {backup.Name}: {e.Message}");
            return e.Message;
        }
    }

    /// <summary>Wraps the stored file in age encryption to the recipients, or null to store the compressed archive as it is.</summary>
    private static Func<Stream, Stream>? Encryptor(IReadOnlyList<AgeRecipient> recipients) =>
        recipients.Count == 0 ? null : stored => AgeEncryptor.Create(stored, recipients, leaveOpen: true);

    /// <summary>The destination itself or the nearest of its parents when that exists as a file, else null.</summary>
    private static string? FileInTheWay(string destination)
    {
        for (var path = Path.GetFullPath(destination); path is not null; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path;
            }

            if (Directory.Exists(path))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Fails early when the next backup cannot fit: it will be about the size of the last backup of the same database
    /// here (with half again for growth), or, with none to go by, at most the database's own size, which a compressed
    /// archive is a small fraction of.
    /// </summary>
    private void EnsureDiskSpace(string database, long databaseBytes)
    {
        var last = BackupCatalog.List(Destination).FirstOrDefault(b => b.Status == BackupStatus.Succeeded && b.Database == database && b.SizeBytes > 0);
        var needed = last is null ? databaseBytes : last.SizeBytes + last.SizeBytes / 2;
        var basis = last is null
            ? $"the database's {Bytes.Format(databaseBytes)} (there is no earlier backup of it here to estimate from)"
            : $"the {Bytes.Format(needed)} the next backup needs (the last one, {last.Name}, took {Bytes.Format(last.SizeBytes)}; half again is left for growth)";

        long free;
        try
        {
            free = new DriveInfo(Destination).AvailableFreeSpace;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            // A share the OS cannot measure (a UNC path): pg_dump itself will still fail loudly if it fills up.
            return;
        }

        if (free < needed)
        {
            throw new ScorecardException("InsufficientDiskSpace", ScorecardErrorCategory.ResourceUnavailable,
                $"'{Destination}' has {Bytes.Format(free)} free, less than {basis}. Free space there or choose another -Destination.", Destination);
        }
    }

    private string UniqueName(DateTime started)
    {
        var stem = BackupCatalog.FolderPrefix + started.ToString(BackupCatalog.NameFormat, CultureInfo.InvariantCulture);
        var name = stem;
        for (var n = 2; Directory.Exists(Path.Combine(Destination, name)) || Directory.Exists(Path.Combine(Destination, name + BackupCatalog.PartialSuffix)); n++)
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

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
