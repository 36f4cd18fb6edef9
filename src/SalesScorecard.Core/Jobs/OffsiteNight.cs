using SalesScorecard.Backup;
using SalesScorecard.Offsite;

namespace SalesScorecard.Jobs;

/// <summary>
/// The offsite phases of the nightly job: the copy of the night's backup, the catch-up of copies earlier nights missed,
/// the offsite lag, and retention on the store. Each is bounded by the store's budget; none of them fails the local backup.
/// </summary>
internal sealed class OffsiteNight(OffsiteStore store, BackupLog log, IJobHost host)
{
    /// <summary>Copies the backup and catches up; returns why the copy of the backup itself failed, or null.</summary>
    public async Task<ScorecardException?> CopyAsync(BackupInfo backup, BackupSession session, CancellationToken cancellationToken)
    {
        try
        {
            await OffsiteBackups.CopyAsync(store, backup, session, host, cancellationToken).ConfigureAwait(false);
        }
        catch (ScorecardException e)
        {
            StateLag(backup, session.Destination, NewestOffsiteCopy.TryRead(session.Destination));
            return e;
        }

        NewestOffsiteCopy.TryRecord(session.Destination, backup);
        backup.OffsiteCaughtUp = await CatchUpAsync(session.Destination, backup, cancellationToken).ConfigureAwait(false);
        StateLag(backup, session.Destination, NewestOffsiteCopy.TryRead(session.Destination));
        return null;
    }

    /// <summary>How old the newest complete copy is, on the result and in backup.log.</summary>
    private void StateLag(BackupInfo backup, string destination, NewestOffsiteCopy? newest)
    {
        var now = DateTime.UtcNow;
        backup.OffsiteLagHours = newest is null ? null : Math.Round(newest.Lag(now).TotalHours, 1);
        log.TryWrite("OFFSITE", newest is null
            ? $"Offsite lag unknown: no complete copy made from {destination} is on record."
            : $"Offsite lag {backup.OffsiteLagHours:0.0} h: the newest complete copy is {newest.Name}.");
    }

    /// <summary>
    /// Copies every verified local backup the store should hold and lacks (<see cref="OffsiteCatchUp.Missing"/>), newest
    /// first, within one budget for all their bytes; the first failure stops it, and the next night goes on. Returns how many it copied.
    /// </summary>
    private async Task<int> CatchUpAsync(string destination, BackupInfo justCopied, CancellationToken cancellationToken)
    {
        var copied = 0;
        IReadOnlyList<BackupInfo> missing = [];
        var budget = store.Options.Budget(0);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(budget);
        try
        {
            var complete = (await store.ListAsync(bounded.Token).ConfigureAwait(false))
                .Where(b => b.Info.Status == BackupStatus.Succeeded).Select(b => b.Info.Name).ToHashSet(StringComparer.Ordinal);
            missing = OffsiteCatchUp.Missing(BackupCatalog.List(destination), complete, store.Options, DateTime.UtcNow, justCopied.Name);
            budget = store.Options.Budget(missing.Sum(b => b.SizeBytes));
            bounded.CancelAfter(budget);
            foreach (var backup in missing)
            {
                copied += await CatchUpOneAsync(destination, backup, bounded.Token).ConfigureAwait(false) ? 1 : 0;
            }
        }
        catch (Exception e) when (e is ScorecardException or IOException or UnauthorizedAccessException ||
                                  e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var cause = e is OperationCanceledException
                ? OffsiteBackups.OutOfTime(store, "catch up the copies earlier nights missed", budget, e)
                : ScorecardException.From(e, ScorecardErrors.OffsiteCopyFailed);
            var left = Math.Max(missing.Count - copied, 0);
            log.TryWrite("OFFSITE", $"Catch-up stopped after {copied} copies, {left} left for the next run: {cause.ErrorId}: {cause.Message}");
            host.Warning($"The offsite catch-up stopped after {copied} copies, {left} left for the next run ({cause.ErrorId}): {cause.Message}");
        }

        return copied;
    }

    /// <summary>One missed copy, with an OFFSITE line; a local backup that no longer matches its checksums is named and left.</summary>
    private async Task<bool> CatchUpOneAsync(string destination, BackupInfo backup, CancellationToken cancellationToken)
    {
        if (!BackupCatalog.MatchesChecksums(backup))
        {
            log.TryWrite("OFFSITE", $"{backup.Name} has no copy on the store and is not caught up: {BackupSession.DamagedWarning(backup)}");
            host.Warning(BackupSession.DamagedWarning(backup));
            return false;
        }

        var copy = await store.CopyBackupAsync(backup.Path, BackupCatalog.ReadManifest(backup.Path), null, host, cancellationToken).ConfigureAwait(false);
        log.Write("OFFSITE", $"{backup.Name} caught up (an earlier night's copy was missing): copied to {copy.Url}: {copy.Objects} objects, " +
                             $"{Bytes.Format(copy.Bytes)}, each read back with its size and SHA-256");
        NewestOffsiteCopy.TryRecord(destination, backup);
        return true;
    }

    public async Task ApplyRetentionAsync(BackupInfo backup, CancellationToken cancellationToken)
    {
        RetentionPlan plan;
        try
        {
            await OffsiteBackups.RemoveAbandonedAsync(store, log, cancellationToken).ConfigureAwait(false);
            plan = await OffsiteBackups.PlanRetentionAsync(store, backup.Name, cancellationToken).ConfigureAwait(false);
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
            if (await host.ShouldProcessAsync(expired.Path, "Remove expired offsite copy").ConfigureAwait(false) &&
                await OffsiteBackups.RemoveAsync(store, expired, log, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                host.Warning($"Retention could not remove the offsite copy {expired.Name}: {problem}");
            }
        }
    }
}
