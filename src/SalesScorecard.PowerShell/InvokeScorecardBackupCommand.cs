using System.Management.Automation;
using SalesScorecard.Backup;
using SalesScorecard.Mail;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Invoke, "ScorecardBackup", SupportsShouldProcess = true)]
[OutputType(typeof(BackupInfo))]
public sealed class InvokeScorecardBackupCommand : ScorecardCmdlet
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
        ScorecardSettings settings;
        try
        {
            settings = LoadSettings(new Dictionary<string, string?>
            {
                [SettingNames.DatabaseUrl] = DatabaseUrl,
                [SettingNames.BackupDir] = ProviderPath(Destination),
                [SettingNames.BackupRetentionDays] = RetentionDays?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [SettingNames.BackupKeepMin] = KeepLast?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [SettingNames.BackupCompression] = Compression,
                [SettingNames.BackupEncryptionRecipients] = RecipientSetting(),
            });
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
            return;
        }

        string? destination = null;
        long logStart = 0;
        try
        {
            destination = settings.GetPath(SettingNames.BackupDir, CurrentDirectory)!;
            logStart = new BackupLog(destination).Length;
            var backup = Backup(settings, destination);
            if (backup is null)
            {
                return;
            }

            if (Notify)
            {
                backup.Notification = SendNotification(settings, NotificationFacts.FromBackup(backup), destination);
            }

            WriteObject(backup);
        }
        catch (Exception e) when (e is not RuntimeException)
        {
            // RuntimeException is PowerShell's own (a stopped pipeline, -WarningAction Stop): it passes through.
            var log = destination is null ? null : new BackupLog(destination);
            var failure = AsScorecardFailure(e, "BackupFailed");
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

    /// <summary>The backup and its retention; null under -WhatIf.</summary>
    private BackupInfo? Backup(ScorecardSettings settings, string destination)
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
        };
        if (!ShouldProcess($"{url.Describe()} into {destination}", "Back up the database"))
        {
            // -WhatIf: say what retention would remove after a successful backup, and change nothing.
            var plan = BackupCatalog.PlanRetention(BackupCatalog.List(destination), retentionDays, keepLast, DateTime.UtcNow, justMade: null, BackupCatalog.MatchesChecksums);
            foreach (var expired in plan.Expired)
            {
                ShouldProcess(expired.Path, "Remove expired backup");
            }

            return null;
        }

        using var session = BackupSession.Open(destination);
        var backup = Run((reporter, ct) => session.RunAsync(request, reporter, ct));
        if (!backup.Verified)
        {
            WriteWarning("Retention skipped: it runs only after a verified backup (-SkipVerify was given).");
            return backup;
        }

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

        return backup;
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
