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
            var scheduler = BackupSchedulers.ForThisMachine();
            var existing = RunQuick(ct => scheduler.ListAsync(Name, ct));
            if (existing.Count == 0)
            {
                WriteScorecardError(new ScorecardException("ScheduleNotFound", ScorecardErrorCategory.ObjectNotFound,
                    $"No schedule named '{Name}' is registered for this user.", Name));
                return;
            }

            if (ShouldProcess($"{Name} ({string.Join(", ", existing.Select(e => e.Kind))})", "Remove the scheduled jobs"))
            {
                var removed = RunQuick(ct => scheduler.UnregisterAsync(Name, ct));
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
