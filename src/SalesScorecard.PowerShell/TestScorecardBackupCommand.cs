using System.Management.Automation;
using SalesScorecard.Jobs;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

// Low: the drill's database is a scratch one and the mail an alert; the nightly watchdog must never stop at a prompt.
[Cmdlet(VerbsDiagnostic.Test, "ScorecardBackup", DefaultParameterSetName = "Path", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BackupTestResult))]
public sealed class TestScorecardBackupCommand : ScorecardDatabaseCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public BackupInfo? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The newest backup; with -Offsite the newest copy on the store, which -Offsite tests anyway.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Latest")]
    [Parameter(ParameterSetName = "Offsite")]
    public SwitchParameter Latest { get; set; }

    [Parameter(ParameterSetName = "Latest")]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Tests the newest copy on the store BACKUP_S3_URL names, by streaming it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Offsite")]
    public SwitchParameter Offsite { get; set; }

    [Parameter]
    public SwitchParameter RestoreDrill { get; set; }

    /// <summary>With -RestoreDrill: restores every object owned by the drill's user, for a server without the backup's roles.</summary>
    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    [Parameter]
    [HoursTimeSpan]
    public TimeSpan? MaxAge { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    /// <summary>The age identity file that reads an encrypted backup whole; overrides BACKUP_IDENTITY_FILE.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? IdentityFile { get; set; }

    /// <summary>Mails an alert when the backup is stale or missing, and a failure when a check fails; nothing when all is well.</summary>
    [Parameter]
    public SwitchParameter Notify { get; set; }

    protected override void ProcessRecord()
    {
        var settings = RunOrThrow(() => LoadSettings(new Dictionary<string, string?>
        {
            [SettingNames.DatabaseUrl] = DatabaseUrl,
            [SettingNames.BackupDir] = ProviderPath(Destination),
            [SettingNames.BackupIdentityFile] = ProviderPath(IdentityFile),
        }));
        var target = ParameterSetName switch
        {
            "InputObject" => BackupTestTarget.Piped,
            "Latest" => BackupTestTarget.Latest,
            "Offsite" => BackupTestTarget.Offsite,
            _ => BackupTestTarget.Path,
        };
        var request = new BackupTestRequest(target, InputObject?.Path ?? ProviderPath(Path), InputObject, RestoreDrill, NoOwner, MaxAge, Notify, CurrentDirectory);
        var outcome = RunOrThrow(() => RunJob((host, ct) => new BackupTestJob(settings, request, host).RunAsync(ct)));
        if (outcome.Result is not null)
        {
            WriteObject(outcome.Result);
        }

        if (outcome.Failure is not null)
        {
            WriteScorecardError(outcome.Failure);
        }
    }
}
