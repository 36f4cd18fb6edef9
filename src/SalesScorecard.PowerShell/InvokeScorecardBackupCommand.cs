using System.Management.Automation;
using SalesScorecard.Jobs;
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
    [ValidateRange(WholeNumberRange.RetentionDaysMinimum, WholeNumberRange.RetentionDaysMaximum)]
    public int? RetentionDays { get; set; }

    [Parameter]
    [ValidateRange(WholeNumberRange.KeepMinMinimum, WholeNumberRange.KeepMinMaximum)]
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

        var options = new NightlyBackupOptions(CurrentDirectory, Jobs, SkipVerify, MyInvocation.MyCommand.Module?.Version?.ToString() ?? "0.0.0", Notify);
        var result = RunOrThrow(() => RunJob((host, ct) => new NightlyBackupJob(settings, options, host).RunAsync(ct)));
        if (result.Backup is null)
        {
            return;
        }

        WriteObject(result.Backup);
        // The backup is written first: a script still gets it, and cron and the watchdog see the failures.
        foreach (var failure in result.Failures)
        {
            WriteScorecardError(failure);
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
}
