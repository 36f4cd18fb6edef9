using SalesScorecard.Backup;
using SalesScorecard.History;
using SalesScorecard.Repository;

namespace SalesScorecard.Jobs;

/// <summary>
/// The nightly job's anomaly phase: tonight's backup against the previous verified backup of the same database on the
/// same server (<see cref="AnomalyGuard"/>). On an anomaly: an ANOMALY line each, a warning each, the result's
/// Anomalies, and the previous backup pinned, so that retention can never remove the last backup that still holds the
/// data; when the pin cannot be made, the night's retention waits and the night fails (BackupPinFailed).
/// </summary>
internal sealed class AnomalyWatch(IBackupRepository primary, BackupLog log, IJobHost host)
{
    public async Task<AnomalyOutcome> CheckAsync(BackupInfo backup, AnomalyRules rules, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        if (await TryListAsync(cancellationToken).ConfigureAwait(false) is not { } backups)
        {
            // Nothing compared, nothing pinned: nothing may expire either, until a night the check runs.
            return new AnomalyOutcome(null, HoldRetention: true);
        }

        if (AnomalyGuard.Previous(backups, backup, now) is not { } previous)
        {
            backup.Anomalies = new ReadableList<BackupAnomaly>([]);
            return AnomalyOutcome.Clear;
        }

        var found = AnomalyGuard.Compare(previous, backup, rules);
        backup.Anomalies = new ReadableList<BackupAnomaly>(found.ToList());
        if (found.Count == 0)
        {
            return AnomalyOutcome.Clear;
        }

        foreach (var anomaly in found)
        {
            log.TryWrite("ANOMALY", $"{backup.Name} against {previous.Name}: {anomaly}");
            host.Warning($"Anomaly since the previous verified backup: {anomaly}");
        }

        if (await TryPinAsync(previous, $"The last backup before the anomaly in {backup.Name}: {string.Join("; ", found)}", now, cancellationToken).ConfigureAwait(false) is { } pinFailure)
        {
            return new AnomalyOutcome(pinFailure, HoldRetention: true);
        }

        return new AnomalyOutcome(rules.Fails
            ? new ScorecardException(ScorecardErrors.AnomalyDetected,
                $"The backup {backup.Name} is made{(backup.Verified ? " and verified" : "")}, but since {previous.Name}: {string.Join("; ", found)}. {previous.Name} is pinned; " +
                "find out what removed the data before releasing it (Unlock-ScorecardBackup).", backup.Path)
            : null, HoldRetention: false);
    }

    /// <summary>The primary repository's backups, within the store's budget; a listing that fails skips the check with a warning, never the backup.</summary>
    private async Task<IReadOnlyList<BackupInfo>?> TryListAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await primary.ListWithinBudgetAsync(cancellationToken).ConfigureAwait(false)).Backups;
        }
        catch (Exception e) when (e is ScorecardException or IOException or UnauthorizedAccessException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            log.TryWrite("ANOMALY", $"The anomaly check was skipped: {primary.Address} could not be listed ({e.Message}).");
            host.Warning($"The anomaly check was skipped: {primary.Address} could not be listed ({e.Message}).");
            return null;
        }
    }

    /// <summary>Pins the last good backup (one already pinned stays as it is); returns BackupPinFailed when it cannot, else null.</summary>
    private async Task<ScorecardException?> TryPinAsync(BackupInfo previous, string reason, DateTime now, CancellationToken cancellationToken)
    {
        if (previous.Pinned)
        {
            return null;
        }

        try
        {
            await primary.PinAsync(previous.Name, new BackupPin(reason, now), cancellationToken).ConfigureAwait(false);
            log.TryWrite("PIN", $"Pinned {previous.Name}: retention keeps it until it is released. {reason}");
            return null;
        }
        catch (ScorecardException e)
        {
            var failure = new ScorecardException(ScorecardErrors.BackupPinFailed,
                $"{previous.Name}, the last backup before the anomaly, could not be pinned ({e.ErrorId}: {e.Message}); retention did not run tonight, so nothing " +
                $"expired. Pin it by hand: Lock-ScorecardBackup -Name {previous.Name} -Reason '...'.", previous.Path, e);
            log.TryWrite("PIN", $"{failure.ErrorId}: {failure.Message}");
            return failure;
        }
    }
}
