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
            if (Latest)
            {
                if (BackupCatalog.Latest(destination) is { } latest)
                {
                    WriteObject(latest);
                }
                else
                {
                    WriteScorecardError(BackupCatalog.NoBackup(destination));
                }

                return;
            }

            var patterns = (Name ?? ["*"]).Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
            foreach (var backup in BackupCatalog.List(destination).Where(b => patterns.Any(p => p.IsMatch(b.Name))))
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
