using System.Management.Automation;
using SalesScorecard.Backup;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.Get, "ScorecardBackup", DefaultParameterSetName = "All")]
[OutputType(typeof(BackupInfo))]
public sealed class GetScorecardBackupCommand : ScorecardCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter(Position = 0, ParameterSetName = "All")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(BackupNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Latest")]
    public SwitchParameter Latest { get; set; }

    protected override void EndProcessing()
    {
        try
        {
            var destination = LoadSettings(new Dictionary<string, string?> { [SettingNames.BackupDir] = ProviderPath(Destination) })
                .GetPath(SettingNames.BackupDir, CurrentDirectory)!;
            var backups = BackupCatalog.List(destination);
            if (Latest)
            {
                var latest = backups.FirstOrDefault(b => b.Status == BackupStatus.Succeeded);
                if (latest is null)
                {
                    WriteScorecardError(new ScorecardException("BackupNotFound", ScorecardErrorCategory.ObjectNotFound,
                        $"There is no successful backup in '{destination}'.", destination));
                    return;
                }

                WriteObject(latest);
                return;
            }

            var patterns = (Name ?? ["*"]).Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
            foreach (var backup in backups.Where(b => patterns.Any(p => p.IsMatch(b.Name))))
            {
                WriteObject(backup);
            }
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
        }
    }
}
