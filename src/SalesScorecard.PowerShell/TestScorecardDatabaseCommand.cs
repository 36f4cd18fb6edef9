using System.Management.Automation;
using SalesScorecard.Database;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsDiagnostic.Test, "ScorecardDatabase")]
[OutputType(typeof(DatabaseInfo))]
public sealed class TestScorecardDatabaseCommand : ScorecardDatabaseCmdlet
{
    /// <summary>Overrides DATABASE_URL from the environment and the .env file.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    protected override void ProcessRecord() => RunOrThrow(() =>
    {
        var url = LoadSettings(new Dictionary<string, string?> { [SettingNames.DatabaseUrl] = DatabaseUrl }).GetDatabaseUrl();
        WriteVerbose($"Connecting to {url.Describe()}.");
        WriteObject(Run((_, ct) => DatabaseInspector.InspectAsync(url, ct)));
    });
}
