using System.Management.Automation;
using SalesScorecard.History;
using SalesScorecard.Jobs;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.Get, "ScorecardBackupHistory")]
[OutputType(typeof(BackupHistoryEntry))]
public sealed class GetScorecardBackupHistoryCommand : ScorecardCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Only backups started at or after this time (local time unless it says otherwise).</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only the newest this many backups.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>Only backups of databases whose name matches (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>Does not list the store: OffsiteCopy is then null, and nothing waits on the network.</summary>
    [Parameter]
    public SwitchParameter SkipOffsite { get; set; }

    protected override void EndProcessing() => RunOrThrow(() =>
    {
        var settings = LoadSettings(new Dictionary<string, string?> { [SettingNames.BackupDir] = ProviderPath(Destination) });
        var since = Since?.ToUniversalTime();
        var pattern = Database is null ? null : WildcardPattern.Get(Database, WildcardOptions.IgnoreCase);
        Func<string, bool>? matches = pattern is null ? null : pattern.IsMatch;
        foreach (var entry in Run((reporter, ct) => new HistoryListing(settings, CurrentDirectory, reporter).ReadAsync(since, Last, matches, SkipOffsite, ct)))
        {
            WriteObject(entry);
        }
    });
}
