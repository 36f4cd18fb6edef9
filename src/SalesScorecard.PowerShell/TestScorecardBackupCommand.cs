using System.Management.Automation;
using SalesScorecard.Backup;
using SalesScorecard.Mail;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsDiagnostic.Test, "ScorecardBackup", DefaultParameterSetName = "Path")]
[OutputType(typeof(BackupTestResult))]
public sealed class TestScorecardBackupCommand : ScorecardCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public BackupInfo? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Latest")]
    public SwitchParameter Latest { get; set; }

    [Parameter(ParameterSetName = "Latest")]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    public SwitchParameter RestoreDrill { get; set; }

    [Parameter]
    public TimeSpan? MaxAge { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    /// <summary>Mails an alert when the backup is stale or missing, and a failure when a check fails; nothing when all is well.</summary>
    [Parameter]
    public SwitchParameter Notify { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var settings = LoadSettings(new Dictionary<string, string?>
            {
                [SettingNames.DatabaseUrl] = DatabaseUrl,
                [SettingNames.BackupDir] = ProviderPath(Destination),
            });
            var (folder, latest) = ParameterSetName switch
            {
                "InputObject" => (InputObject!.Path, InputObject),
                "Path" => (ProviderPath(Path)!, null),
                _ => LatestBackup(settings.GetPath(SettingNames.BackupDir, CurrentDirectory)!),
            };
            BackupTestResult? result = null;
            if (folder is not null)
            {
                var options = new BackupTestOptions
                {
                    RestoreDrillServer = RestoreDrill ? settings.GetDatabaseUrl() : null,
                    MaxAge = MaxAge,
                    PgDumpPath = settings.GetPath(SettingNames.PgDumpPath, CurrentDirectory),
                };
                result = Run((reporter, ct) => BackupVerifier.TestAsync(folder, options, reporter, ct));
                WriteObject(result);
                if (!result.Passed)
                {
                    var failed = string.Join("; ", result.Checks.Where(c => !c.Passed).Select(c => $"{c.Check}: {c.Detail}"));
                    WriteScorecardError(new ScorecardException("BackupTestFailed", ScorecardErrorCategory.InvalidData,
                        $"The backup '{result.Name}' failed its test. {failed}", result.Path));
                }
            }

            if (Notify && NotificationFacts.FromBackupTest(result, latest ?? (folder is null ? null : BackupCatalog.Read(folder)), MaxAge, DateTime.UtcNow) is { } facts)
            {
                var destination = folder is null ? settings.GetPath(SettingNames.BackupDir, CurrentDirectory)! : System.IO.Path.GetDirectoryName(folder)!;
                Run((reporter, ct) => BackupNotifications.NotifyAsync(settings, CurrentDirectory, facts, new BackupLog(destination), reporter, ct));
            }
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
        }
    }

    /// <summary>The newest successful backup; a BackupNotFound error (and no folder) when there is none.</summary>
    private (string? Folder, BackupInfo? Latest) LatestBackup(string destination)
    {
        var latest = BackupCatalog.List(destination).FirstOrDefault(b => b.Status == BackupStatus.Succeeded);
        if (latest is null)
        {
            WriteScorecardError(new ScorecardException("BackupNotFound", ScorecardErrorCategory.ObjectNotFound,
                $"There is no successful backup in '{destination}'.", destination));
        }

        return (latest?.Path, latest);
    }
}
