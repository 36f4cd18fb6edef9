using System.Globalization;
using SalesScorecard.Backup;
using SalesScorecard.Offsite;
using SalesScorecard.Repository;

namespace SalesScorecard.Jobs;

/// <summary>
/// The offsite phases of the nightly job: the copy of the night's backup, the catch-up of copies earlier nights missed,
/// the offsite lag, and retention on the store. Each is bounded by the store's budget; none of them fails the local backup.
/// The store is listed once, by the catch-up, and that listing is handed on to retention unless the catch-up changed it.
/// </summary>
/// <param name="options">The store's settings: its retention, its time-out, and how it is named.</param>
internal sealed class OffsiteNight(IBackupRepository primary, IBackupRepository store, OffsiteOptions options, BackupLog log, IJobHost host)
{
    private RepositoryListing? _listing;

    /// <summary>Which store the lag record is about: its endpoint and address.</summary>
    private string StoreKey => options.Describe();

    /// <summary>Copies the backup and catches up; returns why the copy of the backup itself failed, or null.</summary>
    public async Task<ScorecardException?> CopyAsync(BackupInfo backup, BackupSession session, CancellationToken cancellationToken)
    {
        // The catch-up may start copies until the night's own copy has used its budget: the lock is never held for days.
        var stopStartingAt = DateTime.UtcNow + store.CopyBudget(backup.SizeBytes);
        try
        {
            await OffsiteBackups.CopyAsync(primary, store, options, backup, session, host, cancellationToken).ConfigureAwait(false);
        }
        catch (ScorecardException e)
        {
            StateLag(backup, session.Destination, NewestOffsiteCopy.TryRead(session.Destination, StoreKey));
            return e;
        }

        NewestOffsiteCopy.TryRecord(session.Destination, StoreKey, backup);
        backup.OffsiteCaughtUp = await CatchUpAsync(session.Destination, backup, stopStartingAt, cancellationToken).ConfigureAwait(false);
        // Tonight's copy is the newest whatever the record says (it may not have been written).
        StateLag(backup, session.Destination, new NewestOffsiteCopy(backup.Name, backup.StartedAt ?? DateTime.UtcNow, StoreKey));
        return null;
    }

    /// <summary>How old the newest complete copy is, on the result and in backup.log.</summary>
    private void StateLag(BackupInfo backup, string destination, NewestOffsiteCopy? newest)
    {
        backup.OffsiteLagHours = newest is null ? null : Math.Round(newest.Lag(DateTime.UtcNow).TotalHours, 1);
        log.TryWrite("OFFSITE", newest is null
            ? $"Offsite lag unknown: no complete copy from {destination} to {StoreKey} is on record."
            : string.Create(CultureInfo.InvariantCulture, $"Offsite lag {backup.OffsiteLagHours:0.0} h: the newest complete copy is {newest.Name}."));
    }

    /// <summary>
    /// Copies every verified local backup the store should hold and lacks (<see cref="OffsiteCatchUp.Missing"/>), newest
    /// first, each bounded by its own budget; no copy starts once the night's own copy budget is spent, so that the lock
    /// is never held for days. The first failure stops it; the next night goes on. Returns how many it copied.
    /// </summary>
    private async Task<int> CatchUpAsync(string destination, BackupInfo justCopied, DateTime stopStartingAt, CancellationToken cancellationToken)
    {
        var copied = 0;
        IReadOnlyList<BackupInfo> missing = [];
        var listed = false;
        var budget = store.CopyBudget(0);
        try
        {
            using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                bounded.CancelAfter(budget);
                _listing = await store.ListAsync(bounded.Token).ConfigureAwait(false);
                var local = await primary.ListAsync(bounded.Token).ConfigureAwait(false);
                missing = OffsiteCatchUp.Missing(local.Backups, _listing.Complete(), options, DateTime.UtcNow, justCopied.Name);
                listed = true;
            }

            var tried = 0;
            foreach (var backup in missing.TakeWhile(_ => DateTime.UtcNow < stopStartingAt))
            {
                tried++;
                budget = store.CopyBudget(backup.SizeBytes);
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(budget);
                copied += await CatchUpOneAsync(destination, backup, bounded.Token).ConfigureAwait(false) ? 1 : 0;
            }

            if (missing.Count > tried)
            {
                log.TryWrite("OFFSITE", $"Catch-up copied {copied} of {missing.Count} backups; {missing.Count - tried} wait for the next run: this night's copy budget is spent.");
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var cause = e is OperationCanceledException
                ? OffsiteBackups.OutOfTime(store, options, "catch up the copies earlier nights missed", budget, e)
                : ScorecardException.From(e, ScorecardErrors.OffsiteCopyFailed);
            // Before the store's listing answered, nobody knows how many copies are missing.
            var left = listed ? $"{missing.Count - copied}" : "an unknown number of backups";
            log.TryWrite("OFFSITE", $"Catch-up stopped after {copied} copies, {left} left for the next run: {cause.ErrorId}: {cause.Message}");
            host.Warning($"The offsite catch-up stopped after {copied} copies, {left} left for the next run ({cause.ErrorId}): {cause.Message}");
        }
        finally
        {
            if (copied > 0)
            {
                // The store changed: a copy once cut off may be whole now, and retention must count the copies just made.
                _listing = null;
            }
        }

        return copied;
    }

