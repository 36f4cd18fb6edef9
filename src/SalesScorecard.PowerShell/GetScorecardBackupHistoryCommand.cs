using System.Management.Automation;
using SalesScorecard.History;
using SalesScorecard.Jobs;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsCommon.Get, "ScorecardBackupHistory")]
[OutputType(typeof(BackupHistoryEntry))]
public sealed class GetScorecardBackupHistoryCommand : BackupHistoryCmdlet
{
    /// <summary>Only backups of databases whose name matches (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    protected override void EndProcessing() => RunOrThrow(() =>
    {
        var settings = LoadHistorySettings();
        var pattern = Database is null ? null : WildcardPattern.Get(Database, WildcardOptions.IgnoreCase);
        Func<string, bool>? matches = pattern is null ? null : pattern.IsMatch;
        foreach (var entry in Run((reporter, ct) => new HistoryListing(settings, CurrentDirectory, reporter).ReadAsync(SinceUtc, Last, matches, SkipOffsite, ct)))
        {
            WriteObject(entry);
        }
    });
}
