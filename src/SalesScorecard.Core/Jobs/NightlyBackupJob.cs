using SalesScorecard.Backup;
using SalesScorecard.History;
using SalesScorecard.Mail;
using SalesScorecard.Offsite;
using SalesScorecard.Repository;
using SalesScorecard.Settings;

namespace SalesScorecard.Jobs;

/// <summary>
/// The nightly job, in pgBackRest's manner of one command in phases: the backup, local retention, the offsite copy with
/// its catch-up, retention on the store, and the mail on every outcome. A failure anywhere ends as one ScorecardException
/// (logged as FAILED where it happened, or here when nobody foresaw it) and, under -Notify, the failure mail; only a
/// stopped run (Ctrl+C, SIGTERM) passes through as a cancellation.
/// </summary>
internal sealed class NightlyBackupJob(ScorecardSettings settings, NightlyBackupOptions options, IJobHost host)
{
    private string? _destination;
    private long _logStart;

    public async Task<NightlyBackupResult> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Known before the repositories open, so that a store that cannot be opened still gets its lines and its mail's log tail.
            _destination = OffsiteOptions.LocalFolder(settings, OffsiteOptions.BackupDirStore(settings), options.CurrentDirectory);
            _logStart = new BackupLog(_destination).Length;
            using var repositories = BackupRepositories.Open(settings, options.CurrentDirectory);
            var result = await BackupAsync(repositories, cancellationToken).ConfigureAwait(false);
            if (result.Backup is { } backup && options.Notify)
            {
                var tail = result.Failures.Count == 0 ? null : TryTail();
                var facts = NotificationFacts.FromBackup(backup, result.Failures, tail);
                backup.Notification = await NotifyAsync(await WithHistoryAsync(facts, repositories.Primary, backup, cancellationToken).ConfigureAwait(false), cancellationToken)
                    .ConfigureAwait(false);
            }

