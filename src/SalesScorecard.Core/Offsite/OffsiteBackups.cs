using SalesScorecard.Backup;
using SalesScorecard.Settings;

namespace SalesScorecard.Offsite;

/// <summary>The offsite side of a backup run: the copy of a verified local backup, and retention on the store.</summary>
public static class OffsiteBackups
{
    /// <summary>
    /// Copies a verified local backup to the store and records the outcome on <paramref name="backup"/> and in backup.log
    /// (an OFFSITE line either way), and returns the copy. A failed copy is OffsiteCopyFailed, which says the local backup is fine.
    /// </summary>
    /// <param name="session">The run that made the backup: its log, and the archive's upload begun while it was written.</param>
    public static async Task<OffsiteCopy> CopyAsync(
        OffsiteStore store, BackupInfo backup, BackupSession session, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var log = session.Log;
        // Completed by the copy; aborted by this disposal when the copy fails first.
        await using var archiveUpload = session.TakePendingCopy();
        backup.Offsite = store.Location.Url(backup.Name);
        backup.OffsiteVerified = false;
        var budget = TimeSpan.Zero;
        try
        {
            var manifest = BackupCatalog.ReadManifest(backup.Path);
            budget = store.Options.Budget(manifest.Files.Values.Sum(f => f.Bytes));
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(budget);
            var copy = await store.CopyBackupAsync(backup.Path, manifest, archiveUpload, reporter, bounded.Token).ConfigureAwait(false);
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
            throw Failed(OutOfTime(store, $"make the copy of {backup.Name}", budget, e));
        }

        ScorecardException Failed(ScorecardException cause)
        {
            var failure = CopyFailed(backup, store, cause);
            log.TryWrite("OFFSITE", $"{backup.Name} was not copied to {backup.Offsite}: {cause.ErrorId}: {cause.Message}");
            log.TryWrite("FAILED", $"{failure.ErrorId}: {failure.Message}");
            return failure;
        }
    }

    /// <summary>The store did not finish work it was given <paramref name="budget"/> for (see <see cref="OffsiteOptions.Budget"/>).</summary>
    internal static ScorecardException OutOfTime(OffsiteStore store, string doing, TimeSpan budget, Exception e) =>
        new(ScorecardErrors.OffsiteNotReachable,
            $"The store {store.Options.Describe()} did not {doing} within {budget.TotalSeconds:0} s, the bound that " +
            $"{SettingNames.BackupS3TimeoutSeconds} ({store.Options.RequestTimeout.TotalSeconds:0} s a request) sets: it stopped answering, or is far slower than it should be.",
            store.Location.Url(), e);

    public static ScorecardException CopyFailed(BackupInfo backup, OffsiteStore store, ScorecardException cause) =>
        new(ScorecardErrors.OffsiteCopyFailed,
            $"The local backup {backup.Name} is fine ({backup.Path}, verified). Its offsite copy to {store.Location} failed and does not count " +
            $"({cause.ErrorId}): {cause.Message}", store.Location.Url(backup.Name), cause);

    /// <summary>
    /// Which stored backups expire: the same rules as on disk (<see cref="BackupCatalog.PlanRetention"/>), with the store's
    /// own days and keep-floor. A backup counts toward the floor only while every object its manifest names is there with its size.
    /// </summary>
    public static async Task<RetentionPlan> PlanRetentionAsync(OffsiteStore store, string? justMade, CancellationToken cancellationToken)
    {
        var backups = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var objects = await store.ListObjectsAsync(store.Location.KeyPrefix, cancellationToken).ConfigureAwait(false);
        var manifests = backups.ToDictionary(b => b.Info.Name, b => b.Manifest, StringComparer.Ordinal);
        return BackupCatalog.PlanRetention(backups.Select(b => b.Info), store.Options.RetentionDays, store.Options.KeepMin, DateTime.UtcNow, justMade,
            backup => OffsiteStore.HasAllObjects(store.Location, manifests[backup.Name], objects));
    }

    /// <summary>The newest stored backup, or null; one dated in the future only when there is no other (as on disk).</summary>
    public static async Task<BackupInfo?> LatestAsync(OffsiteStore store, CancellationToken cancellationToken) =>
        BackupCatalog.Newest((await store.ListAsync(cancellationToken).ConfigureAwait(false)).Select(b => b.Info), DateTime.UtcNow);

