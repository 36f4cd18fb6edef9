using System.Management.Automation;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

/// <summary>What Get-ScorecardBackupHistory and Export-ScorecardBackupReport share: which backups' history, from where.</summary>
public abstract class BackupHistoryCmdlet : ScorecardCmdlet
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

    /// <summary>Does not list the store: OffsiteCopy is then null, and nothing waits on the network.</summary>
    [Parameter]
    public SwitchParameter SkipOffsite { get; set; }

    private protected ScorecardSettings LoadHistorySettings() => LoadSettings(new Dictionary<string, string?> { [SettingNames.BackupDir] = ProviderPath(Destination) });

    private protected DateTime? SinceUtc => Since?.ToUniversalTime();
}
