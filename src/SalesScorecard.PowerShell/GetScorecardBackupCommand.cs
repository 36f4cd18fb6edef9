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
            var backups = BackupCatalog.List(destination).Where(b => patterns.Any(p => p.IsMatch(b.Name))).ToList();
            foreach (var backup in backups)
            {
                WriteObject(backup);
            }

            // As Get-Process does: a plain name that matches nothing is an error, a wildcard that matches nothing is not.
            foreach (var name in (Name ?? []).Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
            {
                var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                if (!backups.Any(b => pattern.IsMatch(b.Name)))
                {
                    WriteScorecardError(new ScorecardException("BackupNotFound", ScorecardErrorCategory.ObjectNotFound,
                        $"No backup named '{name}' is in {destination}.", name));
                }
            }
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
        }
    }
}
