
namespace SalesScorecard.Backup;

/// <summary>
/// One run in a destination folder: holds an OS lock there so two runs never overlap, writes backup.log, makes the
/// backup, and removes expired ones. Dispose releases the lock.
/// </summary>
internal sealed class BackupSession : IDisposable
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
            throw new ScorecardException(ScorecardErrors.DestinationNotWritable,
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
            throw new ScorecardException(ScorecardErrors.DestinationNotWritable,
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
            throw new ScorecardException(ScorecardErrors.DestinationNotWritable,
                $"Cannot open {LockFileName} in '{destination}': {e.Message}", destination, e);
        }

        if (held is null)
        {
            var refusal = new ScorecardException(ScorecardErrors.BackupAlreadyRunning,
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

    /// <summary>
    /// The archive of the backup just made, uploaded to the copy's store as it was written and not yet completed; the
    /// offsite copy takes it (<see cref="TakePendingCopy"/>), and disposing the session aborts it otherwise.
    /// </summary>
    internal Repository.PendingArchive? PendingCopy { get; set; }

    internal Repository.PendingArchive? TakePendingCopy()
    {
        var pending = PendingCopy;
        PendingCopy = null;
        return pending;
    }

    public void Dispose()
    {
        try
        {
            PendingCopy?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            // Whatever the store did with the abort, the next run must find the lock free.
            _lock.Dispose();
        }
    }

    /// <summary>Makes one verified backup; on any failure or cancellation nothing is left behind but a log line.</summary>
    public Task<BackupInfo> RunAsync(BackupRequest request, IOperationReporter reporter, CancellationToken cancellationToken) =>
        new BackupRun(this, request, reporter, cancellationToken).ExecuteAsync();

    /// <summary>
    /// Plans retention of a listing after <paramref name="justMade"/> (see <see cref="BackupCatalog.PlanRetention"/>) and
    /// logs every backup that could not count toward the keep-floor, so that an admin hears of it.
    /// </summary>
    public RetentionPlan PlanRetention(Repository.RepositoryListing listing, int retentionDays, int keepLast, BackupInfo justMade)
    {
        var plan = listing.PlanRetention(retentionDays, keepLast, DateTime.UtcNow, justMade.Name);
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

    /// <summary>Removes an expired backup from the repository; returns why it could not, or null.</summary>
    public async Task<string?> RemoveAsync(Repository.IBackupRepository repository, BackupInfo backup, CancellationToken cancellationToken)
    {
        try
        {
            await repository.RemoveAsync(backup.Name, cancellationToken).ConfigureAwait(false);
            Log.TryWrite("RETAIN", $"Removed {backup.Name} (from {backup.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {backup.Size}).");
            return null;
        }
        catch (ScorecardException e)
        {
            Log.TryWrite("RETAIN", $"Could not remove {backup.Name}: {e.InnerException?.Message ?? e.Message}");
            return e.InnerException?.Message ?? e.Message;
        }
    }

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
}
