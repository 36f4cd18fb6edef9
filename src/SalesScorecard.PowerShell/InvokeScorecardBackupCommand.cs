using System.Management.Automation;
using SalesScorecard.Backup;
using SalesScorecard.Mail;
using SalesScorecard.Offsite;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Invoke, "ScorecardBackup", SupportsShouldProcess = true)]
[OutputType(typeof(BackupInfo))]
public sealed class InvokeScorecardBackupCommand : ScorecardDatabaseCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    [ValidateRange(0, 36500)]
    public int? RetentionDays { get; set; }

    [Parameter]
    [ValidateRange(1, 10000)]
    public int? KeepLast { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int? Jobs { get; set; }

    [Parameter]
    public SwitchParameter SkipVerify { get; set; }

    /// <summary>zstd, zstd:N (1-19) or pg_dump; overrides BACKUP_COMPRESSION.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Compression { get; set; }

    /// <summary>age recipients (age1...) or one recipients file; overrides BACKUP_ENCRYPTION_RECIPIENTS.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Recipient { get; set; }

    [Parameter]
    public SwitchParameter Notify { get; set; }

    protected override void ProcessRecord()
    {
        var settings = RunOrThrow(() => LoadSettings(new Dictionary<string, string?>
        {
            [SettingNames.DatabaseUrl] = DatabaseUrl,
            [SettingNames.BackupDir] = ProviderPath(Destination),
            [SettingNames.BackupRetentionDays] = RetentionDays?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SettingNames.BackupKeepMin] = KeepLast?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SettingNames.BackupCompression] = Compression,
            [SettingNames.BackupEncryptionRecipients] = RecipientSetting(),
        }));

        string? destination = null;
        long logStart = 0;
        try
        {
            // BACKUP_DIR=s3://...: the backup streams straight to the store; only the lock and backup.log stay here.
            var direct = OffsiteOptions.BackupDirStore(settings);
            destination = direct?.StateFolder(Environment.GetEnvironmentVariable) ?? settings.GetPath(SettingNames.BackupDir, CurrentDirectory)!;
            logStart = new BackupLog(destination).Length;
            using var store = OffsiteOptions.FromSettings(settings, direct) is { } options ? OffsiteStore.Open(options) : null;
            var (backup, offsiteFailure) = Backup(settings, destination, store, direct is not null);
            if (backup is null)
            {
                return;
            }

            if (Notify)
            {
                var facts = NotificationFacts.FromBackup(backup, offsiteFailure, offsiteFailure is null ? null : TryTail(new BackupLog(destination), logStart));
                backup.Notification = SendNotification(settings, facts, destination);
            }

            WriteObject(backup);
            if (offsiteFailure is not null)
            {
                // The local backup is written first: a script still gets it, and cron and the watchdog see the failure.
                WriteScorecardError(offsiteFailure);
            }
        }
        catch (Exception e) when (e is not RuntimeException)
        {
            // RuntimeException is PowerShell's own (a stopped pipeline, -WarningAction Stop): it passes through.
            var log = destination is null ? null : new BackupLog(destination);
            var failure = AsScorecardFailure(e, ScorecardErrors.BackupFailed);
            if (e is not ScorecardException)
            {
                log?.TryWrite("FAILED", $"{failure.ErrorId}: {failure.Message}");
            }

            if (Notify)
            {
                var facts = NotificationFacts.FromFailure(failure.ErrorId, failure.Message, log is null ? [] : TryTail(log, logStart), host: BackupNotifications.DescribeDatabase(settings));
                SendNotification(settings, facts, destination);
            }

            ThrowScorecardError(failure);
        }
    }

    /// <summary>-Recipient as the setting reads it: the keys themselves, or the full path of one recipients file.</summary>
    private string? RecipientSetting() =>
        Recipient switch
        {
            null => null,
            [var single] when !single.StartsWith("age1", StringComparison.Ordinal) => ProviderPath(single),
            _ => string.Join(",", Recipient),
        };

    /// <summary>
    /// The backup, its offsite copy and both retentions; null under -WhatIf. A failed offsite copy is returned, not
    /// thrown: the local backup it leaves is still the run's result.
    /// </summary>
    private (BackupInfo? Backup, ScorecardException? OffsiteFailure) Backup(ScorecardSettings settings, string destination, OffsiteStore? store, bool direct)
    {
        var url = settings.GetDatabaseUrl();
        var retentionDays = settings.GetInt(SettingNames.BackupRetentionDays, 0, 36500);
        var keepLast = settings.GetInt(SettingNames.BackupKeepMin, 1, 10000);
        // Every setting is read before anything is done, so that a wrong one changes nothing.
        var request = new BackupRequest
        {
            DatabaseUrl = url,
            Destination = destination,
            PgDumpPath = settings.GetPath(SettingNames.PgDumpPath, CurrentDirectory),
            Jobs = Jobs,
            SkipVerify = SkipVerify,
            Compression = settings.GetCompression(),
            Recipients = settings.GetRecipients(CurrentDirectory),
            StallTimeout = TimeSpan.FromSeconds(settings.GetInt(SettingNames.BackupStallSeconds, 1, 86400)),
            ModuleVersion = MyInvocation.MyCommand.Module?.Version?.ToString() ?? "0.0.0",
            DirectStore = direct ? store : null,
            CopyStore = direct ? null : store,
        };
        // In ShouldProcess(target, action)'s words, through the overload that tells -WhatIf from a declined prompt.
        var operation = $"Performing the operation \"Back up the database\" on target \"{url.Describe()} into {(direct ? store!.Location.ToString() : destination)}\".";
        if (!ShouldProcess(operation, $"Are you sure you want to perform this action?\n{operation}", "Confirm", out var reason))
        {
            // -WhatIf: say what retention would remove after a successful backup. A user who declined the backup at a
            // -Confirm prompt is not asked about a retention that will not run.
            if (reason == ShouldProcessReason.WhatIf)
            {
                var plan = BackupCatalog.PlanRetention(BackupCatalog.List(destination), retentionDays, keepLast, DateTime.UtcNow, justMade: null, BackupCatalog.MatchesChecksums);
                foreach (var expired in plan.Expired)
                {
                    ShouldProcess(expired.Path, "Remove expired backup");
                }
            }

            return (null, null);
        }

        using var session = BackupSession.Open(destination);
        var backup = Run((reporter, ct) => session.RunAsync(request, reporter, ct));
        if (!backup.Verified)
        {
            WriteWarning(store is null || direct
                ? "Retention skipped: it runs only after a verified backup (-SkipVerify was given)."
                : "Retention and the offsite copy skipped: they follow only a verified backup (-SkipVerify was given).");
            return (backup, null);
        }

        if (!direct)
        {
            ApplyLocalRetention(session, retentionDays, keepLast, backup);
        }

        if (store is null)
        {
            return (backup, null);
        }

        if (!direct && CopyOffsite(store, backup, session) is { } failure)
        {
            WriteWarning("Offsite retention skipped: it runs only after a verified copy.");
            return (backup, failure);
        }

        ApplyOffsiteRetention(store, session.Log, backup);
        return (backup, null);
    }

    private ScorecardException? CopyOffsite(OffsiteStore store, BackupInfo backup, BackupSession session)
    {
        try
        {
            Run((reporter, ct) => OffsiteBackups.CopyAsync(store, backup, session, reporter, ct));
            return null;
        }
        catch (ScorecardException e)
        {
            return e;
        }
    }

    private void ApplyOffsiteRetention(OffsiteStore store, BackupLog log, BackupInfo backup)
    {
        RetentionPlan plan;
        try
        {
            plan = Run(async (_, ct) =>
            {
                await OffsiteBackups.RemoveAbandonedAsync(store, log, ct).ConfigureAwait(false);
                return await OffsiteBackups.PlanRetentionAsync(store, backup.Name, ct).ConfigureAwait(false);
            });
        }
        catch (ScorecardException e)
        {
            // The backup and its copy are made and verified: a store that fails now only delays retention to the next run.
            log.TryWrite("RETAIN", $"Retention on the store did not run: {e.ErrorId}: {e.Message}");
            WriteWarning($"Retention on the store did not run ({e.ErrorId}): {e.Message}");
            return;
        }

        foreach (var suspicious in plan.FutureDated)
        {
            WriteWarning(BackupSession.FutureDatedWarning(suspicious));
        }

        foreach (var expired in plan.Expired)
        {
            if (ShouldProcess(expired.Path, "Remove expired offsite copy") && Run((_, ct) => OffsiteBackups.RemoveAsync(store, expired, log, ct)) is { } problem)
            {
                WriteWarning($"Retention could not remove the offsite copy {expired.Name}: {problem}");
            }
        }
    }

    private void ApplyLocalRetention(BackupSession session, int retentionDays, int keepLast, BackupInfo backup)
    {
        var retention = session.PlanRetention(retentionDays, keepLast, backup);
        foreach (var suspicious in retention.FutureDated)
        {
            WriteWarning(BackupSession.FutureDatedWarning(suspicious));
        }

        foreach (var damaged in retention.Damaged)
        {
            WriteWarning(BackupSession.DamagedWarning(damaged));
        }

        foreach (var expired in retention.Expired)
        {
            if (ShouldProcess(expired.Path, "Remove expired backup"))
            {
                WriteVerbose($"Retention: removing {expired.Name}.");
                if (session.Remove(expired) is { } problem)
                {
                    WriteWarning($"Retention could not remove {expired.Name}: {problem}");
                }
            }
        }
    }

    private string SendNotification(ScorecardSettings settings, NotificationFacts facts, string? destination) =>
        Run((reporter, ct) => BackupNotifications.NotifyAsync(settings, CurrentDirectory, facts, destination is null ? null : new BackupLog(destination), reporter, ct));

    /// <summary>This run's last lines: the log's earlier runs are not this failure's story.</summary>
    private static IReadOnlyList<string> TryTail(BackupLog log, long since)
    {
        try
        {
            return log.Tail(20, since);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
