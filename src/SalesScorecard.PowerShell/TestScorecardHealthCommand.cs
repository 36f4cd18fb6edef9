using System.Management.Automation;
using SalesScorecard.Health;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsDiagnostic.Test, "ScorecardHealth", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(HealthCheck), typeof(bool))]
public sealed class TestScorecardHealthCommand : ScorecardDatabaseCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>How old the newest backup and the newest offsite copy may be; 26 hours by default (a nightly job and its slack).</summary>
    [Parameter]
    [HoursTimeSpan]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(26);

    /// <summary>Returns only $true when no check failed, $false otherwise.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Mails the findings when any check is not Passed.</summary>
    [Parameter]
    public SwitchParameter Notify { get; set; }

    protected override void EndProcessing() => RunOrThrow(() =>
    {
        var settings = LoadSettings(new Dictionary<string, string?>
        {
            [SettingNames.DatabaseUrl] = DatabaseUrl,
            [SettingNames.BackupDir] = ProviderPath(Destination),
        });
        var checks = RunJob((host, ct) => new HealthJob(settings, CurrentDirectory, MaxAge, Notify, host).RunAsync(ct));
        if (Quiet)
        {
            WriteObject(checks.All(c => c.Status != HealthStatus.Failed));
            return;
        }

        foreach (var check in checks)
        {
            WriteObject(check);
        }
    });
}
