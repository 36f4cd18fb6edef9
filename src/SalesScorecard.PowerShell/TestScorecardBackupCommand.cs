using System.Management.Automation;
using SalesScorecard.Backup;
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

    protected override void ProcessRecord()
    {
        try
        {
            var settings = LoadSettings(new Dictionary<string, string?>
            {
                [SettingNames.DatabaseUrl] = DatabaseUrl,
                [SettingNames.BackupDir] = ProviderPath(Destination),
            });
            var folder = ParameterSetName switch
            {
                "InputObject" => InputObject!.Path,
                "Path" => ProviderPath(Path)!,
                _ => LatestBackup(settings.GetPath(SettingNames.BackupDir, CurrentDirectory)!),
            };
            if (folder is null)
            {
                return;
            }

            var options = new BackupTestOptions
            {
                RestoreDrillServer = RestoreDrill ? settings.GetDatabaseUrl() : null,
                MaxAge = MaxAge,
                PgDumpPath = settings.GetPath(SettingNames.PgDumpPath, CurrentDirectory),
            };
            var result = Run((reporter, ct) => BackupVerifier.TestAsync(folder, options, reporter, ct));
            WriteObject(result);
            if (!result.Passed)
            {
                var failed = string.Join("; ", result.Checks.Where(c => !c.Passed).Select(c => $"{c.Check}: {c.Detail}"));
                WriteScorecardError(new ScorecardException("BackupTestFailed", ScorecardErrorCategory.InvalidData,
                    $"The backup '{result.Name}' failed its test. {failed}", result.Path));
            }
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
        }
    }

    private string? LatestBackup(string destination)
    {
        var latest = BackupCatalog.List(destination).FirstOrDefault(b => b.Status == BackupStatus.Succeeded);
        if (latest is null)
        {
            WriteScorecardError(new ScorecardException("BackupNotFound", ScorecardErrorCategory.ObjectNotFound,
                $"There is no successful backup in '{destination}'.", destination));
        }

        return latest?.Path;
    }
}
