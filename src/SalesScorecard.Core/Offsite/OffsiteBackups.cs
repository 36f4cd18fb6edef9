using SalesScorecard.Backup;
using SalesScorecard.Repository;
using SalesScorecard.Settings;

namespace SalesScorecard.Offsite;

/// <summary>The offsite side of a backup run: the copy of a verified local backup, clean-up and retention on the store, and the watchdog's check of it.</summary>
internal static class OffsiteBackups
{
    /// <summary>
    /// Copies a verified backup from the primary repository to the store (<see cref="RepositoryCopy"/>), within the
    /// store's budget for its size, and records the outcome on <paramref name="backup"/> and in backup.log (an OFFSITE
    /// line either way). A failed copy is OffsiteCopyFailed, which says the local backup is fine.
    /// </summary>
    /// <param name="session">The run that made the backup: its log, and the archive sent to the store while it was written.</param>
    public static async Task<OffsiteCopy> CopyAsync(
        IBackupRepository source, IBackupRepository store, OffsiteOptions options, BackupInfo backup, BackupSession session, IOperationReporter reporter,
        CancellationToken cancellationToken)
    {
        var log = session.Log;
        // Completed by the copy; aborted by this disposal when the copy fails first.
        await using var pending = session.TakePendingCopy();
        backup.Offsite = store.AddressOf(backup.Name);
        backup.OffsiteVerified = false;
        var budget = store.CopyBudget(backup.SizeBytes);
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(budget);
            var copy = await CopyBoundedAsync(source, store, backup.Name, pending, reporter, bounded.Token).ConfigureAwait(false);
            backup.OffsiteVerified = true;
            log.TryWrite("OFFSITE", $"{backup.Name} copied to {copy.Url}: {copy.Objects} objects, {Bytes.Format(copy.Bytes)}, each read back with its size and SHA-256");
            return copy;
        }
        catch (ScorecardException e)
        {
            throw Failed(e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Nobody stopped the run: the store's requests timed out, or the copy outran its budget: the store's failure, not the backup's.
            throw Failed(OutOfTime(store, options, $"make the copy of {backup.Name}", budget, e));
        }

        ScorecardException Failed(ScorecardException cause)
        {
            var failure = CopyFailed(backup, store, cause);
            log.TryWrite("OFFSITE", $"{backup.Name} was not copied to {backup.Offsite}: {cause.ErrorId}: {cause.Message}");
            log.TryWrite("FAILED", $"{failure.ErrorId}: {failure.Message}");
            return failure;
        }
    }

    /// <summary>One copy, its failures in the store's words (a cancellation by the budget passes through as one).</summary>
    internal static async Task<OffsiteCopy> CopyBoundedAsync(
        IBackupRepository source, IBackupRepository store, string backupName, PendingArchive? pending, IOperationReporter reporter, CancellationToken bounded)
    {
        try
        {
            return await RepositoryCopy.CopyAsync(source, backupName, store, pending, reporter, bounded).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ScorecardException && (e is not OperationCanceledException || OffsiteStore.IsTimeout(e)))
        {
            throw store.Translate(e, $"copy {backupName}");
        }
    }

    /// <summary>The store did not finish work it was given <paramref name="budget"/> for (see <see cref="OffsiteOptions.Budget"/>).</summary>
    internal static ScorecardException OutOfTime(IBackupRepository store, OffsiteOptions options, string doing, TimeSpan budget, Exception e) =>
        new(ScorecardErrors.OffsiteNotReachable,
            $"The store {options.Describe()} did not {doing} within {budget.TotalSeconds:0} s, the bound that " +
            $"{SettingNames.BackupS3TimeoutSeconds} ({options.RequestTimeout.TotalSeconds:0} s a request) sets: it stopped answering, or is far slower than it should be.",
            store.Address, e);

    public static ScorecardException CopyFailed(BackupInfo backup, IBackupRepository store, ScorecardException cause) =>
        new(ScorecardErrors.OffsiteCopyFailed,
            $"The local backup {backup.Name} is fine ({backup.Path}, verified). Its offsite copy to {store.Address} failed and does not count " +
            $"({cause.ErrorId}): {cause.Message}", store.AddressOf(backup.Name), cause);

