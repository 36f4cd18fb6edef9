using System.Management.Automation;
using SalesScorecard.Scheduling;

namespace SalesScorecard.PowerShell;

[Cmdlet(VerbsLifecycle.Unregister, "ScorecardBackupSchedule", SupportsShouldProcess = true)]
[OutputType(typeof(ScheduleEntry))]
public sealed class UnregisterScorecardBackupScheduleCommand : ScorecardCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "SalesScorecardBackup";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            RegisterScorecardBackupScheduleCommand.EnsureCron();
            var existing = RunQuick(ct => CronScheduler.ListAsync(Name, ct));
            if (existing.Count == 0)
            {
                WriteScorecardError(new ScorecardException("ScheduleNotFound", ScorecardErrorCategory.ObjectNotFound,
                    $"No schedule named '{Name}' is registered in this user's crontab.", Name));
                return;
            }

            if (ShouldProcess($"{Name} ({string.Join(", ", existing.Select(e => e.Kind))})", "Remove the crontab entries"))
            {
                var removed = RunQuick(ct => CronScheduler.UnregisterAsync(Name, ct));
                if (PassThru)
                {
                    WriteObject(removed, enumerateCollection: true);
                }
            }
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
        }
    }
}
