using SalesScorecard.Backup;
using SalesScorecard.History;
using SalesScorecard.Repository;

namespace SalesScorecard.Jobs;

/// <summary>
/// The nightly job's anomaly phase: tonight's backup against the previous verified backup of the same database
/// (<see cref="AnomalyGuard"/>). On an anomaly: an ANOMALY line each, a warning each, the result's Anomalies, and the
/// previous backup pinned, so that retention can never remove the last backup that still holds the data.
/// </summary>
internal sealed class AnomalyWatch(IBackupRepository primary, BackupLog log, IJobHost host)
{
    /// <summary>Sets <see cref="BackupInfo.Anomalies"/>; returns AnomalyDetected when one was found and the rules say it fails the run, else null.</summary>
    public async Task<ScorecardException?> CheckAsync(BackupInfo backup, AnomalyRules rules, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var listing = await primary.ListAsync(cancellationToken).ConfigureAwait(false);
        if (AnomalyGuard.Previous(listing.Backups, backup, now) is not { } previous)
        {
            backup.Anomalies = new ReadableList<BackupAnomaly>([]);
            return null;
        }

        var found = AnomalyGuard.Compare(previous, backup, rules);
        backup.Anomalies = new ReadableList<BackupAnomaly>(found.ToList());
        if (found.Count == 0)
        {
            return null;
        }

        foreach (var anomaly in found)
        {
            log.TryWrite("ANOMALY", $"{backup.Name} against {previous.Name}: {anomaly}");
            host.Warning($"Anomaly since the previous verified backup: {anomaly}");
        }

        await PinAsync(previous, $"The last backup before the anomaly in {backup.Name}: {string.Join("; ", found)}", now, cancellationToken).ConfigureAwait(false);
        return rules.Fails
            ? new ScorecardException(ScorecardErrors.AnomalyDetected,
                $"The backup {backup.Name} is made and verified, but since {previous.Name}: {string.Join("; ", found)}. {previous.Name} is pinned; " +
                "find out what removed the data before releasing it (Unlock-ScorecardBackup).", backup.Path)
            : null;
    }

    /// <summary>A pin that cannot be written is a warning: the backup is made, and the admin must hear that the pin is missing.</summary>
    private async Task PinAsync(BackupInfo previous, string reason, DateTime now, CancellationToken cancellationToken)
    {
        if (previous.Pinned)
        {
            return;
        }

        try
        {
            await primary.PinAsync(previous.Name, new BackupPin(reason, now), cancellationToken).ConfigureAwait(false);
            log.TryWrite("PIN", $"Pinned {previous.Name}: retention keeps it until it is released. {reason}");
        }
        catch (ScorecardException e)
        {
            log.TryWrite("PIN", $"Could not pin {previous.Name}: {e.ErrorId}: {e.Message}");
            host.Warning($"Could not pin {previous.Name}, the last backup before the anomaly ({e.ErrorId}): {e.Message}");
        }
    }
}
