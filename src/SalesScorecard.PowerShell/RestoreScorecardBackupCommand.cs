using System.Management.Automation;
using SalesScorecard.Backup;
using SalesScorecard.Repository;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsData.Restore, "ScorecardBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Path")]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreScorecardBackupCommand : ScorecardDatabaseCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public BackupInfo? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? TargetDatabase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    [Parameter]
    public SwitchParameter Clean { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int? Jobs { get; set; }

    /// <summary>For a server that lacks the backup's roles: pg_restore --no-owner --no-privileges.</summary>
    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    /// <summary>The age identity file that decrypts an encrypted backup; overrides BACKUP_IDENTITY_FILE.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? IdentityFile { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var settings = LoadSettings(new Dictionary<string, string?>
            {
                [SettingNames.DatabaseUrl] = DatabaseUrl,
                [SettingNames.BackupIdentityFile] = ProviderPath(IdentityFile),
            });
            var url = settings.GetDatabaseUrl();
            // A backup on the store (s3://bucket/prefix/backup-...) is streamed into pg_restore, never copied to disk first.
            var source = InputObject?.Path ?? ProviderPath(Path)!;
            var action = Clean ? "Restore, dropping and replacing the objects the backup holds" : "Restore into";
            if (!ShouldProcess($"database '{TargetDatabase}' on {url.Host}:{url.Port} from {source}", action))
            {
                return;
            }

            var pgDumpPath = settings.GetPath(SettingNames.PgDumpPath, CurrentDirectory);
            var options = new RestoreOptions { Clean = Clean, Jobs = Jobs, NoOwner = NoOwner, PgDumpPath = pgDumpPath, Identities = settings.GetIdentities(CurrentDirectory) };
            var result = Run(async (reporter, ct) =>
            {
                var (repository, backup) = await BackupRepositories.OpenBackupAsync(settings, source, nameof(Path), ct).ConfigureAwait(false);
                using (repository)
                {
                    return await RestoreEngine.RestoreAsync(url, backup, TargetDatabase!, options, reporter, ct).ConfigureAwait(false);
                }
            });
            WriteObject(result);
            if (!result.Passed)
            {
                WriteScorecardError(new ScorecardException(ScorecardErrors.RowCountMismatch,
                    $"The restored database '{TargetDatabase}' does not match the backup: {string.Join("; ", result.Mismatches)}", TargetDatabase));
            }
        }
        catch (Exception e) when (e is not RuntimeException)
        {
            ThrowScorecardError(AsScorecardFailure(e, ScorecardErrors.RestoreFailed));
        }
    }
}