            return result;
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw await FailAsync(e, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The backup, its offsite copy and both retentions; nothing under -WhatIf but what retention would remove.</summary>
    private async Task<NightlyBackupResult> BackupAsync(BackupRepositories repositories, CancellationToken cancellationToken)
    {
        var retentionDays = settings.GetInt(SettingNames.BackupRetentionDays);
        var keepLast = settings.GetInt(SettingNames.BackupKeepMin);
        var rules = AnomalyRules.FromSettings(settings);
        // Every setting is read before anything is done, so that a wrong one changes nothing.
        var request = Request(repositories);
        var primary = repositories.Primary;
        // In ShouldProcess(target, action)'s words.
        var operation = $"Performing the operation \"Back up the database\" on target \"{request.DatabaseUrl.Describe()} into {primary.Address}\".";
        switch (await host.ApproveAsync(operation).ConfigureAwait(false))
        {
            case JobApproval.WhatIf:
                // Say what retention would remove after a successful backup; a declined backup is not followed by a retention question.
                await ShowRetentionAsync(primary, retentionDays, keepLast, cancellationToken).ConfigureAwait(false);
                return NightlyBackupResult.NothingDone;
            case JobApproval.Declined:
                return NightlyBackupResult.NothingDone;
        }

        using var session = BackupSession.Open(repositories.StateFolder);
        var backup = await session.RunAsync(request, host, cancellationToken).ConfigureAwait(false);
        // Before retention, and whether or not tonight's was verified (its counts are in its manifest either way): the
        // backup that still holds what tonight's lost is pinned before it could expire.
        var anomaly = await new AnomalyWatch(primary, session.Log, host).CheckAsync(backup, rules, cancellationToken).ConfigureAwait(false);
        // The most serious first: under -ErrorAction Stop only the first is written.
        var failures = new List<ScorecardException>(anomaly.Failure is { } anomalyFailure ? [anomalyFailure] : []);
        if (!backup.Verified)
        {
            host.Warning(repositories.CopyTarget is null
                ? "Retention skipped: it runs only after a verified backup (-SkipVerify was given)."
                : "Retention and the offsite copy skipped: they follow only a verified backup (-SkipVerify was given).");
            return new NightlyBackupResult(backup, failures);
        }

        if (anomaly.HoldRetention)
        {
            host.Warning("Retention skipped: the anomaly check could not run, or the last backup before the anomaly could not be pinned, so nothing may expire tonight.");
        }

        await AfterBackupAsync(repositories, session, backup, (retentionDays, keepLast, anomaly.HoldRetention), failures, cancellationToken).ConfigureAwait(false);
        return new NightlyBackupResult(backup, failures);
    }

    /// <summary>
    /// Retention (unless held), and the offsite phases: a failed copy is added to <paramref name="failures"/> and skips
    /// the store's retention. A held retention still copies: the night data vanished is the night the copy matters most.
    /// </summary>
    private async Task AfterBackupAsync(
        BackupRepositories repositories, BackupSession session, BackupInfo backup, (int Days, int KeepLast, bool Held) retention, List<ScorecardException> failures,
        CancellationToken cancellationToken)
    {
        var primary = repositories.Primary;
        if (repositories.PrimaryStore is { } primaryStore)
        {
            // The primary repository is the store: its retention is the store's, with its own days and floor.
            if (!retention.Held)
            {
                await new OffsiteNight(primary, primaryStore, primaryStore.Store.Options, session.Log, host).ApplyRetentionAsync(backup, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (!retention.Held)
        {
            await ApplyLocalRetentionAsync(session, primary, retention.Days, retention.KeepLast, backup, cancellationToken).ConfigureAwait(false);
        }

        if (repositories.CopyTarget is not { } store)
        {
            return;
        }

        var offsite = new OffsiteNight(primary, store, store.Store.Options, session.Log, host);
        if (await offsite.CopyAsync(backup, session, cancellationToken).ConfigureAwait(false) is { } failure)
        {
            host.Warning("Offsite retention skipped: it runs only after a verified copy.");
            failures.Add(failure);
            return;
        }

        if (!retention.Held)
        {
            await offsite.ApplyRetentionAsync(backup, cancellationToken).ConfigureAwait(false);
        }
    }

    private BackupRequest Request(BackupRepositories repositories) => new()
    {
        DatabaseUrl = settings.GetDatabaseUrl(),
        Destination = repositories.StateFolder,
        PgDumpPath = settings.GetPath(SettingNames.PgDumpPath, options.CurrentDirectory),
        Jobs = options.Jobs,
        SkipVerify = options.SkipVerify,
        Compression = settings.GetCompression(),
        Recipients = settings.GetRecipients(options.CurrentDirectory),
        StallTimeout = TimeSpan.FromSeconds(settings.GetInt(SettingNames.BackupStallSeconds)),
        ModuleVersion = options.ModuleVersion,
        Repository = repositories.Primary,
        CopyTarget = repositories.CopyTarget,
    };

    private async Task ShowRetentionAsync(IBackupRepository primary, int retentionDays, int keepLast, CancellationToken cancellationToken)
    {
        if (!primary.OnLocalDisk)
        {
            return; // Listing the store under -WhatIf would wait on it; what its retention removes depends on tonight's copy anyway.
        }

        var plan = (await primary.ListAsync(cancellationToken).ConfigureAwait(false)).PlanRetention(retentionDays, keepLast, DateTime.UtcNow, justMade: null);
        foreach (var expired in plan.Expired)
        {
            await host.ShouldProcessAsync(expired.Path, "Remove expired backup").ConfigureAwait(false);
        }
    }

    private async Task ApplyLocalRetentionAsync(
        BackupSession session, IBackupRepository primary, int retentionDays, int keepLast, BackupInfo backup, CancellationToken cancellationToken)
    {
        var retention = session.PlanRetention(await primary.ListAsync(cancellationToken).ConfigureAwait(false), retentionDays, keepLast, backup);
        foreach (var suspicious in retention.FutureDated)
        {
            host.Warning(BackupSession.FutureDatedWarning(suspicious));
        }

        foreach (var damaged in retention.Damaged)
        {
            host.Warning(BackupSession.DamagedWarning(damaged));
        }

        foreach (var expired in retention.Expired)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await host.ShouldProcessAsync(expired.Path, "Remove expired backup").ConfigureAwait(false))
            {
                host.Verbose($"Retention: removing {expired.Name}.");
                if (await session.RemoveAsync(primary, expired, cancellationToken).ConfigureAwait(false) is { } problem)
                {
                    host.Warning($"Retention could not remove {expired.Name}: {problem}");
                }
            }
        }
    }

    /// <summary>The mail with the night's change and trend; a listing that fails now costs the mail its trend, never the mail.</summary>
    private async Task<NotificationFacts> WithHistoryAsync(NotificationFacts facts, Repository.IBackupRepository primary, BackupInfo backup, CancellationToken cancellationToken)
    {
        try
        {
            var listing = await primary.ListWithinBudgetAsync(cancellationToken).ConfigureAwait(false);
            return facts.WithHistory(backup.Name, BackupHistory.Build(listing.Backups, null, AnomalyRules.FromSettings(settings), DateTime.UtcNow));
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The night is done and the backup made: the trend is a nicety the mail can go without.
            host.Warning($"The mail goes without its trend: {e.Message}");
            return facts;
        }
    }

    /// <summary>The failure as the run's one error: logged when nobody logged it yet, and mailed under -Notify.</summary>
    private async Task<ScorecardException> FailAsync(Exception e, CancellationToken cancellationToken)
    {
        var failure = ScorecardException.From(e, ScorecardErrors.BackupFailed);
        if (e is not ScorecardException && _destination is not null)
        {
            new BackupLog(_destination).TryWrite("FAILED", $"{failure.ErrorId}: {failure.Message}");
        }

        if (options.Notify)
        {
            var facts = NotificationFacts.FromFailure(failure.ErrorId, failure.Message, TryTail(), host: BackupNotifications.DescribeDatabase(settings));
            await NotifyAsync(facts, cancellationToken).ConfigureAwait(false);
        }

        return failure;
    }

    private Task<string> NotifyAsync(NotificationFacts facts, CancellationToken cancellationToken) =>
        BackupNotifications.NotifyAsync(settings, options.CurrentDirectory, facts, _destination is null ? null : new BackupLog(_destination), host, cancellationToken);

    /// <summary>This run's last lines: the log's earlier runs are not this failure's story.</summary>
    private IReadOnlyList<string> TryTail()
    {
        if (_destination is null)
        {
            return [];
        }

        try
        {
            return new BackupLog(_destination).Tail(20, _logStart);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
