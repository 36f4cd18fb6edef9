using System.Management.Automation;
using SalesScorecard.Backup;
using SalesScorecard.Offsite;
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
        if (Offsite || OffsiteLocation.IsOffsite(settings.Get(SettingNames.BackupDir)))
        {
            WriteOffsite(settings);
            return;
        }

        var destination = settings.GetPath(SettingNames.BackupDir, CurrentDirectory)!;
        BackupCatalog.RequireFolder(destination);
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

        WriteMatching(BackupCatalog.List(destination), destination);
    });

    /// <summary>The backups on the store: -Destination s3://..., BACKUP_DIR=s3://... or, with -Offsite, BACKUP_S3_URL.</summary>
    private void WriteOffsite(ScorecardSettings settings)
    {
        var direct = OffsiteOptions.BackupDirStore(settings);
        var options = OffsiteOptions.FromSettings(settings, direct)
            ?? throw OffsiteOptions.NotConfigured();
        using var store = OffsiteStore.Open(options);
        if (Latest)
        {
            if (Run((_, ct) => OffsiteBackups.LatestAsync(store, ct)) is { } latest)
            {
                WriteObject(latest);
            }
            else
            {
                WriteScorecardError(new ScorecardException(ScorecardErrors.BackupNotFound, $"There is no complete backup in {store.Location}.", store.Location.Url()));
            }

            return;
        }

        WriteMatching(Run(async (_, ct) => (await store.ListAsync(ct).ConfigureAwait(false)).Select(b => b.Info).ToList()), store.Location.Url());
    }

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
