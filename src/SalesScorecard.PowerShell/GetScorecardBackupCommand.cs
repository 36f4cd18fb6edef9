using System.Management.Automation;
using SalesScorecard.Jobs;
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

    /// <summary>Lists the copies on the store BACKUP_S3_URL names instead of the local backups.</summary>
    [Parameter]
    public SwitchParameter Offsite { get; set; }

    protected override void EndProcessing() => RunOrThrow(() =>
    {
        var settings = LoadSettings(new Dictionary<string, string?>
        {
            [SettingNames.BackupDir] = ProviderPath(Destination),
        });
        var listing = Run((_, ct) => BackupListing.ReadAsync(settings, CurrentDirectory, Offsite, ct));
        if (!Latest)
        {
            WriteMatching(listing.Backups, listing.Where);
        }
        else if (listing.Latest is { } latest)
        {
            WriteObject(latest);
        }
        else
        {
            WriteScorecardError(listing.NoBackup());
        }
    });

    private void WriteMatching(IEnumerable<BackupInfo> all, string where)
    {
        var patterns = (Name ?? ["*"]).Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        var backups = all.Where(b => patterns.Any(p => p.IsMatch(b.Name))).ToList();
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
                WriteScorecardError(new ScorecardException(ScorecardErrors.BackupNotFound,
                    $"No backup named '{name}' is in {where}.", name));
            }
        }
    }
}
