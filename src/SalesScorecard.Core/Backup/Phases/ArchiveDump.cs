using SalesScorecard.Archive;
using SalesScorecard.Encryption;
using SalesScorecard.Offsite;
using SalesScorecard.Processes;
using SalesScorecard.Settings;

namespace SalesScorecard.Backup.Phases;

/// <summary>
/// The dump phase of a backup: pg_dump in the exported snapshot with every table counted in it meanwhile; a custom
/// archive is read back whole (and listed, when it passes through the module) while it is written. A stall stops all
/// of it, and nothing it started runs on once it returns or throws.
/// </summary>
internal sealed class ArchiveDump(
    BackupRequest request, PgTools tools, IBackupDatabase database, string snapshot, ArchiveTarget target, IOperationReporter reporter, CancellationToken cancellationToken)
    : IAsyncDisposable
{
    private StallWatchdog? _watchdog;
    private CancellationTokenSource? _dumpCancellation;
    private bool _countingOutlastedDump;
    private long _rawBytesRead;
    private Task _verifyTask = Task.CompletedTask;
    private Task<ArchiveToc>? _streamedTocTask;
    private StoredArchive? _stored;

    /// <summary>pg_dump writes a directory archive, or its own compressed one, itself: no byte of it passes through here.</summary>
    public static bool Streams(BackupRequest request) => request.Jobs is null && request.Compression.IsZstd;

    public string Format => request.Jobs is null ? "custom" : "directory";

    private bool Streamed => Streams(request);

    /// <summary>Why the dump was stopped for a stall, or null when it was not.</summary>
    public string? StallReason() =>
        _watchdog is not { Stalled: true }
            ? null
            : _countingOutlastedDump
                ? $"Counting the rows made no progress for {_watchdog.DescribeLimit()} after pg_dump had finished ({SettingNames.BackupStallSeconds}), " +
                  "so it was stopped and nothing was kept. A lock held that long on a table, or a server that stopped answering, does this."
                : $"pg_dump wrote nothing to the archive for {_watchdog.DescribeLimit()} ({SettingNames.BackupStallSeconds}), so it was stopped and " +
                  "nothing was kept. A stopped pg_dump, a server that stopped answering, or a lock held that long does this.";

    /// <param name="archive">The stored archive's file when the archive passes through the module; null when pg_dump writes it.</param>
    /// <param name="copy">The same archive for the offsite copy, written beside it while the store keeps up (see <see cref="OffsiteTee"/>).</param>
    /// <param name="passFileFolder">Where pg_dump's password file is written for the run.</param>
    /// <param name="storeFailure">What a failure to write the archive into its repository means, in that repository's words.</param>
    public async Task<(DumpedArchive Dump, OffsiteTee? Tee)> RunAsync(Stream? archive, Stream? copy, string passFileFolder, Func<Exception, ScorecardException> storeFailure)
    {
        // Streamed, pg_restore reads the archive twice as it passes: once whole (the verification), once for its
        // table of contents, which pg_dump writes first.
        var verifier = Streamed && !request.SkipVerify ? new ArchiveFollower() : null;
        var lister = Streamed ? new ArchiveFollower() : null;
        var tee = archive is not null && copy is not null ? new OffsiteTee(archive, copy) : null;
        Dictionary<string, long> counts;
        ProcessResult dump;
        using (var pgEnvironment = PgConnectionEnvironment.Create(request.DatabaseUrl, database.Database, passFileFolder))
        {
            reporter.Progress("Dumping", $"pg_dump --format={Format} of {database.Database}", 5);
            Func<long> written = Streamed ? () => Interlocked.Read(ref _rawBytesRead) : () => SizeOnDisk(target.DumpPath);
            // From here on the run waits for pg_dump and the counting; if the archive stops growing, both are stopped.
            _watchdog = new StallWatchdog(written, request.StallTimeout, cancellationToken);
            // Linked to the caller's token too: the readers outlive the watchdog, and Ctrl+C must still reach them.
            _dumpCancellation = CancellationTokenSource.CreateLinkedTokenSource(_watchdog.Token, cancellationToken);
            Func<Stream, CancellationToken, Task>? readArchive = archive is null
                ? null
                : (output, ct) => StoreArchiveAsync(output, (Stream?)tee ?? archive, [.. new[] { verifier, lister }.OfType<ArchiveFollower>()], storeFailure, ct);
            var dumpTask = ExternalProcess.RunAsync(tools.PgDump, Arguments(), pgEnvironment.Variables, _dumpCancellation.Token, readOutput: readArchive);
            StartReads(dumpTask, verifier, lister);
            counts = await CountWhileDumpingAsync(dumpTask, written).ConfigureAwait(false);
            dump = await dumpTask.ConfigureAwait(false);
        }

        _watchdog.Dispose(); // pg_dump is done: what follows reads a finished archive.
        if (dump.ExitCode != 0)
        {
            throw new ScorecardException(ScorecardErrors.BackupFailed, dump.DescribeFailure("pg_dump"), database.Database);
        }

        return (new DumpedArchive(counts, _stored, _streamedTocTask, _verifyTask), tee);
    }

    private List<string> Arguments()
    {
        var arguments = Streamed
            ? new List<string> { "--format=custom", "--compress=0", "--no-password", $"--snapshot={snapshot}" }
            : new List<string> { $"--format={Format}", "--file", target.DumpPath, "--no-password", $"--snapshot={snapshot}" };
        if (request.Jobs is { } jobs)
        {
            arguments.Add($"--jobs={jobs}");
        }

        return arguments;
    }

    /// <summary>A custom archive is read back whole while it is written (from the stream, or from the growing file); a directory one once it is complete.</summary>
    private void StartReads(Task<ProcessResult> dumpTask, ArchiveFollower? verifier, ArchiveFollower? lister)
    {
        _verifyTask = request.SkipVerify || request.Jobs is not null
            ? Task.CompletedTask
            : verifier is not null
                ? ArchiveReader.ReadFullyAsync(tools, ArchiveSource.FromFollower(verifier, target.DumpPath), _dumpCancellation!.Token)
                : ArchiveReader.ReadWhileWrittenAsync(tools, target.DumpPath, dumpTask, _dumpCancellation!.Token);
        verifier?.Attach(_verifyTask);
        if (lister is not null)
        {
            _streamedTocTask = ArchiveReader.ReadTocAsync(tools, ArchiveSource.FromFollower(lister, target.DumpPath), _dumpCancellation!.Token);
            lister.Attach(_streamedTocTask);
        }
    }

    /// <summary>pg_dump's output through the pipeline (compressed, maybe encrypted) into the stored archive.</summary>
    private async Task StoreArchiveAsync(Stream output, Stream stored, ArchiveFollower[] followers, Func<Exception, ScorecardException> storeFailure, CancellationToken ct)
    {
        var encrypt = request.Recipients.Count == 0 ? null : (Func<Stream, AgeEncryptor>)(inner => AgeEncryptor.Create(inner, request.Recipients, leaveOpen: true));
        void Progress(long bytes) => Interlocked.Exchange(ref _rawBytesRead, bytes);
        try
        {
            _stored = await ArchivePipeline.WriteAsync(output, stored, request.Compression, encrypt, followers, Progress, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ScorecardException && (e is not OperationCanceledException || OffsiteStore.IsTimeout(e)))
        {
            throw storeFailure(e);
        }
    }

    private async Task<Dictionary<string, long>> CountWhileDumpingAsync(Task<ProcessResult> dumpTask, Func<long> written)
    {
        var dumped = false;
        try
        {
            var counts = new Dictionary<string, long>(await database.CountTablesAsync(_watchdog!.Token).ConfigureAwait(false), StringComparer.Ordinal);
            reporter.Verbose($"Counted {counts.Values.Sum()} rows in {counts.Count} tables in snapshot {snapshot}.");
            while (!dumpTask.IsCompleted)
            {
                reporter.Progress("Dumping", $"{Bytes.Format(written())} {(Streamed ? "dumped" : "written")}", -1);
                await Task.WhenAny(dumpTask, Task.Delay(500, _watchdog.Token)).ConfigureAwait(false);
                _watchdog.Token.ThrowIfCancellationRequested();
            }

            dumped = dumpTask.IsCompletedSuccessfully && dumpTask.Result.ExitCode == 0;
            return counts;
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

    public static long SizeOnDisk(string path) =>
        Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>Stops the reads still running (a run that failed before verifying them) and waits until they are gone.</summary>
    public async ValueTask DisposeAsync()
    {
        _watchdog?.Dispose();
        if (_dumpCancellation is not null)
        {
            await _dumpCancellation.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(Task.WhenAny(_verifyTask), Task.WhenAny(_streamedTocTask ?? Task.CompletedTask)).ConfigureAwait(false);
            _dumpCancellation.Dispose();
        }
    }
}