    /// <summary>There is no complete backup at <paramref name="storeUrl"/>: nothing to list as the newest, or to test.</summary>
    public static ScorecardException NoBackup(string storeUrl) =>
        new(ScorecardErrors.BackupNotFound, $"There is no complete backup in {storeUrl}.", storeUrl);

    /// <summary>The name of the watchdog's check of the store.</summary>
    public const string FreshnessCheck = "OffsiteFreshness";

    /// <summary>
    /// The watchdog's check of the store, beside its check of the local backups: the newest offsite copy must be
    /// younger than <paramref name="maxAge"/>, so that copies that stopped are noticed while local backups go on.
    /// </summary>
    public static async Task<BackupCheck> CheckFreshnessAsync(OffsiteStore store, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        const string check = FreshnessCheck;
        var budget = store.Options.Budget(0);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(budget);
        try
        {
            if (await LatestAsync(store, bounded.Token).ConfigureAwait(false) is not { } latest)
            {
                return new BackupCheck(check, false, $"There is no complete offsite copy in {store.Location}.");
            }

            var manifest = await store.ReadManifestAsync(latest.Name, bounded.Token).ConfigureAwait(false);
            var freshness = BackupVerifier.CheckFreshness(manifest, maxAge, DateTime.UtcNow);
            return new BackupCheck(check, freshness.Passed, $"Newest offsite copy {latest.Offsite}: {freshness.Detail}");
        }
        catch (ScorecardException e)
        {
            return new BackupCheck(check, false, $"{e.ErrorId}: {e.Message}");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The watchdog must still report the local backups and mail: a silent store is a failed check, not a hung one.
            var failure = OutOfTime(store, "list its offsite copies", budget, e);
            return new BackupCheck(check, false, $"{failure.ErrorId}: {failure.Message}");
        }
    }

    /// <summary>
    /// How old the objects of a copy without its manifest must be before they are taken for what a killed or cut-off
    /// copy left: a copy another host is making into the same prefix right now is younger.
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    /// <summary>
    /// Removes what copies that never finished left under the prefix (objects of a backup-* name without manifest.json,
    /// named more than <see cref="AbandonedAfter"/> ago), with a CLEANUP line each; they are never listed or restored,
    /// but the store keeps and bills them. Nothing outside the prefix, and no backup with a manifest, is touched.
    /// </summary>
    public static async Task RemoveAbandonedAsync(OffsiteStore store, BackupLog log, CancellationToken cancellationToken)
    {
        var objects = await store.ListObjectsAsync(store.Location.KeyPrefix, cancellationToken).ConfigureAwait(false);
        var cutoff = DateTime.UtcNow - AbandonedAfter;
        var abandoned = objects.Keys
            .Where(key => key.Length > store.Location.KeyPrefix.Length && key.IndexOf('/', store.Location.KeyPrefix.Length) > 0)
            .GroupBy(key => key[store.Location.KeyPrefix.Length..key.IndexOf('/', store.Location.KeyPrefix.Length)], StringComparer.Ordinal)
            .Where(backup => backup.Key.StartsWith(BackupCatalog.FolderPrefix, StringComparison.Ordinal) &&
                             !backup.Contains(store.Location.BackupPrefix(backup.Key) + BackupManifest.FileName, StringComparer.Ordinal) &&
                             BackupCatalog.TimeFromName(backup.Key) is { } made && made < cutoff);
        foreach (var backup in abandoned)
        {
            await store.RemoveBackupAsync(backup.Key, cancellationToken).ConfigureAwait(false);
            log.TryWrite("CLEANUP", $"Removed {backup.Count()} objects of {store.Location.Url(backup.Key)}, a copy that never finished (no manifest.json).");
        }
    }

    /// <summary>Removes an expired stored backup; returns why it could not, or null.</summary>
    public static async Task<string?> RemoveAsync(OffsiteStore store, BackupInfo backup, BackupLog log, CancellationToken cancellationToken)
    {
        try
        {
            await store.RemoveBackupAsync(backup.Name, cancellationToken).ConfigureAwait(false);
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