    /// <summary>There is no complete backup at <paramref name="storeUrl"/>: nothing to list as the newest, or to test.</summary>
    public static ScorecardException NoBackup(string storeUrl) =>
        new(ScorecardErrors.BackupNotFound, $"There is no complete backup in {storeUrl}.", storeUrl);

    /// <summary>The name of the watchdog's check of the store.</summary>
    public const string FreshnessCheck = "OffsiteFreshness";

    /// <summary>
    /// The watchdog's check of the store, beside its check of the local backups: the newest offsite copy must be
    /// younger than <paramref name="maxAge"/>, so that copies that stopped are noticed while local backups go on.
    /// </summary>
    public static async Task<BackupCheck> CheckFreshnessAsync(StoreRepository store, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        const string check = FreshnessCheck;
        var budget = store.CopyBudget(0);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(budget);
        try
        {
            if ((await store.ListAsync(bounded.Token).ConfigureAwait(false)).Newest(DateTime.UtcNow) is not { } latest)
            {
                return new BackupCheck(check, false, $"There is no complete offsite copy in {store.Address}.");
            }

            // The listing read the manifest already: its times are on the listed backup.
            var started = latest.StartedAt ?? DateTime.MinValue;
            var freshness = BackupVerifier.CheckFreshness(started, latest.CompletedAt ?? started, maxAge, DateTime.UtcNow);
            return new BackupCheck(check, freshness.Passed, $"Newest offsite copy {latest.Offsite}: {freshness.Detail}");
        }
        catch (ScorecardException e)
        {
            return new BackupCheck(check, false, $"{e.ErrorId}: {e.Message}");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The watchdog must still report the local backups and mail: a silent store is a failed check, not a hung one.
            var failure = OutOfTime(store, store.Store.Options, "list its offsite copies", budget, e);
            return new BackupCheck(check, false, $"{failure.ErrorId}: {failure.Message}");
        }
    }

    /// <summary>
    /// How old the objects of a copy without its manifest must be before they are taken for what a killed or cut-off
    /// copy left: a copy another host is making into the same prefix right now is younger.
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    /// <summary>
    /// Removes what copies that never finished left under the prefix (<see cref="RepositoryListing.Abandoned"/>), with a
    /// CLEANUP line each; they are never listed or restored, but the store keeps and bills them. Nothing outside the
    /// prefix, and no backup with a manifest, is touched.
    /// </summary>
    public static async Task RemoveAbandonedAsync(IBackupRepository store, RepositoryListing listing, BackupLog log, CancellationToken cancellationToken)
    {
        foreach (var (name, objects) in listing.Abandoned)
        {
            try
            {
                await store.RemoveAsync(name, cancellationToken).ConfigureAwait(false);
                log.TryWrite("CLEANUP", $"Removed {objects} objects of {store.AddressOf(name)}, a copy that never finished (no manifest.json).");
            }
            catch (ScorecardException e) when (e.Error == ScorecardErrors.BackupPinFailed)
            {
                // A pinned prefix whose copy was cut off: the pin wins, and retention goes on with the rest.
                log.TryWrite("CLEANUP", $"Left {store.AddressOf(name)}, a copy that never finished, in place: {e.Message}");
            }
        }
    }

    /// <summary>Removes an expired stored backup; returns why it could not, or null.</summary>
    public static async Task<string?> RemoveAsync(IBackupRepository store, BackupInfo backup, BackupLog log, CancellationToken cancellationToken)
    {
        try
        {
            await store.RemoveAsync(backup.Name, cancellationToken).ConfigureAwait(false);
            log.TryWrite("RETAIN", $"Removed the offsite copy {backup.Offsite} (from {backup.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {backup.Size}).");
            return null;
        }
        catch (ScorecardException e)
        {
            log.TryWrite("RETAIN", $"Could not remove the offsite copy {backup.Offsite}: {e.Message}");
            return e.Message;
        }
    }
}