    /// <summary>
    /// One missed copy, with an OFFSITE line. The local backup is hashed as it is sent: one that no longer matches its
    /// checksums is named and left, and nothing of it stays on the store.
    /// </summary>
    private async Task<bool> CatchUpOneAsync(string destination, BackupInfo backup, CancellationToken cancellationToken)
    {
        OffsiteCopy copy;
        try
        {
            copy = await OffsiteBackups.CopyBoundedAsync(primary, store, backup.Name, null, host, cancellationToken).ConfigureAwait(false);
        }
        catch (ScorecardException e) when (e.Error == ScorecardErrors.BackupChecksumMismatch || e.Error == ScorecardErrors.ArchiveUnreadable ||
                                           e.Error == ScorecardErrors.BackupManifestInvalid)
        {
            log.TryWrite("OFFSITE", $"{backup.Name} has no copy on the store and is not caught up: {BackupSession.DamagedWarning(backup)}");
            host.Warning(BackupSession.DamagedWarning(backup));
            return false;
        }

        log.TryWrite("OFFSITE", $"{backup.Name} caught up (an earlier night's copy was missing): copied to {copy.Url}: {copy.Objects} objects, " +
                                $"{Bytes.Format(copy.Bytes)}, each read back with its size and SHA-256");
        NewestOffsiteCopy.TryRecord(destination, StoreKey, backup);
        return true;
    }

    /// <summary>
    /// A backup pinned here is pinned on the store too, so that the store's retention keeps its copy as well; a copy the
    /// store does not hold yet gets its pin the night it is copied.
    /// </summary>
    private async Task CarryPinsAsync(RepositoryListing listing, CancellationToken cancellationToken)
    {
        if (ReferenceEquals(primary, store))
        {
            return;
        }

        var pinnedHere = (await primary.ListAsync(cancellationToken).ConfigureAwait(false)).Backups.Where(b => b.Pinned).ToDictionary(b => b.Name, StringComparer.Ordinal);
        foreach (var copy in listing.Backups.Where(b => b.Status == BackupStatus.Succeeded && !b.Pinned && pinnedHere.ContainsKey(b.Name)))
        {
            await store.PinAsync(copy.Name, new History.BackupPin(pinnedHere[copy.Name].PinReason ?? "Pinned where it was made.", DateTime.UtcNow), cancellationToken).ConfigureAwait(false);
            copy.Pinned = true;
            copy.PinReason = pinnedHere[copy.Name].PinReason;
            log.TryWrite("PIN", $"Pinned the offsite copy {copy.Offsite}, as its backup is pinned here.");
        }
    }

    public async Task ApplyRetentionAsync(BackupInfo backup, CancellationToken cancellationToken)
    {
        RetentionPlan plan;
        try
        {
            var listing = _listing ?? await store.ListAsync(cancellationToken).ConfigureAwait(false);
            await CarryPinsAsync(listing, cancellationToken).ConfigureAwait(false);
            await OffsiteBackups.RemoveAbandonedAsync(store, listing, log, cancellationToken).ConfigureAwait(false);
            plan = listing.PlanRetention(options.RetentionDays, options.KeepMin, DateTime.UtcNow, backup.Name);
        }
        catch (ScorecardException e)
        {
            // The backup and its copy are made and verified: a store that fails now only delays retention to the next run.
            log.TryWrite("RETAIN", $"Retention on the store did not run: {e.ErrorId}: {e.Message}");
            host.Warning($"Retention on the store did not run ({e.ErrorId}): {e.Message}");
            return;
        }

        foreach (var suspicious in plan.FutureDated)
        {
            host.Warning(BackupSession.FutureDatedWarning(suspicious));
        }

        foreach (var expired in plan.Expired)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await host.ShouldProcessAsync(expired.Path, "Remove expired offsite copy").ConfigureAwait(false) &&
                await OffsiteBackups.RemoveAsync(store, expired, log, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                host.Warning($"Retention could not remove the offsite copy {expired.Name}: {problem}");
            }
        }
    }
}
